import Artifacts
import Foundation
import GAN
import Datasets
import Runs
import Testing

@Suite("Run configurations")
struct RunConfigTests {
    @Test func presetsParseAndResolvedYAMLRoundTrips() throws {
        for p in Presets.all {
            let c = try RunConfig(yaml: p.yaml, source: p.name)
            #expect(try RunConfig(yaml: c.yaml, source: "resolved") == c, "\(p.name)")
        }
        let w = try RunConfig(yaml: try Presets.named("ring8-wgan-gp").yaml, source: "p")
        #expect(w.objective == "wgan" && w.penalty == "gp" && w.criticSteps == 5 && w.beta2 == 0.9)
    }

    @Test func errorsNameTheKeyAndTheAllowedValues() throws {
        func message(_ body: () throws -> Void) -> String {
            do { try body(); return "no error" } catch { return "\(error)" }
        }
        var c = RunConfig()
        #expect(message { try c.apply(overrides: ["train.steps=-3"]) } == "--set: train.steps must be an integer in 0...100000000, got '-3'")
        #expect(message { try c.apply(overrides: ["game.objective=wgn"]) }
            == "--set: game.objective must be one of minimax, non-saturating, wgan, lsgan, hinge, ragan, got 'wgn'")
        #expect(message { try c.apply(overrides: ["optim.lr=1"]) }.hasPrefix("--set: unknown key 'optim.lr'; valid keys: optim.lr_g, optim.lr_d"))
        #expect(message { try c.apply(overrides: ["train.steps"]) }.contains("expected key.path=value"))
        #expect(message { _ = try RunConfig(yaml: "game: [1, 2]", source: "a.yaml") } == "a.yaml: 'game' must be a mapping of keys to values")
        #expect(message { _ = try RunConfig(yaml: "game: {objective: [", source: "b.yaml") }.hasPrefix("b.yaml: not valid YAML"))
        #expect(message { _ = try RunConfig(yaml: "- 1\n- 2", source: "c.yaml") }.hasPrefix("c.yaml: expected a mapping of sections"))
        try c.apply(overrides: ["train.steps=7", "optim.lr_d=4e-4"])
        #expect(c.steps == 7 && c.lrD == 4e-4)
    }

    @Test func resumedRunEndsWithTheSameCheckpointBytes() throws {
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("swiftgan-runs-\(UInt64.random(in: 0...UInt64.max))")
        defer { try? FileManager.default.removeItem(at: base) }
        var c = try RunConfig(yaml: try Presets.named("ring8-wgan-gp").yaml, source: "p")
        try c.apply(overrides: ["train.steps=12", "train.log_every=1", "train.checkpoint_every=4", "train.sample_every=6", "game.batch_size=32", "model.hidden=16"])
        let straight = RunDirectory(base.appendingPathComponent("straight"))
        _ = try Runner.train(c, directory: straight, resume: false, progress: nil)

        var first = c
        first.steps = 5
        let split = RunDirectory(base.appendingPathComponent("split"))
        _ = try Runner.train(first, directory: split, resume: false, progress: nil)
        _ = try Runner.train(c, directory: split, resume: true, progress: nil)
        #expect(try Data(contentsOf: straight.checkpoint) == Data(contentsOf: split.checkpoint))
        #expect(FileManager.default.fileExists(atPath: straight.samples.appendingPathComponent("step-12.png").path))
        let log = try JSONLines.read(contentsOf: straight.log)
        let steps = log.filter { $0["eval"] == nil }
        #expect(steps.count == 12 && steps.last?["step"]?.intValue == 12)
        let evals = log.compactMap { $0["eval"] }
        #expect(evals.count == 2)  // steps 6 and 12
        #expect(log.contains { $0["eval"] != nil && $0["step"]?.intValue == 12 })
        #expect(throws: ConfigError.self) { try Runner.train(c, directory: straight, resume: false, progress: nil) }
    }
}

@Suite("Run configurations: model and game switches")
struct RunSwitchTests {
    @Test func switchesReachTheModelsAndTheTrainer() throws {
        var c = RunConfig()
        try c.apply(overrides: ["model.spectral_norm=true", "model.minibatch_std=true", "game.packing=2",
                                "game.unroll_steps=2", "game.penalty=dragan", "game.batch_size=16", "model.hidden=8"])
        let t = try Runner.makeTrainer(c)
        let names = Set(t.discriminator.parameters().keys)
        #expect(names.contains("1.weight_orig") && names.contains("1.bias"))  // 0 is the minibatch-std layer
        #expect(t.discriminator.parameters()["1.weight_orig"]!.shape == [8, 5])  // 2·2 inputs + 1 std feature
        #expect(t.settings.packing == 2 && t.settings.unrollSteps == 2)
        #expect(t.settings.penalty == .dragan(lambda: 10, variance: 0.05))
        let r = try t.trainStep()
        #expect(r.discriminatorLoss.isFinite && r.generatorLoss.isFinite)
        var bad = RunConfig()
        try bad.apply(overrides: ["model.minibatch_std=true", "game.batch_size=6"])
        #expect(throws: ConfigError.self) { try Runner.makeTrainer(bad) }
        // Top-k: the share ramps over the first half of the run; it needs alternating order.
        var topK = RunConfig()
        try topK.apply(overrides: ["game.top_k=0.5", "train.steps=400", "model.hidden=8", "game.batch_size=16"])
        #expect(try Runner.makeTrainer(topK).settings.topK == TopK(fraction: 0.5, rampSteps: 200))
        try topK.apply(overrides: ["game.order=simultaneous"])
        do { _ = try Runner.makeTrainer(topK); Issue.record("simultaneous top-k accepted") } catch let e as ConfigError {
            #expect(e.description.contains("game.top_k") && e.description.contains("alternating"))
        }
        #expect(throws: ConfigError.self) { try topK.apply(overrides: ["game.top_k=0"]) }
    }
}

@Suite("Run configurations: learning-rate decay")
struct LearningRateDecayTests {
    @Test func bothPlayersDecayToZeroOverTheirOwnUpdates() throws {
        var c = RunConfig()
        try c.apply(overrides: ["train.steps=100", "game.critic_steps=5", "optim.lr_g=0.002", "optim.lr_d=0.001",
                                "optim.lr_decay_from=0.5"])
        let t = try Runner.makeTrainer(c)
        let g = try #require((t.generatorOptimizer as? Adam)?.learningRate)
        let d = try #require((t.discriminatorOptimizer as? Adam)?.learningRate)
        // G: 100 updates, decaying from update 50; D: 5 per step, 500, decaying from 250.
        #expect(g(0) == 0.002 && g(50) == 0.002 && abs(g(75) - 0.001) < 1e-9 && g(100) == 0)
        #expect(d(250) == 0.001 && abs(d(375) - 0.0005) < 1e-9 && d(99) == 0.001 && d(500) == 0)
        var constant = RunConfig()
        try constant.apply(overrides: ["optim.lr_g=0.002"])
        #expect((try Runner.makeTrainer(constant).generatorOptimizer as? Adam)?.learningRate == .constant(0.002))
        #expect(throws: ConfigError.self) { try constant.apply(overrides: ["optim.lr_decay_from=1.5"]) }
    }
}

@Suite("Run configurations: LSGAN targets")
struct LSGANConfigTests {
    @Test func lsganTargetsReachTheObjective() throws {
        var c = RunConfig()
        try c.apply(overrides: ["game.objective=lsgan", "game.lsgan_a=-1", "game.lsgan_b=1", "game.lsgan_c=0"])
        #expect(try Runner.makeTrainer(c).settings.objective == .leastSquares(a: -1, b: 1, c: 0))
    }
}

@Suite("Sample pictures")
struct ScatterPlotTests {
    @Test func heatMapShowsWhereTheCriticScoresHighAndLow() throws {
        let ring = try MixtureData(RunConfig()).mixture
        let points = Tensor([1, 0, 0, 1], shape: [2, 2])
        // D(x) = x: orange on the right (high), blue on the left (low).
        let image = ScatterPlot.render(points, over: ring, size: 50) { x in x.slice(axis: 1, range: 0..<1) }
        func rgb(_ x: Int, _ y: Int) -> [UInt8] { (0..<3).map { image.pixels[(y * 50 + x) * 3 + $0] } }
        let left = rgb(0, 25), right = rgb(49, 25)
        #expect(left[2] == 255 && left[0] < 200)   // blue-ish
        #expect(right[0] == 255 && right[2] <= 160 && right[1] <= 210) // orange-ish
        let plain = ScatterPlot.render(points, over: ring, size: 50)
        #expect(plain.pixels[0] == 255 && plain.pixels[1] == 255 && plain.pixels[2] == 255)
    }

    /// D is scored on a coarse grid in bounded batches and interpolated bilinearly, which is
    /// exact for a surface linear in x and y: every pixel must equal D at its own centre.
    @Test func heatMapScoresACoarseGridInBoundedBatches() {
        let size = 123, extent: Float = 3
        nonisolated(unsafe) var batches: [Int] = []
        let s = ScatterPlot.surface({ p in
            batches.append(p.shape[0])
            return p.matmul(Tensor([1, 2], shape: [2, 1]))  // x + 2y
        }, size: size, extent: extent)
        #expect(s.count == size * size)
        var worst: Float = 0
        for py in 0..<size {
            for px in 0..<size {
                let x = (Float(px) / Float(size - 1) * 2 - 1) * extent
                let y = (1 - Float(py) / Float(size - 1) * 2) * extent
                worst = Swift.max(worst, Swift.abs(s[py * size + px] - (x + 2 * y)))
            }
        }
        #expect(worst < 1e-4, "largest error \(worst)")
        #expect(batches.allSatisfy { $0 <= ScatterPlot.heatBatch }, "batches \(batches)")
        #expect(batches.reduce(0, +) < size * size / 8, "scored \(batches.reduce(0, +)) points for \(size * size) pixels")
    }
}
