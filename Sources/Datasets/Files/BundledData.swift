import Foundation

/// Finds data bundled in the repository (e.g. `data/mnist`) without reading anything outside
/// it: first under the current directory (commands are run from the repository root), then
/// under each parent of the source file the library was compiled from (so tests and tools run
/// from elsewhere on the build machine still find it).
public enum BundledData {
    /// The directory `relative` (e.g. "data/mnist") that holds `file`; the error lists where
    /// it looked.
    public static func directory(_ relative: String, containing file: String,
                                 filePath: String = #filePath) throws -> URL {
        let fm = FileManager.default
        var candidates = [URL(fileURLWithPath: fm.currentDirectoryPath).appendingPathComponent(relative)]
        var dir = URL(fileURLWithPath: filePath).deletingLastPathComponent()
        while dir.path != "/" && !dir.path.isEmpty {
            candidates.append(dir.appendingPathComponent(relative))
            dir = dir.deletingLastPathComponent()
        }
        if let found = candidates.first(where: { fm.fileExists(atPath: $0.appendingPathComponent(file).path) }) {
            return found.standardizedFileURL
        }
        throw DataFileError("\(relative)/\(file) not found: looked in \(candidates[0].path) (the current directory) and above \(URL(fileURLWithPath: filePath).deletingLastPathComponent().path); run from the repository root or name the directory")
    }
}
