import TensorCore

// Losses and norms used by GAN objectives: binary cross-entropy on logits, and the
// per-row Euclidean norm of gradient penalties.

extension Tensor {
    /// Mean binary cross-entropy of `logits` against `targets` (same shape; targets may be
    /// soft, in [0, 1]): mean of t·softplus(−x) + (1 − t)·softplus(x), computed stably as
    /// max(x, 0) − x·t + log1p(e^−|x|). A scalar.
    /// Gradients: (sigmoid(x) − t) / n for the logits and −x / n for the targets (n the
    /// element count); both differentiate again.
    public static func binaryCrossEntropyWithLogits(_ logits: Tensor, _ targets: Tensor) -> Tensor {
        require(logits.shape == targets.shape,
                     "binaryCrossEntropyWithLogits: logits \(Shape.describe(logits.shape)) and targets \(Shape.describe(targets.shape)) differ in shape")
        let n = logits.count
        require(n > 0, "binaryCrossEntropyWithLogits: empty logits \(Shape.describe(logits.shape))")
        let x = logits.storage.pointer, t = targets.storage.pointer
        // Per-element terms in chunks (a vectorizable map), each chunk summed with partial
        // sums and the chunk sums accumulated in Double.
        let chunk = Swift.min(n, 2048)
        let terms = Storage(uninitialized: chunk)
        let tp = terms.pointer
        var total: Double = 0
        var i = 0
        while i < n {
            let len = Swift.min(chunk, n - i)
            let xc = x + i, tc = t + i
            for k in 0..<len {
                let v = xc[k]
                tp[k] = Swift.max(v, 0) - v * tc[k] + FastMath.log1p(FastMath.exp(-Swift.abs(v)))
            }
            total += Double(Tensor.rowSum(tp, len))
            i += len
        }
        let out = Storage(repeating: Float(total / Double(n)), count: 1)
        let scale = 1 / Float(n)
        return record("bce_with_logits", out, shape: [], inputs: [logits, targets]) { gy, ctx in
            let targetsTracked = ctx.node.inputs[1].isTracked
            if ctx.createGraph {
                let x = ctx.input(0), t = ctx.input(1)
                let g = gy * scale
                return [(x.sigmoid() - t) * g, targetsTracked ? -x * g : nil]
            }
            let g = gy.scalarValue * scale
            let xs = ctx.input(0), ts = ctx.input(1)
            let gx = Storage(uninitialized: n)
            Elementwise.zip(xs.storage.pointer, ts.storage.pointer, gx.pointer, n) { v, t in (FastMath.sigmoid(v) - t) * g }
            var gt: Tensor? = nil
            if targetsTracked {
                gt = Tensor(storage: Tensor.unaryMap(xs) { -$0 * g }, shape: xs.shape)
            }
            return [Tensor(storage: gx, shape: xs.shape), gt]
        }
    }

    /// The Euclidean norm of each row: for shape [N, ...], yᵢ = sqrt(Σ xᵢ…²) over all axes
    /// but the first, shape [N] (no epsilon). Gradient: gyᵢ · x / yᵢ, and 0 for a row that
    /// is all zeros (where the norm has no derivative; PyTorch's convention). Twice
    /// differentiable wherever the norm is nonzero.
    public func l2NormRows() -> Tensor {
        require(rank >= 1, "l2NormRows: a scalar has no rows (shape \(Shape.describe(shape)))")
        let rows = shape[0]
        let m = shape.dropFirst().reduce(1, *)
        let out = Storage(uninitialized: rows)
        let x = storage.pointer
        for r in 0..<rows {
            let row = x + r * m
            var s: Double = 0
            var j = 0
            while j < m {
                let len = Swift.min(4096, m - j)
                s += Double(Tensor.rowDot(row + j, row + j, len))
                j += len
            }
            out.pointer[r] = Float(s.squareRoot())
        }
        let inShape = shape
        let scaleShape = [rows] + Array(repeating: 1, count: rank - 1)
        return Tensor.record("l2norm_rows", out, shape: [rows], inputs: [self], savesOutput: true) { gy, ctx in
            let y = ctx.output
            if ctx.createGraph {
                // x · gy / y, with y replaced by 1 in all-zero rows (where x is 0 anyway), so
                // that no 0/0 or infinity enters the graph.
                let zeroRows = Tensor(storage: Tensor.unaryMap(y) { $0 == 0 ? 1 : 0 }, shape: [rows])
                return [ctx.input(0) * (gy / (y + zeroRows)).reshaped(scaleShape)]
            }
            let gx = Storage(uninitialized: Shape.count(inShape))
            let xp = ctx.input(0).storage.pointer, g = gy.storage.pointer, yp = y.storage.pointer
            for r in 0..<rows {
                let c = yp[r] > 0 ? g[r] / yp[r] : 0
                let src = xp + r * m, dst = gx.pointer + r * m
                for k in 0..<m { dst[k] = src[k] * c }
            }
            return [Tensor(storage: gx, shape: inShape)]
        }
    }
}
