import Autograd
import NN

/// The players a config describes (`model.arch` and the `model.*` keys), built for data
/// of a given sample shape. One function per architecture; `names` lists them.
public enum Architectures {
    public static let names = ["mlp"]

    /// Freshly initialized generator and discriminator, drawn from `rng`. D takes packed
    /// input (`game.packing` samples at once, concatenated along axis 1).
    public static func make(_ c: RunConfig, sampleShape: [Int],
                            using rng: inout RandomGenerator) throws -> (generator: Layer, discriminator: Layer) {
        switch c.arch {
        case "mlp": return try mlp(c, sampleShape: sampleShape, using: &rng)
        default: throw ConfigError("model.arch: unknown architecture '\(c.arch)'; valid: \(names.joined(separator: ", "))")
        }
    }

    /// MLPs. G: latent → hidden (× layers, each followed by batch norm when model.g_norm is
    /// batch, then ReLU) → the data's size, reshaped to the sample shape. D: the packed,
    /// flattened input → hidden (× layers; ReLU, LeakyReLU(0.2) or maxout units) → 1.
    /// With `g_norm: batch`, `d_activation: maxout`, G 4 × 400 and D 3 × 200 × 5 pieces this
    /// is PacGAN's 2-D architecture (Lin et al. 2018, Appendix D).
    static func mlp(_ c: RunConfig, sampleShape: [Int],
                    using rng: inout RandomGenerator) throws -> (generator: Layer, discriminator: Layer) {
        let features = sampleShape.reduce(1, *)
        var g: [Layer] = []
        var width = c.latent
        for _ in 0..<c.layers {
            // No bias before batch norm: the normalization removes any shift, so the bias's
            // gradient is zero up to rounding, and Adam would scale that noise into steps.
            g.append(Linear(width, c.hidden, bias: c.generatorNorm != "batch", using: &rng))
            if c.generatorNorm == "batch" { g.append(BatchNorm1d(c.hidden)) }
            g.append(ReLU())
            width = c.hidden
        }
        g.append(Linear(width, features, using: &rng))
        if sampleShape.count > 1 { g.append(Reshape(sampleShape)) }

        let spectral = c.spectralNorm == "true", minibatchStd = c.minibatchStd == "true"
        let dHidden = c.discriminatorHidden > 0 ? c.discriminatorHidden : c.hidden
        let dLayers = c.discriminatorLayers > 0 ? c.discriminatorLayers : c.layers
        if spectral && c.discriminatorActivation == "maxout" {
            throw ConfigError("model.spectral_norm applies to Linear layers; it is not supported with model.d_activation maxout")
        }
        var d: [Layer] = sampleShape.count > 1 ? [Flatten()] : []
        if minibatchStd { d.append(MinibatchStdDev(groupSize: 4)) }
        width = c.packing * features + (minibatchStd ? 1 : 0)
        func linear(_ inF: Int, _ outF: Int) -> Layer {
            let l = Linear(inF, outF, using: &rng)
            return spectral ? SpectralNorm(l, using: &rng) : l
        }
        for _ in 0..<dLayers {
            switch c.discriminatorActivation {
            case "maxout": d.append(Maxout(width, units: dHidden, pieces: c.maxoutPieces, using: &rng))
            case "leaky-relu": d.append(linear(width, dHidden)); d.append(LeakyReLU(0.2))
            default: d.append(linear(width, dHidden)); d.append(ReLU())
            }
            width = dHidden
        }
        d.append(linear(width, 1))
        return (Sequential(g), Sequential(d))
    }
}
