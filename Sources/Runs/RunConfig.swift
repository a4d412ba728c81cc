import Foundation
import Datasets
import Yams

/// Everything a training run depends on, read from YAML and overridable with
/// `key.path=value`. Every key has a type and an allowed range, and the resolved config
/// is saved in the run directory, so a run can be repeated exactly.
public struct RunConfig: Equatable, Sendable {
    // data
    public var data = "ring8"
    public var mixture = ""
    public var dataPath = ""
    public var imageSize = 28
    public var channels = 1
    public var fit = "resize"
    public var dimension = 0
    public var stackedCount = 128_000
    // model: MLPs z (latent + latent_categories) → hidden^layers → data and data → hidden^layers → 1
    public var arch = "mlp"
    public var noise = "normal"
    public var latent = 2
    public var latentCategories = 0
    public var hidden = 128
    public var layers = 2
    public var discriminatorHidden = 0
    public var discriminatorLayers = 0
    public var generatorNorm = "none"
    public var discriminatorActivation = "relu"
    public var maxoutPieces = 5
    public var spectralNorm = "false"
    public var minibatchStd = "false"
    public var generatorActivation = "relu"
    public var generatorOutput = "linear"
    public var width = 64
    public var dropout: Double = 0.3
    // game
    public var objective = "non-saturating"
    public var penalty = "none"
    public var penaltyWeight: Double = 10
    public var criticSteps = 1
    public var generatorSteps = 1
    public var order = "alternating"
    public var batchSize = 512
    public var labelSmoothing: Double = 0
    public var weightClip: Double = 0
    public var instanceNoise: Double = 0
    public var emaDecay: Double = 0
    public var packing = 1
    public var consensus: Double = 0
    public var draganVariance: Double = 0.05
    public var lsganA: Double = 0
    public var lsganB: Double = 1
    public var lsganC: Double = 1
    public var unrollSteps = 0
    public var unrollLR: Double = 1e-3
    public var topK: Double = 1
    // optimizers (Adam, TTUR: separate learning rates)
    public var lrG: Double = 1e-4
    public var lrD: Double = 1e-4
    public var beta1: Double = 0.5
    public var beta2: Double = 0.999
    public var lrDecayFrom: Double = 1
    // the run
    public var steps = 2000
    public var seed = 0
    public var logEvery = 10
    public var checkpointEvery = 500
    public var sampleEvery = 500
    public var syncBatchNorm = "false"

    public init() {}

    enum Kind {
        case int(ClosedRange<Int>)
        case double(ClosedRange<Double>)
        case choice([String])
        /// Free text checked by a function that returns an error message or nil.
        case text(String, (String) -> String?)
    }

    struct Key {
        let path: String
        let kind: Kind
        let help: String
        let get: (RunConfig) -> String
        let set: (inout RunConfig, String) -> Bool
    }

    static func int(_ path: String, _ kp: WritableKeyPath<RunConfig, Int>, _ range: ClosedRange<Int>, _ help: String) -> Key {
        Key(path: path, kind: .int(range), help: help, get: { String($0[keyPath: kp]) }) { c, v in
            guard let n = Int(v), range.contains(n) else { return false }
            c[keyPath: kp] = n
            return true
        }
    }

    static func double(_ path: String, _ kp: WritableKeyPath<RunConfig, Double>, _ range: ClosedRange<Double>, _ help: String) -> Key {
        Key(path: path, kind: .double(range), help: help, get: { formatNumber($0[keyPath: kp]) }) { c, v in
            guard let x = Double(v), x.isFinite, range.contains(x) else { return false }
            c[keyPath: kp] = x
            return true
        }
    }

    static func choice(_ path: String, _ kp: WritableKeyPath<RunConfig, String>, _ values: [String], _ help: String) -> Key {
        Key(path: path, kind: .choice(values), help: help, get: { $0[keyPath: kp] }) { c, v in
            guard values.contains(v) else { return false }
            c[keyPath: kp] = v
            return true
        }
    }

    static func text(_ path: String, _ kp: WritableKeyPath<RunConfig, String>, _ what: String,
                     _ help: String, _ check: @escaping (String) -> String?) -> Key {
        Key(path: path, kind: .text(what, check), help: help, get: { $0[keyPath: kp] }) { c, v in
            guard check(v) == nil else { return false }
            c[keyPath: kp] = v
            return true
        }
    }

    static func formatNumber(_ x: Double) -> String {
        x == x.rounded() && abs(x) < 1e15 ? String(format: "%.1f", x) : "\(x)"
    }

    /// Every key, in the order the resolved config lists them.
    nonisolated(unsafe) static let keys: [Key] = [
        choice("data.name", \.data, DataSources.names,
               "training data: PacGAN's 2-D ring of 8 or grid of 25 Gaussians, or the mixture described by data.mixture"),
        text("data.mixture", \.mixture, "a mapping {centers: [[x, y], ...], std: σ, weights: [...] (optional)}",
             "the Gaussian mixture trained on when data.name is mixture", MixtureData.check),
        text("data.path", \.dataPath, "a path", "data.name npy: the .npy file; images: the folder of .png images",
             { _ in nil }),
        int("data.image_size", \.imageSize, 4...1024,
            "height = width of the training images (mnist and stacked-mnist: 28; npy and images are fitted to it)"),
        int("data.channels", \.channels, 1...3, "images: 1 (grey) or 3 (RGB); npy and images are converted to it"),
        choice("data.fit", \.fit, ImageFit.allCases.map(\.rawValue),
               "how npy/images pictures of another size become image_size²: resize (stretch) or crop (centre square, then resize)"),
        int("data.dimension", \.dimension, 0...1_000_000,
            "npy vectors [N, D]: D (0: read from the file when the run starts; the resolved config records it)"),
        int("data.stacked_count", \.stackedCount, 1...10_000_000,
            "stacked-mnist: how many stacked images the training set holds (PacGAN: 128,000)"),
        choice("model.arch", \.arch, Architectures.names, "the players' architecture (see each key below for what it shapes)"),
        choice("model.noise", \.noise, ["normal", "uniform"], "latent distribution: N(0, I) or U[-1, 1]"),
        int("model.latent", \.latent, 1...4096, "latent dimension of z"),
        int("model.latent_categories", \.latentCategories, 0...4096,
            "K > 0: z also holds a one-hot category drawn uniformly from K, so G's latent space is K disconnected pieces (0: none)"),
        int("model.hidden", \.hidden, 1...65536, "width of the hidden layers of G (and of D unless model.d_hidden is set)"),
        int("model.layers", \.layers, 1...16, "hidden layers of G (and of D unless model.d_layers is set)"),
        int("model.d_hidden", \.discriminatorHidden, 0...65536, "width of D's hidden layers (0: model.hidden)"),
        int("model.d_layers", \.discriminatorLayers, 0...16, "hidden layers of D (0: model.layers)"),
        choice("model.g_norm", \.generatorNorm, ["none", "batch"], "normalization after each hidden layer of G"),
        choice("model.d_activation", \.discriminatorActivation, ["relu", "leaky-relu", "maxout"],
               "D's hidden units: ReLU, LeakyReLU(0.2) or maxout (PacGAN's 2-D discriminator)"),
        int("model.maxout_pieces", \.maxoutPieces, 1...64, "pieces per maxout unit"),
        choice("model.spectral_norm", \.spectralNorm, ["false", "true"], "spectral normalization of D's layers (Miyato et al. 2018)"),
        choice("model.minibatch_std", \.minibatchStd, ["false", "true"], "minibatch standard deviation feature at D's input (Karras et al. 2018)"),
        choice("model.g_activation", \.generatorActivation, ["relu", "leaky-relu"], "mlp: G's hidden units, ReLU or LeakyReLU(0.2)"),
        choice("model.g_output", \.generatorOutput, ["linear", "tanh"], "mlp: G's output, linear or tanh (images in -1...1)"),
        int("model.width", \.width, 1...4096,
            "dcgan: channels of D's first conv (G's last hidden layer); the others are 2x and 4x; keras-mlp: width of G's first layer"),
        double("model.dropout", \.dropout, 0...0.99, "dcgan: dropout after each of D's conv layers"),
        choice("game.objective", \.objective, ["minimax", "non-saturating", "wgan", "lsgan", "hinge", "ragan"], "the GAN objective"),
        double("game.lsgan_a", \.lsganA, -1e6...1e6, "LSGAN: D's target for fake data (a)"),
        double("game.lsgan_b", \.lsganB, -1e6...1e6, "LSGAN: D's target for real data (b)"),
        double("game.lsgan_c", \.lsganC, -1e6...1e6, "LSGAN: the value G wants D to give fake data (c)"),
        choice("game.penalty", \.penalty, ["none", "gp", "gp-one-sided", "r1", "r2", "dragan"], "regularizer of D's loss"),
        double("game.penalty_weight", \.penaltyWeight, 0...1e6, "λ of the gradient penalty and DRAGAN, γ of R1/R2"),
        double("game.dragan_variance", \.draganVariance, 0...1e6, "variance c of DRAGAN's perturbation of the real data"),
        int("game.critic_steps", \.criticSteps, 1...100, "D updates per G update (n_critic)"),
        int("game.generator_steps", \.generatorSteps, 1...100,
            "G updates after each round of D updates (PacGAN's Stacked MNIST: 2); a train step is one round"),
        choice("game.order", \.order, ["alternating", "simultaneous"], "update order"),
        int("game.batch_size", \.batchSize, 1...1_000_000, "samples per batch"),
        double("game.label_smoothing", \.labelSmoothing, 0...0.5, "one-sided label smoothing of the real target"),
        double("game.weight_clip", \.weightClip, 0...1e6, "WGAN weight clipping of D to [-c, c] (0: off)"),
        double("game.instance_noise", \.instanceNoise, 0...1e6, "σ of instance noise, annealed linearly to 0 over the run (0: off)"),
        double("game.ema_decay", \.emaDecay, 0...0.999999, "decay of the generator's moving average (0: off); warmed up as min(decay, (1 + t) / (10 + t)) at update t, so decays above 0.999 act alike for the first ~9,000 steps"),
        int("game.packing", \.packing, 1...64, "PacGAN packing degree: D judges this many samples at once"),
        double("game.consensus", \.consensus, 0...1e6, "γ of consensus optimization (0: off; needs game.order simultaneous)"),
        int("game.unroll_steps", \.unrollSteps, 0...50, "unrolled GAN: look-ahead D steps G's loss is taken against (0: off)"),
        double("game.unroll_lr", \.unrollLR, 0...10, "learning rate of the unrolled look-ahead steps (plain gradient descent)"),
        double("game.top_k", \.topK, 0.01...1,
               "top-k generator updates (Sinha et al. 2020): G's loss keeps only this share of its batch, the samples (packs) D rates most real; the share falls linearly from 1 to this value over the first half of train.steps (1: off; alternating order)"),
        double("optim.lr_g", \.lrG, 0...10, "Adam learning rate of G"),
        double("optim.lr_d", \.lrD, 0...10, "Adam learning rate of D (TTUR: set it apart from lr_g)"),
        double("optim.beta1", \.beta1, 0...0.999999, "Adam β1 (both players)"),
        double("optim.beta2", \.beta2, 0...0.999999, "Adam β2 (both players)"),
        double("optim.lr_decay_from", \.lrDecayFrom, 0...1,
               "share of train.steps after which both learning rates fall linearly to zero at the last step (1: constant rates; 0.5: the second half decays, as in CycleGAN's recipe)"),
        int("train.steps", \.steps, 0...100_000_000, "G steps of the run"),
        int("train.seed", \.seed, 0...Int(Int32.max), "seed of every random draw"),
        int("train.log_every", \.logEvery, 1...100_000_000, "steps between log records"),
        int("train.checkpoint_every", \.checkpointEvery, 1...100_000_000, "steps between checkpoints"),
        int("train.sample_every", \.sampleEvery, 1...100_000_000, "steps between sample pictures"),
        choice("train.sync_batchnorm", \.syncBatchNorm, ["false", "true"], "under mpirun: batch-norm statistics over the global batch of all ranks, not each rank's share"),
    ]

    static func describe(_ kind: Kind) -> String {
        switch kind {
        case .int(let r): return "an integer in \(r.lowerBound)...\(r.upperBound)"
        case .double(let r): return "a number in \(formatNumber(r.lowerBound))...\(formatNumber(r.upperBound))"
        case .choice(let v): return "one of " + v.joined(separator: ", ")
        case .text(let what, _): return what
        }
    }

    /// The keys with their meaning and allowed values, for `--help`.
    public static var keyHelp: String {
        keys.map { "  \($0.path) — \($0.help) (\(describe($0.kind)))" }.joined(separator: "\n")
    }

    /// Sets one key from its text; the error names the key and what it accepts.
    public mutating func set(_ path: String, to value: String, source: String = "--set") throws {
        guard let key = RunConfig.keys.first(where: { $0.path == path }) else {
            let section = path.split(separator: ".").first.map(String.init) ?? ""
            let inSection = RunConfig.keys.filter { $0.path.hasPrefix(section + ".") }.map(\.path)
            let valid = inSection.isEmpty ? RunConfig.keys.map(\.path) : inSection
            throw ConfigError("\(source): unknown key '\(path)'; valid keys: \(valid.joined(separator: ", "))")
        }
        guard key.set(&self, value) else {
            if case .text(_, let check) = key.kind, let problem = check(value) {
                throw ConfigError("\(source): \(problem)")
            }
            throw ConfigError("\(source): \(path) must be \(RunConfig.describe(key.kind)), got '\(value)'")
        }
    }

    /// Applies `key.path=value` overrides.
    public mutating func apply(overrides: [String]) throws {
        for o in overrides {
            guard let eq = o.firstIndex(of: "=") else {
                throw ConfigError("--set \(o): expected key.path=value (e.g. train.steps=500)")
            }
            try set(String(o[..<eq]), to: String(o[o.index(after: eq)...]))
        }
    }

    /// Reads a YAML document (a mapping of sections to mappings of keys); keys left out keep
    /// their defaults. `source` names the file in errors.
    public init(yaml text: String, source: String) throws {
        self.init()
        let node: Any?
        do { node = try Yams.load(yaml: text) } catch {
            throw ConfigError("\(source): not valid YAML (\(error))")
        }
        guard let node else { return }
        guard let root = node as? [String: Any] else {
            throw ConfigError("\(source): expected a mapping of sections (data, model, game, optim, train) at the top level")
        }
        for (section, value) in root.sorted(by: { $0.key < $1.key }) {
            if section == "preset" || section == "description" { continue }
            guard let entries = value as? [String: Any] else {
                throw ConfigError("\(source): '\(section)' must be a mapping of keys to values")
            }
            for (k, v) in entries.sorted(by: { $0.key < $1.key }) {
                try set("\(section).\(k)", to: RunConfig.scalarText(v), source: source)
            }
        }
    }

    /// A YAML value (scalar, or a mapping/list kept as one line of flow YAML) as the text
    /// `set(_:to:)` takes.
    public static func text(of v: Any) -> String { scalarText(v) }

    static func scalarText(_ v: Any) -> String {
        switch v {
        case is [String: Any], is [Any]:
            // A nested mapping or list (data.mixture): kept as one line of flow-style YAML.
            return flowYAML(v)
        case let b as Bool: return b ? "true" : "false"
        case let i as Int: return String(i)
        case let d as Double: return "\(d)"
        case let s as String: return s
        default: return "\(v)"
        }
    }

    /// `v` (mappings, lists, scalars) as one line of YAML flow style, keys sorted.
    static func flowYAML(_ v: Any) -> String {
        switch v {
        case let m as [String: Any]:
            return "{" + m.keys.sorted().map { "\($0): \(flowYAML(m[$0]!))" }.joined(separator: ", ") + "}"
        case let l as [Any]: return "[" + l.map(flowYAML).joined(separator: ", ") + "]"
        default: return scalarText(v)
        }
    }

    /// The width of G's input: the latent noise plus the one-hot category, if any.
    public var generatorInput: Int { latent + latentCategories }

    /// The resolved config as YAML, every key listed.
    public var yaml: String {
        var out = "# SwiftGAN run configuration (resolved: every key, defaults included)\n"
        var section = ""
        for key in RunConfig.keys {
            let parts = key.path.split(separator: ".")
            if parts[0] != section { section = String(parts[0]); out += "\(section):\n" }
            let value = key.get(self)
            let quoted = Double(value) != nil || value.contains(":") ? "\"\(value)\"" : value
            let text = key.kind.isText ? (value.isEmpty ? "\"\"" : value) : key.kind.isChoice ? quoted : value
            out += "  \(parts[1]): \(text)\n"
        }
        return out
    }
}

extension RunConfig.Kind {
    var isChoice: Bool { if case .choice = self { return true } else { return false } }
    var isText: Bool { if case .text = self { return true } else { return false } }
}

/// A configuration error; the message names the file or flag, the key and what is allowed.
public struct ConfigError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
