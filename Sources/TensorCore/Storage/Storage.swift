import Synchronization

/// A contiguous block of Float32 values, owned by one allocation and freed when the last
/// reference goes away. Tensors share a storage when a view (reshape) is enough.
///
/// The storage is a class so that many tensors can point at one buffer without copying;
/// it is never resized. Kernels read and write through `pointer` directly.
public final class Storage: @unchecked Sendable {
    /// Storages alive right now and their bytes: a cheap, exact way to see that a training
    /// loop frees its graphs (tests) and how much tensor memory a workload holds (benchmarks).
    public static var liveCount: Int { live.load(ordering: .relaxed) }
    public static var liveBytes: Int { liveByteCount.load(ordering: .relaxed) }
    private static let live = Atomic<Int>(0)
    private static let liveByteCount = Atomic<Int>(0)

    public let count: Int
    public let pointer: UnsafeMutablePointer<Float>

    /// Uninitialized storage of `count` floats (64-byte aligned, as AVX-512 loads like).
    public init(uninitialized count: Int) {
        require(count >= 0, "Storage: negative element count \(count)")
        self.count = count
        let raw = UnsafeMutableRawPointer.allocate(
            byteCount: max(count, 1) * MemoryLayout<Float>.stride, alignment: 64)
        self.pointer = raw.bindMemory(to: Float.self, capacity: max(count, 1))
        Storage.live.add(1, ordering: .relaxed)
        Storage.liveByteCount.add(count * 4, ordering: .relaxed)
    }

    /// Storage filled with `value`.
    public convenience init(repeating value: Float, count: Int) {
        self.init(uninitialized: count)
        pointer.update(repeating: value, count: count)
    }

    /// Storage holding a copy of `values`.
    public convenience init<C: Collection>(_ values: C) where C.Element == Float {
        self.init(uninitialized: values.count)
        var i = 0
        for v in values { pointer[i] = v; i += 1 }
    }

    deinit {
        UnsafeMutableRawPointer(pointer).deallocate()
        Storage.live.subtract(1, ordering: .relaxed)
        Storage.liveByteCount.subtract(count * 4, ordering: .relaxed)
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
}
