// Activation functions as layers (no parameters), for use in `Sequential`.

/// max(x, 0).
public final class ReLU: Layer {
    public init() {}
    public func callAsFunction(_ x: Tensor, in context: Context) -> Tensor { x.relu() }
    public func visit(_ v: inout TensorVisitor) {}
}

/// x for x > 0, slope·x otherwise (PyTorch's default slope is 0.01; GANs use 0.2).
public final class LeakyReLU: Layer {
    public let slope: Float
    public init(_ slope: Float = 0.01) { self.slope = slope }
    public func callAsFunction(_ x: Tensor, in context: Context) -> Tensor { x.leakyRelu(slope) }
    public func visit(_ v: inout TensorVisitor) {}
}

/// Hyperbolic tangent.
public final class Tanh: Layer {
    public init() {}
    public func callAsFunction(_ x: Tensor, in context: Context) -> Tensor { x.tanh() }
    public func visit(_ v: inout TensorVisitor) {}
}

/// The logistic function.
public final class Sigmoid: Layer {
    public init() {}
    public func callAsFunction(_ x: Tensor, in context: Context) -> Tensor { x.sigmoid() }
    public func visit(_ v: inout TensorVisitor) {}
}

/// Zeroes each element with probability `p` in training (scaling the rest by 1/(1−p)),
/// drawing from the context's generator; the identity in evaluation.
public final class Dropout: Layer {
    public let p: Float
    public init(_ p: Float = 0.5) {
        require(p >= 0 && p <= 1, "Dropout: probability \(p) is outside [0, 1]")
        self.p = p
    }
    public func callAsFunction(_ x: Tensor, in context: Context) -> Tensor {
        x.dropout(p: p, training: context.isTraining, using: &context.rng)
    }
    public func visit(_ v: inout TensorVisitor) {}
}

/// Flattens all axes after the first: [N, ...] → [N, rest].
public final class Flatten: Layer {
    public init() {}
    public func callAsFunction(_ x: Tensor, in context: Context) -> Tensor { x.flattened(from: 1) }
    public func visit(_ v: inout TensorVisitor) {}
}

/// Reshapes [N, ...] to [N] + `shape`.
public final class Reshape: Layer {
    public let shape: [Int]
    public init(_ shape: [Int]) { self.shape = shape }
    public func callAsFunction(_ x: Tensor, in context: Context) -> Tensor { x.reshaped([x.shape[0]] + shape) }
    public func visit(_ v: inout TensorVisitor) {}
}


/// x for x > 0, α(eˣ − 1) otherwise.
public final class ELU: Layer {
    public let alpha: Float
    public init(alpha: Float = 1) { self.alpha = alpha }
    public func callAsFunction(_ x: Tensor, in context: Context) -> Tensor { x.elu(alpha: alpha) }
    public func visit(_ v: inout TensorVisitor) {}
}

/// log(1 + eˣ).
public final class Softplus: Layer {
    public init() {}
    public func callAsFunction(_ x: Tensor, in context: Context) -> Tensor { x.softplus() }
    public func visit(_ v: inout TensorVisitor) {}
}
