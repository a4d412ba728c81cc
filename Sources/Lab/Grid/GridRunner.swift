import Artifacts
import Dispatch
import Foundation
import GAN
import Runs

/// The scores of one (arm, seed) training run.
public struct CellResult: Sendable, Equatable {
    public var arm: String
    public var seed: Int
    public var metrics: [String: Double]
    public var seconds: Double
    /// A hash of the cell's resolved run config: a cell kept from an earlier run of the grid
    /// counts only if its config is the same.
    public var configHash: String
    public init(arm: String, seed: Int, metrics: [String: Double], seconds: Double, configHash: String = "") {
        self.arm = arm; self.seed = seed; self.metrics = metrics; self.seconds = seconds; self.configHash = configHash
    }
}

/// Runs an experiment's cells, several at once, and keeps every finished cell in
/// `cells.jsonl` in the output folder, so an interrupted grid loses at most the cells in
/// flight: run it again and it picks up where it stopped (cells already there are kept).
public final class GridRunner: @unchecked Sendable {
    public let experiment: Experiment
    public let directory: URL
    /// Cells trained at once (with `singleThreadedBLAS`, each on one BLAS thread: the 2-D
    /// players' products are small, and independent runs on separate cores scale better than
    /// threads inside one).
    public let parallelism: Int
    /// Called after each finished cell (done, total, result): progress for people.
    public var progress: (@Sendable (Int, Int, CellResult) -> Void)?

    /// Run every product on one BLAS thread while the grid trains (cells in parallel then
    /// scale better). `BLAS.maxThreads` is process-wide, and results depend on it (products
    /// split over threads), so only a process that does nothing else should set this: `swiftgan
    /// lab` does; inside a larger program (a test suite) other work would see it change.
    public let singleThreadedBLAS: Bool

    public init(experiment: Experiment, directory: URL, parallelism: Int = ProcessInfo.processInfo.activeProcessorCount,
                singleThreadedBLAS: Bool = false) {
        self.experiment = experiment
        self.directory = directory
        self.parallelism = Swift.max(1, parallelism)
        self.singleThreadedBLAS = singleThreadedBLAS
    }

    /// How often (wall-clock seconds) a cell in training saves its whole state to
    /// `partial/ARM-seed-N.safetensors`; a rerun of the grid resumes the cell from there and
    /// ends exactly as an uninterrupted run would. A full-budget PacGAN cell trains for an
    /// hour or more, so a crash would otherwise cost all of it. nil: never saved.
    public var checkpointSeconds: Double? = 60
    /// Asked after every training step of every cell; once it returns true, each cell in
    /// flight saves its state and the grid stops with `GridStopped` (`swiftgan lab` asks it
    /// on Ctrl-C and SIGTERM).
    public var shouldStop: (@Sendable () -> Bool)?
    /// Told (arm, seed, step, steps) after every training step of every cell: progress
    /// within long cells.
    public var stepDone: (@Sendable (String, Int, Int, Int) -> Void)?

    public var cellsFile: URL { directory.appendingPathComponent("cells.jsonl") }

    /// The folder of the saved states of cells in training.
    var partialFolder: URL { directory.appendingPathComponent("partial") }

    /// Where a cell in training keeps its state until it is in `cells.jsonl`.
    public func partialCheckpoint(arm: String, seed: Int) -> URL {
        partialFolder.appendingPathComponent("\(arm)-seed-\(seed).safetensors")
    }

    /// Trains every cell not yet in `cells.jsonl` and returns all results in grid order.
    public func run() throws -> [CellResult] {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        var done: [String: CellResult] = [:]
        if FileManager.default.fileExists(atPath: cellsFile.path) {
            for r in try JSONLines.read(contentsOf: cellsFile, allowingIncompleteLastLine: true) {
                guard let c = GridRunner.cell(from: r), c.seed < experiment.seeds,
                      let arm = experiment.arms.first(where: { $0.name == c.arm }),
                      c.configHash == GridRunner.hash(try experiment.config(arm: arm, seed: c.seed)) else { continue }
                done[GridRunner.key(c.arm, c.seed)] = c
            }
        }
        // Synced: a cell's record must be on disk before its saved state is removed.
        let writer = try JSONLines.Writer(url: cellsFile, sync: true)
        CellSaving.removeStrayTemporaries(in: partialFolder)
        var todo: [(Experiment.Arm, Int)] = []
        // Seed by seed: a grid stopped part way has every arm on its first seeds to compare.
        for seed in 0..<experiment.seeds {
            for arm in experiment.arms {
                if done[GridRunner.key(arm.name, seed)] == nil { todo.append((arm, seed)) }
                // A crash between recording a cell and removing its saved state leaves both.
                else { try? FileManager.default.removeItem(at: partialCheckpoint(arm: arm.name, seed: seed)) }
            }
        }
        // Configs are checked before any training starts.
        let configs = try todo.map { try experiment.config(arm: $0.0, seed: $0.1) }
        let total = experiment.arms.count * experiment.seeds
        // Shared between the workers, guarded by `lock`.
        final class Shared: @unchecked Sendable {
            let lock = NSLock()
            var done: [String: CellResult]
            var failure: Error?
            var next = 0
            init(_ done: [String: CellResult]) { self.done = done }
        }
        let shared = Shared(done)
        let work = todo.map { (arm: $0.0.name, seed: $0.1) }
        let progress = self.progress
        let savedThreads = BLAS.maxThreads
        if singleThreadedBLAS && parallelism > 1 { BLAS.maxThreads = 1 }
        defer { BLAS.maxThreads = savedThreads }
        DispatchQueue.concurrentPerform(iterations: Swift.min(parallelism, Swift.max(1, work.count))) { _ in
            while true {
                shared.lock.lock()
                // No new cell once a stop is asked for.
                if shared.failure == nil, self.shouldStop?() ?? false { shared.failure = GridStopped() }
                guard shared.failure == nil, shared.next < work.count else { shared.lock.unlock(); return }
                let i = shared.next
                shared.next += 1
                shared.lock.unlock()
                do {
                    let (arm, seed) = work[i]
                    var saving = CellSaving(url: self.partialCheckpoint(arm: arm, seed: seed),
                                            every: self.checkpointSeconds, shouldStop: self.shouldStop)
                    if let stepDone = self.stepDone { saving.stepDone = { stepDone(arm, seed, $0, $1) } }
                    let result = try GridRunner.train(configs[i], arm: arm, seed: seed,
                                                      picture: self.picture(arm: arm, seed: seed), saving: saving)
                    try writer.write(GridRunner.record(result))
                    try? FileManager.default.removeItem(at: saving.url)
                    shared.lock.lock()
                    shared.done[GridRunner.key(result.arm, result.seed)] = result
                    let n = shared.done.count
                    shared.lock.unlock()
                    progress?(n, total, result)
                } catch {
                    shared.lock.lock()
                    // A real error outranks a stop: it is the one to report.
                    if shared.failure == nil || (shared.failure is GridStopped && !(error is GridStopped)) { shared.failure = error }
                    shared.lock.unlock()
                }
            }
        }
        try writer.close()
        rmdir(partialFolder.path)  // only when empty: no cell left state there
        let results = experiment.arms.flatMap { arm in (0..<experiment.seeds).compactMap { shared.done[GridRunner.key(arm.name, $0)] } }
        if var stopped = shared.failure as? GridStopped { stopped.finished = results; throw stopped }
        if let failure = shared.failure { throw failure }
        return results
    }

    /// Where a cell's final picture goes: the samples over the data and D's view
    /// (`pictures/ARM-seed-N.png`).
    public func picture(arm: String, seed: Int) -> URL {
        directory.appendingPathComponent("pictures").appendingPathComponent("\(arm)-seed-\(seed).png")
    }

    /// One cell: a fresh trainer (or, with `saving`, the state a stopped run of this cell
    /// saved), trained to `train.steps` steps, then the data's scores; with `picture`, the
    /// final samples and D's view are drawn there. `seconds` counts the saved run's time too.
    static func train(_ c: RunConfig, arm: String, seed: Int, picture: URL? = nil, saving: CellSaving? = nil) throws -> CellResult {
        let start = DispatchTime.now().uptimeNanoseconds
        let configHash = hash(c)
        let data = try DataSources.make(c)
        let resumed = try saving?.resume(c, data: data, configHash: configHash, cell: "\(arm) seed \(seed)")
        let trainer = try resumed?.trainer ?? Runner.makeTrainer(c, data: data)
        let secondsBefore = resumed?.seconds ?? 0
        var metrics: [String: Double] = [:]
        do {
            if let saving {
                trainer.callbacks.append(CellSaving.Callback(saving, configHash: configHash, steps: c.steps,
                                                             secondsBefore: secondsBefore, start: start))
            }
            try trainer.fit(steps: Swift.max(0, c.steps - trainer.step))
            for m in try Runner.evaluate(trainer, c, data: data).metrics { metrics[m.name] = m.value }
        } catch let e as NonFiniteError {
            // A diverged run is a result, not an error of the grid: it covers nothing.
            metrics = ["modes_covered": 0, "high_quality_percent": 0, "reverse_kl": .infinity, "diverged_at_step": Double(e.step)]
        }
        let seconds = secondsBefore + Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        // The picture is a by-product: data it cannot draw (a mixture in 3-D) or a full disk
        // costs the picture, not the cell.
        if let picture, metrics["diverged_at_step"] == nil {
            do {
                try FileManager.default.createDirectory(at: picture.deletingLastPathComponent(), withIntermediateDirectories: true)
                try Runner.writePicture(trainer, c, data: data, to: picture)
            } catch {
                FileHandle.standardError.write(Data("lab: no picture for \(arm) seed \(seed): \(error)\n".utf8))
            }
        }
        return CellResult(arm: arm, seed: seed, metrics: metrics, seconds: seconds, configHash: configHash)
    }

    /// FNV-1a (64 bits) of the resolved config's YAML.
    static func hash(_ c: RunConfig) -> String {
        var h = FNV1a()
        h.mix(c.yaml.utf8)
        return h.hex
    }

    static func key(_ arm: String, _ seed: Int) -> String { "\(arm)#\(seed)" }

    static func record(_ c: CellResult) -> JSONLines.Record {
        var metrics: [String: JSONLines.Value] = [:]
        for (k, v) in c.metrics { metrics[k] = v.isFinite ? .number(v) : .string(v > 0 ? "inf" : v < 0 ? "-inf" : "nan") }
        return ["arm": .string(c.arm), "seed": .int(c.seed), "seconds": .number(c.seconds), "metrics": .object(metrics),
                "config": .string(c.configHash)]
    }

    static func cell(from r: JSONLines.Record) -> CellResult? {
        guard let arm = r["arm"], case .string(let name) = arm, let seed = r["seed"]?.intValue,
              let m = r["metrics"]?.objectValue else { return nil }
        var metrics: [String: Double] = [:]
        for (k, v) in m {
            if let d = v.doubleValue { metrics[k] = d }
            else if case .string(let s) = v { metrics[k] = s == "inf" ? .infinity : s == "-inf" ? -.infinity : .nan }
        }
        var hash = ""
        if let h = r["config"], case .string(let text) = h { hash = text }
        return CellResult(arm: name, seed: seed, metrics: metrics, seconds: r["seconds"]?.doubleValue ?? 0, configHash: hash)
    }
}
