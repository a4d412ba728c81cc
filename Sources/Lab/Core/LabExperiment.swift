import Foundation

/// An experiment of the stability lab written in code rather than as a YAML grid of
/// training runs (`Experiment`): it runs on its own (its settings are built in), writes its
/// tables and pictures into a directory and returns a report for the terminal.
///
/// To add one: write a type conforming to `LabExperiment` in its own folder of
/// `Sources/Lab`, and list it in `LabExperiments.all`. `swiftgan lab NAME --out DIR` then
/// finds it by `name` (before the bundled grids) and writes into DIR/NAME; `swiftgan lab
/// --list` and `--help` show its `summary`.
public protocol LabExperiment {
    /// The name on the command line (`swiftgan lab dirac`): lower case, no spaces.
    static var name: String { get }
    /// One line for `--help`.
    static var summary: String { get }
    /// The files it writes into the output directory (names, for `--help`).
    static var outputs: String { get }
    /// Runs the experiment, writing its files into `directory` (created if missing).
    static func run(writingInto directory: URL) throws -> LabReport
}

/// What an experiment hands back: the Markdown table it also wrote to disk, and the files.
public struct LabReport: Sendable {
    public var markdown: String
    public var files: [URL]
    public init(markdown: String, files: [URL]) {
        self.markdown = markdown
        self.files = files
    }
}

/// The registry of experiments written in code.
public enum LabExperiments {
    /// Every bundled experiment, in the order `--help` lists them.
    public static var all: [any LabExperiment.Type] {
        [
            DiracExperiment.self,
        ]
    }

    /// The experiment called `name` (letter case ignored), or nil.
    public static func named(_ name: String) -> (any LabExperiment.Type)? {
        all.first { $0.name == name.lowercased() }
    }

    public static var names: [String] { all.map { $0.name } }
}

/// An error of a lab experiment that the command line reports as a message (an output
/// directory that cannot be created, a file that cannot be written).
public struct LabError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ description: String) { self.description = description }
}

extension LabExperiment {
    /// Creates `directory` (and its parents) when missing; the error names it.
    static func prepare(_ directory: URL) throws {
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        } catch {
            throw LabError("\(directory.path): cannot create the output directory (\(error.localizedDescription))")
        }
    }

    /// Writes `text` to `url` atomically; the error names the file.
    static func write(_ text: String, to url: URL) throws {
        do {
            try Data(text.utf8).write(to: url, options: .atomic)
        } catch {
            throw LabError("\(url.path): cannot write the file (\(error.localizedDescription))")
        }
    }
}
