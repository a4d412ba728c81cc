import TensorCore

// Elementwise activations: relu, leaky relu, elu, tanh, sigmoid, softplus, log-sigmoid.
//
// Each backward has two forms. When the gradients will be differentiated again
// (`createGraph`), it is written with differentiable ops (the op's saved output, its input,
// constant 0/1 masks). Otherwise it runs as one fused loop over raw storage: nothing is
// recorded then, so the result is the same value without the intermediate tensors.
// The piecewise-linear ones (relu, leaky relu) always use a fused op `gy * mask(x)`,
// which is linear in gy and so differentiates again (its derivative in x is zero).

extension Tensor {
    /// max(x, 0). Gradient: gy where x > 0, 0 where x ≤ 0 (0 at the kink, as PyTorch).
    public func relu() -> Tensor {
        let out = Storage(uninitialized: count)
        VectorMath.leakyRelu(storage.pointer, slope: 0, out.pointer, count)
        return Tensor.record("relu", out, shape: shape, inputs: [self]) { gy, ctx in
            [Tensor.leakyReluBackward(gy, ctx.node.inputs[0].storage, slope: 0)]
        }
    }

    /// x where x > 0, slope·x otherwise (PyTorch's default slope is 0.01; GANs use 0.2).
    /// Gradient: gy where x > 0, slope·gy where x ≤ 0 (slope at the kink, as PyTorch).
    public func leakyRelu(_ slope: Float = 0.2) -> Tensor {
        let out = Storage(uninitialized: count)
        VectorMath.leakyRelu(storage.pointer, slope: slope, out.pointer, count)
        return Tensor.record("leaky_relu", out, shape: shape, inputs: [self]) { gy, ctx in
            [Tensor.leakyReluBackward(gy, ctx.node.inputs[0].storage, slope: slope)]
        }
    }

    /// `gy · d` with d = 1 where x > 0, else `slope`: the gradient of (leaky) relu. Linear
    /// in gy, with a derivative mask that is a constant of x, so it differentiates again.
    static func leakyReluBackward(_ gy: Tensor, _ x: Storage, slope: Float) -> Tensor {
        require(gy.count == x.count, "leaky_relu backward: gradient of \(gy.count) elements for an input of \(x.count)")
        let out = Storage(uninitialized: gy.count)
        VectorMath.leakyReluBackward(gy.storage.pointer, x.pointer, slope: slope, out.pointer, gy.count)
        return record("leaky_relu_backward", out, shape: gy.shape, inputs: [gy]) { g2, _ in
            [leakyReluBackward(g2, x, slope: slope)]
        }
    }

    /// x where x > 0, alpha·(eˣ − 1) otherwise. Gradient: 1 where x > 0, else y + alpha
    /// (= alpha·eˣ); at x = 0 the left side, y + alpha = alpha (PyTorch's choice).
    public func elu(alpha: Float = 1) -> Tensor {
        let out = Tensor.unaryMap(self) { $0 > 0 ? $0 : alpha * Tensor.expm1($0) }
        return Tensor.record("elu", out, shape: shape, inputs: [self], savesOutput: true) { gy, ctx in
            let x = ctx.node.inputs[0].storage
            if ctx.createGraph {
                // d = where(x > 0, 1, y + alpha): the mask is a constant, y is differentiable.
                let positive = Tensor(storage: Tensor.unaryMap(ctx.node.inputs[0]) { $0 > 0 ? 1 : 0 }, shape: gy.shape)
                return [gy * Tensor.where(positive, Tensor(scalar: 1), ctx.output + alpha)]
            }
            let y = ctx.output.storage
            let out = Storage(uninitialized: gy.count)
            Elementwise.zip3(gy.storage.pointer, x.pointer, y.pointer, out.pointer, gy.count) { g, v, y in
                v > 0 ? g : g * (y + alpha)
            }
            return [Tensor(storage: out, shape: gy.shape)]
        }
    }

    /// Hyperbolic tangent, computed without overflow for any x. Gradient: gy·(1 − y²).
    public func tanh() -> Tensor {
        let out = Tensor.vectorMap(self, VectorMath.tanh)
        return Tensor.record("tanh", out, shape: shape, inputs: [self], savesOutput: true) { gy, ctx in
            if ctx.createGraph { return [gy * (1 - ctx.output.square())] }
            return [Tensor.fused(gy, ctx.output) { g, y in g * (1 - y * y) }]
        }
    }

    /// The logistic function 1 / (1 + e⁻ˣ), stable for any x. Gradient: gy·y·(1 − y).
    public func sigmoid() -> Tensor {
        let out = Tensor.vectorMap(self, VectorMath.sigmoid)
        return Tensor.record("sigmoid", out, shape: shape, inputs: [self], savesOutput: true) { gy, ctx in
            if ctx.createGraph {
                let y = ctx.output
                return [gy * (y * (1 - y))]
            }
            return [Tensor.fused(gy, ctx.output) { g, y in g * y * (1 - y) }]
        }
    }

    /// log(1 + eˣ), as max(x, 0) + log1p(e^−|x|): no overflow, and equal to x in Float32
    /// above about 17 (where PyTorch switches to x). Gradient: gy·sigmoid(x).
    public func softplus() -> Tensor {
        let out = Tensor.vectorMap(self, VectorMath.softplus)
        return Tensor.record("softplus", out, shape: shape, inputs: [self]) { gy, ctx in
            if ctx.createGraph { return [gy * ctx.input(0).sigmoid()] }
            return [Tensor.fused(gy, ctx.input(0)) { g, x in g * FastMath.sigmoid(x) }]
        }
    }

    /// log(sigmoid(x)) = −softplus(−x), as min(x, 0) − log1p(e^−|x|): stable for any x.
    /// Gradient: gy·sigmoid(−x).
    public func logSigmoid() -> Tensor {
        let out = Tensor.vectorMap(self, VectorMath.logSigmoid)
        return Tensor.record("log_sigmoid", out, shape: shape, inputs: [self]) { gy, ctx in
            if ctx.createGraph { return [gy * (-ctx.input(0)).sigmoid()] }
            return [Tensor.fused(gy, ctx.input(0)) { g, x in g * FastMath.sigmoid(-x) }]
        }
    }

    /// eˣ − 1, accurate near 0 as well: a Taylor polynomial to x⁹ for |x| < 0.5 (error
    /// below 3e-10·|x|), eˣ − 1 elsewhere (no cancellation there). Branch-free, so loops
    /// over it vectorize.
    @inline(__always)
    static func expm1(_ x: Float) -> Float {
        let e = FastMath.exp(x) - 1
        var p: Float = 2.7557319e-6      // 1/9!
        p = p * x + 2.4801587e-5         // 1/8!
        p = p * x + 1.9841270e-4         // 1/7!
        p = p * x + 1.3888889e-3         // 1/6!
        p = p * x + 8.3333333e-3         // 1/5!
        p = p * x + 4.1666667e-2         // 1/4!
        p = p * x + 1.6666667e-1         // 1/3!
        p = p * x + 0.5
        p = p * x + 1
        return Swift.abs(x) < 0.5 ? p * x : e
    }

    /// f(a, b) elementwise for two tensors of one shape, untracked: the fused first-order
    /// backward loops (used only when no graph of the gradient is being built).
    @inline(__always)
    static func fused(_ a: Tensor, _ b: Tensor, _ f: (Float, Float) -> Float) -> Tensor {
        require(a.shape == b.shape, "fused backward: shapes \(Shape.describe(a.shape)) and \(Shape.describe(b.shape)) differ")
        let out = Storage(uninitialized: a.count)
        Elementwise.zip(a.storage.pointer, b.storage.pointer, out.pointer, a.count, f)
        return Tensor(storage: out, shape: a.shape)
    }
}
