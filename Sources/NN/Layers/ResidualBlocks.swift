/// SNGAN's generator residual block (Miyato et al. 2018, appendix; the ResNet of Gulrajani
/// et al. 2017): BN → ReLU → upsample ×2 → conv 3×3 → BN → ReLU → conv 3×3, plus a
/// shortcut upsample ×2 → conv 1×1. Sub-layers: `b1`, `c1`, `b2`, `c2`, `c_sc`.
public final class ResidualUpBlock: Layer {
    public let b1: BatchNorm, c1: Conv2d, b2: BatchNorm, c2: Conv2d, shortcut: Conv2d

    public init(_ inChannels: Int, _ outChannels: Int, using rng: inout RandomGenerator) {
        b1 = BatchNorm2d(inChannels)
        c1 = Conv2d(inChannels, outChannels, kernelSize: 3, padding: 1, using: &rng)
        b2 = BatchNorm2d(outChannels)
        c2 = Conv2d(outChannels, outChannels, kernelSize: 3, padding: 1, using: &rng)
        shortcut = Conv2d(inChannels, outChannels, kernelSize: 1, using: &rng)
    }

    public func callAsFunction(_ x: Tensor, in context: Context) -> Tensor {
        var h = b1(x, in: context).relu().upsampleNearest2x()
        h = c1(h, in: context)
        h = c2(b2(h, in: context).relu(), in: context)
        return h + shortcut(x.upsampleNearest2x(), in: context)
    }

    public func visit(_ v: inout TensorVisitor) {
        v.child("b1", b1); v.child("c1", c1); v.child("b2", b2); v.child("c2", c2); v.child("c_sc", shortcut)
    }
}

/// SNGAN's discriminator residual block: ReLU → conv 3×3 → ReLU → conv 3×3 → average-pool
/// ×2, plus a shortcut conv 1×1 → average-pool ×2. The first block of a discriminator
/// (`first: true`, SNGAN's "optimized block") has no leading ReLU and pools the shortcut
/// before its conv. Convolutions are spectrally normalized when `spectralNorm` (as SNGAN).
/// Sub-layers: `c1`, `c2`, `c_sc`.
public final class ResidualDownBlock: Layer {
    public let c1: Layer, c2: Layer, shortcut: Layer
    public let first: Bool

    public init(_ inChannels: Int, _ outChannels: Int, first: Bool = false, spectralNorm: Bool = true,
                using rng: inout RandomGenerator) {
        func conv(_ i: Int, _ o: Int, _ k: Int, _ p: Int) -> Layer {
            let c = Conv2d(i, o, kernelSize: k, padding: p, using: &rng)
            return spectralNorm ? SpectralNorm(c, using: &rng) : c
        }
        c1 = conv(inChannels, outChannels, 3, 1)
        c2 = conv(outChannels, outChannels, 3, 1)
        shortcut = conv(inChannels, outChannels, 1, 0)
        self.first = first
    }

    public func callAsFunction(_ x: Tensor, in context: Context) -> Tensor {
        var h = c1(first ? x : x.relu(), in: context)
        h = c2(h.relu(), in: context).avgPool2d(kernel: 2)
        let s = first ? shortcut(x.avgPool2d(kernel: 2), in: context)
                      : shortcut(x, in: context).avgPool2d(kernel: 2)
        return h + s
    }

    public func visit(_ v: inout TensorVisitor) {
        v.child("c1", c1); v.child("c2", c2); v.child("c_sc", shortcut)
    }
}
