import TensorCore

// Matrix products through BLAS. Transposes are flags handed to sgemm, never copies.

extension Tensor {
    /// op(a) · op(b), where op transposes the last two axes when asked.
    ///
    /// - Rank 2 × rank 2: `[m, k] · [k, n] → [m, n]`.
    /// - Rank 3 × rank 3 (batched): `[B, m, k] · [B, k, n] → [B, m, n]`.
    /// - Rank ≥ 3 × rank 2 (without `transposeA`): the leading axes of `a` are a batch
    ///   sharing `b`, as a Linear layer applied to a sequence.
    public static func matmul(_ a: Tensor, _ b: Tensor, transposeA: Bool = false,
                              transposeB: Bool = false) -> Tensor {
        if a.rank >= 3 && b.rank == 2 && !transposeA {
            let lead = Array(a.shape.dropLast())
            let y = matmul(a.reshaped([-1, a.shape.last!]), b, transposeB: transposeB)
            return y.reshaped(lead + [y.shape[1]])
        }
        func fail() -> Never {
            fatalError("matmul: shapes \(Shape.describe(a.shape))\(transposeA ? "ᵀ" : "") and \(Shape.describe(b.shape))\(transposeB ? "ᵀ" : "") do not multiply")
        }
        guard (a.rank == 2 && b.rank == 2) || (a.rank == 3 && b.rank == 3 && a.shape[0] == b.shape[0]) else { fail() }
        let batched = a.rank == 3
        let batch = batched ? a.shape[0] : 1
        let ar = a.shape[a.rank - 2], ac = a.shape[a.rank - 1]
        let br = b.shape[b.rank - 2], bc = b.shape[b.rank - 1]
        let (m, k) = transposeA ? (ac, ar) : (ar, ac)
        let (k2, n) = transposeB ? (bc, br) : (br, bc)
        guard k == k2 else { fail() }
        let out = Storage(uninitialized: batch * m * n)
        for i in 0..<batch {
            BLAS.sgemm(transA: transposeA, transB: transposeB, m: m, n: n, k: k,
                       a: a.storage.pointer + i * ar * ac, lda: ac,
                       b: b.storage.pointer + i * br * bc, ldb: bc,
                       c: out.pointer + i * m * n, ldc: n)
        }
        let shape = batched ? [batch, m, n] : [m, n]
        return record("matmul", out, shape: shape, inputs: [a, b]) { gy, ctx in
            let a = ctx.input(0), b = ctx.input(1)
            // C = op(A) op(B): d op(A) = gy op(B)ᵀ, d op(B) = op(A)ᵀ gy, transposed back
            // where A or B was stored transposed.
            // Only the products the walk needs (a Linear layer's data input, or a frozen
            // weight, costs a whole product otherwise).
            let ga = !ctx.needsGradient(0) ? nil
                : transposeA ? matmul(b, gy, transposeA: transposeB, transposeB: true)
                             : matmul(gy, b, transposeB: !transposeB)
            let gb = !ctx.needsGradient(1) ? nil
                : transposeB ? matmul(gy, a, transposeA: true, transposeB: transposeA)
                             : matmul(a, gy, transposeA: !transposeA)
            return [ga, gb]
        }
    }

    /// `self · other`.
    public func matmul(_ other: Tensor, transposeA: Bool = false, transposeB: Bool = false) -> Tensor {
        Tensor.matmul(self, other, transposeA: transposeA, transposeB: transposeB)
    }
}
