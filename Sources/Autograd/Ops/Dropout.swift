import CKernels
import TensorCore

extension Tensor {
    /// Inverted dropout. In training, each element is zeroed with probability `p` and the
    /// survivors are scaled by `1/(1 − p)`, so the expected value is unchanged: `y = x · mask`
    /// with `mask` a constant holding 0 or `1/(1 − p)`. Gradient: `gy · mask`.
    ///
    /// Not training, or `p == 0`: the identity (no numbers are drawn). `p == 1`: zeros.
    /// The mask comes from eight xoshiro256** generators run side by side in C (their states
    /// are 32 draws from `rng`, so the same generator state gives the same mask): each 64-bit
    /// draw gives two 24-bit uniforms, and an element is kept when its uniform is ≥ p.
    public func dropout(p: Float, training: Bool, using rng: inout RandomGenerator) -> Tensor {
        require(p >= 0 && p <= 1, "dropout: probability \(p) is outside [0, 1]")
        if !training || p == 0 { return self }
        let n = count
        let mask = Storage(uninitialized: n)
        let scale: Float = p == 1 ? 0 : 1 / (1 - p)
        // u = k / 2^24 ≥ p exactly when k ≥ t = ceil(p · 2^24).
        let tm1 = UInt64((Double(p) * 16_777_216).rounded(.up)) &- 1
        var lanes = (0..<32).map { _ in rng.next() }
        // A xoshiro state must not be all zeros (it would stay zero).
        for l in 0..<8 where lanes[l] | lanes[8 + l] | lanes[16 + l] | lanes[24 + l] == 0 { lanes[l] = 1 }
        let out = Storage(uninitialized: n)
        sg_dropout(storage.pointer, &lanes, tm1, scale, mask.pointer, out.pointer, n)
        let maskTensor = Tensor(storage: mask, shape: shape)
        return Tensor.record("dropout", out, shape: shape, inputs: [self]) { gy, _ in
            [gy * maskTensor]
        }
    }
}
