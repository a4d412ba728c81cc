import Foundation

/// A complex number, for eigenvalues.
public struct Complex: Sendable, Equatable, CustomStringConvertible {
    public var re: Double
    public var im: Double
    public init(_ re: Double, _ im: Double = 0) { self.re = re; self.im = im }

    public func distance(to other: Complex) -> Double { hypot(re - other.re, im - other.im) }

    public var description: String { format(digits: 4) }

    /// The number with `digits` decimals and a real minus sign: "−0.1500 + 0.4770i",
    /// "−0.5000", "0.5000i" (parts that round to zero are left out).
    public func format(digits: Int) -> String {
        let zero = 0.5 * pow(10, -Double(digits))
        func f(_ x: Double) -> String {
            let s = String(format: "%.\(digits)f", Swift.abs(x) < zero ? 0 : x)
            return s.hasPrefix("-") ? "−" + s.dropFirst() : s
        }
        if Swift.abs(im) < zero { return f(re) }
        let imag = String(format: "%.\(digits)f", Swift.abs(im)) + "i"
        if Swift.abs(re) < zero { return (im < 0 ? "−" : "") + imag }
        return f(re) + (im < 0 ? " − " : " + ") + imag
    }
}

/// Eigenvalues of 2×2 matrices and the closed forms of the Dirac-GAN's spectrum.
public enum DiracSpectrum {
    /// The eigenvalues of [[a, b], [c, d]] from its trace T and determinant Δ:
    /// λ = T/2 ± √(T²/4 − Δ), complex when the discriminant is negative. The one with the
    /// larger imaginary (then real) part comes first.
    public static func eigenvalues(_ m: [[Double]]) -> [Complex] {
        let trace = m[0][0] + m[1][1]
        let determinant = m[0][0] * m[1][1] - m[0][1] * m[1][0]
        let half = trace / 2
        let discriminant = half * half - determinant
        if discriminant >= 0 {
            let r = discriminant.squareRoot()
            return [Complex(half + r), Complex(half - r)]
        }
        let r = (-discriminant).squareRoot()
        return [Complex(half, r), Complex(half, -r)]
    }

    /// The eigenvalues of the Jacobian at the equilibrium in closed form (Mescheder et al.
    /// 2018, Lemmas 2.2, 3.1–3.3 and the consensus analysis), in the sign convention of
    /// `DiracGame` (stable ⇔ negative real parts), or nil for WGAN-GP, whose field has a kink
    /// at ψ = 0 (|ψ| is not differentiable there) and so no linearisation:
    ///
    /// | method | eigenvalues |
    /// |---|---|
    /// | GAN, non-saturating GAN | ±i·f′(0) = ±0.5i |
    /// | WGAN | ±i (f′ ≡ 1) |
    /// | consensus (γ) | −γf′(0)² ± i·f′(0) |
    /// | instance noise (σ) | f″(0)σ² ± √(f″(0)²σ⁴ − f′(0)²) |
    /// | R1 (γ), NS + R1 (γ) | −γ/2 ± √(γ²/4 − f′(0)²) |
    public static func closedForm(_ method: DiracMethod) -> [Complex]? {
        let (f1, f2) = method.fDerivativesAtZero
        func pair(_ center: Double, _ discriminant: Double) -> [Complex] {
            discriminant >= 0
                ? [Complex(center + discriminant.squareRoot()), Complex(center - discriminant.squareRoot())]
                : [Complex(center, (-discriminant).squareRoot()), Complex(center, -(-discriminant).squareRoot())]
        }
        switch method {
        case .gan, .nonSaturating, .wgan:
            return pair(0, -f1 * f1)
        case .wganGP:
            return nil
        case .consensus(let gamma):
            return [Complex(-Double(gamma) * f1 * f1, f1), Complex(-Double(gamma) * f1 * f1, -f1)]
        case .instanceNoise(let sigma):
            let s2 = Double(sigma) * Double(sigma)
            return pair(f2 * s2, f2 * f2 * s2 * s2 - f1 * f1)
        case .r1(let gamma), .nonSaturatingR1(let gamma):
            let g = Double(gamma)
            return pair(-g / 2, g * g / 4 - f1 * f1)
        }
    }

    /// The closed form as a formula with its numbers, for the table.
    public static func closedFormText(_ method: DiracMethod) -> String {
        switch method {
        case .gan, .nonSaturating: return "±i·f′(0)"
        case .wgan: return "±i"
        case .wganGP: return "none: ‖∇D‖ = abs(ψ) has a kink at ψ = 0"
        case .consensus: return "−γf′(0)² ± i·f′(0)"
        case .instanceNoise: return "f″(0)σ² ± √(f″(0)²σ⁴ − f′(0)²)"
        case .r1, .nonSaturatingR1: return "−γ/2 ± √(γ²/4 − f′(0)²)"
        }
    }

    /// "a ± bi" (or "±bi") for a conjugate pair, "a, b" for two reals, "a (double)" for a
    /// double root.
    public static func describe(_ pair: [Complex], digits: Int = 4) -> String {
        let (a, b) = (pair[0], pair[1])
        let zero = 0.5 * pow(10, -Double(digits))
        if Swift.abs(a.im) >= zero || Swift.abs(b.im) >= zero {
            let imag = String(format: "%.\(digits)f", Swift.abs(a.im)) + "i"
            return Swift.abs(a.re) < zero ? "±" + imag : Complex(a.re).format(digits: digits) + " ± " + imag
        }
        let (x, y) = (a.format(digits: digits), b.format(digits: digits))
        return x == y ? x + " (double)" : x + ", " + y
    }
}
