/// A maxout layer (Goodfellow et al. 2013): a Linear map to `units · pieces` features, then
/// the maximum over each group of `pieces`. PacGAN's 2-D discriminator is three of these
/// (200 units, 5 pieces) and a linear output (Lin et al. 2018, Appendix).
///
/// Parameters are the inner Linear's, named `linear.weight` [units·pieces, in] and
/// `linear.bias`; initialized as PyTorch's `nn.Linear`.
public final class Maxout: Layer {
    public var linear: Linear
    public let pieces: Int

    public init(_ inFeatures: Int, units: Int, pieces: Int, using rng: inout RandomGenerator) {
        require(units > 0 && pieces > 0, "Maxout: units (\(units)) and pieces (\(pieces)) must be positive")
        linear = Linear(inFeatures, units * pieces, using: &rng)
        self.pieces = pieces
    }

    public var units: Int { linear.outFeatures / pieces }

    public func callAsFunction(_ x: Tensor, in context: Context) -> Tensor {
        linear(x, in: context).maxout(pieces: pieces)
    }

    public func visit(_ v: inout TensorVisitor) {
        v.child("linear", linear)
    }
}
