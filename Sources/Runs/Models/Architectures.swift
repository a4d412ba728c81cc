import Autograd
import NN

/// The players a config describes (`model.arch` and the `model.*` keys), built for data
/// of a given sample shape. One function per architecture; `names` lists them. G's input z
/// is `RunConfig.generatorInput` wide: `model.latent` plus `model.latent_categories`.
public enum Architectures {
    public static let names = ["mlp", "keras-mlp", "dcgan"]

    /// Freshly initialized generator and discriminator, drawn from `rng`. D takes packed
    /// input (`game.packing` samples at once, concatenated along axis 1).
    public static func make(_ c: RunConfig, sampleShape: [Int],
                            using rng: inout RandomGenerator) throws -> (generator: Layer, discriminator: Layer) {
        switch c.arch {
        case "mlp": return try mlp(c, sampleShape: sampleShape, using: &rng)
        case "keras-mlp": return try kerasMLP(c, sampleShape: sampleShape, using: &rng)
        case "dcgan": return try dcgan(c, sampleShape: sampleShape, using: &rng)
        default: throw ConfigError("model.arch: unknown architecture '\(c.arch)'; valid: \(names.joined(separator: ", "))")
        }
    }

    /// MLPs. G: z → hidden (× layers, each followed by batch norm when model.g_norm is
    /// batch, then ReLU or LeakyReLU(0.2), model.g_activation) → the data's size (then tanh
    /// when model.g_output is tanh), reshaped to the sample shape. D: the packed,
    /// flattened input → hidden (× layers; ReLU, LeakyReLU(0.2) or maxout units) → 1.
    /// With `g_norm: batch`, `d_activation: maxout`, G 4 × 400 and D 3 × 200 × 5 pieces this
    /// is PacGAN's 2-D architecture (Lin et al. 2018, Appendix D).
    static func mlp(_ c: RunConfig, sampleShape: [Int],
                    using rng: inout RandomGenerator) throws -> (generator: Layer, discriminator: Layer) {
        let features = sampleShape.reduce(1, *)
        var g: [Layer] = []
        var width = c.generatorInput
        for _ in 0..<c.layers {
            // No bias before batch norm: the normalization removes any shift, so the bias's
            // gradient is zero up to rounding, and Adam would scale that noise into steps.
            g.append(Linear(width, c.hidden, bias: c.generatorNorm != "batch", using: &rng))
            if c.generatorNorm == "batch" { g.append(BatchNorm1d(c.hidden)) }
            g.append(c.generatorActivation == "leaky-relu" ? LeakyReLU(0.2) : ReLU())
            width = c.hidden
        }
        g.append(Linear(width, features, using: &rng))
        if c.generatorOutput == "tanh" { g.append(Tanh()) }
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

    /// The Keras MLP GAN of seed 000 (the layers of Keras-GAN's `gan.py`, Linder-Norén, which
    /// the seed's code skeleton follows): G: z → w → 2w → 4w (each LeakyReLU(0.2), then
    /// batch norm with Keras momentum 0.8, i.e. PyTorch momentum 0.2) → the data's size →
    /// tanh; D: the packed, flattened input → 2w → w (LeakyReLU(0.2)) → 1 logit (Keras' sigmoid
    /// is inside the BCE). w = model.width (seed: 256).
    static func kerasMLP(_ c: RunConfig, sampleShape: [Int],
                         using rng: inout RandomGenerator) throws -> (generator: Layer, discriminator: Layer) {
        let features = sampleShape.reduce(1, *), w = c.width
        var g: [Layer] = []
        var width = c.generatorInput
        for out in [w, 2 * w, 4 * w] {
            g += [Linear(width, out, using: &rng), LeakyReLU(0.2), BatchNorm1d(out, momentum: 0.2)]
            width = out
        }
        g += [Linear(width, features, using: &rng), Tanh()]
        if sampleShape.count > 1 { g.append(Reshape(sampleShape)) }
        let d: [Layer] = (sampleShape.count > 1 ? [Flatten()] : []) + [
            Linear(c.packing * features, 2 * w, using: &rng), LeakyReLU(0.2),
            Linear(2 * w, w, using: &rng), LeakyReLU(0.2), Linear(w, 1, using: &rng),
        ]
        return (Sequential(g), Sequential(d))
    }

    /// The DCGAN of seed 001 (TensorFlow's DCGAN tutorial), for [C, S, S] images with S
    /// divisible by 4; w = model.width (seed: 64), s = S/4:
    /// - G: Linear(z → 4w·s·s, no bias) → BN → LeakyReLU(0.3) → [4w, s, s] →
    ///   ConvT(4w → 2w, 5×5, stride 1) → BN → LeakyReLU → ConvT(2w → w, 5×5, stride 2) → BN →
    ///   LeakyReLU → ConvT(w → C, 5×5, stride 2) → tanh (convolutions without bias; "same"
    ///   padding is padding 2, output padding 1 for stride 2);
    /// - D: Conv(C·packing → w, 5×5, stride 2) → LeakyReLU(0.3) → Dropout(model.dropout) →
    ///   Conv(w → 2w, 5×5, stride 2) → LeakyReLU → Dropout → Flatten → Linear(2w·s·s → 1).
    /// 0.3 is Keras' default LeakyReLU slope, which the tutorial uses. Packed samples are
    /// stacked along the channel axis (PacGAN's convolutional packing).
    static func dcgan(_ c: RunConfig, sampleShape: [Int],
                      using rng: inout RandomGenerator) throws -> (generator: Layer, discriminator: Layer) {
        guard sampleShape.count == 3, sampleShape[1] == sampleShape[2], sampleShape[1] % 4 == 0 else {
            throw ConfigError("model.arch dcgan needs square images whose side is divisible by 4 (e.g. 28 or 32); the data's samples are \(sampleShape)")
        }
        let (channels, s, w) = (sampleShape[0], sampleShape[1] / 4, c.width)
        let g = Sequential(
            Linear(c.generatorInput, 4 * w * s * s, bias: false, using: &rng), BatchNorm1d(4 * w * s * s), LeakyReLU(0.3),
            Reshape([4 * w, s, s]),
            ConvTranspose2d(4 * w, 2 * w, kernelSize: 5, stride: 1, padding: 2, bias: false, using: &rng),
            BatchNorm2d(2 * w), LeakyReLU(0.3),
            ConvTranspose2d(2 * w, w, kernelSize: 5, stride: 2, padding: 2, outputPadding: 1, bias: false, using: &rng),
            BatchNorm2d(w), LeakyReLU(0.3),
            ConvTranspose2d(w, channels, kernelSize: 5, stride: 2, padding: 2, outputPadding: 1, bias: false, using: &rng),
            Tanh())
        let p = Float(c.dropout)
        let d = Sequential(
            Conv2d(channels * c.packing, w, kernelSize: 5, stride: 2, padding: 2, using: &rng), LeakyReLU(0.3), Dropout(p),
            Conv2d(w, 2 * w, kernelSize: 5, stride: 2, padding: 2, using: &rng), LeakyReLU(0.3), Dropout(p),
            Flatten(), Linear(2 * w * s * s, 1, using: &rng))
        return (g, d)
    }
}
