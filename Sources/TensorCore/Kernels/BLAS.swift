import CBLAS

/// Matrix products through OpenBLAS's `cblas_sgemm`, row-major. Transposes are passed to
/// BLAS as flags, never materialized.
///
/// Threads: OpenBLAS's threading costs more than it gains on small products (a 512x128x128
/// product runs faster on one thread than on two on this machine kind, see the benchmarks),
/// so each call picks one thread below `parallelThreshold` multiply-adds and up to
/// `maxThreads` above it. Results are bit-identical for a fixed `maxThreads`.
public enum BLAS {
    nonisolated(unsafe) private static var configuredMax: Int = defaultMaxThreads()
    nonisolated(unsafe) private static var current: Int = -1

    /// Products with fewer multiply-adds than this run on one thread.
    nonisolated(unsafe) public static var parallelThreshold: Int = 12_000_000

    /// The most threads a product may use (default: `SWIFTGAN_THREADS`, else OpenBLAS's own
    /// default, usually the core count).
    public static var maxThreads: Int {
        get { configuredMax }
        set {
            require(newValue >= 1, "BLAS.maxThreads must be at least 1, got \(newValue)")
            configuredMax = newValue
        }
    }

    private static func defaultMaxThreads() -> Int {
        if let s = getEnvironment("SWIFTGAN_THREADS"), let n = Int(s), n >= 1 { return n }
        return max(1, Int(openblas_get_num_threads()))
    }

    @inline(__always)
    private static func useThreads(forMACs macs: Int) {
        let want = macs < parallelThreshold ? 1 : configuredMax
        if want != current {
            openblas_set_num_threads(Int32(want))
            current = want
        }
    }

    /// C[m, n] = alpha * op(A) op(B) + beta * C, all row-major.
    /// op(A) is [m, k]: A is stored [m, k] (lda >= k) or, transposed, [k, m] (lda >= m).
    public static func sgemm(
        transA: Bool, transB: Bool, m: Int, n: Int, k: Int,
        alpha: Float = 1, a: UnsafePointer<Float>, lda: Int,
        b: UnsafePointer<Float>, ldb: Int,
        beta: Float = 0, c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        if m == 0 || n == 0 { return }
        if k == 0 {
            // BLAS leaves C scaled by beta; do it explicitly for clarity.
            for i in 0..<m { for j in 0..<n { c[i * ldc + j] = beta == 0 ? 0 : beta * c[i * ldc + j] } }
            return
        }
        useThreads(forMACs: m * n * k)
        cblas_sgemm(
            CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
            Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
    }

    /// y += alpha * x (BLAS saxpy).
    public static func axpy(_ n: Int, alpha: Float, x: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>) {
        cblas_saxpy(Int32(n), alpha, x, 1, y, 1)
    }
}
