import Artifacts
import Datasets
import Foundation
import GAN
import Testing

@Suite("Trainer checkpoints and logs")
struct TrainerCheckpointTests {
    static func trainer(seed: UInt64, ema: Bool = true) -> GANTrainer {
        var s = GameSettings()
        s.batchSize = 16
        s.objective = .wasserstein
        s.penalty = .gradientPenalty(lambda: 1)
        s.criticSteps = 2
        s.emaDecay = ema ? 0.9 : nil
        return TrainerTests.ringTrainer(s, lr: 1e-3, beta1: 0.5, beta2: 0.9, seed: seed, mixture: TrainerTests.tinyRing)
    }

    static func temporaryDirectory() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("swiftgan-test-\(UInt64.random(in: 0...UInt64.max))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }

    @Test func resumedRunMatchesAnUninterruptedOneBitForBit() throws {
        let dir = try TrainerCheckpointTests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let straight = TrainerCheckpointTests.trainer(seed: 10)
        try straight.fit(steps: 9)

        let first = TrainerCheckpointTests.trainer(seed: 10)
        let recorder = TrainerTests.Recorder()
        first.callbacks = [CheckpointCallback(directory: dir, every: 2), recorder]
        try first.fit(steps: 4)
        #expect(recorder.events.filter { $0.hasPrefix("checkpoint") } == ["checkpoint 2", "checkpoint 4", "checkpoint 4"])
        let resumed = TrainerCheckpointTests.trainer(seed: 999)  // nothing may come from this seed
        try resumed.restore(from: try Checkpoint(contentsOf: dir.appendingPathComponent("latest.safetensors")))
        #expect(resumed.step == 4)
        try resumed.fit(steps: 5)

        let a = straight.checkpoint().file.serialized(), b = resumed.checkpoint().file.serialized()
        #expect(a == b, "the resumed run's final state differs from the uninterrupted run's")
    }

    @Test func sameSeedGivesIdenticalCheckpointBytes() throws {
        let a = TrainerCheckpointTests.trainer(seed: 11), b = TrainerCheckpointTests.trainer(seed: 11)
        try a.fit(steps: 3)
        try b.fit(steps: 3)
        #expect(try a.checkpoint().file.serialized() == b.checkpoint().file.serialized())
    }

    @Test func aNaNLeavesTheLastGoodCheckpointLoadable() throws {
        let dir = try TrainerCheckpointTests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let t = TrainerCheckpointTests.trainer(seed: 12, ema: false)
        t.callbacks = [CheckpointCallback(directory: dir, every: 1)]
        try t.fit(steps: 2)
        t.generator.update(parameters: t.generator.parameters().mapValues { $0 * Float.nan })
        #expect(throws: NonFiniteError.self) { try t.fit(steps: 1) }
        let saved = try Checkpoint(contentsOf: dir.appendingPathComponent("latest.safetensors"))
        #expect(try saved.int64(named: "step") == 2)
        let restored = TrainerCheckpointTests.trainer(seed: 13, ema: false)
        try restored.restore(from: saved)
        #expect(restored.generator.parameters().values.allSatisfy { $0.toArray().allSatisfy(\.isFinite) })
    }

    @Test func restoringIntoAnotherModelNamesTheProblems() throws {
        let t = TrainerCheckpointTests.trainer(seed: 14)
        var rng = RandomGenerator(seed: 1)
        let other = GANTrainer(generator: TrainerTests.mlp([2, 32, 2], using: &rng),
                               discriminator: TrainerTests.mlp([2, 64, 64, 1], using: &rng),
                               generatorOptimizer: Adam(learningRate: 1e-3), discriminatorOptimizer: Adam(learningRate: 1e-3),
                               settings: GameSettings(), seed: 1,
                               sampleNoise: { n, r in Tensor.randomNormal([n, 2], using: &r) },
                               sampleData: { n, r in Tensor.randomNormal([n, 2], using: &r) })
        do {
            try other.restore(from: t.checkpoint())
            Issue.record("a checkpoint of another architecture was loaded")
        } catch {
            #expect("\(error)".contains("0.weight: expected shape [32, 2], got [64, 2]"))
            #expect("\(error)".contains("4.weight: not a tensor of this layer"))
        }
    }

    @Test func logWritesOneRecordPerLoggedStep() throws {
        let dir = try TrainerCheckpointTests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("log.jsonl")
        let t = TrainerCheckpointTests.trainer(seed: 15)
        t.callbacks = [try JSONLinesLogCallback(url: url, every: 2)]
        try t.fit(steps: 6)
        let records = try JSONLines.read(contentsOf: url)
        #expect(records.map { $0["step"]?.intValue } == [2, 4, 6])
        for key in ["loss_d", "loss_g", "penalty", "grad_norm_d", "grad_norm_g", "d_real", "d_fake", "lr_d", "lr_g", "wall_s"] {
            #expect(records.allSatisfy { $0[key]?.doubleValue?.isFinite == true }, "\(key)")
        }
        #expect(records[0]["lr_d"]?.floatValue == 1e-3)
    }
}

@Suite("Progress")
struct ProgressTests {
    @Test func plainLinesWhenNotATerminalAndABarOnOne() throws {
        var lines: [String] = []
        let t = TrainerCheckpointTests.trainer(seed: 16)
        t.callbacks = [ProgressCallback(totalSteps: 5, every: 2, isTerminal: false) { lines.append($0) }]
        try t.fit(steps: 5)
        #expect(lines.count == 3)  // steps 2, 4 and the last
        #expect(lines[0].hasPrefix("step 2/5  ") && lines[0].contains("steps/s") && lines[0].contains("ETA"))
        #expect(lines[2].hasPrefix("step 5/5  "))
        var screen = ""
        let u = TrainerCheckpointTests.trainer(seed: 16)
        u.callbacks = [ProgressCallback(totalSteps: 5, isTerminal: true) { screen += $0 }]
        try u.fit(steps: 5)
        #expect(screen.contains("[" + String(repeating: "#", count: 24) + "] step 5/5"))
        #expect(screen.hasSuffix("\n"))
    }
}
