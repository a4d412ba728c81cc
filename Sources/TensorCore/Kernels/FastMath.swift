/// Branch-free single-precision exp and log that the compiler can vectorize (libm's are
/// scalar calls costing 3-15 ns per element). Both follow Cephes' expf/logf (S. Moshier):
/// range reduction by powers of two, then a short polynomial; errors are a few ulp.
public enum FastMath {
    /// e^x. Inputs above 88.37 saturate to about 2.4e38 rather than infinity, and inputs
    /// below -87.3 flush to 0 (Cephes' range), NaN propagates.
    @inlinable @inline(__always)
    public static func exp(_ x: Float) -> Float {
        let xc = Swift.min(Swift.max(x, -87.33654), 88.37626)
        let t = xc * 1.44269504088896341
        // Adding 1.5 * 2^23 rounds t to the nearest integer n and leaves n in the low
        // mantissa bits, read back without a float-to-int conversion.
        let big = t + 12_582_912.0
        let n = big - 12_582_912.0
        let nBits = big.bitPattern &- 0x4B40_0000
        let r = xc - n * 0.693359375 + n * 2.12194440e-4
        var p: Float = 1.9875691500e-4
        p = p * r + 1.3981999507e-3
        p = p * r + 8.3334519073e-3
        p = p * r + 4.1665795894e-2
        p = p * r + 1.6666665459e-1
        p = p * r + 5.0000001201e-1
        p = p * r * r + r + 1
        let scale = Float(bitPattern: (nBits &+ 127) << 23)
        let y = p * scale
        return x.isNaN ? x : (x < -87.33654 ? 0 : y)
    }

    /// Natural logarithm; log(0) = -inf, log(x < 0) = NaN, log(inf) = inf.
    @inlinable @inline(__always)
    public static func log(_ x: Float) -> Float {
        let sub = x < Float.leastNormalMagnitude
        let xs = sub ? x * 8_388_608.0 : x  // lift subnormals into the normal range
        let bits = xs.bitPattern
        var e = Float(Int32(bitPattern: (bits >> 23) & 0xFF) - 126) - (sub ? 23 : 0)
        var m = Float(bitPattern: (bits & 0x007F_FFFF) | 0x3F00_0000)  // [0.5, 1)
        let small = m < 0.707106781186547524
        e = small ? e - 1 : e
        m = small ? m + m - 1 : m - 1
        let z = m * m
        var y: Float = 7.0376836292e-2
        y = y * m - 1.1514610310e-1
        y = y * m + 1.1676998740e-1
        y = y * m - 1.2420140846e-1
        y = y * m + 1.4249322787e-1
        y = y * m - 1.6668057665e-1
        y = y * m + 2.0000714765e-1
        y = y * m - 2.4999993993e-1
        y = y * m + 3.3333331174e-1
        y = y * m * z
        y += -2.12194440e-4 * e
        y += -0.5 * z
        var r = m + y
        r += 0.693359375 * e
        if x == 0 { return -.infinity }
        return x < 0 || x.isNaN ? .nan : (x == .infinity ? .infinity : r)
    }

    /// √x, vectorizable (Swift's `squareRoot()` compiles to a scalar call with an errno
    /// fallback here): the classic reciprocal-square-root estimate refined by three Newton
    /// steps, then x·(1/√x). Within 1 ulp of the exact root; exact at 0 and ∞,
    /// NaN for x < 0.
    @inlinable @inline(__always)
    public static func sqrt(_ x: Float) -> Float {
        let sub = x < Float.leastNormalMagnitude
        let xs = sub ? x * 16_777_216.0 : x  // 2^24 lifts subnormals; the root is scaled by 2^-12
        let xh = 0.5 * xs
        var r = Float(bitPattern: 0x5F37_5A86 &- (xs.bitPattern >> 1))
        r = r * (1.5 - xh * r * r)
        r = r * (1.5 - xh * r * r)
        r = r * (1.5 - xh * r * r)
        var y = xs * r
        y = y + 0.5 * r * (xs - y * y)  // a last Newton step on the root itself
        y = y * (sub ? 2.44140625e-4 : 1)
        return x < 0 ? .nan : (x == .infinity ? x : (x == 0 ? 0 : y))
    }

    /// tanh(x) = sign(x) (1 - e) / (1 + e) with e = exp(-2|x|): no overflow for any x.
    @inlinable @inline(__always)
    public static func tanh(_ x: Float) -> Float {
        let e = exp(-2 * Swift.abs(x))
        let t = (1 - e) / (1 + e)
        return x < 0 ? -t : t
    }

    /// The logistic function 1 / (1 + e^-x), written so neither branch overflows.
    @inlinable @inline(__always)
    public static func sigmoid(_ x: Float) -> Float {
        let e = exp(-Swift.abs(x))
        let s = 1 / (1 + e)
        return x >= 0 ? s : e * s
    }

    /// log(1 + e^x), stable: max(x, 0) + log(1 + e^-|x|).
    @inlinable @inline(__always)
    public static func softplus(_ x: Float) -> Float {
        Swift.max(x, 0) + log1p(exp(-Swift.abs(x)))
    }

    /// log(1 + u) for u in [0, 1], accurate when u is tiny (Goldberg's trick).
    @inlinable @inline(__always)
    public static func log1p(_ u: Float) -> Float {
        let w = 1 + u
        let d = w - 1
        return d == 0 ? u : log(w) * (u / d)
    }
}

