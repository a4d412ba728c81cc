import ArgumentParser
import Foundation
import Lab
import Runs
import Synchronization

/// `swiftgan lab`: runs an experiment grid (arms × seeds) and writes its tables.
struct LabCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lab",
        abstract: "Run a stability experiment (methods × seeds) and write its table next to the published numbers.",
        discussion: """
        EXPERIMENT is a bundled experiment or a YAML file describing one (see Sources/Lab/Grid/Experiment.swift for the format; `swiftgan lab --list` prints the bundled ones, `--print NAME` shows one as YAML to copy).
        Experiments written in code run the same way and write their own tables and pictures into OUT/NAME:
        \(LabExperiments.all.map { "\($0.name): \($0.summary). Writes \($0.outputs)." }.joined(separator: "\n"))

        A grid's output folder gets cells.jsonl (one line per finished run: an interrupted grid resumes where it stopped; a run in training saves its state to partial/ every minute and on Ctrl-C, and resumes from it), EXPERIMENT.md and EXPERIMENT.json (mean ± standard error per arm, next to the published numbers; † marks a difference outside the combined error bar).

        Examples:
          swiftgan lab pacgan-ring-short --out runs/lab
          swiftgan lab remedies-ring --seeds 2 --steps 1000 --out runs/lab
          swiftgan lab dirac --out runs/lab
        """)

    @Argument(help: "A bundled experiment name or a YAML file.") var experiment: String?
    @Option(name: .long, help: "Output folder.") var out: String = "runs/lab"
    @Option(name: .long, help: "Override the number of seeds per arm.") var seeds: Int?
    @Option(name: .long, help: "Override train.steps of every run.") var steps: Int?
    @Option(name: .long, help: "Runs trained at once (default: the number of cores).") var jobs: Int?
    @Flag(name: .long, help: "List the bundled experiments.") var list = false
    @Option(name: .long, help: "Print a bundled experiment as YAML.") var print: String?

    func run() throws {
        if list {
            for e in BundledExperiments.all { Swift.print(e.name.padding(toLength: 20, withPad: " ", startingAt: 0) + e.summary) }
            for e in LabExperiments.all { Swift.print(e.name.padding(toLength: 20, withPad: " ", startingAt: 0) + e.summary) }
            return
        }
        if let name = print, LabExperiments.named(name) != nil {
            throw fail("\(name) is written in code (Sources/Lab), not a YAML grid; run it with `swiftgan lab \(name)`")
        }
        if let name = print {
            guard let e = BundledExperiments.all.first(where: { $0.name == name }) else { throw fail("unknown experiment '\(name)'") }
            Swift.print(e.yaml)
            return
        }
        guard let experiment else { throw fail("give an experiment (see `swiftgan lab --list`) or a YAML file") }
        if let kind = LabExperiments.named(experiment) {
            guard seeds == nil, steps == nil, jobs == nil else {
                throw fail("--seeds, --steps and --jobs apply to experiment grids; \(kind.name) has its settings built in")
            }
            return try run(kind)
        }
        var x: Experiment
        do {
            var isFolder: ObjCBool = false
            let exists = FileManager.default.fileExists(atPath: experiment, isDirectory: &isFolder)
            if experiment.hasSuffix(".yaml") || experiment.hasSuffix(".yml") || (exists && !isFolder.boolValue) {
                guard let text = try? String(contentsOfFile: experiment, encoding: .utf8) else { throw ConfigError("\(experiment): cannot read the file") }
                x = try Experiment(yaml: text, source: experiment)
            } else {
                x = try BundledExperiments.named(experiment)
            }
            if let seeds {
                guard seeds >= 1 else { throw ConfigError("--seeds must be at least 1, got \(seeds)") }
                x.seeds = seeds
            }
            if let steps { try x.setSteps(steps) }
            if let jobs, jobs < 1 { throw ConfigError("--jobs must be at least 1, got \(jobs)") }
        } catch let e as ConfigError { throw fail(e.description) }

        let dir = URL(fileURLWithPath: out).appendingPathComponent(x.name)
        let runner = GridRunner(experiment: x, directory: dir, parallelism: jobs ?? ProcessInfo.processInfo.activeProcessorCount,
                                singleThreadedBLAS: true)
        let start = Date()
        runner.progress = { done, total, cell in
            let metrics = cell.metrics.keys.sorted().map { "\($0)=\(String(format: "%.3g", cell.metrics[$0]!))" }.joined(separator: " ")
            Swift.print("[\(done)/\(total)] \(cell.arm) seed \(cell.seed): \(metrics) (\(String(format: "%.1f", cell.seconds)) s)")
            fflush(nil)
        }
        // Long cells (the paper's budget: an hour or more each) report every tenth of the way.
        runner.stepDone = { arm, seed, step, steps in
            guard steps >= 10_000, step % (steps / 10) == 0, step < steps else { return }
            Swift.print("  \(arm) seed \(seed): step \(step) of \(steps)")
            fflush(nil)
        }
        StopRequest.install()
        runner.shouldStop = { StopRequest.requested }
        Swift.print("\(x.name): \(x.arms.count) arms × \(x.seeds) seeds, \(x.stepBudget) steps each, \(runner.parallelism) at once → \(dir.path)")
        fflush(nil)
        func writeTable(_ results: [CellResult]) throws {
            let table = GridTable(experiment: x, results: results, wallSeconds: Date().timeIntervalSince(start))
            try Data(table.markdown.utf8).write(to: dir.appendingPathComponent("\(x.name).md"), options: .atomic)
            try Data(table.json.utf8).write(to: dir.appendingPathComponent("\(x.name).json"), options: .atomic)
            Swift.print("\n" + table.markdown)
        }
        do { try writeTable(try runner.run()) } catch let e as ConfigError { throw fail(e.description) } catch let e as GridStopped {
            // The cells finished so far still make a (partial) table.
            if !e.finished.isEmpty { try writeTable(e.finished) }
            let again = (["swiftgan"] + CommandLine.arguments.dropFirst()).map { $0.contains(" ") ? "'\($0)'" : $0 }
            FileHandle.standardError.write(Data("lab: \(e.description) (`\(again.joined(separator: " "))`)\n".utf8))
            throw ExitCode(130)
        }
    }

    /// An experiment written in code: it writes into OUT/NAME and hands back its table.
    func run(_ kind: any LabExperiment.Type) throws {
        let dir = URL(fileURLWithPath: out).appendingPathComponent(kind.name)
        let start = Date()
        let report: LabReport
        do { report = try kind.run(writingInto: dir) } catch let e as LabError { throw fail(e.description) }
        Swift.print(report.markdown)
        Swift.print("wrote \(report.files.map(\.lastPathComponent).joined(separator: ", ")) to \(dir.path)")
        Swift.print(String(format: "wall time: %.2f s", Date().timeIntervalSince(start)))
    }
}

/// Ctrl-C or SIGTERM, once: asks the grid to stop after each cell in flight has saved its
/// state. A second one ends the process at once.
///
/// A plain signal handler that only counts (an atomic add) and writes a fixed message: a
/// Dispatch signal source would run its handler on a global queue, which the grid's own
/// workers keep saturated, so a stop could wait for a whole cell to finish.
enum StopRequest {
    static let signals = Atomic<Int>(0)
    static let message: StaticString = "\nlab: stopping: the runs in training save their state (again to quit at once)\n"

    static var requested: Bool { signals.load(ordering: .relaxed) > 0 }

    static func install() {
        _ = signals.load(ordering: .relaxed)  // the global exists before any handler runs
        for sig in [SIGINT, SIGTERM] {
            signal(sig) { _ in
                // _exit: no atexit handlers while training threads still run.
                if StopRequest.signals.add(1, ordering: .relaxed).newValue > 1 { _exit(130) }
                _ = write(2, StopRequest.message.utf8Start, StopRequest.message.utf8CodeUnitCount)
            }
        }
    }
}
