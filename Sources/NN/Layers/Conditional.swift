/// Class-conditional batch normalization (de Vries et al. 2017; used by SNGAN and BigGAN
/// generators): batch norm without its own affine parameters, then a per-class scale and
/// shift, `y = γ[label] · x̂ + β[label]`, with γ (`gamma.weight`) initialized to 1 and β
/// (`beta.weight`) to 0.
public final class ConditionalBatchNorm: ParameterContainer {
    public let norm: BatchNorm
    public let gamma: Embedding
    public let beta: Embedding

    public init(_ features: Int, classes: Int, momentum: Float = 0.1, eps: Float = 1e-5, using rng: inout RandomGenerator) {
        norm = BatchNorm(features, momentum: momentum, eps: eps, affine: false)
        gamma = Embedding(classes, features, using: &rng)
        beta = Embedding(classes, features, using: &rng)
        gamma.weight = Tensor(ones: [classes, features]).requiringGradient()
        beta.weight = Tensor(zeros: [classes, features]).requiringGradient()
    }

    /// `x`: [N, C] or [N, C, H, W]; `labels`: [N] class indices stored as Float.
    public func callAsFunction(_ x: Tensor, labels: Tensor, in context: Context) -> Tensor {
        require(labels.shape == [x.shape[0]], "ConditionalBatchNorm: labels \(Shape.describe(labels.shape)) do not match batch \(Shape.describe(x.shape))")
        let xhat = norm(x, in: context)
        let tail = [Int](repeating: 1, count: x.rank - 2)
        let c = x.shape[1]
        return gamma(labels).reshaped([x.shape[0], c] + tail) * xhat + beta(labels).reshaped([x.shape[0], c] + tail)
    }

    public func visit(_ v: inout TensorVisitor) {
        v.child("bn", norm)
        v.child("gamma", gamma)
        v.child("beta", beta)
    }
}

/// The projection discriminator's output head (Miyato & Koyama 2018):
/// `D(x, y) = ψ(φ) + ⟨embed(y), φ⟩` for features φ [N, F]: a linear score plus the inner
/// product of the features with a learned class embedding. Returns [N, 1].
public final class ProjectionHead: ParameterContainer {
    public let linear: Linear
    public let embedding: Embedding

    public init(features: Int, classes: Int, using rng: inout RandomGenerator) {
        linear = Linear(features, 1, using: &rng)
        embedding = Embedding(classes, features, using: &rng)
    }

    public func callAsFunction(_ features: Tensor, labels: Tensor, in context: Context) -> Tensor {
        require(features.rank == 2 && features.shape[1] == linear.inFeatures,
                "ProjectionHead: features must be [N, \(linear.inFeatures)], got \(Shape.describe(features.shape))")
        let projection = (embedding(labels) * features).sum(axes: [1], keepDims: true)
        return linear(features, in: context) + projection
    }

    public func visit(_ v: inout TensorVisitor) {
        v.child("linear", linear)
        v.child("embedding", embedding)
    }
}
