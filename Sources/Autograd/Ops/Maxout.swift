// Maxout (Goodfellow, Warde-Farley, Mirza, Courville & Bengio 2013): the maximum over
// groups of `pieces` consecutive features. PacGAN's 2-D discriminators use it.

extension Tensor {
    /// [..., units·pieces] → [..., units]: y[..., u] = max over p of x[..., u·pieces + p].
    /// The gradient goes to the first maximal piece of each group (a constant 0/1 mask, so
    /// the rule is itself differentiable and gradient penalties work through it).
    public func maxout(pieces: Int) -> Tensor {
        require(pieces >= 1, "maxout: pieces must be at least 1, got \(pieces)")
        require(rank >= 1 && shape[rank - 1] % pieces == 0,
                "maxout: the last axis of \(Shape.describe(shape)) is not divisible into groups of \(pieces) pieces")
        if pieces == 1 { return self }
        let groups = count / pieces
        var outShape = shape
        outShape[rank - 1] /= pieces
        let out = Storage(uninitialized: groups)
        let mask = Storage(repeating: 0, count: count)
        let x = storage.pointer, y = out.pointer, m = mask.pointer
        for g in 0..<groups {
            let base = g * pieces
            var best = x[base], arg = 0
            for p in 1..<pieces where x[base + p] > best || best.isNaN {
                best = x[base + p]; arg = p
            }
            y[g] = best
            m[base + arg] = 1
        }
        let maskTensor = Tensor(storage: mask, shape: shape)
        let grouped = Array(outShape) + [1]
        let expandedShape = Array(outShape) + [pieces]
        let inShape = shape
        return Tensor.record("maxout", out, shape: outShape, inputs: [self]) { gy, _ in
            [(gy.reshaped(grouped).expanded(to: expandedShape).reshaped(inShape)) * maskTensor]
        }
    }
}
