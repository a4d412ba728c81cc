import ArgumentParser
import Artifacts
import Evaluation
import Foundation
import GAN
import Runs

@main
struct SwiftGAN: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "swiftgan",
        abstract: "Train generative adversarial networks and see why they converge, collapse or diverge.",
        discussion: """
        A run directory holds config.yaml (the resolved configuration), log.jsonl (one record per logged step), latest.safetensors (the checkpoint) and samples/ (pictures).

        Example:
          swiftgan train --preset ring8 --set train.steps=500 --out runs/ring8
          swiftgan eval runs/ring8
        """,
        subcommands: [Train.self, Resume.self, Sample.self, Eval.self, PresetsCommand.self, LabCommand.self, ClassifierCommand.self, Bench.self])

    static func main() {
        // OpenBLAS picks its kernels when it loads and falls back to generic SSE3 ones on a
        // CPU newer than itself (5x slower): re-execute with the right ones named.
        BLASCore.reexecIfMisdetected()
        main(nil)
    }
}

func fail(_ message: String) -> ExitCode {
    FileHandle.standardError.write(Data("swiftgan: \(message)\n".utf8))
    return ExitCode(2)
}

struct Train: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Train a GAN from a config file or a bundled preset.",
        discussion: """
        Keys for --set (key.path=value), with their meaning and allowed values:
        \(RunConfig.keyHelp)

        Example:
          swiftgan train --preset ring8-wgan-gp --set train.steps=300 --set optim.lr_d=0.0004 --out runs/wgan
        """)

    @Option(name: .long, help: "A YAML run configuration.") var config: String?
    @Option(name: .long, help: "A bundled preset (see `swiftgan presets`).") var preset: String?
    @Option(name: .customLong("set"), help: "Override one key, e.g. train.steps=500 (repeatable).") var overrides: [String] = []
    @Option(name: .long, help: "The run directory to create.") var out: String = "runs/latest"

    func run() throws {
        var c: RunConfig
        do {
            switch (config, preset) {
            case (let path?, nil):
                guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { throw ConfigError("\(path): cannot read the file") }
                c = try RunConfig(yaml: text, source: path)
            case (nil, let name?):
                c = try RunConfig(yaml: try Presets.named(name).yaml, source: "preset \(name)")
            case (nil, nil):
                throw ConfigError("give --config FILE.yaml or --preset NAME (see `swiftgan presets`)")
            default:
                throw ConfigError("give either --config or --preset, not both")
            }
            try c.apply(overrides: overrides)
        } catch let e as ConfigError { throw fail(e.description) }
        try runTraining(c, directory: RunDirectory(URL(fileURLWithPath: out)), resume: false)
    }
}

func runTraining(_ c: RunConfig, directory: RunDirectory, resume: Bool) throws {
    let progress = ProgressCallback(totalSteps: c.steps, every: Swift.max(1, c.steps / 20))
    do {
        let (trainer, data) = try Runner.train(c, directory: directory, resume: resume, progress: progress)
        let report = try Runner.evaluate(trainer, c, data: data)
        guard DistributedRun.isMainProcess else { return }  // under mpirun, rank 0 reports
        try Runner.log(report, step: trainer.step, in: directory)
        print("run \(directory.url.path): \(trainer.step) steps; \(report.text)")
    } catch let e as ConfigError { throw fail(e.description) }
    catch let e as NonFiniteError { throw fail("\(e); the last checkpoint in \(directory.url.path) is intact") }
}

struct Resume: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Continue an interrupted run from its latest checkpoint.",
        discussion: "Example:\n  swiftgan resume runs/ring8")
    @Argument(help: "The run directory.") var directory: String
    @Option(name: .customLong("set"), help: "Change train.steps (e.g. train.steps=5000 to train longer).") var overrides: [String] = []

    func run() throws {
        let dir = RunDirectory(URL(fileURLWithPath: directory))
        var c: RunConfig
        do {
            c = try dir.loadConfig()
            for o in overrides where !o.hasPrefix("train.steps=") {
                throw ConfigError("--set \(o): only train.steps can change when resuming (the rest would break the run's exactness)")
            }
            try c.apply(overrides: overrides)
            if !overrides.isEmpty { try Data(c.yaml.utf8).write(to: dir.config, options: .atomic) }
        } catch let e as ConfigError { throw fail(e.description) }
        try runTraining(c, directory: dir, resume: true)
    }
}

struct Sample: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Draw samples from a run's generator into a .npy array or a .png picture.",
        discussion: "Example:\n  swiftgan sample runs/ring8 --count 1000 --out samples.npy")
    @Argument(help: "The run directory.") var directory: String
    @Option(name: .long, help: "How many samples.") var count: Int = 1000
    @Option(name: .long, help: "FILE.npy (float32, [count] + the sample shape) or FILE.png (a scatter plot of 2-D samples, a grid of images).") var out: String
    @Option(name: .long, help: "Seed of the latent draws.") var seed: Int = 0

    func run() throws {
        guard count > 0 else { throw fail("--count must be positive, got \(count)") }
        do {
            let (c, trainer, data) = try Runner.load(RunDirectory(URL(fileURLWithPath: directory)))
            let x = Runner.samples(trainer, c, count: count, seed: UInt64(max(0, seed)))
            let url = URL(fileURLWithPath: out)
            switch url.pathExtension.lowercased() {
            case "npy": try NPY.write(x, to: url)
            case "png": try PNG.write(try data.picture(of: x, critic: nil), to: url)
            default: throw ConfigError("--out \(out): the file must end in .npy or .png")
            }
            print("wrote \(count) samples to \(out)")
        } catch let e as ConfigError { throw fail(e.description) }
        catch let e as CheckpointError { throw fail(e.description) }
    }
}

struct Eval: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Score a run's generator and append the scores, with their fingerprint, to its log.jsonl. 2-D mixtures: modes covered, high-quality samples, reverse KL (PacGAN's protocol, 2,500 samples); MNIST: classifier score, FID, KID, precision/recall, digits (10,000 samples); Stacked MNIST: modes of 1,000 (26,000 samples).",
        discussion: "Example:\n  swiftgan eval runs/ring8")
    @Argument(help: "The run directory.") var directory: String

    func run() throws {
        do {
            let run = RunDirectory(URL(fileURLWithPath: directory))
            let (c, trainer, data) = try Runner.load(run)
            let report = try Runner.evaluate(trainer, c, data: data)
            try Runner.log(report, step: trainer.step, in: run)
            print("step \(trainer.step), \(data.evaluationSampleCount) samples: \(report.text)")
        } catch let e as ConfigError { throw fail(e.description) }
        catch let e as CheckpointError { throw fail(e.description) }
    }
}

struct PresetsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "presets", abstract: "List the bundled configurations.",
        discussion: "Example:\n  swiftgan presets")
    func run() {
        for p in Presets.all { print(p.name.padding(toLength: 25, withPad: " ", startingAt: 0) + p.summary) }
    }
}
