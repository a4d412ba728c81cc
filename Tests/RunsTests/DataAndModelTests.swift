import Artifacts
import Datasets
import Distributed
import Foundation
import GAN
import NN
import Runs
import Testing

@Suite("Run data and architectures")
struct DataAndModelTests {
    func message(_ body: () throws -> Void) -> String {
        do { try body(); return "no error" } catch { return "\(error)" }
    }

    @Test func aMixtureFromYAMLTrainsAndRoundTripsThroughTheResolvedConfig() throws {
        let yaml = """
            data:
              name: mixture
              mixture: {centers: [[0, 0], [3, 0], [0, 3]], std: 0.1, weights: [1, 1, 2]}
            game: {batch_size: 16}
            train: {steps: 2}
            """
        let c = try RunConfig(yaml: yaml, source: "m.yaml")
        #expect(try RunConfig(yaml: c.yaml, source: "resolved") == c)
        let data = try #require(try DataSources.make(c) as? MixtureData)
        #expect(data.mixture.centers == [[0, 0], [3, 0], [0, 3]])
        #expect(data.mixture.weights == [0.25, 0.25, 0.5])
        #expect(data.mixture.std == 0.1)
        // The training set follows the weights: about half of it near (0, 3).
        let rows = data.trainingSet.toArray()
        let nearThird = stride(from: 0, to: rows.count, by: 2).filter { rows[$0 + 1] > 1.5 }.count
        #expect(abs(Double(nearThird) / Double(MixtureData.trainingSetSize) - 0.5) < 0.01)
        let trainer = try Runner.makeTrainer(c)
        try trainer.fit(steps: 2)
        let report = try Runner.evaluate(trainer, c, data: data)
        #expect(report["modes_covered"] != nil && report.metrics.count == 3)
    }

    @Test func badMixturesNameTheField() throws {
        var c = RunConfig()
        #expect(message { try c.apply(overrides: ["data.mixture={centers: [[0, 0], [1]], std: 0.1}"]) }
            == "--set: data.mixture: Gaussian mixture: centre 1 has 1 coordinates, centre 0 has 2")
        #expect(message { try c.apply(overrides: ["data.mixture={centers: [[0, 0]]}"]) }
            == "--set: data.mixture: 'std' (the modes' standard deviation) is missing")
        #expect(message { try c.apply(overrides: ["data.mixture={centers: [[0, 0]], std: 0.1, sigma: 2}"]) }
            == "--set: data.mixture: unknown field 'sigma'; fields: centers, std, weights")
        #expect(message { try c.apply(overrides: ["data.mixture={centers: [[0, x]], std: 0.1}"]) }
            == "--set: data.mixture: centers[0] must be a number, got 'x'")
        try c.apply(overrides: ["data.name=mixture"])
        #expect(message { _ = try DataSources.make(c) }.hasPrefix("data.name is mixture but data.mixture is empty"))
    }

    @Test func pacganArchitectureHasBatchNormInGAndMaxoutInD() throws {
        var c = RunConfig()
        try c.apply(overrides: ["model.hidden=400", "model.layers=4", "model.g_norm=batch",
                                "model.d_activation=maxout", "model.d_hidden=200", "model.d_layers=3",
                                "model.maxout_pieces=5", "game.packing=2", "game.batch_size=8"])
        let t = try Runner.makeTrainer(c)
        let g = t.generator.parameters(), d = t.discriminator.parameters()
        #expect(g["0.weight"]?.shape == [400, 2] && g["1.weight"]?.shape == [400] && g["12.weight"]?.shape == [2, 400])
        #expect(t.generator.buffers()["1.running_mean"]?.shape == [400])
        #expect(g["0.bias"] == nil && g["12.bias"] != nil)  // no bias before batch norm
        #expect(d["0.linear.weight"]?.shape == [1000, 4] && d["1.linear.weight"]?.shape == [1000, 200])
        #expect(d["3.weight"]?.shape == [1, 200] && d.count == 8)
        try t.fit(steps: 2)
        #expect(t.step == 2)
    }

    @Test func imageShapedSamplesGetAFlatteningDAndAReshapingG() throws {
        // The MLP works for any sample shape: G reshapes its output, D flattens its input.
        final class Blobs: TrainingData {
            var sampleShape: [Int] { [1, 4, 4] }
            func batch(_ n: Int, using rng: inout RandomGenerator) -> Tensor { Tensor.randomNormal([n, 1, 4, 4], using: &rng) }
            func picture(of samples: Tensor, critic: ((Tensor) -> Tensor)?) throws -> Image { Image(width: 1, height: 1, channels: 1) }
            var evaluationSampleCount: Int { 4 }
            func evaluate(_ samples: Tensor) throws -> SampleReport { SampleReport(metrics: [], text: "") }
        }
        var c = RunConfig()
        try c.apply(overrides: ["game.batch_size=4", "game.packing=2", "model.latent=3"])
        let t = try Runner.makeTrainer(c, data: Blobs())
        try t.fit(steps: 1)
        #expect(Runner.samples(t, c, count: 5, seed: 1).shape == [5, 1, 4, 4])
        #expect(t.discriminator.parameters()["1.weight"]?.shape == [128, 32])
    }

    @Test func latentCategoriesPutAOneHotCategoryBeforeTheNoise() throws {
        var c = RunConfig()
        try c.apply(overrides: ["model.latent=3", "model.latent_categories=5", "model.noise=uniform", "game.batch_size=8"])
        #expect(try RunConfig(yaml: c.yaml, source: "resolved") == c)
        var rng = RandomGenerator(seed: 3)
        let z = Runner.noiseSampler(c)(2000, &rng)
        #expect(z.shape == [2000, 8])
        let v = z.toArray()
        var counts = [Int](repeating: 0, count: 5)
        for i in 0..<2000 {
            let row = Array(v[(i * 8)..<(i * 8 + 8)])
            let hot = row[0..<5]
            #expect(hot.filter { $0 == 1 }.count == 1 && hot.filter { $0 == 0 }.count == 4)
            counts[hot.firstIndex(of: 1)!] += 1
            #expect(row[5...].allSatisfy { $0 >= -1 && $0 <= 1 })
        }
        // Uniform over the categories: 400 each, ± 4 standard deviations (~18).
        #expect(counts.allSatisfy { abs($0 - 400) < 72 })
        // G reads the category and the noise: its first layer takes 8 inputs; it trains and samples.
        let t = try Runner.makeTrainer(c)
        #expect(t.generator.parameters()["0.weight"]?.shape == [128, 8])
        try t.fit(steps: 1)
        #expect(Runner.samples(t, c, count: 6, seed: 1).shape == [6, 2])
        // Without categories z is the noise alone.
        c.latentCategories = 0
        #expect(Runner.noiseSampler(c)(4, &rng).shape == [4, 3])
    }

    @Test func samplesSharedOutOverRanksAreTheOneProcessSamples() throws {
        // 7 samples over 3 ranks: blocks of 3, the last padded. With categories, a longer draw
        // does not start with a shorter one's rows, so the padding must come after them.
        var c = RunConfig()
        try c.apply(overrides: ["model.latent_categories=4", "game.batch_size=8"])
        let alone = Runner.samples(try Runner.makeTrainer(c), c, count: 7, seed: 3).toArray()
        let config = c
        let ranks = LocalGroup.run(size: 3) { comm -> [Float] in
            let trainer = try! Runner.makeTrainer(config)
            trainer.callbacks = [DataParallel(communicator: comm, seed: 1)]
            return Runner.samples(trainer, config, count: 7, seed: 3).toArray()
        }
        // Equal up to rounding: a block of 3 rows goes through other GEMM kernels than 7 rows;
        // a wrong draw of z would give other samples altogether.
        #expect(alone.count == 14)
        for r in ranks { #expect(zip(r, alone).allSatisfy { abs($0 - $1) < 1e-5 }) }
    }
}

@Suite("Evaluation records")
struct EvaluationRecordTests {
    @Test func scoresGoToTheLogWithTheirFingerprint() throws {
        let dir = RunDirectory(FileManager.default.temporaryDirectory.appendingPathComponent("swiftgan-eval-\(UInt64.random(in: 0...UInt64.max))"))
        defer { try? FileManager.default.removeItem(at: dir.url) }
        var c = RunConfig()
        try c.apply(overrides: ["train.steps=2", "game.batch_size=16", "model.hidden=8", "train.log_every=1"])
        let (trainer, data) = try Runner.train(c, directory: dir, resume: false, progress: nil)
        let report = try Runner.evaluate(trainer, c, data: data)
        try Runner.log(report, step: trainer.step, in: dir)
        let last = try JSONLines.read(contentsOf: dir.log).last!
        #expect(last["step"]?.intValue == 2)
        #expect(last["eval"]?.objectValue?["modes_covered"] != nil)
        guard case .string(let fingerprint)? = last["fingerprint"] else { Issue.record("no fingerprint in \(last)"); return }
        #expect(fingerprint == "PacGAN protocol: 2500 samples, high quality within 3σ, 8 modes")
    }
}
