/// Layers applied in order; sub-layers are named "0", "1", ... as in PyTorch's
/// `nn.Sequential`, so `model.0.weight` here is `model.0.weight` there.
public final class Sequential: Layer {
    public let layers: [Layer]

    public init(_ layers: [Layer]) { self.layers = layers }
    public convenience init(_ layers: Layer...) { self.init(layers) }

    public func callAsFunction(_ x: Tensor, in context: Context) -> Tensor {
        layers.reduce(x) { $1($0, in: context) }
    }

    public func visit(_ v: inout TensorVisitor) {
        for (i, layer) in layers.enumerated() { v.child(String(i), layer) }
    }
}
