import CBLAS
import Dispatch

/// Matrix products through OpenBLAS's `cblas_sgemm`, row-major. Transposes are passed to
/// BLAS as flags, never materialized.
///
/// Threads: OpenBLAS's threading costs more than it gains on small products (a 512x128x128
/// product runs faster on one thread than on two on this machine kind, see the benchmarks),
/// so each call picks one thread below `parallelThreshold` multiply-adds and up to
/// `maxThreads` above it. Between `rowSplitThreshold` and `parallelThreshold`, the product
/// is instead split by rows into `maxThreads` independent one-thread products run side by
/// side (no OpenBLAS thread hand-off; the W1 and W2 layers of BENCHMARKS.md live there).
/// Results are bit-identical for a fixed `maxThreads`.
public enum BLAS {
    nonisolated(unsafe) private static var configuredMax: Int = defaultMaxThreads()
    nonisolated(unsafe) private static var current: Int = -1

    /// Products with fewer multiply-adds than this run on one thread (or split by rows).
    nonisolated(unsafe) public static var parallelThreshold: Int = 12_000_000

    /// Products with at least this many multiply-adds (and below `parallelThreshold`) are
    /// split by rows over `maxThreads` threads. `Int.max` turns the split off.
    nonisolated(unsafe) public static var rowSplitThreshold: Int = 1_000_000

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
        let macs = m * n * k
        if configuredMax > 1 && macs >= rowSplitThreshold && macs < parallelThreshold && m >= 32 {
            splitRows(transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda,
                      b: b, ldb: ldb, beta: beta, c: c, ldc: ldc)
            return
        }
        useThreads(forMACs: macs)
        cblas_sgemm(
            CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
            Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
    }

    /// The product as `maxThreads` one-thread products over row blocks of C (block edges
    /// on multiples of 16 rows, so each row goes through the same kernel whatever the split).
    private static func splitRows(
        transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Float, a: UnsafePointer<Float>, lda: Int,
        b: UnsafePointer<Float>, ldb: Int, beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        useThreads(forMACs: 0)  // one OpenBLAS thread per call
        let parts = Swift.min(configuredMax, m / 16)
        @Sendable func edge(_ p: Int) -> Int { p == parts ? m : (m * p / parts) & ~15 }
        nonisolated(unsafe) let (a, b, c) = (a, b, c)
        DispatchQueue.concurrentPerform(iterations: parts) { p in
            let i0 = edge(p), rows = edge(p + 1) - i0
            if rows == 0 { return }
            // Row i0 of op(A): A's row i0, or (transposed) A's column i0.
            cblas_sgemm(
                CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
                Int32(rows), Int32(n), Int32(k), alpha, a + (transA ? i0 : i0 * lda), Int32(lda), b, Int32(ldb),
                beta, c + i0 * ldc, Int32(ldc))
        }
    }

    /// y += alpha * x (BLAS saxpy).
    public static func axpy(_ n: Int, alpha: Float, x: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>) {
        cblas_saxpy(Int32(n), alpha, x, 1, y, 1)
    }
}
