import Foundation

/// Shows a run's progress: on a terminal, one bar redrawn in place (step, rate, ETA and
/// the latest losses); otherwise (a log file, CI) a plain line every `every` steps.
public final class ProgressCallback: TrainerCallback {
    public let totalSteps: Int
    public let every: Int
    let isTerminal: Bool
    let write: (String) -> Void
    var start = Date()
    var firstStep = 0
    var lastDraw = Date.distantPast

    /// `write` defaults to standard error; `isTerminal` to whether standard error is one.
    public init(totalSteps: Int, every: Int = 100, isTerminal: Bool? = nil,
                write: ((String) -> Void)? = nil) {
        self.totalSteps = totalSteps
        self.every = Swift.max(1, every)
        self.isTerminal = isTerminal ?? (isatty(STDERR_FILENO) == 1)
        self.write = write ?? { FileHandle.standardError.write(Data($0.utf8)) }
    }

    static func clock(_ seconds: Double) -> String {
        guard seconds.isFinite, seconds >= 0 else { return "--:--" }
        let s = Int(seconds.rounded())
        return s >= 3600 ? String(format: "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60) : String(format: "%02d:%02d", s / 60, s % 60)
    }

    func line(_ r: StepRecord) -> String {
        let elapsed = Date().timeIntervalSince(start)
        let done = r.step - firstStep
        let rate = elapsed > 0 ? Double(done) / elapsed : 0
        let eta = rate > 0 ? Double(totalSteps - r.step) / rate : .nan
        return String(format: "step %d/%d  %.1f steps/s  elapsed %@  ETA %@  loss_d %.4f  loss_g %.4f",
                      r.step, totalSteps, rate, ProgressCallback.clock(elapsed), ProgressCallback.clock(eta),
                      r.discriminatorLoss, r.generatorLoss)
    }

    public func trainer(_ trainer: GANTrainer, handle event: TrainerEvent) throws {
        switch event {
        case .fitStart:
            start = Date()
            firstStep = trainer.step
        case .stepEnd(let r):
            if isTerminal {
                // Redraw at most 10 times a second, and at the last step.
                guard Date().timeIntervalSince(lastDraw) > 0.1 || r.step == totalSteps else { return }
                lastDraw = Date()
                let width = 24
                let filled = totalSteps > 0 ? Swift.min(width, width * r.step / totalSteps) : width
                write("\r\u{1B}[2K[" + String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled) + "] " + line(r))
            } else if r.step % every == 0 || r.step == totalSteps {
                write(line(r) + "\n")
            }
        case .fitEnd:
            if isTerminal { write("\n") }
        default:
            break
        }
    }
}
