import Foundation
import Autograd
import CKernels

/// Adam (Kingma & Ba, 2015), with PyTorch's `torch.optim.Adam` / `AdamW` rules exactly.
///
/// For each parameter p with gradient g, at update number t = 1, 2, ... (`state.step + 1`)
/// and learning rate lr:
///
///     g = g + weightDecay·p                       (L2 penalty, Adam style; not when decoupled)
///     p = p·(1 − lr·weightDecay)                  (AdamW: decoupled decay, when decoupled)
///     m = β1·m + (1 − β1)·g                       slot "exp_avg"
///     v = β2·v + (1 − β2)·g²                      slot "exp_avg_sq"
///     v̂ = max(v̂, v)                               slot "max_exp_avg_sq" (AMSGrad only)
///     p = p − lr/(1 − β1ᵗ) · m / (sqrt(v or v̂)/sqrt(1 − β2ᵗ) + ε)
///
/// m, v and v̂ start at zero. ε is added after the bias correction of sqrt(v), as PyTorch
/// does. Every parameter is bias-corrected with the state's step count, so a parameter that
/// missed updates (no gradient) is corrected as if it had not; PyTorch keeps one count per
/// parameter. The two agree whenever every parameter gets a gradient at every update.
public struct Adam: Optimizer {
    public var learningRate: LearningRateSchedule
    public var beta1: Float
    public var beta2: Float
    public var epsilon: Float
    public var weightDecay: Float
    /// AdamW (Loshchilov & Hutter, 2019): decay the weights directly, p·(1 − lr·wd), instead
    /// of adding wd·p to the gradient.
    public var decoupledWeightDecay: Bool
    public var amsgrad: Bool

    public init(learningRate: LearningRateSchedule, beta1: Float = 0.9, beta2: Float = 0.999,
                epsilon: Float = 1e-8, weightDecay: Float = 0, decoupledWeightDecay: Bool = false,
                amsgrad: Bool = false) {
        require(beta1 >= 0 && beta1 < 1, "Adam: beta1 \(beta1) is outside [0, 1)")
        require(beta2 >= 0 && beta2 < 1, "Adam: beta2 \(beta2) is outside [0, 1)")
        require(epsilon >= 0, "Adam: epsilon \(epsilon) is negative")
        require(weightDecay >= 0, "Adam: weight decay \(weightDecay) is negative")
        self.learningRate = learningRate
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        self.weightDecay = weightDecay
        self.decoupledWeightDecay = decoupledWeightDecay
        self.amsgrad = amsgrad
    }

    public init(learningRate: Float, beta1: Float = 0.9, beta2: Float = 0.999, epsilon: Float = 1e-8,
                weightDecay: Float = 0, decoupledWeightDecay: Bool = false, amsgrad: Bool = false) {
        self.init(learningRate: .constant(learningRate), beta1: beta1, beta2: beta2, epsilon: epsilon,
                  weightDecay: weightDecay, decoupledWeightDecay: decoupledWeightDecay, amsgrad: amsgrad)
    }

    /// AdamW: Adam with decoupled weight decay (PyTorch's default decay 0.01).
    public static func adamW(learningRate: Float, beta1: Float = 0.9, beta2: Float = 0.999,
                             epsilon: Float = 1e-8, weightDecay: Float = 1e-2, amsgrad: Bool = false) -> Adam {
        Adam(learningRate: learningRate, beta1: beta1, beta2: beta2, epsilon: epsilon,
             weightDecay: weightDecay, decoupledWeightDecay: true, amsgrad: amsgrad)
    }

    public var slotNames: [String] {
        amsgrad ? ["exp_avg", "exp_avg_sq", "max_exp_avg_sq"] : ["exp_avg", "exp_avg_sq"]
    }

    public func update(_ parameters: [String: Tensor], _ gradients: [String: Tensor], _ state: OptimizerState,
                       learningRate lrOverride: Float?) -> (parameters: [String: Tensor], state: OptimizerState) {
        let lr = lrOverride ?? learningRate(state.step)
        let t = Double(state.step + 1)
        // Scalars in Double, then rounded once.
        let stepSize = Float(Double(lr) / (1 - Foundation.pow(Double(beta1), t)))
        let invBC2Sqrt = Float(1 / (1 - Foundation.pow(Double(beta2), t)).squareRoot())
        let b1 = beta1, c1 = 1 - beta1, b2 = beta2, c2 = 1 - beta2, eps = epsilon
        let decoupled = decoupledWeightDecay
        let l2 = decoupled ? 0 : weightDecay
        let shrink: Float = decoupled ? 1 - lr * weightDecay : 1
        let amsgrad = amsgrad
        let names = slotNames

        let k = sg_adam_constants(l2: l2, shrink: shrink, b1: b1, c1: c1, b2: b2, c2: c2, step_size: stepSize,
                                  inv_bc2_sqrt: invBC2Sqrt, eps: eps)
        return OptimizerSupport.updateEach(parameters, gradients, state, op: "Adam.update") { path, p, g in
            let n = p.count
            let old = state.slotPointers(names, path: path, shape: p.shape, op: "Adam.update")
            let out = Storage(uninitialized: n)
            let m = OptimizerSupport.slot(old: old[0], count: n), v = OptimizerSupport.slot(old: old[1], count: n)
            let vMax = amsgrad ? OptimizerSupport.slot(old: old[2], count: n) : nil
            let (pp, gp, op) = (p.storage.pointer, g.storage.pointer, out.pointer)
            let (m0, m1, v0, v1) = (m.read, m.new.pointer, v.read, v.new.pointer)
            let (x0, x1) = (vMax?.read, vMax?.new.pointer)
            // The fused loop is C (CKernels/optimizers.c), compiled per instruction set.
            OptimizerSupport.chunks(n, touched: amsgrad ? 9 : 7) { r in
                let i = r.lowerBound, count = r.count
                if let x0, let x1 {
                    sg_adam_amsgrad(pp + i, gp + i, m0 + i, v0 + i, x0 + i, m1 + i, v1 + i, x1 + i, op + i, count, k)
                } else {
                    sg_adam(pp + i, gp + i, m0 + i, v0 + i, m1 + i, v1 + i, op + i, count, k)
                }
            }
            var slots = ["exp_avg": Tensor(storage: m.new, shape: p.shape), "exp_avg_sq": Tensor(storage: v.new, shape: p.shape)]
            if let vMax { slots["max_exp_avg_sq"] = Tensor(storage: vMax.new, shape: p.shape) }
            return (out, slots)
        }
    }
}
