import CLAPACK
import TensorCore

/// Eigendecomposition A = V·diag(λ)·Vᵀ of a real symmetric n×n matrix in Double, by
/// LAPACK's divide-and-conquer `dsyevd` (OpenBLAS ships it). The scores need it for matrix
/// square roots of covariance matrices: a symmetric solver keeps the result real and
/// symmetric, where a general `sqrtm` of a nearly singular covariance can turn complex.
public struct SymmetricEigen: Sendable {
    public let dimension: Int
    /// Eigenvalues, ascending.
    public let values: [Double]
    /// Orthonormal eigenvectors: vector j is `vectors[j*n ..< (j+1)*n]`.
    public let vectors: [Double]

    /// Decomposes `matrix` (row-major n×n; only its symmetry is assumed: the lower triangle
    /// in column-major terms, i.e. the upper triangle row-major, is read).
    public init(_ matrix: [Double], dimension n: Int) {
        require(n > 0 && matrix.count == n * n,
                "SymmetricEigen: expected \(n)×\(n) = \(n * n) entries, got \(matrix.count)")
        // Row-major and column-major storage of a symmetric matrix are the same array.
        var a = matrix
        var w = [Double](repeating: 0, count: n)
        var nn = Int32(n), lda = Int32(n), info: Int32 = 0
        var lwork: Int32 = -1, liwork: Int32 = -1
        var workSize = 0.0
        var iworkSize: Int32 = 0
        dsyevd_("V", "L", &nn, &a, &lda, &w, &workSize, &lwork, &iworkSize, &liwork, &info, 1, 1)
        require(info == 0, "SymmetricEigen: LAPACK dsyevd workspace query failed (info \(info))")
        lwork = Int32(workSize.rounded(.up))
        liwork = iworkSize
        var work = [Double](repeating: 0, count: Int(lwork))
        var iwork = [Int32](repeating: 0, count: Int(liwork))
        dsyevd_("V", "L", &nn, &a, &lda, &w, &work, &lwork, &iwork, &liwork, &info, 1, 1)
        // info > 0: the algorithm did not converge, which for a finite symmetric matrix means
        // NaN or infinite entries reached it; the callers check finiteness first.
        require(info == 0, "SymmetricEigen: LAPACK dsyevd failed to converge (info \(info)) on a \(n)×\(n) matrix")
        dimension = n
        values = w
        vectors = a
    }

    /// V·diag(f(λ))·Vᵀ, row-major: the matrix function f applied through the eigenvalues.
    public func reconstructed(applying f: (Double) -> Double) -> [Double] {
        let n = dimension
        // Σ_j f(λ_j)·v_j·v_jᵀ = Vᵀ·B, where the rows of V are the eigenvectors and the rows
        // of B are the scaled eigenvectors f(λ_j)·v_j.
        var scaled = vectors
        for j in 0..<n {
            let s = f(values[j])
            for i in 0..<n { scaled[j * n + i] *= s }
        }
        var out = [Double](repeating: 0, count: n * n)
        DoubleMatrix.gemm(transA: true, transB: false, m: n, n: n, k: n, a: vectors, b: scaled, c: &out)
        return out
    }
}

/// Products and small helpers on dense row-major Double matrices (BLAS `dgemm`).
public enum DoubleMatrix {
    /// C[m, n] = op(A)·op(B) (+ beta·C), row-major; op(A) is [m, k].
    public static func gemm(transA: Bool, transB: Bool, m: Int, n: Int, k: Int,
                            a: [Double], b: [Double], beta: Double = 0, c: inout [Double]) {
        require(a.count == m * k && b.count == k * n && c.count == m * n,
                "DoubleMatrix.gemm: sizes \(a.count), \(b.count), \(c.count) do not fit m \(m), n \(n), k \(k)")
        if m == 0 || n == 0 || k == 0 { return }
        cblas_dgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
                    Int32(m), Int32(n), Int32(k), 1, a, Int32(transA ? m : k), b, Int32(transB ? k : n),
                    beta, &c, Int32(n))
    }

    /// The sum of the diagonal of a row-major n×n matrix.
    public static func trace(_ a: [Double], dimension n: Int) -> Double {
        var t = 0.0
        for i in 0..<n { t += a[i * n + i] }
        return t
    }
}
