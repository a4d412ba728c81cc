import Artifacts
import Foundation
import NN

/// Saving and restoring the whole state of a `GANTrainer` in one safetensors file: both
/// players' parameters and buffers (`generator.*`, `discriminator.*`, PyTorch's names
/// below the prefix), both optimizers' state (`optimizer.generator.*`, ...), the generator's
/// EMA (`ema.*`), the random generator and the step. A run restored from it continues
/// exactly as if it had never stopped.
extension GANTrainer {
    public func checkpoint() -> Checkpoint {
        var tensors: [String: Tensor] = [:]
        for (prefix, layer) in [("generator.", generator as Layer), ("discriminator.", discriminator)] {
            for (k, v) in layer.parameters().merging(layer.buffers(), uniquingKeysWith: { a, _ in a }) { tensors[prefix + k] = v }
        }
        for (k, v) in generatorState.flattened() { tensors["optimizer.generator." + k] = v }
        for (k, v) in discriminatorState.flattened() { tensors["optimizer.discriminator." + k] = v }
        for (k, v) in generatorAverage ?? [:] { tensors["ema." + k] = v }
        var c = Checkpoint(tensors: tensors, metadata: ["format": "swiftgan-trainer", "step": String(step)])
        c.setGenerator(rng, named: "rng")
        c.setInt64(Int64(step), named: "step")
        return c
    }

    /// Restores everything `checkpoint()` saved; the error lists every tensor that is
    /// missing, unexpected or mis-shaped for this trainer's models.
    public func restore(from c: Checkpoint) throws {
        let all = try c.tensors()
        func section(_ prefix: String) -> [String: Tensor] {
            Dictionary(uniqueKeysWithValues: all.filter { $0.key.hasPrefix(prefix) }.map { (String($0.key.dropFirst(prefix.count)), $0.value) })
        }
        try generator.load(section("generator."), includingBuffers: true)
        try discriminator.load(section("discriminator."), includingBuffers: true)
        generatorState = try generatorOptimizer.state(fromFlattened: section("optimizer.generator."), parameters: generator.parameters())
        discriminatorState = try discriminatorOptimizer.state(fromFlattened: section("optimizer.discriminator."),
                                                              parameters: discriminator.parameters())
        let ema = section("ema.")
        generatorAverage = ema.isEmpty ? (settings.emaDecay == nil ? nil : ExponentialMovingAverage.start(generator.parameters())) : ema
        rng = try c.generator(named: "rng")
        step = Int(try c.int64(named: "step"))
    }
}

/// Writes a checkpoint every `every` steps and at the end of the run (atomically, so a
/// crash mid-write leaves the previous one loadable), as `latest.safetensors` in `directory`.
public final class CheckpointCallback: TrainerCallback {
    public let directory: URL
    public let every: Int
    public var url: URL { directory.appendingPathComponent("latest.safetensors") }

    public init(directory: URL, every: Int) {
        require(every >= 1, "CheckpointCallback: every must be at least 1, got \(every)")
        self.directory = directory
        self.every = every
    }

    public func trainer(_ trainer: GANTrainer, handle event: TrainerEvent) throws {
        switch event {
        case .stepEnd(let r) where r.step % every == 0:
            try trainer.checkpoint().write(to: url)
            try trainer.emit(.checkpoint(step: trainer.step, path: url.path))
        case .fitEnd:
            try trainer.checkpoint().write(to: url)
            try trainer.emit(.checkpoint(step: trainer.step, path: url.path))
        default:
            break
        }
    }
}

/// Appends one JSON Lines record per `every` steps: step, losses, penalty, gradient norms,
/// D's mean scores on real and fake, learning rates and wall time since the run started.
public final class JSONLinesLogCallback: TrainerCallback {
    let writer: JSONLines.Writer
    public let every: Int
    var start = Date()

    public init(url: URL, every: Int = 1) throws {
        require(every >= 1, "JSONLinesLogCallback: every must be at least 1, got \(every)")
        writer = try JSONLines.Writer(url: url)
        self.every = every
    }

    public func trainer(_ trainer: GANTrainer, handle event: TrainerEvent) throws {
        switch event {
        case .fitStart:
            start = Date()
        case .stepEnd(let r) where r.step % every == 0:
            var record: JSONLines.Record = [
                "step": .int(r.step),
                "loss_d": JSONLines.Value(r.discriminatorLoss), "loss_g": JSONLines.Value(r.generatorLoss),
                "grad_norm_d": JSONLines.Value(r.discriminatorGradientNorm),
                "grad_norm_g": JSONLines.Value(r.generatorGradientNorm),
                "d_real": JSONLines.Value(r.realScore), "d_fake": JSONLines.Value(r.fakeScore),
                "lr_d": JSONLines.Value(r.discriminatorLearningRate), "lr_g": JSONLines.Value(r.generatorLearningRate),
                "wall_s": .number(Date().timeIntervalSince(start)),
            ]
            if let p = r.penalty { record["penalty"] = JSONLines.Value(p) }
            try writer.write(record)
        case .evaluation(let step, let metrics):
            try writer.write(["step": .int(step), "eval": .object(metrics.mapValues { .number($0) })])
        case .fitEnd:
            try writer.close()
        default:
            break
        }
    }
}
