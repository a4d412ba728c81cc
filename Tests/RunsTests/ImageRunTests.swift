import Artifacts
import Datasets
import Foundation
import GAN
import NN
import Runs
import Testing

@Suite("Image runs: MNIST, Stacked MNIST, the user's .npy and PNG folders")
struct ImageRunTests {
    func message(_ body: () throws -> Void) -> String {
        do { try body(); return "no error" } catch { return "\(error)" }
    }

    func temporaryDirectory() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("image-run-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }

    @Test func everyImagePresetBuildsPlayersOfTheRightShapes() throws {
        for name in ["seed-000-mlp", "seed-001-dcgan", "seed-002-wgan-gp", "stacked-mnist-dcgan", "stacked-mnist-pacdcgan2"] {
            let preset = try Presets.named(name)
            let c = try RunConfig(yaml: preset.yaml, source: name)
            #expect(try RunConfig(yaml: c.yaml, source: "resolved") == c, "\(name)")
            let data = try DataSources.make(c, loading: false)
            let channels = c.data == "stacked-mnist" ? 3 : 1
            #expect(data.sampleShape == [channels, 28, 28], "\(name)")
            let t = try Runner.makeTrainer(c, data: data)
            let x = Runner.samples(t, c, count: 2, seed: 0)
            #expect(x.shape == [2, channels, 28, 28], "\(name)")
            #expect(x.toArray().allSatisfy { $0 >= -1 && $0 <= 1 }, "\(name): G ends in tanh")
            let packed = Tensor.concat([Tensor](repeating: x, count: c.packing), axis: 1)
            #expect(t.discriminator(packed, in: .evaluation).shape == [2, 1], "\(name)")
        }
        // seed-001's fixes: one output channel, the generator layout of the seed.
        let dcgan = try Runner.makeTrainer(try RunConfig(yaml: try Presets.named("seed-001-dcgan").yaml, source: "p"),
                                           data: try DataSources.make(try RunConfig(yaml: try Presets.named("seed-001-dcgan").yaml, source: "p"), loading: false))
        let g = dcgan.generator.parameters()
        #expect(g["0.weight"]?.shape == [12544, 100] && g["4.weight"]?.shape == [256, 128, 5, 5])
        #expect(g["10.weight"]?.shape == [64, 1, 5, 5] && g["4.bias"] == nil)
        let pac = try RunConfig(yaml: try Presets.named("stacked-mnist-pacdcgan2").yaml, source: "p")
        #expect(pac.generatorSteps == 2 && pac.packing == 2 && pac.noise == "uniform")
        let pacTrainer = try Runner.makeTrainer(pac, data: try DataSources.make(pac, loading: false))
        #expect(pacTrainer.discriminator.parameters()["0.weight"]?.shape == [64, 6, 5, 5])
    }

    @Test func npyImagesTrainAndSampleFromTheRunDirectoryAlone() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let npy = dir.appendingPathComponent("blobs.npy")
        var rng = RandomGenerator(seed: 3)
        try NPY.write(Tensor.randomUniform([20, 8, 8], low: -1, high: 1, using: &rng), to: npy)
        var c = RunConfig()
        try c.apply(overrides: ["data.name=npy", "data.path=\(npy.path)", "data.image_size=8", "model.arch=dcgan",
                                "model.width=4", "model.latent=8", "game.batch_size=4", "train.steps=2",
                                "train.sample_every=2", "train.checkpoint_every=2"])
        let run = RunDirectory(dir.appendingPathComponent("run"))
        let (trainer, _) = try Runner.train(c, directory: run, resume: false, progress: nil)
        #expect(trainer.step == 2)
        let picture = try PNG.read(contentsOf: run.samples.appendingPathComponent("step-2.png"))
        #expect(picture.width == 8 * 10 + 2 && picture.height == 8 * 10 + 2 && picture.channels == 1)
        // The data goes away; sampling still works from the run directory.
        try FileManager.default.removeItem(at: npy)
        let (loaded, again, data) = try Runner.load(run)
        #expect(loaded.dataPath == npy.path)
        let x = Runner.samples(again, loaded, count: 9, seed: 1)
        #expect(x.shape == [9, 1, 8, 8])
        #expect(x.toArray() == Runner.samples(trainer, c, count: 9, seed: 1).toArray())
        let grid = try data.picture(of: x, critic: nil)
        #expect(grid.width == 8 * 10 + 2 && grid.height == 2 * 10 + 2)  // 8 per row
        // Training again needs the data: the error names the file.
        #expect(message { _ = try DataSources.make(loaded) }.contains("blobs.npy"))
    }

    @Test func npyVectorsRecordTheirSizeInTheResolvedConfig() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let npy = dir.appendingPathComponent("v.npy")
        var rng = RandomGenerator(seed: 4)
        try NPY.write(Tensor.randomNormal([50, 3], using: &rng), to: npy)
        var c = RunConfig()
        try c.apply(overrides: ["data.name=npy", "data.path=\(npy.path)", "game.batch_size=8", "train.steps=1",
                                "train.sample_every=1"])
        let run = RunDirectory(dir.appendingPathComponent("run"))
        _ = try Runner.train(c, directory: run, resume: false, progress: nil)
        let (loaded, trainer, _) = try Runner.load(run)
        #expect(loaded.dimension == 3)
        #expect(Runner.samples(trainer, loaded, count: 4, seed: 0).shape == [4, 3])
    }

    @Test func pngFolderAndItsErrors() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        for k in 0..<4 {
            try PNG.write(Image(width: 12, height: 10, channels: 3, repeating: UInt8(40 * k)),
                          to: dir.appendingPathComponent("img\(k).png"))
        }
        var c = RunConfig()
        try c.apply(overrides: ["data.name=images", "data.path=\(dir.path)", "data.image_size=8", "data.channels=3",
                                "data.fit=crop", "game.batch_size=2", "model.g_output=tanh"])
        let data = try DataSources.make(c)
        #expect(data.sampleShape == [3, 8, 8])
        var rng = RandomGenerator(seed: 0)
        #expect(data.batch(5, using: &rng).shape == [5, 3, 8, 8])
        let t = try Runner.makeTrainer(c, data: data)
        try t.fit(steps: 1)
        try Data([1, 2, 3]).write(to: dir.appendingPathComponent("zz-broken.png"))
        #expect(message { _ = try DataSources.make(c) }.contains("zz-broken.png"))
        c.dataPath = ""
        #expect(message { _ = try DataSources.make(c) } == "data.name is images: set data.path to the folder of .png images")
        var m = RunConfig()
        try m.apply(overrides: ["data.name=mnist", "data.image_size=32"])
        #expect(message { _ = try DataSources.make(m, loading: false) }.contains("mnist images are 28x28"))
        #expect(message { try m.apply(overrides: ["data.fit=squash"]) }.contains("data.fit must be one of resize, crop"))
    }

    @Test func twoGeneratorStepsPerRound() throws {
        var c = RunConfig()
        try c.apply(overrides: ["game.batch_size=8", "game.generator_steps=2", "game.critic_steps=1"])
        let t = try Runner.makeTrainer(c)
        try t.fit(steps: 3)
        #expect(t.step == 3 && t.generatorState.step == 6 && t.discriminatorState.step == 3)
        try c.apply(overrides: ["game.order=simultaneous"])
        #expect(message { _ = try Runner.makeTrainer(c) }.contains("game.generator_steps 2 needs game.order alternating"))
    }
}
