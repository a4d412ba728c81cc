import Artifacts
import Datasets
import Evaluation
import Foundation
import GAN

/// A run directory: the resolved config (`config.yaml`), the log (`log.jsonl`), the latest
/// checkpoint (`latest.safetensors`) and sample pictures (`samples/step-N.png`).
public struct RunDirectory {
    public let url: URL
    public init(_ url: URL) { self.url = url }
    public var config: URL { url.appendingPathComponent("config.yaml") }
    public var log: URL { url.appendingPathComponent("log.jsonl") }
    public var checkpoint: URL { url.appendingPathComponent("latest.safetensors") }
    public var samples: URL { url.appendingPathComponent("samples") }

    /// Reads the saved config (a run directory must have one).
    public func loadConfig() throws -> RunConfig {
        guard let text = try? String(contentsOf: config, encoding: .utf8) else {
            throw ConfigError("\(url.path) is not a run directory: \(config.lastPathComponent) is missing or unreadable")
        }
        return try RunConfig(yaml: text, source: config.path)
    }
}

/// Builds what a config describes and runs it.
public enum Runner {
    public static func mixture(_ config: RunConfig) -> GaussianMixture {
        config.data == "grid25" ? .grid() : .ring()
    }

    /// An MLP with ReLU between its Linear layers; optionally spectrally normalized, and
    /// with a minibatch-std feature in front (whose extra input the first layer expects).
    static func mlp(_ sizes: [Int], spectralNorm: Bool = false, minibatchStd: Bool = false,
                    using rng: inout RandomGenerator) -> Sequential {
        var layers: [Layer] = minibatchStd ? [MinibatchStdDev(groupSize: 4)] : []
        for i in 0..<(sizes.count - 1) {
            let linear = Linear(sizes[i] + (i == 0 && minibatchStd ? 1 : 0), sizes[i + 1], using: &rng)
            layers.append(spectralNorm ? SpectralNorm(linear, using: &rng) : linear)
            if i < sizes.count - 2 { layers.append(ReLU()) }
        }
        return Sequential(layers)
    }

    /// The trainer a config describes, with freshly initialized models.
    public static func makeTrainer(_ c: RunConfig) throws -> GANTrainer {
        var rng = RandomGenerator(seed: UInt64(c.seed))
        let hidden = [Int](repeating: c.hidden, count: c.layers)
        let g = mlp([c.latent] + hidden + [2], using: &rng)
        let d = mlp([2 * c.packing] + hidden + [1], spectralNorm: c.spectralNorm == "true",
                    minibatchStd: c.minibatchStd == "true", using: &rng)
        if c.minibatchStd == "true" && (c.batchSize / c.packing) % Swift.min(4, c.batchSize / c.packing) != 0 {
            throw ConfigError("model.minibatch_std groups D's batch in 4s: game.batch_size / game.packing (\(c.batchSize / c.packing)) must be divisible by 4")
        }
        var s = GameSettings()
        s.objective = try GANObjective(parsing: c.objective)
        if case .leastSquares = s.objective {
            s.objective = .leastSquares(a: Float(c.lsganA), b: Float(c.lsganB), c: Float(c.lsganC))
        }
        switch c.penalty {
        case "gp": s.penalty = .gradientPenalty(lambda: Float(c.penaltyWeight))
        case "gp-one-sided": s.penalty = .gradientPenalty(lambda: Float(c.penaltyWeight), oneSided: true)
        case "r1": s.penalty = .r1(gamma: Float(c.penaltyWeight))
        case "r2": s.penalty = .r2(gamma: Float(c.penaltyWeight))
        case "dragan": s.penalty = .dragan(lambda: Float(c.penaltyWeight), variance: Float(c.draganVariance))
        default: s.penalty = nil
        }
        s.criticSteps = c.criticSteps
        s.order = c.order == "simultaneous" ? .simultaneous : .alternating
        s.batchSize = c.batchSize
        s.labelSmoothing = Float(c.labelSmoothing)
        s.weightClip = c.weightClip > 0 ? Float(c.weightClip) : nil
        // Annealed over the configured run length (train.steps); resuming with a longer run
        // changes the schedule from the resume point on.
        s.instanceNoise = c.instanceNoise > 0 ? InstanceNoise(.linear(initial: Float(c.instanceNoise), steps: c.steps)) : nil
        s.emaDecay = c.emaDecay > 0 ? Float(c.emaDecay) : nil
        s.packing = c.packing
        s.unrollSteps = c.unrollSteps
        s.unrollLearningRate = Float(c.unrollLR)
        s.consensus = c.consensus > 0 ? Float(c.consensus) : nil
        if c.batchSize % c.packing != 0 {
            throw ConfigError("game.batch_size \(c.batchSize) must be divisible by game.packing \(c.packing)")
        }
        if c.consensus > 0 && c.order != "simultaneous" {
            throw ConfigError("game.consensus regularizes simultaneous updates: set game.order to simultaneous")
        }
        if s.labelSmoothing > 0 && !s.objective.isCrossEntropy {
            throw ConfigError("game.label_smoothing applies to the cross-entropy objectives (minimax, non-saturating, ragan), not '\(c.objective)'")
        }
        let data = mixture(c)
        // A fixed training set of 100,000 samples, as PacGAN's protocol.
        var dataRNG = RandomGenerator(seed: UInt64(c.seed) &+ 0x5EED)
        let trainingSet = data.sample(100_000, using: &dataRNG).points
        let latent = c.latent
        return GANTrainer(
            generator: g, discriminator: d,
            generatorOptimizer: Adam(learningRate: Float(c.lrG), beta1: Float(c.beta1), beta2: Float(c.beta2)),
            discriminatorOptimizer: Adam(learningRate: Float(c.lrD), beta1: Float(c.beta1), beta2: Float(c.beta2)),
            settings: s, seed: UInt64(c.seed) &+ 1,
            sampleNoise: { n, r in Tensor.randomNormal([n, latent], using: &r) },
            // Batches of rows drawn uniformly (with replacement) from the training set: the
            // draw depends only on the trainer's generator, so a resumed run sees the same data.
            sampleData: { n, r in
                let out = Storage(uninitialized: n * 2)
                for i in 0..<n {
                    let k = r.nextInt(below: 100_000)
                    out.pointer[2 * i] = trainingSet.storage.pointer[2 * k]
                    out.pointer[2 * i + 1] = trainingSet.storage.pointer[2 * k + 1]
                }
                return Tensor(storage: out, shape: [n, 2])
            })
    }

    /// Samples from the generator (its moving average when the run keeps one), [count, 2].
    public static func samples(_ trainer: GANTrainer, count: Int, seed: UInt64) -> Tensor {
        var rng = RandomGenerator(seed: seed)
        let z = Tensor.randomNormal([count, trainer.generator.parameters().first { $0.key == "0.weight" }!.value.shape[1]], using: &rng)
        if let average = trainer.generatorAverage {
            let current = trainer.generator.parameters()
            trainer.generator.update(parameters: average)
            defer { trainer.generator.update(parameters: current) }
            return trainer.generator(z, in: .evaluation).detached()
        }
        return trainer.generator(z, in: .evaluation).detached()
    }

    /// Trains (from scratch, or resuming the run in `directory`), writing the run directory.
    public static func train(_ config: RunConfig, directory: RunDirectory, resume: Bool,
                             progress: ProgressCallback?) throws -> GANTrainer {
        let fm = FileManager.default
        try fm.createDirectory(at: directory.samples, withIntermediateDirectories: true)
        let trainer = try makeTrainer(config)
        if resume {
            guard fm.fileExists(atPath: directory.checkpoint.path) else {
                throw ConfigError("\(directory.url.path): no checkpoint to resume from (\(directory.checkpoint.lastPathComponent) is missing)")
            }
            try trainer.restore(from: try Checkpoint(contentsOf: directory.checkpoint))
        } else {
            if fm.fileExists(atPath: directory.checkpoint.path) {
                throw ConfigError("\(directory.url.path) already holds a run; use `swiftgan resume \(directory.url.path)` or another --out")
            }
            try Data(config.yaml.utf8).write(to: directory.config, options: .atomic)
        }
        let remaining = Swift.max(0, config.steps - trainer.step)
        var callbacks: [TrainerCallback] = [
            try JSONLinesLogCallback(url: directory.log, every: config.logEvery),
            CheckpointCallback(directory: directory.url, every: config.checkpointEvery),
            SamplePictureCallback(directory: directory.samples, every: config.sampleEvery, mixture: mixture(config)),
        ]
        if let progress { callbacks.append(progress) }
        trainer.callbacks = callbacks
        try trainer.fit(steps: remaining)
        return trainer
    }

    /// Loads the trainer of a finished or interrupted run.
    public static func load(_ directory: RunDirectory) throws -> (RunConfig, GANTrainer) {
        let config = try directory.loadConfig()
        let trainer = try makeTrainer(config)
        try trainer.restore(from: try Checkpoint(contentsOf: directory.checkpoint))
        return (config, trainer)
    }
}

/// Every `every` steps: a picture of 2,500 samples over the mixture's modes, and their mode
/// coverage announced as an evaluation event (the log records it).
public final class SamplePictureCallback: TrainerCallback {
    let directory: URL
    let every: Int
    let mixture: GaussianMixture

    public init(directory: URL, every: Int, mixture: GaussianMixture) {
        self.directory = directory
        self.every = every
        self.mixture = mixture
    }

    public func trainer(_ trainer: GANTrainer, handle event: TrainerEvent) throws {
        guard case .stepEnd(let r) = event, r.step % every == 0 else { return }
        let points = Runner.samples(trainer, count: 2_500, seed: 99)
        // D sees packed groups when packing: give it m copies of each point.
        let m = trainer.settings.packing
        let critic: (Tensor) -> Tensor = { x in
            let input = m > 1 ? Tensor.concat([Tensor](repeating: x, count: m), axis: 1) : x
            return trainer.discriminator(input, in: .evaluation).detached()
        }
        try PNG.write(ScatterPlot.render(points, over: mixture, critic: critic),
                      to: directory.appendingPathComponent("step-\(r.step).png"))
        let coverage = ModeCoverage(samples: points, mixture: mixture)
        try trainer.emit(.evaluation(step: r.step, metrics: [
            "modes_covered": Double(coverage.modesCovered), "high_quality_percent": coverage.highQualityPercent,
            "reverse_kl": coverage.reverseKL,
        ]))
    }
}

/// A 2-D scatter plot: samples (dark) over circles of 3σ around the mixture's modes (red),
/// optionally over the discriminator's decision surface as a heat map (as GAN Lab draws
/// it): orange where D scores high ("real"), blue where it scores low, scaled to the
/// surface's own range.
public enum ScatterPlot {
    public static func render(_ points: Tensor, over mixture: GaussianMixture, size: Int = 400,
                              critic: ((Tensor) -> Tensor)? = nil) -> Image {
        var image = Image(width: size, height: size, channels: 3, repeating: 255)
        let extent = (mixture.centers.flatMap { $0.map(abs) }.max() ?? 1) * 1.3 + 6 * mixture.std
        if let critic {
            // D at every pixel centre, one batch.
            let grid = Storage(uninitialized: size * size * 2)
            for py in 0..<size {
                for px in 0..<size {
                    let i = py * size + px
                    grid.pointer[2 * i] = (Float(px) / Float(size - 1) * 2 - 1) * extent
                    grid.pointer[2 * i + 1] = (1 - Float(py) / Float(size - 1) * 2) * extent
                }
            }
            let scores = critic(Tensor(storage: grid, shape: [size * size, 2])).toArray()
            let finite = scores.filter(\.isFinite)
            let lo = finite.min() ?? 0, hi = finite.max() ?? 1
            let span = hi > lo ? hi - lo : 1
            for i in 0..<(size * size) {
                let t = scores[i].isFinite ? (scores[i] - lo) / span : 0.5  // 0: "fake", 1: "real"
                // Light blue (t = 0) → white (t = ½) → light orange (t = 1).
                let (r, g, b): (Float, Float, Float) = t < 0.5
                    ? (190 + 130 * t, 215 + 80 * t, 255)
                    : (255, 255 - 100 * (t - 0.5), 255 - 200 * (t - 0.5))
                image.pixels[3 * i] = UInt8(max(0, min(255, r)))
                image.pixels[3 * i + 1] = UInt8(max(0, min(255, g)))
                image.pixels[3 * i + 2] = UInt8(max(0, min(255, b)))
            }
        }
        func pixel(_ x: Float, _ y: Float) -> (Int, Int)? {
            let px = Int(((x / extent) + 1) / 2 * Float(size - 1)), py = Int((1 - ((y / extent) + 1) / 2) * Float(size - 1))
            return (0..<size).contains(px) && (0..<size).contains(py) ? (px, py) : nil
        }
        func put(_ p: (Int, Int), _ rgb: (UInt8, UInt8, UInt8)) {
            let i = (p.1 * size + p.0) * 3
            image.pixels[i] = rgb.0; image.pixels[i + 1] = rgb.1; image.pixels[i + 2] = rgb.2
        }
        for c in mixture.centers {
            for k in 0..<64 {
                let a = 2 * Float.pi * Float(k) / 64
                if let p = pixel(c[0] + 3 * mixture.std * cos(a), c[1] + 3 * mixture.std * sin(a)) { put(p, (220, 40, 40)) }
            }
        }
        let v = points.toArray()
        for i in 0..<(points.shape[0]) {
            if let p = pixel(v[2 * i], v[2 * i + 1]) { put(p, (20, 20, 120)) }
        }
        return image
    }
}
