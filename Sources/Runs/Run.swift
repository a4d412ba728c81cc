import Artifacts
import Datasets
import Distributed
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
    /// The trainer a config describes, with freshly initialized models, and its data.
    public static func makeTrainer(_ c: RunConfig) throws -> GANTrainer {
        try makeTrainer(c, data: try DataSources.make(c))
    }

    /// With `distributed` (under mpirun), this rank's trainer of a data-parallel run.
    public static func makeTrainer(_ c: RunConfig, data: TrainingData, distributed: DistributedRun? = nil) throws -> GANTrainer {
        var rng = RandomGenerator(seed: UInt64(c.seed))
        if c.batchSize % c.packing != 0 {
            throw ConfigError("game.batch_size \(c.batchSize) must be divisible by game.packing \(c.packing)")
        }
        if c.minibatchStd == "true" && (c.batchSize / c.packing) % Swift.min(4, c.batchSize / c.packing) != 0 {
            throw ConfigError("model.minibatch_std groups D's batch in 4s: game.batch_size / game.packing (\(c.batchSize / c.packing)) must be divisible by 4")
        }
        let (g, d) = try Architectures.make(c, sampleShape: data.sampleShape, using: &rng)
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
        s.generatorSteps = c.generatorSteps
        if c.generatorSteps > 1 && c.order == "simultaneous" {
            throw ConfigError("game.generator_steps \(c.generatorSteps) needs game.order alternating (simultaneous updates take one G step per D step)")
        }
        s.order = c.order == "simultaneous" ? .simultaneous : .alternating
        s.batchSize = distributed?.localBatch ?? c.batchSize
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
        if c.topK < 1 {
            if c.order != "alternating" { throw ConfigError("game.top_k keeps part of G's batch in its own update: it needs game.order alternating") }
            s.topK = TopK(fraction: Float(c.topK), rampSteps: c.steps / 2)
        }
        if c.consensus > 0 && c.order != "simultaneous" {
            throw ConfigError("game.consensus regularizes simultaneous updates: set game.order to simultaneous")
        }
        if s.labelSmoothing > 0 && !s.objective.isCrossEntropy {
            throw ConfigError("game.label_smoothing applies to the cross-entropy objectives (minimax, non-saturating, ragan), not '\(c.objective)'")
        }
        let sampleData: (Int, inout RandomGenerator) -> Tensor = { n, r in data.batch(n, using: &r) }
        let trainer = GANTrainer(
            generator: g, discriminator: d,
            generatorOptimizer: Adam(learningRate: learningRate(c.lrG, updatesPerStep: c.generatorSteps, c),
                                     beta1: Float(c.beta1), beta2: Float(c.beta2)),
            discriminatorOptimizer: Adam(learningRate: learningRate(c.lrD, updatesPerStep: c.criticSteps, c),
                                         beta1: Float(c.beta1), beta2: Float(c.beta2)),
            settings: s, seed: UInt64(c.seed) &+ 1,
            sampleNoise: distributed?.shard(noiseSampler(c)) ?? noiseSampler(c),
            // The draw depends only on the trainer's generator, so a resumed run sees the same data.
            sampleData: distributed?.shard(sampleData) ?? sampleData)
        try distributed?.attach(to: trainer, c)
        return trainer
    }

    /// A player's learning rate: constant, or (`optim.lr_decay_from` < 1) constant up to that
    /// share of the run and then falling linearly to zero at its last update. The schedule
    /// counts the player's own updates, `updatesPerStep` per train step.
    public static func learningRate(_ lr: Double, updatesPerStep: Int, _ c: RunConfig) -> LearningRateSchedule {
        guard c.lrDecayFrom < 1, c.steps > 0 else { return .constant(Float(lr)) }
        let end = c.steps * updatesPerStep
        let start = min(Int((c.lrDecayFrom * Double(end)).rounded()), end - 1)
        return .linearDecay(from: Float(lr), to: 0, start: start, end: end)
    }

    /// z for G, [n, generatorInput]: noise from N(0, I) or U[−1, 1] (`model.noise`,
    /// `model.latent` columns), after a one-hot category drawn uniformly from
    /// `model.latent_categories` when that is set. A categorical part makes G's latent space
    /// disconnected, so G can map it onto disconnected modes without passing samples through
    /// the gaps between them: the remedy of Khayatkhoei, Singh & Elgammal ("Disconnected
    /// Manifold Learning for Generative Adversarial Networks", NeurIPS 2018), who use one
    /// generator per piece; here the pieces share G's weights, as in a conditional G.
    public static func noiseSampler(_ c: RunConfig) -> (Int, inout RandomGenerator) -> Tensor {
        let latent = c.latent, categories = c.latentCategories, uniform = c.noise == "uniform"
        func noise(_ n: Int, _ r: inout RandomGenerator) -> Tensor {
            uniform ? Tensor.randomUniform([n, latent], low: -1, high: 1, using: &r) : Tensor.randomNormal([n, latent], using: &r)
        }
        guard categories > 0 else { return noise }
        return { n, r in
            var oneHot = [Float](repeating: 0, count: n * categories)
            for i in 0..<n { oneHot[i * categories + r.nextInt(below: categories)] = 1 }
            return Tensor.concat([Tensor(oneHot, shape: [n, categories]), noise(n, &r)], axis: 1)
        }
    }

    /// Samples from the generator (its moving average when the run keeps one), in
    /// evaluation mode, [count] + the data's sample shape.
    /// In a data-parallel run every rank must call it: the ranks generate contiguous blocks
    /// of the samples and gather them (`gatherRows`), with rank 0's batch-norm statistics.
    public static func samples(_ trainer: GANTrainer, _ c: RunConfig, count: Int, seed: UInt64) -> Tensor {
        var rng = RandomGenerator(seed: seed)
        let parallel = trainer.callbacks.lazy.compactMap { $0 as? DataParallel }.first
        let world: any Communicator = parallel?.communicator ?? SingleProcess()
        // Drawn for whole blocks: the `count` rows of one process, then the padding the
        // last block needs (a draw of more rows need not start with the same rows: the
        // categories of `model.latent_categories` come before the noise).
        var z = noiseSampler(c)(count, &rng)
        let padded = world.rowsPerRank(count) * world.size
        if padded > count { z = Tensor.concat([z, noiseSampler(c)(padded - count, &rng)], axis: 0) }
        if world.size > 1 { parallel?.broadcastState(of: trainer) }
        func generate(_ z: Tensor) -> Tensor {
            if let average = trainer.generatorAverage {
                let current = trainer.generator.parameters()
                trainer.generator.update(parameters: average)
                defer { trainer.generator.update(parameters: current) }
                return trainer.generator(z, in: .evaluation).detached()
            }
            return trainer.generator(z, in: .evaluation).detached()
        }
        return world.gatherRows(count: count) { generate(z.rows($0)) }
    }

    /// The data's scores of `evaluationSampleCount` samples (fixed seed, so reruns agree).
    public static func evaluate(_ trainer: GANTrainer, _ c: RunConfig, data: TrainingData) throws -> SampleReport {
        try data.evaluate(samples(trainer, c, count: data.evaluationSampleCount, seed: 7))
    }

    /// Appends a report to the run's log: `{"step": N, "eval": {...}, "fingerprint": "..."}`.
    public static func log(_ report: SampleReport, step: Int, in directory: RunDirectory) throws {
        let writer = try JSONLines.Writer(url: directory.log)
        var metrics: [String: JSONLines.Value] = [:]
        for m in report.metrics { metrics[m.name] = m.value.isFinite ? .number(m.value) : .string("\(m.value)") }
        try writer.write(["step": .int(step), "eval": .object(metrics), "fingerprint": .string(report.fingerprint)])
        try writer.close()
    }

    /// Trains (from scratch, or resuming the run in `directory`), writing the run directory.
    public static func train(_ config: RunConfig, directory: RunDirectory, resume: Bool,
                             progress: ProgressCallback?) throws -> (GANTrainer, TrainingData) {
        let fm = FileManager.default
        // Under mpirun every rank trains; rank 0 alone writes the run directory.
        let distributed = try DistributedRun.current(config)
        let leader = distributed?.isLeader ?? true
        let data = try DataSources.make(config)
        // What the data found out (an .npy's vector size) is recorded, so that sampling from
        // the run directory needs no data.
        let config = (data as? ImageData)?.resolved ?? config
        let trainer = try makeTrainer(config, data: data, distributed: distributed)
        if resume {
            guard fm.fileExists(atPath: directory.checkpoint.path) else {
                throw ConfigError("\(directory.url.path): no checkpoint to resume from (\(directory.checkpoint.lastPathComponent) is missing)")
            }
            try trainer.restore(from: try Checkpoint(contentsOf: directory.checkpoint))
        } else {
            if fm.fileExists(atPath: directory.checkpoint.path) {
                throw ConfigError("\(directory.url.path) already holds a run; use `swiftgan resume \(directory.url.path)` or another --out")
            }
            if leader {
                try fm.createDirectory(at: directory.samples, withIntermediateDirectories: true)
                try Data(config.yaml.utf8).write(to: directory.config, options: .atomic)
            }
        }
        let remaining = Swift.max(0, config.steps - trainer.step)
        var callbacks: [TrainerCallback] = []
        if leader {
            try fm.createDirectory(at: directory.samples, withIntermediateDirectories: true)
            callbacks = [
                try JSONLinesLogCallback(url: directory.log, every: config.logEvery),
                CheckpointCallback(directory: directory.url, every: config.checkpointEvery),
                SamplePictureCallback(directory: directory.samples, every: config.sampleEvery, config: config, data: data),
            ]
            if let progress { callbacks.append(progress) }
        } else {
            // Sample generation is shared out over the ranks; rank 0 draws and scores.
            callbacks = [SamplePictureCallback(directory: directory.samples, every: config.sampleEvery, config: config,
                                               data: data, writes: false)]
        }
        // First, so its broadcast and re-seeding come before anything else sees the step.
        if let distributed { callbacks.insert(distributed.parallel, at: 0) }
        trainer.callbacks = callbacks
        try trainer.fit(steps: remaining)
        return (trainer, data)
    }

    /// D's score of each sample, as pictures draw D's view: a packed D is given m copies of
    /// each sample.
    public static func pictureCritic(_ trainer: GANTrainer) -> (Tensor) -> Tensor {
        let m = trainer.settings.packing
        return { x in
            let input = m > 1 ? Tensor.concat([Tensor](repeating: x, count: m), axis: 1) : x
            return trainer.discriminator(input, in: .evaluation).detached()
        }
    }

    /// Writes the picture of the data's `pictureSampleCount` samples (seed 99, as during
    /// training) with D's view, to `url` (PNG).
    public static func writePicture(_ trainer: GANTrainer, _ c: RunConfig, data: TrainingData, to url: URL) throws {
        let samples = self.samples(trainer, c, count: data.pictureSampleCount, seed: 99)
        try PNG.write(try data.picture(of: samples, critic: pictureCritic(trainer)), to: url)
    }

    /// Loads the trainer of a finished or interrupted run, with its data.
    public static func load(_ directory: RunDirectory) throws -> (RunConfig, GANTrainer, TrainingData) {
        let config = try directory.loadConfig()
        let data = try DataSources.make(config, loading: false)
        let trainer = try makeTrainer(config, data: data)
        try trainer.restore(from: try Checkpoint(contentsOf: directory.checkpoint))
        return (config, trainer, data)
    }
}

/// Every `every` steps: a picture of the generator's samples (with D's view where the data
/// can draw it), and the data's scores announced as an evaluation event (the log records it).
public final class SamplePictureCallback: TrainerCallback {
    let directory: URL
    let every: Int
    let config: RunConfig
    let data: TrainingData
    /// False on the ranks of a data-parallel run but 0: they help generate, rank 0 writes.
    let writes: Bool

    public init(directory: URL, every: Int, config: RunConfig, data: TrainingData, writes: Bool = true) {
        self.directory = directory
        self.every = every
        self.config = config
        self.data = data
        self.writes = writes
    }

    public func trainer(_ trainer: GANTrainer, handle event: TrainerEvent) throws {
        guard case .stepEnd(let r) = event, r.step % every == 0 else { return }
        // Every rank takes part in generating (Runner.samples is collective in a data-parallel run).
        let samples = Runner.samples(trainer, config, count: data.pictureSampleCount, seed: 99)
        let scored = !data.evaluatesDuringTraining || data.pictureSampleCount == data.evaluationSampleCount ? samples
            : Runner.samples(trainer, config, count: data.evaluationSampleCount, seed: 99)
        guard writes else { return }
        try PNG.write(try data.picture(of: samples, critic: Runner.pictureCritic(trainer)),
                      to: directory.appendingPathComponent("step-\(r.step).png"))
        guard data.evaluatesDuringTraining else { return }
        let report = try data.evaluate(scored)
        try trainer.emit(.evaluation(step: r.step, metrics: Dictionary(uniqueKeysWithValues: report.metrics.map { ($0.name, $0.value) })))
    }
}
