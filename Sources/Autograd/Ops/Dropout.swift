import TensorCore

extension Tensor {
    /// Inverted dropout. In training, each element is zeroed with probability `p` and the
    /// survivors are scaled by `1/(1 − p)`, so the expected value is unchanged: `y = x · mask`
    /// with `mask` a constant holding 0 or `1/(1 − p)`. Gradient: `gy · mask`.
    ///
    /// Not training, or `p == 0`: the identity (no numbers are drawn). `p == 1`: zeros.
    /// Each element is kept when a uniform number (24 bits; one 64-bit draw from `rng` serves
    /// two elements) is ≥ p, so the same generator state gives the same mask.
    public func dropout(p: Float, training: Bool, using rng: inout RandomGenerator) -> Tensor {
        require(p >= 0 && p <= 1, "dropout: probability \(p) is outside [0, 1]")
        if !training || p == 0 { return self }
        let n = count
        let mask = Storage(uninitialized: n)
        let scale: Float = p == 1 ? 0 : 1 / (1 - p)
        let m = mask.pointer
        // Two 24-bit uniforms u = k / 2^24 from each 64-bit draw (the generator's bits are all
        // good); u ≥ p is tested exactly as k ≥ t = ceil(p · 2^24), without a branch: the
        // sign bit of (t − 1 − k) is set exactly then.
        let tm1 = UInt64((Double(p) * 16_777_216).rounded(.up)) &- 1
        @inline(__always) func keep(_ k: UInt64) -> Float {
            scale * Float(Int32(truncatingIfNeeded: (tm1 &- k) >> 63))
        }
        var i = 0
        while i + 2 <= n {
            let r = rng.next()
            m[i] = keep(r >> 40)
            m[i + 1] = keep((r >> 16) & 0xFF_FFFF)
            i += 2
        }
        if i < n { m[i] = keep(rng.next() >> 40) }
        let out = Storage(uninitialized: n)
        Elementwise.zip(storage.pointer, m, out.pointer, n) { $0 * $1 }
        let maskTensor = Tensor(storage: mask, shape: shape)
        return Tensor.record("dropout", out, shape: shape, inputs: [self]) { gy, _ in
            [gy * maskTensor]
        }
    }
}
