import Artifacts
import Dispatch
import Foundation
import GAN
import Runs
import TensorCore

/// The grid was asked to stop (`GridRunner.shouldStop`); the cells in flight saved their
/// state, and running the grid again resumes them.
public struct GridStopped: Error, CustomStringConvertible {
    /// The cells finished so far (this run's and earlier runs'), in grid order.
    public var finished: [CellResult] = []
    public var description: String { "stopped; the cells in training saved their state, and running the grid again resumes them" }
}

/// Saving a cell's training state while it trains, and resuming from it: the trainer's
/// checkpoint (which continues bit for bit), tagged with the hash of the cell's config and
/// the seconds trained so far.
struct CellSaving {
    let url: URL
    /// Wall-clock seconds between saves; nil: saved only when the grid stops.
    let every: Double?
    let shouldStop: (@Sendable () -> Bool)?
    /// Told (step, steps) after every step.
    var stepDone: ((Int, Int) -> Void)? = nil

    static let configKey = "lab.config", secondsKey = "lab.seconds", threadsKey = "lab.blas_threads"

    /// Removes the temporary files of saves cut short (the process killed mid-write).
    static func removeStrayTemporaries(in folder: URL) {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: folder.path) else { return }
        for name in names where name.hasPrefix(".") && name.contains(".tmp-") {
            try? FileManager.default.removeItem(at: folder.appendingPathComponent(name))
        }
    }

    /// A trainer restored from the saved state and the seconds already spent, or nil when
    /// there is none. State saved for another config, or unreadable (a truncated file), is
    /// reported on stderr and the cell starts over: its cost is only the lost time.
    func resume(_ c: RunConfig, data: TrainingData, configHash: String, cell: String) throws -> (trainer: GANTrainer, seconds: Double)? {
        guard FileManager.default.fileExists(atPath: url.path) else { return nil }
        func startOver(_ why: String) -> (trainer: GANTrainer, seconds: Double)? {
            FileHandle.standardError.write(Data("lab: \(cell): \(why); training it from the start\n".utf8))
            try? FileManager.default.removeItem(at: url)
            return nil
        }
        let saved: Checkpoint
        do { saved = try Checkpoint(contentsOf: url) } catch { return startOver("\(error)") }
        guard saved.metadata[Self.configKey] == configHash else {
            return startOver("\(url.path) was saved for another config")
        }
        let trainer = try Runner.makeTrainer(c, data: data)
        do { try trainer.restore(from: saved) } catch { return startOver("cannot restore \(url.path): \(error)") }
        guard trainer.step <= c.steps else { return startOver("\(url.path) is at step \(trainer.step), past train.steps \(c.steps)") }
        FileHandle.standardError.write(Data("lab: \(cell): resuming at step \(trainer.step) of \(c.steps) from \(url.path)\n".utf8))
        // Products split over threads round differently: the run goes on, but not bit for bit.
        if let saved = saved.metadata[Self.threadsKey], saved != String(BLAS.maxThreads) {
            FileHandle.standardError.write(Data("lab: \(cell): saved with \(saved) BLAS threads, resumed with \(BLAS.maxThreads): it will not match an uninterrupted run bit for bit\n".utf8))
        }
        return (trainer, Double(saved.metadata[Self.secondsKey] ?? "") ?? 0)
    }

    /// Saves every `every` seconds and, when `shouldStop` says so, saves and throws `GridStopped`.
    final class Callback: TrainerCallback {
        let saving: CellSaving
        let configHash: String
        let steps: Int
        let secondsBefore: Double
        let start: UInt64
        var lastSave: UInt64

        init(_ saving: CellSaving, configHash: String, steps: Int, secondsBefore: Double, start: UInt64) {
            self.saving = saving
            self.configHash = configHash
            self.steps = steps
            self.secondsBefore = secondsBefore
            self.start = start
            lastSave = start
        }

        func trainer(_ trainer: GANTrainer, handle event: TrainerEvent) throws {
            guard case .stepEnd = event else { return }
            saving.stepDone?(trainer.step, steps)
            let now = DispatchTime.now().uptimeNanoseconds
            let stop = saving.shouldStop?() ?? false
            let due = saving.every.map { Double(now - lastSave) / 1e9 >= $0 } ?? false
            if stop || due {
                var c = trainer.checkpoint()
                c.metadata[CellSaving.configKey] = configHash
                c.metadata[CellSaving.secondsKey] = String(secondsBefore + Double(now - start) / 1e9)
                c.metadata[CellSaving.threadsKey] = String(BLAS.maxThreads)
                do {
                    try FileManager.default.createDirectory(at: saving.url.deletingLastPathComponent(), withIntermediateDirectories: true)
                    try c.write(to: saving.url)
                } catch where !stop {
                    // A failed routine save (a full disk) costs the safety net, not the run.
                    FileHandle.standardError.write(Data("lab: cannot save \(saving.url.path): \(error); training goes on\n".utf8))
                }
                lastSave = now
            }
            if stop { throw GridStopped() }
        }
    }
}
