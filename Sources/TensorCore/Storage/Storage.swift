import CKernels
import Synchronization

/// A contiguous block of Float32 values, freed when the last tensor using it goes away.
/// Tensors share a storage when a view (reshape) is enough; it is never resized, and
/// kernels read and write it through `pointer` directly.
///
/// The values live in the same heap block as the reference count (a `ManagedBuffer`), so a
/// tensor costs one allocation, not two: small tensors are dominated by that cost.
public struct Storage: @unchecked Sendable {
    public let count: Int
    public let pointer: UnsafeMutablePointer<Float>
    let block: StorageBlock

    /// Uninitialized storage of `count` floats.
    public init(uninitialized count: Int) {
        require(count >= 0, "Storage: negative element count \(count)")
        if !HeapTuning.done { HeapTuning.apply() }
        let block = unsafeDowncast(StorageBlock.create(minimumCapacity: max(count, 1)) { _ in count }, to: StorageBlock.self)
        self.block = block
        self.count = count
        self.pointer = block.withUnsafeMutablePointerToElements { $0 }
        Storage.live.add(1, ordering: .relaxed)
    }

    /// Storage filled with `value`.
    public init(repeating value: Float, count: Int) {
        self.init(uninitialized: count)
        pointer.update(repeating: value, count: count)
    }

    /// Storage holding a copy of `values`.
    public init<C: Collection>(_ values: C) where C.Element == Float {
        self.init(uninitialized: values.count)
        var i = 0
        for v in values { pointer[i] = v; i += 1 }
    }

    public var buffer: UnsafeMutableBufferPointer<Float> {
        UnsafeMutableBufferPointer(start: pointer, count: count)
    }

    public func toArray() -> [Float] { Array(buffer) }

    /// A fresh storage with the same values.
    public func copy() -> Storage {
        let s = Storage(uninitialized: count)
        s.pointer.update(from: pointer, count: count)
        return s
    }

    /// True when both name the same memory.
    public func isSame(as other: Storage) -> Bool { block === other.block }

    /// Storages alive right now: a cheap, exact way to see that a training loop frees its
    /// graphs (tests) and how many tensors a workload holds.
    public static var liveCount: Int { live.load(ordering: .relaxed) }

    /// Whether glibc took the heap settings that keep freed buffers for reuse (see
    /// `HeapTuning`); false before the first storage, off glibc, or when opted out.
    public static var heapTuningApplied: Bool { HeapTuning.applied }
    static let live = Atomic<Int>(0)
}

/// The heap block behind a `Storage`: header = element count, then the floats.
final class StorageBlock: ManagedBuffer<Int, Float> {
    deinit { Storage.live.subtract(1, ordering: .relaxed) }
}

/// glibc serves blocks above its mmap threshold (128 KiB to start with) from fresh mappings
/// and unmaps them on free, and gives the heap's top back to the system past 128 KiB of free
/// space. A training step allocates the same activation-sized buffers every step, so by
/// default each one costs an mmap, a page fault per 4 KiB page touched and an munmap: a
/// third of a small GAN's step (W1 of BENCHMARKS.md). Raising both thresholds keeps those
/// blocks in the heap for reuse, as PyTorch's caching allocator does for its tensors.
/// Applied once, at the first storage; `SWIFTGAN_MALLOC_TUNING=0` leaves glibc as it is.
enum HeapTuning {
    /// Set once the tuning ran (a plain flag: a lazy global whose value goes unused can be
    /// optimized away, and racing first calls would only repeat the same two settings).
    nonisolated(unsafe) static var done = false
    /// Whether glibc took the settings.
    nonisolated(unsafe) static var applied = false

    @inline(never)
    static func apply() {
        done = true
        if getEnvironment("SWIFTGAN_MALLOC_TUNING") == "0" { return }
        applied = sg_tune_heap() != 0
    }
}
