import CKernels
import TensorCore

extension Tensor {
    /// Inverted dropout. In training, each element is zeroed with probability `p` and the
    /// survivors are scaled by `1/(1 − p)`, so the expected value is unchanged: `y = x · mask`
    /// with `mask` a constant holding 0 or `1/(1 − p)`. Gradient: `gy · mask`.
    ///
    /// Not training, `p == 0`, or no elements: the identity (no numbers are drawn). `p == 1`: zeros.
    /// The mask comes from eight xoshiro256** generators run side by side in C, one set per
    /// block of 65,536 elements, so blocks can go to different threads: their states are 32
    /// draws from `rng` per block, so the same generator state gives the same mask whatever
    /// the thread count. Each 64-bit draw gives two 24-bit uniforms; an element is kept when
    /// its uniform is ≥ p.
    public func dropout(p: Float, training: Bool, using rng: inout RandomGenerator) -> Tensor {
        require(p >= 0 && p <= 1, "dropout: probability \(p) is outside [0, 1]")
        if !training || p == 0 || count == 0 { return self }
        let n = count
        let mask = Storage(uninitialized: n)
        let scale: Float = p == 1 ? 0 : 1 / (1 - p)
        // u = k / 2^24 ≥ p exactly when k ≥ t = ceil(p · 2^24).
        let tm1 = UInt64((Double(p) * 16_777_216).rounded(.up)) &- 1
        let block = 1 << 16
        let blocks = (n + block - 1) / block
        let lanes = UnsafeMutablePointer<UInt64>.allocate(capacity: 32 * blocks)
        defer { lanes.deallocate() }
        for i in 0..<(32 * blocks) { lanes[i] = rng.next() }
        for b in 0..<blocks {
            // A xoshiro state must not be all zeros (it would stay zero).
            let l0 = lanes + 32 * b
            for l in 0..<8 where l0[l] | l0[8 + l] | l0[16 + l] | l0[24 + l] == 0 { l0[l] = 1 }
        }
        let out = Storage(uninitialized: n)
        let x = storage.pointer, m = mask.pointer, o = out.pointer
        let threads = Swift.min(BLAS.maxThreads, Swift.max(1, 3 * n / Parallel.minWorkPerThread))
        Parallel.run(blocks, threads: threads) { b in
            let start = b * block, length = Swift.min(block, n - start)
            if length > 0 { sg_dropout(x + start, lanes + 32 * b, tm1, scale, m + start, o + start, length) }
        }
        let maskTensor = Tensor(storage: mask, shape: shape)
        return Tensor.record("dropout", out, shape: shape, inputs: [self]) { gy, _ in
            [gy * maskTensor]
        }
    }
}
