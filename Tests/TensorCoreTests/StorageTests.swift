import Testing
import TensorCore

@Suite struct StorageTests {
    /// The heap tuning behind Storage (glibc keeps freed activation buffers for reuse) is
    /// applied with the first storage; on glibc it must take effect, not silently no-op.
    @Test func heapTuningIsAppliedOnGlibc() {
        let s = Storage(repeating: 1, count: 1 << 16)
        #expect(s.buffer.allSatisfy { $0 == 1 })
#if os(Linux)
        if getEnvironment("SWIFTGAN_MALLOC_TUNING") != "0" { #expect(Storage.heapTuningApplied) }
#endif
    }

    /// Buffers freed and allocated again, as a training step does, keep their sizes and
    /// values independent (the reuse is the allocator's; storage semantics are unchanged).
    @Test func reusedBlocksStartFresh() {
        for round in 0..<4 {
            let a = Storage(repeating: Float(round), count: 300_000)
            let b = Storage(repeating: -1, count: 300_000)
            #expect(a.pointer[299_999] == Float(round) && b.pointer[0] == -1 && !a.isSame(as: b))
        }
    }
}
