import Autograd
import CBLAS

/// matmul through the engine next to a direct cblas_sgemm call of the same shape, at the
/// same thread count: the engine splits the product over its own threads, the direct call
/// uses OpenBLAS's threading (the engine pins OpenBLAS back to one thread on its next call).
func benchMatMul(threads: Int) {
    BLAS.maxThreads = threads
    // (m, k, n, where the shape comes from)
    let shapes: [(Int, Int, Int, String)] = [
        (512, 512, 512, "square"), (1024, 1024, 1024, "square"),
        (512, 2, 128, "W1.G1"), (512, 128, 128, "W1.hidden"), (512, 128, 1, "W1.out"),
        (64, 100, 256, "W2.G1"), (64, 256, 784, "W2.G2"), (64, 784, 256, "W2.D1"), (64, 256, 1, "W2.D2"),
        (64, 100, 12544, "W3.G.dense"), (64, 6272, 1, "W3.D.dense"),
        (3136, 6400, 128, "W3.convT.im2col"), (12544, 1600, 128, "W3.conv.im2col.b256"),
    ]
    var rng = RandomGenerator(seed: 1)
    for (m, k, n, origin) in shapes {
        let a = Tensor.randomNormal([m, k], using: &rng)
        let b = Tensor.randomNormal([k, n], using: &rng)
        let flop = 2.0 * Double(m) * Double(k) * Double(n)
        let ours = Timer.secondsPerCall { blackHole(a.matmul(b)) }
        let used = m * n * k < BLAS.splitThreshold ? 1 : threads
        let c = Storage(uninitialized: m * n)
        let direct = Timer.secondsPerCall {
            openblas_set_num_threads(Int32(used))
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(m), Int32(n), Int32(k), 1,
                        a.storage.pointer, Int32(k), b.storage.pointer, Int32(n), 0, c.pointer, Int32(n))
        }
        report("matmul", ["shape": "\(m)x\(k)x\(n)", "origin": origin, "threads": threads, "blas_threads": used,
                          "gflops": flop / ours / 1e9, "sgemm_gflops": flop / direct / 1e9,
                          "vs_sgemm": direct / ours])
    }
}

/// Peak SGEMM (best of the large squares), the reference for "% of peak" figures.
func measuredPeakGFLOPs(threads: Int) -> Double {
    BLAS.maxThreads = threads
    var best = 0.0
    var rng = RandomGenerator(seed: 2)
    for n in [512, 1024] {
        let a = Tensor.randomNormal([n, n], using: &rng), b = Tensor.randomNormal([n, n], using: &rng)
        let s = Timer.secondsPerCall { blackHole(a.matmul(b)) }
        best = max(best, 2.0 * Double(n * n * n) / s / 1e9)
    }
    return best
}
