import TensorCore

// A fully connected layer's product, y = x Wᵀ + b, as one op. C starts as b's rows and
// sgemm adds x Wᵀ into it (β = 1): no separate broadcast add over y, and no zeroing of C
// by OpenBLAS (which it does for β = 0). The gradients are ordinary differentiable ops, so
// double backward (a gradient penalty through a Linear layer) works as before.

extension Tensor {
    /// `x Wᵀ + b` for x `[..., in]`, W `[out, in]`, b `[out]` (or none: the product alone).
    public static func linear(_ x: Tensor, weight w: Tensor, bias b: Tensor?) -> Tensor {
        guard let b else { return matmul(x, w, transposeB: true) }
        if x.rank != 2 {
            let lead = Array(x.shape.dropLast())
            let y = linear(x.reshaped([-1, x.shape.last ?? 1]), weight: w, bias: b)
            return y.reshaped(lead + [y.shape[1]])
        }
        let (m, k) = (x.shape[0], x.shape[1])
        guard w.rank == 2, w.shape[1] == k, b.shape == [w.shape[0]] else {
            fatalError("linear: input \(Shape.describe(x.shape)), weight \(Shape.describe(w.shape)) and bias \(Shape.describe(b.shape)) do not fit (want [m, in], [out, in], [out])")
        }
        let n = w.shape[0]
        let out = Storage(uninitialized: m * n)
        let bias = b.storage.pointer
        for i in 0..<m { (out.pointer + i * n).update(from: bias, count: n) }
        BLAS.sgemm(transA: false, transB: true, m: m, n: n, k: k,
                   a: x.storage.pointer, lda: k, b: w.storage.pointer, ldb: k,
                   beta: 1, c: out.pointer, ldc: n)
        return record("linear", out, shape: [m, n], inputs: [x, w, b]) { gy, ctx in
            let x = ctx.input(0), w = ctx.input(1)
            return [ctx.needsGradient(0) ? matmul(gy, w) : nil,
                    ctx.needsGradient(1) ? matmul(gy, x, transposeA: true) : nil,
                    ctx.needsGradient(2) ? gy.sum(toShape: [n]) : nil]
        }
    }
}
