import Autograd
import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A checkpoint problem that is not a malformed file: a missing or wrongly typed entry, a
/// model whose expected tensors do not match, a failed write. The message names the file
/// (when there is one) and every offending entry.
public struct CheckpointError: Error, CustomStringConvertible, Sendable {
    public let description: String
    /// For `tensors(expecting:)`: names expected but absent, sorted.
    public var missing: [String] = []
    /// For `tensors(expecting:)`: floating-point entries present but not expected, sorted.
    public var unexpected: [String] = []
    /// For `tensors(expecting:)`: names present with another shape, sorted.
    public var misshaped: [String] = []
    /// For `tensors(expecting:)`: names present with a dtype that is not a float tensor, sorted.
    public var wrongType: [String] = []

    public init(_ description: String) { self.description = description }
}

/// Training state as a safetensors file: model tensors (F32), typed extras (an I64 step
/// counter, generator states) and string metadata, written atomically.
///
/// Floating-point entries are the *tensors* of the checkpoint; integer entries are auxiliary
/// state (counters, generator states) that `tensors()` and `tensors(expecting:)` leave alone.
/// ```swift
/// var ckpt = Checkpoint(tensors: model.parameters, metadata: ["arch": "dcgan"])
/// ckpt.setInt64(step, named: "step")
/// ckpt.setGenerator(rng, named: "rng")
/// try ckpt.write(to: url)
/// let back = try Checkpoint(contentsOf: url)
/// let params = try back.tensors(expecting: model.parameters.mapValues(\.shape))
/// ```
public struct Checkpoint: Sendable {
    /// The underlying file (entries and metadata); freely editable.
    public var file: SafetensorsFile
    /// Where it was read from, for error messages ("<checkpoint>" when built in memory).
    public var source: String

    public var metadata: [String: String] {
        get { file.metadata }
        set { file.metadata = newValue }
    }

    /// All entry names, sorted.
    public var names: [String] { file.sortedNames }

    /// A checkpoint holding `tensors` as F32 entries.
    public init(tensors: [String: Tensor] = [:], metadata: [String: String] = [:]) {
        file = SafetensorsFile(metadata: metadata)
        source = "<checkpoint>"
        for (name, t) in tensors { setTensor(t, named: name) }
    }

    public init(file: SafetensorsFile, source: String = "<checkpoint>") {
        self.file = file
        self.source = source
    }

    /// Reads and validates the checkpoint at `url` (throws `SafetensorsError` for a
    /// malformed file).
    public init(contentsOf url: URL) throws {
        try self.init(file: SafetensorsFile(contentsOf: url), source: url.path)
    }

    // MARK: writing

    /// Stores a tensor's values as an F32 entry (tracking is dropped).
    public mutating func setTensor(_ tensor: Tensor, named name: String) {
        let bytes = tensor.littleEndianFloat32Bytes
        file.entries[name] = SafetensorsEntry(dtype: .f32, shape: tensor.shape, bytes: bytes)
    }

    /// Stores any entry (e.g. `.int32(...)`, `.uint8(...)`).
    public mutating func setEntry(_ entry: SafetensorsEntry, named name: String) {
        file.entries[name] = entry
    }

    /// Stores an integer (a step counter) as an I64 scalar.
    public mutating func setInt64(_ value: Int64, named name: String) {
        file.entries[name] = .int64([value], shape: [])
    }

    /// Stores a generator's four state words as an I64 entry of shape [4] (bit patterns), so
    /// that `generator(named:)` resumes the exact sequence.
    public mutating func setGenerator(_ generator: RandomGenerator, named name: String) {
        let s = generator.state
        file.entries[name] = .int64([s.0, s.1, s.2, s.3].map { Int64(bitPattern: $0) }, shape: [4])
    }

    /// Writes atomically: a temporary file in the same directory, fsync, rename over `url`,
    /// fsync of the directory. A crash or error mid-write leaves the previous file intact.
    public func write(to url: URL) throws {
        try file.write(to: url)
    }

    // MARK: reading

    func entry(_ name: String) throws -> SafetensorsEntry {
        guard let e = file.entries[name] else {
            throw CheckpointError("\(source): no entry \"\(name)\" (entries: \(names.joined(separator: ", ")))")
        }
        return e
    }

    /// The F32 entry `name` as a tensor; an F64 entry is converted to Float when
    /// `convertingF64` is true and refused otherwise.
    public func tensor(named name: String, convertingF64: Bool = false) throws -> Tensor {
        let e = try entry(name)
        if let t = Self.tensor(from: e, convertingF64: convertingF64) { return t }
        if e.dtype == .f64 {
            throw CheckpointError("\(source): tensor \"\(name)\" is F64; pass convertingF64: true to read it as Float (precision is lost)")
        }
        throw CheckpointError("\(source): entry \"\(name)\" is \(e.dtype.rawValue) \(e.shape), not an F32 tensor")
    }

    /// Every floating-point entry as a tensor: F32 entries, plus F64 entries converted to
    /// Float when `convertingF64` is true. Integer entries (counters, generator states) are
    /// not included. Throws when an F64 entry is present and `convertingF64` is false, or
    /// for F16/BF16/F8 entries, which are not converted.
    public func tensors(convertingF64: Bool = false) throws -> [String: Tensor] {
        var out: [String: Tensor] = [:]
        for (name, e) in file.entries where e.dtype.isFloatingPoint {
            out[name] = try tensor(named: name, convertingF64: convertingF64)
        }
        return out
    }

    /// The tensors a model expects, by name and shape, after checking them all: throws one
    /// `CheckpointError` listing every missing, unexpected (floating-point entries not
    /// expected), mis-shaped and wrongly typed tensor, with expected and found shapes.
    public func tensors(expecting expected: [String: [Int]], convertingF64: Bool = false) throws -> [String: Tensor] {
        var missing: [String] = [], unexpected: [String] = [], misshaped: [String] = [], wrongType: [String] = []
        var lines: [String] = []
        let sorted = { (a: String, b: String) in a.utf8.lexicographicallyPrecedes(b.utf8) }
        for name in expected.keys.sorted(by: sorted) {
            let want = expected[name]!
            guard let e = file.entries[name] else {
                missing.append(name)
                lines.append("  missing: \"\(name)\" (expected shape \(Shape.describe(want)))")
                continue
            }
            if e.dtype != .f32 && !(e.dtype == .f64 && convertingF64) {
                wrongType.append(name)
                let hint = e.dtype == .f64 ? "; pass convertingF64: true to convert it" : ""
                lines.append("  wrong dtype: \"\(name)\" is \(e.dtype.rawValue) \(Shape.describe(e.shape)), expected F32\(hint)")
            }
            if e.shape != want {
                misshaped.append(name)
                lines.append("  wrong shape: \"\(name)\" expected \(Shape.describe(want)), found \(Shape.describe(e.shape))")
            }
        }
        for name in names where expected[name] == nil && file.entries[name]!.dtype.isFloatingPoint {
            unexpected.append(name)
            lines.append("  unexpected: \"\(name)\" (found shape \(Shape.describe(file.entries[name]!.shape)), not expected by the model)")
        }
        if !lines.isEmpty {
            var error = CheckpointError(
                "\(source): checkpoint does not match the model (\(missing.count) missing, \(unexpected.count) unexpected, "
                    + "\(misshaped.count) wrong shape, \(wrongType.count) wrong dtype):\n" + lines.joined(separator: "\n"))
            error.missing = missing
            error.unexpected = unexpected
            error.misshaped = misshaped
            error.wrongType = wrongType
            throw error
        }
        var out: [String: Tensor] = [:]
        for name in expected.keys { out[name] = try tensor(named: name, convertingF64: convertingF64) }
        return out
    }

    /// The I64 entry `name` holding exactly one value (a step counter).
    public func int64(named name: String) throws -> Int64 {
        let e = try entry(name)
        guard let v = e.int64Values, v.count == 1 else {
            throw CheckpointError("\(source): entry \"\(name)\" is \(e.dtype.rawValue) \(Shape.describe(e.shape)), not a single I64 value")
        }
        return v[0]
    }

    /// The generator stored by `setGenerator(_:named:)` (I64 or U64 of shape [4]).
    public func generator(named name: String) throws -> RandomGenerator {
        let e = try entry(name)
        let words: [UInt64]
        if let v = e.int64Values, e.shape == [4] {
            words = v.map { UInt64(bitPattern: $0) }
        } else if let v = e.uint64Values, e.shape == [4] {
            words = v
        } else {
            throw CheckpointError("\(source): entry \"\(name)\" is \(e.dtype.rawValue) \(Shape.describe(e.shape)), not a generator state (I64 [4])")
        }
        guard words.contains(where: { $0 != 0 }) else {
            throw CheckpointError("\(source): entry \"\(name)\" holds the all-zero generator state, which is invalid")
        }
        return RandomGenerator(state: (words[0], words[1], words[2], words[3]))
    }

    /// An F32 entry as a tensor (F64 converted when allowed), or nil for other dtypes.
    public static func tensor(from e: SafetensorsEntry, convertingF64: Bool = false) -> Tensor? {
        let n = e.count
        switch e.dtype {
        case .f32:
            let s = Storage(uninitialized: n)
            e.bytes.withUnsafeBytes { raw in
                if n > 0 { memcpy(s.pointer, raw.baseAddress!, n * 4) }
            }
            #if _endian(big)
            for i in 0..<n { s.pointer[i] = Float(bitPattern: UInt32(littleEndian: s.pointer[i].bitPattern)) }
            #endif
            return Tensor(storage: s, shape: e.shape)
        case .f64 where convertingF64:
            let s = Storage(uninitialized: n)
            e.bytes.withUnsafeBytes { raw in
                for i in 0..<n {
                    let bits = UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: i * 8, as: UInt64.self))
                    s.pointer[i] = Float(Double(bitPattern: bits))
                }
            }
            return Tensor(storage: s, shape: e.shape)
        default:
            return nil
        }
    }
}

/// Crash-safe file replacement.
public enum AtomicFile {
    /// Writes the bytes that `produce` passes to its sink into a temporary file next to `url`
    /// (same directory, so the rename cannot cross file systems), fsyncs it, renames it over
    /// `url` and fsyncs the directory so the rename itself is durable. If `produce` throws, or
    /// any step fails, the temporary file is removed, the previous file at `url` is left
    /// untouched, and the error is rethrown (I/O failures as `CheckpointError` naming the path).
    public static func write(to url: URL,
                             _ produce: (_ sink: (UnsafeRawBufferPointer) throws -> Void) throws -> Void) throws {
        let target = url.standardizedFileURL.path
        let directory = (target as NSString).deletingLastPathComponent
        let base = (target as NSString).lastPathComponent
        let temp = (directory as NSString).appendingPathComponent(
            ".\(base).tmp-\(getpid())-\(String(UInt64.random(in: 0...UInt64.max), radix: 16))")
        func ioError(_ what: String, _ path: String) -> CheckpointError {
            CheckpointError("\(path): \(what) failed (\(String(cString: strerror(errno))))")
        }

        let fd = open(temp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw ioError("creating a temporary file for writing \(target)", temp) }
        var closed = false
        var renamed = false
        defer {
            if !closed { _ = close(fd) }
            if !renamed { _ = unlink(temp) }
        }
        try produce { chunk in
            var offset = 0
            while offset < chunk.count {
                let n = posixWrite(fd, chunk.baseAddress! + offset, chunk.count - offset)
                if n < 0 {
                    if errno == EINTR { continue }
                    throw ioError("writing", temp)
                }
                offset += n
            }
        }
        guard fullSync(fd) else { throw ioError("fsync", temp) }
        closed = true
        guard close(fd) == 0 else { throw ioError("close", temp) }
        guard rename(temp, target) == 0 else { throw ioError("renaming \(temp) over the target", target) }
        renamed = true
        // Make the rename durable; a directory that cannot be opened or synced (some file
        // systems) leaves the new file in place, so this is best effort.
        let dfd = open(directory.isEmpty ? "." : directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if dfd >= 0 {
            _ = fsync(dfd)
            _ = close(dfd)
        }
    }

    private static func fullSync(_ fd: Int32) -> Bool {
        #if canImport(Darwin)
        // fsync on Darwin does not flush the drive's cache; F_FULLFSYNC does.
        if fcntl(fd, F_FULLFSYNC) == 0 { return true }
        #endif
        return fsync(fd) == 0
    }
}

@inline(__always)
private func posixWrite(_ fd: Int32, _ p: UnsafeRawPointer, _ n: Int) -> Int {
    write(fd, p, n)
}
