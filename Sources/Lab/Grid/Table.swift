import Artifacts
import Foundation

/// Mean ± standard error over seeds of each arm's metrics, next to the published numbers.
/// A difference is flagged when it is larger than the combined standard error
/// √(se_ours² + se_published²): outside the error bars, by one standard error.
public struct GridTable: Sendable {
    public struct Cell: Sendable, Equatable {
        public var mean: Double
        public var standardError: Double
        public var count: Int
        public var published: Experiment.Published?
        /// True when the published mean lies outside our mean ± the combined error bar.
        public var flagged: Bool
        /// Seeds whose value was not finite (a reverse KL with no high-quality sample is
        /// infinite); the mean and standard error are over the others.
        public var nonFinite: Int = 0
    }

    public struct Row: Sendable {
        public var arm: String
        public var cells: [String: Cell]
        public var secondsPerRun: Double
        /// Seeds with a result (fewer than the experiment's while the grid is unfinished).
        public var seeds: Int = 0
    }

    public var experiment: Experiment
    public var metrics: [String]
    public var rows: [Row]
    public var wallSeconds: Double

    /// The metrics in the order tables show them; others follow alphabetically.
    static let preferredOrder = ["modes_covered", "high_quality_percent", "reverse_kl"]
    static let titles = ["modes_covered": "modes covered", "high_quality_percent": "high quality %", "reverse_kl": "reverse KL"]

    public init(experiment: Experiment, results: [CellResult], wallSeconds: Double) {
        self.experiment = experiment
        self.wallSeconds = wallSeconds
        let names = Set(results.flatMap { $0.metrics.keys })
        metrics = GridTable.preferredOrder.filter(names.contains) + names.subtracting(GridTable.preferredOrder).sorted()
        rows = experiment.arms.map { arm in
            let mine = results.filter { $0.arm == arm.name }
            var cells: [String: Cell] = [:]
            for m in names {
                let all = mine.compactMap { $0.metrics[m] }
                guard !all.isEmpty else { continue }
                let values = all.filter(\.isFinite)
                let (mean, se) = values.isEmpty ? (Double.infinity, 0) : GridTable.meanAndStandardError(values)
                let pub = arm.published[m]
                var flagged = false
                if let pub {
                    let bar = (se * se + (pub.standardError ?? 0) * (pub.standardError ?? 0)).squareRoot()
                    flagged = !(abs(mean - pub.mean) <= bar)
                }
                cells[m] = Cell(mean: mean, standardError: se, count: all.count, published: pub, flagged: flagged,
                                nonFinite: all.count - values.count)
            }
            let seconds = mine.isEmpty ? 0 : mine.map(\.seconds).reduce(0, +) / Double(mine.count)
            return Row(arm: arm.name, cells: cells, secondsPerRun: seconds, seeds: mine.count)
        }
    }

    /// Mean and standard error of the mean (sample standard deviation / √n; 0 for n = 1).
    public static func meanAndStandardError(_ v: [Double]) -> (Double, Double) {
        let n = Double(v.count)
        let mean = v.reduce(0, +) / n
        guard v.count > 1 else { return (mean, 0) }
        let variance = v.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / (n - 1)
        return (mean, (variance / n).squareRoot())
    }

    static func format(_ x: Double) -> String {
        if !x.isFinite { return x.isNaN ? "nan" : x > 0 ? "inf" : "-inf" }
        if abs(x) >= 10 { return String(format: "%.1f", x) }
        // Small values (reverse KL of a good run) keep two significant digits, not "0.00".
        return x != 0 && abs(x) < 0.1 ? String(format: "%.2g", x) : String(format: "%.2f", x)
    }

    /// The table in Markdown: one row per arm, "ours ± se (paper mean ± se)", † where the two
    /// differ by more than the combined error bar.
    public var markdown: String {
        var out = "## \(experiment.name)\n\n"
        if !experiment.description.isEmpty { out += experiment.description + "\n\n" }
        out += "\(experiment.seeds) seeds per arm, \(experiment.stepBudget) steps per run; wall time \(String(format: "%.1f", wallSeconds)) s"
        out += " on \(ProcessInfo.processInfo.activeProcessorCount) cores.\n\n"
        let hasPublished = rows.contains { $0.cells.values.contains { $0.published != nil } }
        // A grid stopped part way: each arm's own number of seeds.
        let partial = rows.contains { $0.seeds < experiment.seeds }
        if partial { out += "Partial: \(rows.map(\.seeds).reduce(0, +)) of \(rows.count * experiment.seeds) runs finished.\n\n" }
        out += "| arm | " + (partial ? "seeds | " : "") + metrics.map { GridTable.titles[$0] ?? $0 }.joined(separator: " | ") + " | s / run |\n"
        out += "| --- |" + String(repeating: " --- |", count: metrics.count + 1 + (partial ? 1 : 0)) + "\n"
        for row in rows {
            var line = "| \(row.arm) |" + (partial ? " \(row.seeds) |" : "")
            for m in metrics {
                guard let c = row.cells[m] else { line += " – |"; continue }
                var text = "\(GridTable.format(c.mean)) ± \(GridTable.format(c.standardError))"
                if c.nonFinite > 0 { text += " [\(c.nonFinite) of \(c.count) seeds: inf]" }
                if let p = c.published {
                    text += " (\(experiment.referenceLabel) \(GridTable.format(p.mean))" + (p.standardError.map { " ± \(GridTable.format($0))" } ?? "") + ")"
                    if c.flagged { text += " †" }
                }
                line += " \(text) |"
            }
            line += row.seeds == 0 && partial ? " – |\n" : " \(String(format: "%.1f", row.secondsPerRun)) |\n"
            out += line
        }
        if hasPublished {
            out += "\nMean ± standard error over seeds; in brackets the \(experiment.referenceLabel == "paper" ? "published" : experiment.referenceLabel) mean ± standard error"
            if !experiment.source.isEmpty { out += " (\(experiment.source))" }
            out += ". † marks a difference larger than the combined standard error.\n"
        }
        return out
    }

    /// The same numbers as JSON.
    public var json: String {
        func number(_ x: Double) -> JSONLines.Value { x.isFinite ? .number(x) : .string(GridTable.format(x)) }
        let arms: [JSONLines.Value] = rows.map { row in
            var cells: [String: JSONLines.Value] = [:]
            for (m, c) in row.cells {
                var o: [String: JSONLines.Value] = ["mean": number(c.mean), "standard_error": number(c.standardError), "count": .int(c.count),
                                                    "non_finite": .int(c.nonFinite)]
                if let p = c.published {
                    o["published"] = .object(["mean": .number(p.mean), "standard_error": p.standardError.map { .number($0) } ?? .null])
                    o["outside_error_bar"] = .bool(c.flagged)
                }
                cells[m] = .object(o)
            }
            // Each arm's own budget: arms may set train.steps apart from the base.
            let steps = experiment.arms.first { $0.name == row.arm }.flatMap { try? experiment.config(arm: $0, seed: 0).steps }
            return .object(["arm": .string(row.arm), "steps": .int(steps ?? experiment.base.steps), "seeds": .int(row.seeds),
                            "metrics": .object(cells),
                            "seconds_per_run": .number(row.secondsPerRun)])
        }
        let root: JSONLines.Value = .object([
            "experiment": .string(experiment.name), "seeds": .int(experiment.seeds), "step_budget": .string(experiment.stepBudget),
            "wall_seconds": .number(wallSeconds), "cores": .int(ProcessInfo.processInfo.activeProcessorCount),
            "source": .string(experiment.source), "arms": .array(arms),
        ])
        return JSONLines.serialize(root) + "\n"
    }
}
