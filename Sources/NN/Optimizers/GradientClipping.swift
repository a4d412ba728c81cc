import Autograd

/// Gradient clipping by global norm, and the weight clipping of the original WGAN.
/// Both are pure: they read raw storage and return new, untracked tensors (or the inputs
/// themselves where nothing changes); no graph is built.
public enum GradientClipping {
    /// The Euclidean norm of all gradients together, sqrt(Σ_paths Σ_i g²), accumulated in
    /// Double over the paths in sorted order (the same answer on every run).
    public static func globalNorm(_ gradients: [String: Tensor]) -> Float {
        var total: Double = 0
        for path in gradients.keys.sorted() {
            let t = gradients[path]!
            let p = t.storage.pointer
            // Float partial sums in blocks (vectorizable), blocks summed in Double.
            var i = 0
            let n = t.count
            while i < n {
                let len = Swift.min(4096, n - i)
                var s0: Float = 0, s1: Float = 0, s2: Float = 0, s3: Float = 0
                var j = 0
                let q = p + i
                while j + 4 <= len {
                    s0 += q[j] * q[j]; s1 += q[j + 1] * q[j + 1]
                    s2 += q[j + 2] * q[j + 2]; s3 += q[j + 3] * q[j + 3]
                    j += 4
                }
                while j < len { s0 += q[j] * q[j]; j += 1 }
                total += Double(s0) + Double(s1) + Double(s2) + Double(s3)
                i += len
            }
        }
        return Float(total.squareRoot())
    }

    /// Scales all gradients by one factor so that their global norm is at most `maxNorm`
    /// (PyTorch's `clip_grad_norm_`): factor = maxNorm / (norm + 1e-6) when that is below 1.
    /// Returns the gradients and their norm before clipping (to log it).
    ///
    /// When the norm is within bounds the input tensors are returned as they are (no copy).
    /// When it is not finite (NaN or infinite gradients) the gradients are also returned
    /// unchanged, with that norm, so the caller sees the blow-up rather than NaNs everywhere.
    /// Clipped gradients are untracked.
    public static func clipByGlobalNorm(_ gradients: [String: Tensor], maxNorm: Float)
        -> (gradients: [String: Tensor], norm: Float) {
        require(maxNorm > 0, "clipByGlobalNorm: maxNorm \(maxNorm) must be positive")
        let norm = globalNorm(gradients)
        guard norm.isFinite else { return (gradients, norm) }
        let factor = Float(Double(maxNorm) / (Double(norm) + 1e-6))
        guard factor < 1 else { return (gradients, norm) }
        var out: [String: Tensor] = [:]
        out.reserveCapacity(gradients.count)
        for (path, g) in gradients {
            let n = g.count
            let s = Storage(uninitialized: n)
            let gp = g.storage.pointer, sp = s.pointer
            OptimizerSupport.chunks(n, touched: 2) { r in
                for i in r { sp[i] = gp[i] * factor }
            }
            out[path] = Tensor(storage: s, shape: g.shape)
        }
        return (out, norm)
    }

    /// WGAN weight clipping (Arjovsky et al., 2017): every parameter clamped to [−c, c].
    /// Returns fresh leaves (like an optimizer update), so the critic's next graph starts anew.
    public static func clipWeights(_ parameters: [String: Tensor], to c: Float) -> [String: Tensor] {
        require(c > 0, "clipWeights: bound \(c) must be positive")
        var out: [String: Tensor] = [:]
        out.reserveCapacity(parameters.count)
        for (path, p) in parameters {
            let n = p.count
            let s = Storage(uninitialized: n)
            let pp = p.storage.pointer, sp = s.pointer
            let lo = -c
            OptimizerSupport.chunks(n, touched: 2) { r in
                for i in r { sp[i] = Swift.min(Swift.max(pp[i], lo), c) }
            }
            out[path] = OptimizerSupport.leaf(s, p.shape)
        }
        return out
    }
}
