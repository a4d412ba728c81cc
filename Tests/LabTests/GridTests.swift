import Artifacts
import Foundation
import Lab
import Runs
import Testing

@Suite("Experiment grids")
struct GridTests {
    func message(_ body: () throws -> Void) -> String {
        do { try body(); return "no error" } catch { return "\(error)" }
    }

    static let tiny = """
        experiment: tiny
        seeds: 2
        base:
          data: {name: ring8}
          model: {hidden: 16, layers: 1}
          game: {batch_size: 32}
          train: {steps: 3}
        arms:
          - name: plain
            published: {modes_covered: [8, 0.1]}
          - name: packed
            set: {game.packing: 2, game.batch_size: 64}
        """

    @Test func bundledExperimentsParse() throws {
        for e in BundledExperiments.all {
            let x = try BundledExperiments.named(e.name)
            #expect(x.name == e.name && !x.arms.isEmpty)
        }
        let ring = try BundledExperiments.named("pacgan-ring")
        #expect(ring.seeds == 10 && ring.base.steps == 400_000 && ring.arms.map(\.name) == ["GAN", "PacGAN2", "PacGAN3", "PacGAN4"])
        let pac3 = try ring.config(arm: ring.arms[2], seed: 4)
        #expect(pac3.packing == 3 && pac3.batchSize == 300 && pac3.seed == 4 && pac3.discriminatorActivation == "maxout")
        #expect(ring.arms[0].published["modes_covered"] == Experiment.Published(mean: 6.3, standardError: 0.5))
        // Every arm of the remedies tables builds a trainer.
        for name in ["remedies-ring", "remedies-grid"] {
            let x = try BundledExperiments.named(name)
            for arm in x.arms { _ = try Runner.makeTrainer(try x.config(arm: arm, seed: 0)) }
        }
    }

    @Test func errorsNameTheFieldAndTheArm() {
        #expect(message { _ = try Experiment(yaml: "experiment: x\nseeds: 0\nbase: {}\narms: [{name: a}]", source: "e.yaml") }
            == "e.yaml: 'seeds' must be an integer in 1...1000")
        #expect(message { _ = try Experiment(yaml: "experiment: x\nseeds: 1\nbase: {}\narms: [{name: a, set: {game.packing: 0}}]", source: "e.yaml") }
            == "e.yaml: arms[0] (a): --set: game.packing must be an integer in 1...64, got '0'")
        #expect(message { _ = try Experiment(yaml: "experiment: x\nseeds: 1\nbase: {game: {objectiv: wgan}}\narms: [{name: a}]", source: "e.yaml") }
            .hasPrefix("e.yaml: base: unknown key 'game.objectiv'"))
        #expect(message { _ = try Experiment(yaml: "experiment: x\nseeds: 1\nbase: {}\narms: [{name: a, published: {reverse_kl: [1]}}]", source: "e.yaml") }
            == "e.yaml: arms[0] (a): published.reverse_kl: expected a number or [mean, standard error]")
        #expect(message { _ = try Experiment(yaml: "experiment: x\nseeds: 1\nbase: {}\narms: [{name: a}, {name: a}]", source: "e.yaml") }
            == "e.yaml: two arms are named 'a'")
        #expect(message { _ = try BundledExperiments.named("pacgan-rnig") }.hasPrefix("unknown experiment 'pacgan-rnig'"))
    }

    @Test func meanStandardErrorAndFlags() throws {
        let (m, se) = GridTable.meanAndStandardError([1, 2, 3, 4])
        #expect(m == 2.5 && abs(se - (1.6666666666666667 / 4).squareRoot()) < 1e-12)
        let x = try Experiment(yaml: GridTests.tiny, source: "tiny")
        let results = [
            CellResult(arm: "plain", seed: 0, metrics: ["modes_covered": 8], seconds: 1),
            CellResult(arm: "plain", seed: 1, metrics: ["modes_covered": 8], seconds: 3),
            CellResult(arm: "packed", seed: 0, metrics: ["modes_covered": 4], seconds: 1),
            CellResult(arm: "packed", seed: 1, metrics: ["modes_covered": 6], seconds: 1),
        ]
        var t = GridTable(experiment: x, results: results, wallSeconds: 2)
        #expect(t.rows[0].cells["modes_covered"]?.flagged == false)  // 8 ± 0 vs 8 ± 0.1
        #expect(t.rows[0].secondsPerRun == 2)
        #expect(t.markdown.contains("| plain | 8.00 ± 0.00 (paper 8.00 ± 0.10) | 2.0 |"))
        #expect(t.markdown.contains("| packed | 5.00 ± 1.00 | 1.0 |") && !t.markdown.contains("Partial"))
        t = GridTable(experiment: x, results: [CellResult(arm: "plain", seed: 0, metrics: ["modes_covered": 7], seconds: 1)], wallSeconds: 1)
        #expect(t.rows[0].cells["modes_covered"]?.flagged == true)
        #expect(t.markdown.contains("(paper 8.00 ± 0.10) †"))
        // An unfinished grid says so, and how many seeds each arm has.
        #expect(t.markdown.contains("Partial: 1 of 4 runs finished.") && t.markdown.contains("| arm | seeds | modes covered |"))
        #expect(t.markdown.contains("| plain | 1 | 7.00 ± 0.00") && t.markdown.contains("| packed | 0 | – | – |"))
        #expect(t.json.contains("\"seeds\":1") && t.json.contains("\"seeds\":0"))
        #expect(t.json.contains("\"outside_error_bar\":true"))
        // The JSON gives each arm's own budget (an arm may set train.steps).
        var budgets = x
        budgets.arms[1].overrides.append("train.steps=5")
        let json = GridTable(experiment: budgets, results: results, wallSeconds: 2).json
        #expect(json.contains("\"step_budget\":\"3-5\""))
        #expect(json.contains("\"arm\":\"plain\"") && json.contains("\"steps\":3") && json.contains("\"steps\":5"))
        // A seed without any high-quality sample has an infinite reverse KL: counted apart.
        t = GridTable(experiment: x, results: [
            CellResult(arm: "plain", seed: 0, metrics: ["reverse_kl": 0.5], seconds: 1),
            CellResult(arm: "plain", seed: 1, metrics: ["reverse_kl": .infinity], seconds: 1),
        ], wallSeconds: 1)
        #expect(t.markdown.contains("| plain | 2 | 0.50 ± 0.00 [1 of 2 seeds: inf] |"))
    }

    @Test func aCellWhosePictureCannotBeDrawnStillCounts() throws {
        // A 3-D mixture has scores but no picture (pictures are of 2-D data).
        let x = try Experiment(yaml: """
            experiment: cube
            seeds: 1
            base:
              data: {name: mixture, mixture: {centers: [[0, 0, 0], [1, 1, 1]], std: 0.1}}
              model: {hidden: 8, layers: 1}
              game: {batch_size: 16}
              train: {steps: 2}
            arms:
              - name: plain
            """, source: "cube")
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("swiftgan-lab-\(UInt64.random(in: 0...UInt64.max))")
        defer { try? FileManager.default.removeItem(at: dir) }
        let runner = GridRunner(experiment: x, directory: dir, parallelism: 1)
        let cells = try runner.run()
        #expect(cells.count == 1 && cells[0].metrics["modes_covered"] != nil)
        #expect(!FileManager.default.fileExists(atPath: runner.picture(arm: "plain", seed: 0).path))
    }

    @Test func runsEveryCellAndResumesFromTheCellsFile() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("swiftgan-lab-\(UInt64.random(in: 0...UInt64.max))")
        defer { try? FileManager.default.removeItem(at: dir) }
        let x = try Experiment(yaml: GridTests.tiny, source: "tiny")
        let first = try GridRunner(experiment: x, directory: dir, parallelism: 2).run()
        #expect(first.map(\.arm) == ["plain", "plain", "packed", "packed"] && first.map(\.seed) == [0, 1, 0, 1])
        #expect(first.allSatisfy { $0.metrics["modes_covered"] != nil && $0.metrics["reverse_kl"] != nil })
        // Each cell leaves its final picture: the samples over the modes, D's view behind them.
        for cell in first {
            let png = try PNG.read(contentsOf: GridRunner(experiment: x, directory: dir).picture(arm: cell.arm, seed: cell.seed))
            #expect(png.width > 100 && png.height > 100 && png.channels == 3)
        }
        // Same seed, same numbers, whichever worker trained it: rerun one cell alone.
        let lines = try String(contentsOf: dir.appendingPathComponent("cells.jsonl"), encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 4)
        let kept = lines.filter { !$0.contains("\"arm\":\"packed\"") || !$0.contains("\"seed\":1") }
        try Data((kept.joined(separator: "\n") + "\n").utf8).write(to: dir.appendingPathComponent("cells.jsonl"))
        let second = try GridRunner(experiment: x, directory: dir, parallelism: 1).run()
        #expect(second.count == 4)
        #expect(second[3].metrics == first[3].metrics)
        #expect(second[0].seconds == first[0].seconds)  // kept from the file, not retrained
        // A changed config retrains: cells of another budget are not reused.
        var longer = x
        try longer.base.apply(overrides: ["train.steps=4"])
        let third = try GridRunner(experiment: longer, directory: dir, parallelism: 2).run()
        #expect(third.count == 4 && third.allSatisfy { $0.configHash != first[0].configHash })
        #expect(third[0].seconds != first[0].seconds)
    }

    /// A cell stopped mid-training saves its state; the rerun resumes it and scores exactly
    /// what an uninterrupted run scores. Saved state that is truncated or belongs to another
    /// config is set aside and the cell trains from the start.
    @Test func aStoppedCellResumesFromItsSavedState() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("swiftgan-lab-\(UInt64.random(in: 0...UInt64.max))")
        defer { try? FileManager.default.removeItem(at: root) }
        var x = try Experiment(yaml: GridTests.tiny, source: "tiny")
        try x.base.apply(overrides: ["train.steps=12"])
        x.arms = [x.arms[0]]
        x.seeds = 1
        let reference = try GridRunner(experiment: x, directory: root.appendingPathComponent("reference"), parallelism: 1).run()

        let dir = root.appendingPathComponent("stopped")
        final class Steps: @unchecked Sendable { var count = 0 }
        let steps = Steps()
        let stopping = GridRunner(experiment: x, directory: dir, parallelism: 1)
        stopping.checkpointSeconds = 0  // a routine save after every step
        let partial = stopping.partialCheckpoint(arm: "plain", seed: 0)
        final class Seen: @unchecked Sendable { var step: String? }
        let seen = Seen()
        stopping.stepDone = { _, _, step, _ in steps.count = step }
        stopping.shouldStop = {
            // Asked before the step's own save: the routine save of step 4 is there.
            if steps.count == 5 { seen.step = (try? Checkpoint(contentsOf: partial))?.metadata["step"] }
            return steps.count == 5
        }
        #expect(message { _ = try stopping.run() }.hasPrefix("stopped"))
        #expect(seen.step == "4")
        let saved = try Checkpoint(contentsOf: partial)
        #expect(saved.metadata["step"] == "5")
        let secondsBefore = try #require(Double(saved.metadata["lab.seconds"] ?? ""))
        #expect(secondsBefore > 0)
        let recorded = (try? String(contentsOf: stopping.cellsFile, encoding: .utf8)) ?? ""
        #expect(recorded.isEmpty)  // the stopped cell is not a result

        // A runner that only counts the steps it trains.
        func counting() -> (GridRunner, Steps) {
            let r = GridRunner(experiment: x, directory: dir, parallelism: 1), n = Steps()
            r.stepDone = { _, _, _, _ in n.count += 1 }
            return (r, n)
        }
        let (resuming, trained) = counting()
        let resumed = try resuming.run()
        #expect(trained.count == 7)  // steps 6...12
        #expect(resumed.count == 1 && resumed[0].metrics == reference[0].metrics)
        #expect(resumed[0].seconds > secondsBefore)  // the stopped run's time counts
        #expect(!FileManager.default.fileExists(atPath: partial.path))  // gone once the cell is recorded

        // A truncated save, and one of another config: both retrain from step 0, same scores.
        var other = saved
        other.metadata["lab.config"] = "0000000000000000"
        let whole = saved.file.serialized()
        for (damage, bytes) in [("truncated", whole.prefix(whole.count / 2)), ("another config", other.file.serialized())] {
            try Data().write(to: stopping.cellsFile)
            try FileManager.default.createDirectory(at: partial.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data(bytes).write(to: partial)
            let (r, n) = counting()
            let again = try r.run()
            #expect(n.count == 12 && again[0].metrics == reference[0].metrics, "\(damage)")
            #expect(!FileManager.default.fileExists(atPath: partial.path), "\(damage)")
        }
    }
}
