/// A layer with a weight (and maybe a bias) that spectral normalization can wrap.
public protocol WeightedLayer: Layer {
    var weight: Tensor { get set }
    var bias: Tensor? { get set }
}

extension Linear: WeightedLayer {}
extension Conv2d: WeightedLayer {}
extension ConvTranspose2d: WeightedLayer {}

/// The result of one spectral-normalization step.
public struct SpectralNormStep {
    /// W / σ, differentiable with respect to W (u and v held constant).
    public let normalized: Tensor
    public let u: Tensor
    public let v: Tensor
    /// σ = uᵀ W v, the estimate of W's largest singular value.
    public let sigma: Float
}

extension Tensor {
    /// Spectral normalization of a weight (Miyato et al. 2018), as PyTorch's `spectral_norm`:
    /// W is seen as a matrix Wm of shape [W.shape[dim], rest]; with `powerIterations` ≥ 1,
    /// v = normalize(Wmᵀ u), u = normalize(Wm v) repeated; σ = uᵀ Wm v; the result is W / σ.
    /// u and v are constants for differentiation (no gradient flows through them);
    /// `normalize(x) = x / max(‖x‖, eps)`. With 0 iterations the given u and v are used.
    public static func spectralNormalized(_ weight: Tensor, u: Tensor, v: Tensor, dim: Int = 0,
                                          powerIterations: Int = 1, eps: Float = 1e-12) -> SpectralNormStep {
        let d = Shape.normalizeAxis(dim, rank: weight.rank, op: "spectralNorm")
        let rows = weight.shape[d], cols = weight.count / Swift.max(rows, 1)
        require(u.shape == [rows] && v.shape == [cols],
                "spectralNorm: weight \(Shape.describe(weight.shape)) (dim \(d)) needs u [\(rows)] and v [\(cols)], got \(Shape.describe(u.shape)) and \(Shape.describe(v.shape))")
        // Wm as a plain matrix, for the power iteration (constants).
        var order = [d] + (0..<weight.rank).filter { $0 != d }
        if weight.rank < 2 { order = [0] }
        let wm = (d == 0 ? weight : weight.permuted(order)).reshaped([rows, cols])
        let w = wm.toArray().map(Double.init)
        var uu = u.toArray().map(Double.init), vv = v.toArray().map(Double.init)
        func normalize(_ x: inout [Double]) {
            let n = Swift.max(x.reduce(0) { $0 + $1 * $1 }.squareRoot(), Double(eps))
            for i in x.indices { x[i] /= n }
        }
        for _ in 0..<powerIterations {
            for j in 0..<cols {
                var s = 0.0
                for i in 0..<rows { s += w[i * cols + j] * uu[i] }
                vv[j] = s
            }
            normalize(&vv)
            for i in 0..<rows {
                var s = 0.0
                for j in 0..<cols { s += w[i * cols + j] * vv[j] }
                uu[i] = s
            }
            normalize(&uu)
        }
        let uT = Tensor(uu.map(Float.init), shape: [1, rows]), vT = Tensor(vv.map(Float.init), shape: [cols, 1])
        let sigma = uT.matmul(wm).matmul(vT).reshaped([])  // differentiable in W
        return SpectralNormStep(normalized: weight / sigma, u: uT.reshaped([rows]), v: vT.reshaped([cols]),
                                sigma: sigma.scalarValue)
    }
}

/// Spectral normalization as a wrapper on any weighted layer (Miyato et al. 2018): the
/// layer runs with W / σ(W). In training each call makes one power iteration and keeps the
/// new u and v (buffers, no gradient through them); in evaluation the stored u and v are
/// used as they are. Tensors are named as PyTorch's `torch.nn.utils.spectral_norm` names
/// them: `weight_orig` (the learned W), `bias`, buffers `weight_u`, `weight_v`.
public final class SpectralNorm<Wrapped: WeightedLayer>: Layer {
    public let layer: Wrapped
    public var weightOrig: Tensor
    public var u: Tensor
    public var v: Tensor
    public let dim: Int
    public let eps: Float
    /// σ of the latest call (for logging).
    public private(set) var sigma: Float = .nan

    /// `dim`: the weight axis seen as rows; PyTorch uses 1 for transposed convolutions
    /// (whose weight is [in, out, kh, kw]) and 0 otherwise, which is the default here.
    public init(_ layer: Wrapped, dim: Int? = nil, eps: Float = 1e-12, using rng: inout RandomGenerator) {
        self.layer = layer
        self.dim = dim ?? (layer is ConvTranspose2d ? 1 : 0)
        self.eps = eps
        weightOrig = layer.weight
        let rows = layer.weight.shape[self.dim], cols = layer.weight.count / rows
        func unit(_ n: Int) -> Tensor {
            let t = Tensor.randomNormal([n], using: &rng)
            return t / Swift.max(t.square().sum().sqrt().scalarValue, eps)
        }
        u = unit(rows)
        v = unit(cols)
    }

    public func callAsFunction(_ x: Tensor, in context: Context) -> Tensor {
        let step = Tensor.spectralNormalized(weightOrig, u: u, v: v, dim: dim,
                                             powerIterations: context.isTraining ? 1 : 0, eps: eps)
        if context.isTraining {
            u = step.u
            v = step.v
        }
        sigma = step.sigma
        layer.weight = step.normalized
        return layer(x, in: context)
    }

    public func visit(_ visitor: inout TensorVisitor) {
        visitor.parameter("weight_orig", &weightOrig)
        if layer.bias != nil { visitor.parameter("bias", &layer.bias!) }
        visitor.buffer("weight_u", &u)
        visitor.buffer("weight_v", &v)
    }
}
