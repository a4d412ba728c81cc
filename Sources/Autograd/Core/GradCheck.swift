import TensorCore

/// Finite-difference checks of first and second derivatives, for testing backward rules
/// (the engine's own and those of user-defined ops).
///
/// The engine computes in Float32, so differences are taken with a step `h` that is large
/// enough for rounding not to dominate (default 1e-2; the truncation error is O(h²)) and
/// sums are accumulated in Double. With well-conditioned inputs a correct rule agrees to
/// about 1e-3 relative; a wrong rule is off by O(1).
public enum GradCheck {
    public struct Result: CustomStringConvertible {
        /// Largest |analytic − numeric| over all checked elements, relative to the scale
        /// `max(1, |numeric|)`.
        public var maxError: Double = 0
        /// Where the largest error was: "input 1 [7]: analytic 0.5, numeric 0.49".
        public var worst: String = "no elements"
        public var checked = 0
        public var description: String { "max error \(maxError) at \(worst) over \(checked) elements" }

        mutating func record(_ analytic: Double, _ numeric: Double, _ place: @autoclosure () -> String) {
            checked += 1
            let err = Swift.abs(analytic - numeric) / Swift.max(1, Swift.abs(numeric))
            if err > maxError || checked == 1 {
                maxError = Swift.max(err, maxError)
                worst = "\(place()): analytic \(analytic), numeric \(numeric)"
            }
        }
    }

    /// Σ a·b in Double.
    static func dot(_ a: Tensor, _ b: Tensor) -> Double {
        require(a.shape == b.shape, "gradcheck: shapes \(Shape.describe(a.shape)) and \(Shape.describe(b.shape)) differ")
        var s = 0.0
        for i in 0..<a.count { s += Double(a.storage.pointer[i]) * Double(b.storage.pointer[i]) }
        return s
    }

    /// Replaces element `i` of input `k` by `value` (a fresh copy: tensors stay immutable).
    static func perturbed(_ inputs: [Tensor], _ k: Int, _ i: Int, by delta: Float) -> [Tensor] {
        var copy = inputs
        let s = inputs[k].storage.copy()
        s.pointer[i] += delta
        copy[k] = Tensor(storage: s, shape: inputs[k].shape).requiringGradient()
        return copy
    }

    /// Checks the gradient of `S = Σ f(x)·gy` with respect to every input against central
    /// differences. `gy` is a fixed direction of the output's shape.
    public static func firstOrder(_ f: ([Tensor]) -> Tensor, at inputs: [Tensor], gy: Tensor,
                                  h: Float = 1e-2) -> Result {
        let xs = inputs.map { $0.detached().requiringGradient() }
        let y = f(xs)
        let grads = gradients(of: y, wrt: xs, seed: gy)
        var result = Result()
        for k in 0..<xs.count {
            for i in 0..<xs[k].count {
                let plus = dot(f(perturbed(xs, k, i, by: h)), gy)
                let minus = dot(f(perturbed(xs, k, i, by: -h)), gy)
                let numeric = (plus - minus) / (2 * Double(h))
                result.record(Double(grads[k].storage.pointer[i]), numeric, "input \(k) [\(i)]")
            }
        }
        return result
    }

    /// Checks second derivatives: `S₂ = Σ_k ∇ₖS · probeₖ` (with `S = Σ f(x)·gy`) is
    /// differentiated by the engine (create-graph, then a second walk) and by central
    /// differences of the engine's first-order gradients, with respect to every input and
    /// to `gy`.
    public static func secondOrder(_ f: ([Tensor]) -> Tensor, at inputs: [Tensor], gy: Tensor,
                                   probes: [Tensor], h: Float = 1e-2) -> Result {
        require(probes.count == inputs.count, "gradcheck: one probe per input is needed")
        func s2(_ xs: [Tensor], _ g: Tensor, createGraph: Bool) -> (Tensor, Double) {
            let y = f(xs)
            let grads = gradients(of: y, wrt: xs, seed: g, createGraph: createGraph)
            var total: Tensor? = nil
            var value = 0.0
            for (g, p) in zip(grads, probes) {
                value += dot(g, p)
                if createGraph {
                    let term = (g * p).sum()
                    total = total.map { $0 + term } ?? term
                }
            }
            return (total ?? Tensor(scalar: 0), value)
        }
        let xs = inputs.map { $0.detached().requiringGradient() }
        let g = gy.detached().requiringGradient()
        let (s, _) = s2(xs, g, createGraph: true)
        let analytic = gradients(of: s, wrt: xs + [g])
        var result = Result()
        let all = xs + [g]
        for k in 0..<all.count {
            for i in 0..<all[k].count {
                let p = perturbed(all, k, i, by: h), m = perturbed(all, k, i, by: -h)
                let plus = s2(Array(p.dropLast()), p.last!, createGraph: false).1
                let minus = s2(Array(m.dropLast()), m.last!, createGraph: false).1
                let numeric = (plus - minus) / (2 * Double(h))
                let name = k == xs.count ? "gy" : "input \(k)"
                result.record(Double(analytic[k].storage.pointer[i]), numeric, "\(name) [\(i)]")
            }
        }
        return result
    }
}
