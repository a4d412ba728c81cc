import Autograd

/// RMSProp (Tieleman & Hinton, 2012), with PyTorch's `torch.optim.RMSprop` rules exactly.
///
/// For each parameter p with gradient g, at learning rate lr:
///
///     g = g + weightDecay·p                       (L2 penalty, when weightDecay ≠ 0)
///     s = α·s + (1 − α)·g²                        slot "square_avg"
///     a = α·a + (1 − α)·g                         slot "grad_avg"   (centered only)
///     d = sqrt(s − a²) + ε   if centered,  else  d = sqrt(s) + ε
///     b = momentum·b + g / d;  p = p − lr·b       slot "momentum_buffer" (momentum > 0)
///     p = p − lr·g / d                            (momentum 0)
///
/// All slots start at zero; ε is outside the square root and there is no bias correction.
/// (In the centered form s − a² ≥ 0 in exact arithmetic; a rounding below zero is taken
/// as 0, where PyTorch would produce NaN.)
public struct RMSProp: Optimizer {
    public var learningRate: LearningRateSchedule
    public var alpha: Float
    public var epsilon: Float
    public var momentum: Float
    public var centered: Bool
    public var weightDecay: Float

    public init(learningRate: LearningRateSchedule, alpha: Float = 0.99, epsilon: Float = 1e-8,
                momentum: Float = 0, centered: Bool = false, weightDecay: Float = 0) {
        require(alpha >= 0 && alpha <= 1, "RMSProp: alpha \(alpha) is outside [0, 1]")
        require(epsilon >= 0, "RMSProp: epsilon \(epsilon) is negative")
        require(momentum >= 0, "RMSProp: momentum \(momentum) is negative")
        require(weightDecay >= 0, "RMSProp: weight decay \(weightDecay) is negative")
        self.learningRate = learningRate
        self.alpha = alpha
        self.epsilon = epsilon
        self.momentum = momentum
        self.centered = centered
        self.weightDecay = weightDecay
    }

    public init(learningRate: Float, alpha: Float = 0.99, epsilon: Float = 1e-8,
                momentum: Float = 0, centered: Bool = false, weightDecay: Float = 0) {
        self.init(learningRate: .constant(learningRate), alpha: alpha, epsilon: epsilon,
                  momentum: momentum, centered: centered, weightDecay: weightDecay)
    }

    public var slotNames: [String] {
        ["square_avg"] + (momentum > 0 ? ["momentum_buffer"] : []) + (centered ? ["grad_avg"] : [])
    }

    public func update(_ parameters: [String: Tensor], _ gradients: [String: Tensor], _ state: OptimizerState,
                       learningRate lrOverride: Float?) -> (parameters: [String: Tensor], state: OptimizerState) {
        let k = Constants(lr: lrOverride ?? learningRate(state.step), alpha: alpha, eps: epsilon,
                          momentum: momentum, wd: weightDecay)
        let centered = centered, useMomentum = momentum > 0
        let names = slotNames

        return OptimizerSupport.updateEach(parameters, gradients, state, op: "RMSProp.update") { path, p, g in
            let n = p.count
            let old = state.slotPointers(names, path: path, shape: p.shape, op: "RMSProp.update")
            let fresh = names.indices.map { OptimizerSupport.slot(old: old[$0], count: n) }
            let new = fresh.map(\.new)
            var ptrs = Pointers(p: p.storage.pointer, g: g.storage.pointer, out: Storage(uninitialized: n))
            for (j, name) in names.enumerated() {
                let src = fresh[j].read, dst = fresh[j].new.pointer
                switch name {
                case "square_avg": ptrs.s0 = src; ptrs.s1 = dst
                case "momentum_buffer": ptrs.b0 = src; ptrs.b1 = dst
                default: ptrs.a0 = src; ptrs.a1 = dst
                }
            }
            let q = ptrs
            OptimizerSupport.chunks(n, touched: 4 + 2 * (names.count - 1)) { r in
                switch (centered, useMomentum) {
                case (false, false): RMSProp.kernel(r, q, k, centered: false, momentum: false)
                case (false, true): RMSProp.kernel(r, q, k, centered: false, momentum: true)
                case (true, false): RMSProp.kernel(r, q, k, centered: true, momentum: false)
                case (true, true): RMSProp.kernel(r, q, k, centered: true, momentum: true)
                }
            }
            var slots: [String: Tensor] = [:]
            for (j, name) in names.enumerated() { slots[name] = Tensor(storage: new[j], shape: p.shape) }
            return (q.out, slots)
        }
    }

    struct Constants {
        let lr, alpha, eps, momentum, wd: Float
    }

    /// Old (…0) and new (…1) slot pointers; unused ones point at the output (never touched).
    struct Pointers {
        let p, g: UnsafeMutablePointer<Float>
        let out: Storage
        var s0, s1, a0, a1, b0, b1: UnsafeMutablePointer<Float>
        init(p: UnsafeMutablePointer<Float>, g: UnsafeMutablePointer<Float>, out: Storage) {
            self.p = p; self.g = g; self.out = out
            s0 = out.pointer; s1 = out.pointer; a0 = out.pointer; a1 = out.pointer; b0 = out.pointer; b1 = out.pointer
        }
    }

    /// The fused update over `r`, eight lanes at a time, then the tail; called with constant
    /// flags, so each case is its own loop.
    @inline(__always)
    static func kernel(_ r: Range<Int>, _ q: Pointers, _ k: Constants, centered: Bool, momentum: Bool) {
        let alpha = k.alpha, c = 1 - k.alpha, eps = k.eps, lr = k.lr, mu = k.momentum, wd = k.wd
        let op = q.out.pointer
        var i = r.lowerBound
        while i + 8 <= r.upperBound {
            let p = OptimizerSupport.load8(q.p, i)
            let g = OptimizerSupport.load8(q.g, i) + wd * p
            let s = alpha * OptimizerSupport.load8(q.s0, i) + c * g * g
            OptimizerSupport.store8(q.s1, i, s)
            var d: SIMD8<Float>
            if centered {
                let a = alpha * OptimizerSupport.load8(q.a0, i) + c * g
                OptimizerSupport.store8(q.a1, i, a)
                d = pointwiseMax(s - a * a, SIMD8(repeating: 0)).squareRoot() + eps
            } else {
                d = s.squareRoot() + eps
            }
            if momentum {
                let b = mu * OptimizerSupport.load8(q.b0, i) + g / d
                OptimizerSupport.store8(q.b1, i, b)
                OptimizerSupport.store8(op, i, p - lr * b)
            } else {
                OptimizerSupport.store8(op, i, p - lr * g / d)
            }
            i += 8
        }
        while i < r.upperBound {
            let p = q.p[i]
            let g = q.g[i] + wd * p
            let s = alpha * q.s0[i] + c * g * g
            q.s1[i] = s
            var d: Float
            if centered {
                let a = alpha * q.a0[i] + c * g
                q.a1[i] = a
                d = Swift.max(s - a * a, 0).squareRoot() + eps
            } else {
                d = s.squareRoot() + eps
            }
            if momentum {
                let b = mu * q.b0[i] + g / d
                q.b1[i] = b
                op[i] = p - lr * b
            } else {
                op[i] = p - lr * g / d
            }
            i += 1
        }
    }
}
