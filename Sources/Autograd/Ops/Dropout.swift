import TensorCore

extension Tensor {
    /// Inverted dropout. In training, each element is zeroed with probability `p` and the
    /// survivors are scaled by `1/(1 − p)`, so the expected value is unchanged: `y = x · mask`
    /// with `mask` a constant holding 0 or `1/(1 − p)`. Gradient: `gy · mask`.
    ///
    /// Not training, or `p == 0`: the identity (no numbers are drawn). `p == 1`: zeros.
    /// One uniform number is drawn from `rng` per element (kept when it is ≥ p), so the same
    /// generator state gives the same mask.
    public func dropout(p: Float, training: Bool, using rng: inout RandomGenerator) -> Tensor {
        precondition(p >= 0 && p <= 1, "dropout: probability \(p) is outside [0, 1]")
        if !training || p == 0 { return self }
        let n = count
        let mask = Storage(uninitialized: n)
        let scale: Float = p == 1 ? 0 : 1 / (1 - p)
        let m = mask.pointer
        for i in 0..<n { m[i] = rng.nextUniform() >= p ? scale : 0 }
        let out = Storage(uninitialized: n)
        Elementwise.zip(storage.pointer, m, out.pointer, n) { $0 * $1 }
        let maskTensor = Tensor(storage: mask, shape: shape)
        return Tensor.record("dropout", out, shape: shape, inputs: [self]) { gy, _ in
            [gy * maskTensor]
        }
    }
}
