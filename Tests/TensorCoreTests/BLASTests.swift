import Testing
import TensorCore

@Suite struct BLASTests {
    /// A product split over two threads (by rows when C is tall, by columns when wide)
    /// equals the one-thread product (to rounding: OpenBLAS picks its kernels by size, so
    /// the parts may sum in another order), for every transpose combination and for sizes
    /// that are not multiples of 16; and it is deterministic.
    @Test(arguments: [(512, 128, 128), (128, 512, 128), (200, 64, 96), (64, 784, 256), (40, 256, 600)])
    func splitMatchesOneThread(_ shape: (Int, Int, Int)) {
        let (m, k, n) = shape
        var rng = RandomGenerator(seed: UInt64(m + k + n))
        let a = Storage(uninitialized: m * k), b = Storage(uninitialized: k * n)
        rng.fillNormal(a.buffer, mean: 0, std: 1)
        rng.fillNormal(b.buffer, mean: 0, std: 1)
        for transA in [false, true] {
            for transB in [false, true] {
                func product(threads: Int, split: Int) -> [Float] {
                    let c = Storage(repeating: 0.5, count: m * n)
                    BLAS.sgemm(transA: transA, transB: transB, m: m, n: n, k: k, alpha: 1.5,
                               a: a.pointer, lda: transA ? m : k, b: b.pointer, ldb: transB ? k : n,
                               beta: 0.25, c: c.pointer, ldc: n, threads: threads, splitThreshold: split)
                    return c.toArray()
                }
                let one = product(threads: 1, split: .max)
                let split = product(threads: 2, split: 1)
                let maxDiff = zip(split, one).map { abs($0 - $1) }.max()!
                #expect(maxDiff < 1e-5 * Float(k), "transA \(transA) transB \(transB): max difference \(maxDiff)")
                #expect(product(threads: 2, split: 1) == split)
                // and it is the product: one entry by hand
                var ref: Float = 0
                for p in 0..<k {
                    let av = transA ? a.pointer[p * m + (m - 1)] : a.pointer[(m - 1) * k + p]
                    let bv = transB ? b.pointer[(n - 1) * k + p] : b.pointer[p * n + (n - 1)]
                    ref += av * bv
                }
                #expect(abs(split[m * n - 1] - (1.5 * ref + 0.125)) < 1e-3 * Float(k).squareRoot())
                // and three threads (parts not on the 16-aligned halves) agree too
                let three = product(threads: 3, split: 1)
                #expect(zip(three, one).map { abs($0 - $1) }.max()! < 1e-5 * Float(k))
            }
        }
    }
}

@Suite struct BLASCoreTests {
    /// OpenBLAS's generic fallback on an AVX-512 CPU is replaced by SkylakeX kernels, on an
    /// AVX2 CPU by Haswell's; a fitting choice is kept; a CPU without either keeps its own.
    @Test func fallbackKernelsAreReplaced() {
        #expect(BLASCore.choice(current: "Prescott", avx512: true, avx2: true) == "SkylakeX")
        #expect(BLASCore.choice(current: "Haswell", avx512: true, avx2: true) == "SkylakeX")
        #expect(BLASCore.choice(current: "Cooperlake", avx512: true, avx2: true) == nil)
        #expect(BLASCore.choice(current: "SKYLAKEX", avx512: true, avx2: true) == nil)
        #expect(BLASCore.choice(current: "Prescott", avx512: false, avx2: true) == "Haswell")
        #expect(BLASCore.choice(current: "Zen", avx512: false, avx2: true) == nil)
        #expect(BLASCore.choice(current: "Prescott", avx512: false, avx2: false) == nil)
        #expect(!BLASCore.name.isEmpty)
    }
}
