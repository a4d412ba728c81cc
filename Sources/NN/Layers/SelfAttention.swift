/// SAGAN's self-attention block (Zhang et al. 2019, section 3): for x [N, C, H, W] with
/// L = H·W positions, f = W_f x and g = W_g x ([N, C/8, L], 1×1 convolutions), h = W_h x
/// ([N, C, L]); attention β = softmax over keys of fᵀg ([N, L, L], row q: how much query
/// position q attends to each key); o = W_v (h βᵀ); y = x + γ·o with γ a learned scalar
/// starting at 0, so the block starts as the identity. Sub-layers `f`, `g`, `h`, `v`;
/// parameter `gamma`.
public final class SelfAttention: Layer {
    public let f: Conv2d, g: Conv2d, h: Conv2d, v: Conv2d
    public var gamma: Tensor

    public init(_ channels: Int, using rng: inout RandomGenerator) {
        let inner = Swift.max(1, channels / 8)
        f = Conv2d(channels, inner, kernelSize: 1, bias: false, using: &rng)
        g = Conv2d(channels, inner, kernelSize: 1, bias: false, using: &rng)
        h = Conv2d(channels, channels, kernelSize: 1, bias: false, using: &rng)
        v = Conv2d(channels, channels, kernelSize: 1, bias: false, using: &rng)
        gamma = Tensor(zeros: [1]).requiringGradient()
    }

    public func callAsFunction(_ x: Tensor, in context: Context) -> Tensor {
        require(x.rank == 4 && x.shape[1] == h.weight.shape[1],
                "SelfAttention(\(h.weight.shape[1])): input must be [N, \(h.weight.shape[1]), H, W], got \(Shape.describe(x.shape))")
        let (n, c, hh, ww) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let l = hh * ww
        let fx = f(x, in: context).reshaped([n, -1, l])
        let gx = g(x, in: context).reshaped([n, -1, l])
        let hx = h(x, in: context).reshaped([n, c, l])
        let attention = fx.matmul(gx, transposeA: true).softmax(axis: -1)       // [N, L(query), L(key)]
        let attended = hx.matmul(attention, transposeB: true).reshaped([n, c, hh, ww])  // [N, C, L(query)]
        return x + gamma * v(attended, in: context)
    }

    public func visit(_ visitor: inout TensorVisitor) {
        visitor.child("f", f); visitor.child("g", g); visitor.child("h", h); visitor.child("v", v)
        visitor.parameter("gamma", &gamma)
    }
}
