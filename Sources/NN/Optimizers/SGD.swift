import Autograd

/// Stochastic gradient descent with momentum, PyTorch's `torch.optim.SGD` rules exactly.
///
/// For each parameter p with gradient g, at learning rate lr:
///
///     d = g + weightDecay·p                       (L2 penalty, when weightDecay ≠ 0)
///     b = d                                       (first update of p: buffer = gradient)
///     b = momentum·b + (1 − dampening)·d          (later updates)
///     d = d + momentum·b   if nesterov,   else  d = b      (when momentum ≠ 0)
///     p = p − lr·d
///
/// State slot: "momentum_buffer" (only when momentum ≠ 0). Nesterov momentum needs
/// momentum > 0 and dampening 0, as in PyTorch.
public struct SGD: Optimizer {
    public var learningRate: LearningRateSchedule
    public var momentum: Float
    public var dampening: Float
    public var nesterov: Bool
    public var weightDecay: Float

    public init(learningRate: LearningRateSchedule, momentum: Float = 0, dampening: Float = 0,
                nesterov: Bool = false, weightDecay: Float = 0) {
        require(momentum >= 0, "SGD: momentum \(momentum) is negative")
        require(weightDecay >= 0, "SGD: weight decay \(weightDecay) is negative")
        require(!nesterov || (momentum > 0 && dampening == 0),
                "SGD: Nesterov momentum needs momentum > 0 and dampening 0 (momentum \(momentum), dampening \(dampening))")
        self.learningRate = learningRate
        self.momentum = momentum
        self.dampening = dampening
        self.nesterov = nesterov
        self.weightDecay = weightDecay
    }

    public init(learningRate: Float, momentum: Float = 0, dampening: Float = 0,
                nesterov: Bool = false, weightDecay: Float = 0) {
        self.init(learningRate: .constant(learningRate), momentum: momentum, dampening: dampening,
                  nesterov: nesterov, weightDecay: weightDecay)
    }

    public var slotNames: [String] { momentum != 0 ? ["momentum_buffer"] : [] }

    public func update(_ parameters: [String: Tensor], _ gradients: [String: Tensor], _ state: OptimizerState,
                       learningRate lrOverride: Float?) -> (parameters: [String: Tensor], state: OptimizerState) {
        let lr = lrOverride ?? learningRate(state.step)
        let mu = momentum, keep = 1 - dampening, wd = weightDecay, nesterov = nesterov
        return OptimizerSupport.updateEach(parameters, gradients, state, op: "SGD.update") { path, p, g in
            let n = p.count
            let pp = p.storage.pointer, gp = g.storage.pointer
            let out = Storage(uninitialized: n)
            let op = out.pointer
            if mu == 0 {
                OptimizerSupport.chunks(n, touched: 3) { r in
                    for i in r {
                        let d = gp[i] + wd * pp[i]
                        op[i] = pp[i] - lr * d
                    }
                }
            } else {
                let old = state.slotPointers(["momentum_buffer"], path: path, shape: p.shape, op: "SGD.update")[0]
                let buf = Storage(uninitialized: n)
                let bp = buf.pointer
                OptimizerSupport.chunks(n, touched: old == nil ? 4 : 5) { r in
                    if let old {
                        for i in r {
                            let d = gp[i] + wd * pp[i]
                            let b = mu * old[i] + keep * d
                            bp[i] = b
                            op[i] = pp[i] - lr * (nesterov ? d + mu * b : b)
                        }
                    } else {
                        for i in r {
                            let d = gp[i] + wd * pp[i]
                            bp[i] = d
                            op[i] = pp[i] - lr * (nesterov ? d + mu * d : d)
                        }
                    }
                }
                return (out, ["momentum_buffer": Tensor(storage: buf, shape: p.shape)])
            }
            return (out, [:])
        }
    }
}
