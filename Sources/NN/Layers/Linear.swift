/// A fully connected layer, `y = x Wᵀ + b`.
///
/// - `weight`: `[out, in]`; `bias`: `[out]` (optional). The input is `[..., in]`.
/// - Initialization, as PyTorch's `nn.Linear`: both drawn from U(−1/√in, 1/√in)
///   (Kaiming-uniform with a = √5 for the weight), from the given generator.
public final class Linear: Layer {
    public var weight: Tensor
    public var bias: Tensor?

    public init(_ inFeatures: Int, _ outFeatures: Int, bias: Bool = true, using rng: inout RandomGenerator) {
        require(inFeatures > 0 && outFeatures > 0, "Linear: feature counts must be positive, got \(inFeatures) → \(outFeatures)")
        let bound = 1 / Float(inFeatures).squareRoot()
        weight = Tensor.randomUniform([outFeatures, inFeatures], low: -bound, high: bound, using: &rng).requiringGradient()
        self.bias = bias ? Tensor.randomUniform([outFeatures], low: -bound, high: bound, using: &rng).requiringGradient() : nil
    }

    public var inFeatures: Int { weight.shape[1] }
    public var outFeatures: Int { weight.shape[0] }

    public func callAsFunction(_ x: Tensor, in context: Context) -> Tensor {
        require(x.shape.last == inFeatures,
                "Linear(\(inFeatures) → \(outFeatures)): input of shape \(Shape.describe(x.shape)) does not end in \(inFeatures) features")
        return Tensor.linear(x, weight: weight, bias: bias)
    }

    public func visit(_ v: inout TensorVisitor) {
        v.parameter("weight", &weight)
        if bias != nil { v.parameter("bias", &bias!) }
    }
}
