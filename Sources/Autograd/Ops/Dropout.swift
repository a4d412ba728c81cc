import TensorCore

extension Tensor {
    /// Inverted dropout. In training, each element is zeroed with probability `p` and the
    /// survivors are scaled by `1/(1 − p)`, so the expected value is unchanged: `y = x · mask`
    /// with `mask` a constant holding 0 or `1/(1 − p)`. Gradient: `gy · mask`.
    ///
    /// Not training, `p == 0`, or no elements: the identity (no numbers are drawn). `p == 1`: zeros.
    /// The mask comes from `VectorMath.dropout`: eight xoshiro256** generators per block of
    /// 65,536 elements, seeded from `rng`, so the same generator state gives the same mask
    /// whatever the thread count. Each 64-bit draw gives two 24-bit uniforms; an element is
    /// kept when its uniform is ≥ p.
    public func dropout(p: Float, training: Bool, using rng: inout RandomGenerator) -> Tensor {
        require(p >= 0 && p <= 1, "dropout: probability \(p) is outside [0, 1]")
        if !training || p == 0 || count == 0 { return self }
        let n = count
        let mask = Storage(uninitialized: n), out = Storage(uninitialized: n)
        VectorMath.dropout(storage.pointer, p: p, scale: p == 1 ? 0 : 1 / (1 - p), using: &rng,
                           mask: mask.pointer, out.pointer, n)
        let maskTensor = Tensor(storage: mask, shape: shape)
        return Tensor.record("dropout", out, shape: shape, inputs: [self]) { gy, _ in
            [gy * maskTensor]
        }
    }
}
