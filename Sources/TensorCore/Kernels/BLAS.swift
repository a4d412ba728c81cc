import CBLAS

/// Matrix products through OpenBLAS's `cblas_sgemm`, row-major. Transposes are passed to
/// BLAS as flags, never materialized.
///
/// Threads are ours, not OpenBLAS's. OpenBLAS's thread count is one process-wide setting:
/// a product run while another thread changed it splits its work differently and rounds
/// differently (seen with the Haswell kernels: the same call gave two results when tests
/// ran side by side), and its threading costs more than it gains on small products. So
/// OpenBLAS always runs on the calling thread, and a product of at least `splitThreshold`
/// multiply-adds is cut into `threads` independent one-thread products run side by side:
/// by rows of C when C is at least as tall as wide (each part then packs all of B), else by
/// columns (each packs all of A), with cuts on multiples of 16. The result depends only on
/// the shape and the thread count a call is given, never on what other threads do.
public enum BLAS {
    nonisolated(unsafe) private static var configuredMax: Int = defaultMaxThreads()

    /// Products with fewer multiply-adds than this run on one thread; larger ones are split
    /// over `maxThreads` threads. `Int.max` turns the split off.
    nonisolated(unsafe) public static var splitThreshold: Int = 1_000_000

    /// The most threads a product may use (default: `SWIFTGAN_THREADS`, else the cores this
    /// process may run on).
    public static var maxThreads: Int {
        get { configuredMax }
        set {
            require(newValue >= 1, "BLAS.maxThreads must be at least 1, got \(newValue)")
            configuredMax = newValue
        }
    }

    private static func defaultMaxThreads() -> Int {
        if let s = getEnvironment("SWIFTGAN_THREADS"), let n = Int(s), n >= 1 { return n }
        // OpenBLAS's default thread count: the cores this process may run on. Read before
        // the first product pins OpenBLAS to one thread.
        return max(1, Int(openblas_get_num_threads()))
    }

    /// Keeps OpenBLAS on the calling thread (a benchmark may have changed it to time
    /// OpenBLAS's own threading).
    @inline(__always)
    private static func pinOpenBLASToOneThread() {
        if openblas_get_num_threads() != 1 { openblas_set_num_threads(1) }
    }

    /// C[m, n] = alpha * op(A) op(B) + beta * C, all row-major.
    /// op(A) is [m, k]: A is stored [m, k] (lda >= k) or, transposed, [k, m] (lda >= m).
    /// `threads` and `splitThreshold` default to the process-wide settings.
    public static func sgemm(
        transA: Bool, transB: Bool, m: Int, n: Int, k: Int,
        alpha: Float = 1, a: UnsafePointer<Float>, lda: Int,
        b: UnsafePointer<Float>, ldb: Int,
        beta: Float = 0, c: UnsafeMutablePointer<Float>, ldc: Int,
        threads: Int = BLAS.maxThreads, splitThreshold: Int = BLAS.splitThreshold
    ) {
        if m == 0 || n == 0 { return }
        if k == 0 {
            // BLAS leaves C scaled by beta; do it explicitly for clarity.
            for i in 0..<m { for j in 0..<n { c[i * ldc + j] = beta == 0 ? 0 : beta * c[i * ldc + j] } }
            return
        }
        pinOpenBLASToOneThread()
        let byRows = m >= n
        let parts = m * n * k < splitThreshold ? 1 : Swift.min(threads, (byRows ? m : n) / 16)
        if parts <= 1 {
            call(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
            return
        }
        let length = byRows ? m : n
        @Sendable func edge(_ p: Int) -> Int { p == parts ? length : (length * p / parts) & ~15 }
        Parallel.run(parts, threads: parts) { p in
            let i0 = edge(p), count = edge(p + 1) - i0
            if count == 0 { return }
            if byRows {
                // Rows i0... of op(A): A's row i0, or (transposed) A's column i0.
                call(transA, transB, count, n, k, alpha, a + (transA ? i0 : i0 * lda), lda, b, ldb,
                     beta, c + i0 * ldc, ldc)
            } else {
                // Columns i0... of op(B): B's column i0, or (transposed) B's row i0.
                call(transA, transB, m, count, k, alpha, a, lda, b + (transB ? i0 * ldb : i0), ldb,
                     beta, c + i0, ldc)
            }
        }
    }

    @inline(__always)
    private static func call(
        _ transA: Bool, _ transB: Bool, _ m: Int, _ n: Int, _ k: Int, _ alpha: Float,
        _ a: UnsafePointer<Float>, _ lda: Int, _ b: UnsafePointer<Float>, _ ldb: Int,
        _ beta: Float, _ c: UnsafeMutablePointer<Float>, _ ldc: Int
    ) {
        cblas_sgemm(
            CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
            Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
    }

    /// y += alpha * x (BLAS saxpy).
    public static func axpy(_ n: Int, alpha: Float, x: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>) {
        cblas_saxpy(Int32(n), alpha, x, 1, y, 1)
    }
}
