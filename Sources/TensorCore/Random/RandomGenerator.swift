/// A seeded pseudo-random generator: xoshiro256** (Blackman & Vigna, 2018), seeded through
/// SplitMix64 as its authors recommend. Passed explicitly (`inout`) to everything that draws
/// numbers, so a run is reproducible from its seed and no hidden global state exists.
public struct RandomGenerator: Sendable, Equatable {
    /// The four 64-bit state words; saving and restoring them resumes the exact sequence.
    public var state: (UInt64, UInt64, UInt64, UInt64)

    public init(seed: UInt64) {
        var sm = seed
        func splitmix() -> UInt64 {
            sm &+= 0x9E37_79B9_7F4A_7C15
            var z = sm
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        state = (splitmix(), splitmix(), splitmix(), splitmix())
    }

    public init(state: (UInt64, UInt64, UInt64, UInt64)) {
        require(state != (0, 0, 0, 0), "RandomGenerator: the all-zero state is invalid")
        self.state = state
    }

    public static func == (a: RandomGenerator, b: RandomGenerator) -> Bool { a.state == b.state }

    @inlinable @inline(__always)
    static func rotl(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 - k)) }

    @inlinable
    public mutating func next() -> UInt64 {
        let result = Self.rotl(state.1 &* 5, 7) &* 9
        let t = state.1 << 17
        state.2 ^= state.0
        state.3 ^= state.1
        state.1 ^= state.2
        state.0 ^= state.3
        state.2 ^= t
        state.3 = Self.rotl(state.3, 45)
        return result
    }

    /// Uniform in [0, 1) with 24 random bits (every value exactly representable in Float).
    @inlinable
    public mutating func nextUniform() -> Float {
        Float(next() >> 40) * (1.0 / 16_777_216.0)
    }

    /// Uniform in [0, 1) as a Double with 53 random bits.
    @inlinable
    public mutating func nextUniformDouble() -> Double {
        Double(next() >> 11) * (1.0 / 9_007_199_254_740_992.0)
    }

    /// A uniform integer in 0..<bound (Lemire's multiply-shift with rejection, unbiased).
    public mutating func nextInt(below bound: Int) -> Int {
        require(bound > 0, "RandomGenerator.nextInt: bound must be positive, got \(bound)")
        let b = UInt64(bound)
        while true {
            let r = next().multipliedFullWidth(by: b)
            if r.low >= (0 &- b) % b { return Int(r.high) }
        }
    }

    /// Fills `out` with standard normal samples (Box-Muller on pairs, computed in Double).
    public mutating func fillNormal(_ out: UnsafeMutableBufferPointer<Float>, mean: Float = 0, std: Float = 1) {
        var i = 0
        let n = out.count
        while i < n {
            // u1 in (0, 1] so log(u1) is finite.
            let u1 = 1.0 - nextUniformDouble()
            let u2 = nextUniformDouble()
            let r = (-2.0 * _log(u1)).squareRoot()
            let theta = 2.0 * Double.pi * u2
            out[i] = mean + std * Float(r * _cos(theta))
            if i + 1 < n { out[i + 1] = mean + std * Float(r * _sin(theta)) }
            i += 2
        }
    }

    /// Fills `out` with samples uniform in [low, high).
    public mutating func fillUniform(_ out: UnsafeMutableBufferPointer<Float>, low: Float = 0, high: Float = 1) {
        let scale = high - low
        for i in 0..<out.count { out[i] = low + scale * nextUniform() }
    }

    /// Fills `out` with 1 (probability p) or 0.
    public mutating func fillBernoulli(_ out: UnsafeMutableBufferPointer<Float>, p: Float) {
        for i in 0..<out.count { out[i] = nextUniform() < p ? 1 : 0 }
    }

    /// A Fisher-Yates shuffle of 0..<n.
    public mutating func permutation(_ n: Int) -> [Int] {
        var a = Array(0..<n)
        if n > 1 {
            for i in stride(from: n - 1, to: 0, by: -1) { a.swapAt(i, nextInt(below: i + 1)) }
        }
        return a
    }
}
