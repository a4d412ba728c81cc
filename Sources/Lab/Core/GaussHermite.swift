import TensorCore

/// Gauss–Hermite quadrature for the standard normal: nodes xᵢ and weights wᵢ (summing to 1)
/// with E[g(ε)] ≈ Σᵢ wᵢ g(xᵢ) for ε ~ N(0, 1), exact when g is a polynomial of degree
/// below 2n. Used to take expectations over instance noise deterministically.
///
/// The nodes are the roots of the orthonormal Hermite polynomial pₙ (physicists' weight
/// e^(−t²)), found by scanning for sign changes and refining by bisection in Double, with
/// weights 2 / pₙ′(tᵢ)²; then x = √2·t and w divided by √π for the normal density.
public struct GaussHermite: Sendable {
    public let nodes: [Double]
    public let weights: [Double]

    public init(points n: Int) {
        require(n >= 1 && n <= 60, "GaussHermite: \(n) points; expected 1 to 60")
        // p₀ … pₙ at t by the three-term recurrence of the orthonormal polynomials:
        // p_{k+1} = t·√(2/(k+1))·p_k − √(k/(k+1))·p_{k−1}, p₀ = π^(−1/4). Returns (pₙ, pₙ₋₁).
        func evaluate(_ t: Double) -> (Double, Double) {
            var previous = 0.0, current = 1 / Double.pi.squareRoot().squareRoot()
            for k in 0..<n {
                let next = t * (2 / Double(k + 1)).squareRoot() * current
                    - (Double(k) / Double(k + 1)).squareRoot() * previous
                previous = current
                current = next
            }
            return (current, previous)
        }
        // Every root lies in |t| < √(2n + 1); roots are at least ~1/√(2n) apart, so a scan in
        // steps far below that separates them.
        let bound = (2 * Double(n) + 1).squareRoot() + 0.5
        let steps = 200 * n
        var roots: [Double] = []
        var a = -bound, fa = evaluate(a).0
        for s in 1...steps {
            let b = -bound + 2 * bound * Double(s) / Double(steps)
            let fb = evaluate(b).0
            if fa == 0 {
                roots.append(a)
            } else if fa * fb < 0 {
                var lo = a, hi = b, flo = fa
                for _ in 0..<200 where hi - lo > 1e-15 * Swift.max(1, Swift.abs(lo)) {
                    let mid = (lo + hi) / 2, fm = evaluate(mid).0
                    if (fm < 0) == (flo < 0) { lo = mid; flo = fm } else { hi = mid }
                }
                roots.append((lo + hi) / 2)
            }
            a = b; fa = fb
        }
        require(roots.count == n, "GaussHermite: found \(roots.count) roots of the degree-\(n) Hermite polynomial")
        var weights = roots.map { t -> Double in
            // pₙ′ = √(2n)·pₙ₋₁ for the orthonormal family.
            let derivative = (2 * Double(n)).squareRoot() * evaluate(t).1
            return 2 / (derivative * derivative) / Double.pi.squareRoot()
        }
        // The weights sum to 1 up to rounding; make it exact so that E[1] = 1.
        let total = weights.reduce(0, +)
        weights = weights.map { $0 / total }
        self.nodes = roots.map { $0 * 2.0.squareRoot() }
        self.weights = weights
    }
}
