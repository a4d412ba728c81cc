import Artifacts
import Foundation

/// One method of the Dirac-GAN table: the spectrum at the equilibrium and one trajectory
/// per update scheme.
public struct DiracResult: Sendable {
    public let method: DiracMethod
    /// The Jacobian of the field at (0, 0) from the engine's double backward.
    public let jacobian: [[Double]]
    /// Its eigenvalues, or nil where the field has no linearisation (WGAN-GP).
    public let eigenvalues: [Complex]?
    public let closedForm: [Complex]?
    public let trajectories: [DiracTrajectory]

    /// Largest distance between computed and closed-form eigenvalues (matched in order).
    public var eigenvalueError: Double? {
        guard let e = eigenvalues, let c = closedForm else { return nil }
        return zip(e, c).map { $0.distance(to: $1) }.max()
    }
}

/// The Dirac-GAN table of `swiftgan lab dirac`: for each method of `DiracMethod.paperSet`,
/// the eigenvalues of the field's Jacobian at the equilibrium (computed next to their closed
/// forms) and the trajectories from (1, 1) with step 0.2 for 500 steps under each scheme,
/// with the final distance and the verdict. Writes dirac.md, dirac.json and a picture
/// dirac-<method>.png per method.
public enum DiracExperiment: LabExperiment {
    public static let name = "dirac"
    public static let summary = "the Dirac-GAN (Mescheder et al. 2018), 9 methods × 3 update schemes: eigenvalues at the equilibrium vs closed forms, trajectories, verdicts, field pictures"
    public static let outputs = "dirac.md (the table), dirac.json (the same numbers), dirac-<method>.png (the field and the trajectories)"

    /// The notebook's settings.
    public static let start: (theta: Float, psi: Float) = (1, 1)
    public static let stepSize: Float = 0.2
    public static let steps = 500

    /// Computes every row (no files). Methods are independent, so they run on all cores
    /// (each builds its own small graphs; the engine keeps no shared mutable state for them).
    public static func results(methods: [DiracMethod] = DiracMethod.paperSet, steps: Int = steps) -> [DiracResult] {
        let slots = ResultSlots(count: methods.count)
        DispatchQueue.concurrentPerform(iterations: methods.count) { i in
            slots.set(i, result(methods[i], steps: steps))
        }
        return slots.values
    }

    /// One row: the Jacobian at the equilibrium and the three trajectories.
    public static func result(_ method: DiracMethod, steps: Int = steps) -> DiracResult {
        let game = DiracGame(method)
        let j = game.jacobian()
        let closed = DiracSpectrum.closedForm(method)
        return DiracResult(
            method: method, jacobian: j,
            eigenvalues: closed == nil ? nil : DiracSpectrum.eigenvalues(j),
            closedForm: closed,
            trajectories: DiracScheme.allCases.map {
                DiracTrajectory(game: game, scheme: $0, start: start, stepSize: stepSize, steps: steps)
            })
    }

    public static func run(writingInto directory: URL) throws -> LabReport {
        try prepare(directory)
        let began = Date()
        let rows = results()
        var files: [URL] = []
        for row in rows {
            let url = directory.appendingPathComponent("dirac-\(row.method.id).png")
            try PNG.write(DiracPlot.render(row), to: url)
            files.append(url)
        }
        let seconds = Date().timeIntervalSince(began)
        let markdown = self.markdown(rows, wallSeconds: seconds)
        let md = directory.appendingPathComponent("dirac.md")
        let json = directory.appendingPathComponent("dirac.json")
        try write(markdown, to: md)
        try write(JSONLines.serialize(self.json(rows)) + "\n", to: json)
        return LabReport(markdown: markdown, files: [md, json] + files)
    }

    // MARK: tables

    /// The Markdown report: the table and the notes on sign convention and verdict rule.
    public static func markdown(_ rows: [DiracResult], wallSeconds: Double? = nil) -> String {
        var s = """
        ## The Dirac-GAN (Mescheder, Geiger & Nowozin 2018)

        D(x) = ψ·x, G = θ, data at 0, L(θ, ψ) = f(ψθ) + f(0). Start (θ, ψ) = (1, 1), step \(stepSize), \(steps) steps \
        (an alternating step is one G step then 1 or 5 D steps). Eigenvalues of the Jacobian of \
        v = (−∂L/∂θ, ∂L/∂ψ) at (0, 0), from the engine's double backward; stable ⇔ negative real parts.

        | method | eigenvalues (engine) | closed form | \(DiracScheme.allCases.map { "\($0.title): distance, verdict" }.joined(separator: " | ")) |
        | --- | --- | --- | \(DiracScheme.allCases.map { _ in "---" }.joined(separator: " | ")) |

        """
        for row in rows {
            let computed = row.eigenvalues.map { DiracSpectrum.describe($0) } ?? "—"
            let closed = row.closedForm.map { "\(DiracSpectrum.closedFormText(row.method)) = \(DiracSpectrum.describe($0))" }
                ?? "\(DiracSpectrum.closedFormText(row.method)), no linearisation"
            let cells = row.trajectories.map { "\(formatDistance($0.finalDistance)), \($0.verdict.rawValue)" }
            s += "| \(row.method.title) | \(computed) | \(closed) | \(cells.joined(separator: " | ")) |\n"
        }
        s += """

        Distance: ‖(θ, ψ)‖ after the last step (start: 1.414). Verdict rule (`DiracVerdict.judge`), with \
        E_first, E_prev, E_last the largest distance in the first, next-to-last and last 100 steps: \
        diverges if E_last > 1.25·E_first; converges if E_last ≤ 1 % of the start distance; converges slowly \
        if E_last ≤ ½·E_first and still shrinking ≥ 5 % per 100 steps; cycles otherwise.
        Pictures: dirac-<method>.png, the field (gray arrows, direction only) over [−2, 2]² (θ across, ψ up) \
        with the trajectories: blue simultaneous, orange alternating 1:1, green alternating 5:1; black dot: start.

        """
        if let wallSeconds { s += "Wall time: \(String(format: "%.2f", wallSeconds)) s.\n" }
        return s
    }

    static func formatDistance(_ d: Double) -> String {
        if !d.isFinite { return "∞" }
        if d != 0 && (d < 1e-3 || d >= 1e4) { return String(format: "%.1e", d) }
        return String(format: "%.3f", d)
    }

    /// The JSON table: {"experiment": "dirac", "settings": {...}, "rows": [{"method", "title",
    /// "scheme", "eigenvalues": [{"re", "im"}] or null, "closed_form": [...] or null,
    /// "closed_form_text", "eigenvalue_error", "final_distance", "final_theta", "final_psi",
    /// "verdict"}, ...]}, one row per (method, scheme).
    public static func json(_ rows: [DiracResult]) -> JSONLines.Value {
        func complexes(_ c: [Complex]?) -> JSONLines.Value {
            guard let c else { return .null }
            return .array(c.map { ["re": .number($0.re), "im": .number($0.im)] })
        }
        var items: [JSONLines.Value] = []
        for row in rows {
            for t in row.trajectories {
                items.append([
                    "method": .string(row.method.id), "title": .string(row.method.title), "scheme": .string(t.scheme.id),
                    "eigenvalues": complexes(row.eigenvalues), "closed_form": complexes(row.closedForm),
                    "closed_form_text": .string(DiracSpectrum.closedFormText(row.method)),
                    "jacobian": .array(row.jacobian.map { .array($0.map { .number($0) }) }),
                    "eigenvalue_error": row.eigenvalueError.map { .number($0) } ?? .null,
                    "final_distance": .number(t.finalDistance),
                    "final_theta": JSONLines.Value(t.thetas.last!), "final_psi": JSONLines.Value(t.psis.last!),
                    "verdict": .string(t.verdict.rawValue),
                ])
            }
        }
        return [
            "experiment": "dirac",
            "settings": ["start_theta": JSONLines.Value(start.theta), "start_psi": JSONLines.Value(start.psi),
                         "step_size": JSONLines.Value(stepSize), "steps": .int(steps)],
            "rows": .array(items),
        ]
    }
}

/// Results filled in by concurrent workers, one slot each.
private final class ResultSlots: @unchecked Sendable {
    private var slots: [DiracResult?]
    private let lock = NSLock()
    init(count: Int) { slots = Array(repeating: nil, count: count) }
    func set(_ i: Int, _ r: DiracResult) { lock.lock(); slots[i] = r; lock.unlock() }
    var values: [DiracResult] { lock.lock(); defer { lock.unlock() }; return slots.map { $0! } }
}
