import ArgumentParser
import Foundation
import Lab

/// `swiftgan lab EXPERIMENT --out DIR`: runs one of the stability lab's bundled experiments
/// (`LabExperiments.all`) and prints its table and wall time.
struct LabCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lab",
        abstract: "Run a bundled stability-lab experiment and write its tables and pictures.",
        discussion: """
        Experiments:
        \(LabExperiments.all.map { "\($0.name): \($0.summary). Writes \($0.outputs)." }.joined(separator: "\n\n"))

        The Markdown table is printed too, with the wall time.

        Example:
          swiftgan lab dirac --out runs/lab
        """)

    @Argument(help: ArgumentHelp("The experiment to run: \(LabExperiments.names.joined(separator: ", ")).", valueName: "experiment"))
    var experiment: String
    @Option(name: .long, help: "The directory to write into (created if missing).") var out: String = "runs/lab"

    func run() throws {
        guard let kind = LabExperiments.named(experiment) else {
            throw fail("unknown lab experiment \"\(experiment)\"; bundled experiments: \(LabExperiments.names.joined(separator: ", "))")
        }
        let began = Date()
        let report: LabReport
        do {
            report = try kind.run(writingInto: URL(fileURLWithPath: out))
        } catch let e as LabError { throw fail(e.description) }
        print(report.markdown)
        print("wrote \(report.files.map { $0.lastPathComponent }.joined(separator: ", ")) to \(out)")
        print(String(format: "wall time: %.2f s", Date().timeIntervalSince(began)))
    }
}
