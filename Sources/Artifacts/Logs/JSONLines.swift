import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A JSON Lines file that cannot be read or written. The message names the file and, for a
/// bad line, its number (from 1) and column, e.g.
/// `train.jsonl: line 3, column 12: expected ',' or '}' in an object`.
public struct JSONLinesError: Error, CustomStringConvertible, Sendable {
    public let description: String
    /// The 1-based number of the offending line (nil for errors that are not about a line).
    public let line: Int?
    public init(_ description: String, line: Int? = nil) {
        self.description = description
        self.line = line
    }
}

/// JSON Lines (https://jsonlines.org): one JSON object per line, UTF-8, each line ended by
/// "\n". Used for training logs: `JSONLines.Writer` appends one record per line and hands it
/// to the operating system at once; `JSONLines.read` parses a file back.
///
/// Numbers: integers (`.int`) are written in decimal; doubles (`.number`) in the shortest form
/// that reads back as the same Double (Swift's `description`: `0.1`, `1e-05`, `-0.0`), so
/// every finite value round-trips exactly. JSON has no NaN or infinity: non-finite numbers
/// are written as the *strings* `"NaN"`, `"Infinity"` and `"-Infinity"` (a diverging loss stays
/// visible in the log, and pandas/`json.loads` can still read the file); they read back as
/// those strings, which `Value.doubleValue` turns into numbers again.
public enum JSONLines {
    /// One record: a line's JSON object.
    public typealias Record = [String: Value]

    /// A JSON value. Objects are unordered (written with sorted keys).
    public enum Value: Equatable, Sendable, ExpressibleByIntegerLiteral, ExpressibleByFloatLiteral,
        ExpressibleByStringLiteral, ExpressibleByBooleanLiteral, ExpressibleByArrayLiteral,
        ExpressibleByDictionaryLiteral, ExpressibleByNilLiteral
    {
        case null
        case bool(Bool)
        /// An integer; the reader gives `.int` for numbers without fraction or exponent that fit.
        case int(Int)
        /// A double; non-finite values are written as strings (see `JSONLines`).
        case number(Double)
        case string(String)
        case array([Value])
        case object([String: Value])

        /// A Float, stored as the Double closest to its shortest decimal form: `Value(Float(0.1))`
        /// is written as `0.1` (not 0.10000000149011612), and `floatValue` gives the Float back
        /// exactly. (For the one pair of Floats, ±7.038531e-26, where rounding that Double to
        /// Float misses, an exhaustive check over all Floats found, the exact Double is stored.)
        public init(_ value: Float) {
            if value.isFinite, let shortest = Double(value.description), Float(shortest) == value {
                self = .number(shortest)
            } else {
                self = .number(Double(value))
            }
        }
        public init(_ value: Double) { self = .number(value) }
        public init(_ value: Int) { self = .int(value) }

        public init(integerLiteral value: Int) { self = .int(value) }
        public init(floatLiteral value: Double) { self = .number(value) }
        public init(stringLiteral value: String) { self = .string(value) }
        public init(booleanLiteral value: Bool) { self = .bool(value) }
        public init(arrayLiteral elements: Value...) { self = .array(elements) }
        public init(dictionaryLiteral elements: (String, Value)...) {
            self = .object(Dictionary(elements, uniquingKeysWith: { _, last in last }))
        }
        public init(nilLiteral: ()) { self = .null }

        /// The number as a Double: `.number`, `.int`, or the strings "NaN", "Infinity",
        /// "-Infinity" that stand for non-finite numbers; nil otherwise.
        public var doubleValue: Double? {
            switch self {
            case .number(let d): d
            case .int(let i): Double(i)
            case .string("NaN"): .nan
            case .string("Infinity"): .infinity
            case .string("-Infinity"): -.infinity
            default: nil
            }
        }

        /// The number as a Float (a value written with `Value(Float)` comes back exactly).
        public var floatValue: Float? { doubleValue.map { Float($0) } }

        public var intValue: Int? { if case .int(let i) = self { i } else { nil } }
        public var stringValue: String? { if case .string(let s) = self { s } else { nil } }
        public var boolValue: Bool? { if case .bool(let b) = self { b } else { nil } }
        public var arrayValue: [Value]? { if case .array(let a) = self { a } else { nil } }
        public var objectValue: [String: Value]? { if case .object(let o) = self { o } else { nil } }
    }

    // MARK: writing

    /// Appends records to a JSON Lines file, one `write(2)` per record, so each record is in
    /// the operating system's hands when `write` returns: a crash of the process loses at most
    /// the record being written. With `sync: true` each record is also fsynced (survives
    /// power loss; slower). Thread-safe: records from several threads never interleave.
    ///
    /// Opening an existing file in append mode first cuts off an incomplete last line (one
    /// without its "\n", left by a crash mid-write), so the file stays valid JSON Lines.
    public final class Writer: @unchecked Sendable {
        public let url: URL
        let sync: Bool
        var fd: Int32
        let lock = NSLock()

        /// Opens (creating it if needed) the file at `url`; `append: false` truncates it.
        public init(url: URL, append: Bool = true, sync: Bool = false) throws {
            self.url = url
            self.sync = sync
            let path = url.path
            fd = open(path, O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC | (append ? 0 : O_TRUNC), 0o644)
            guard fd >= 0 else { throw JSONLinesError("\(path): cannot be opened for writing (\(String(cString: strerror(errno))))") }
            do { try dropIncompleteLastLine() } catch {
                _ = systemClose(fd)
                fd = -1
                throw error
            }
        }

        deinit {
            if fd >= 0 { _ = systemClose(fd) }
        }

        /// Writes `record` as one line (keys sorted) and hands it to the operating system.
        public func write(_ record: Record) throws {
            var line: [UInt8] = []
            line.reserveCapacity(128)
            JSONLines.serialize(.object(record), into: &line)
            line.append(0x0A)
            lock.lock()
            defer { lock.unlock() }
            guard fd >= 0 else { throw JSONLinesError("\(url.path): write after close") }
            try line.withUnsafeBytes { raw in
                var offset = 0
                while offset < raw.count {
                    let n = systemWrite(fd, raw.baseAddress! + offset, raw.count - offset)
                    if n < 0 {
                        if errno == EINTR { continue }
                        throw JSONLinesError("\(url.path): writing a record failed (\(String(cString: strerror(errno))))")
                    }
                    offset += n
                }
            }
            if sync, fsync(fd) != 0 {
                throw JSONLinesError("\(url.path): fsync failed (\(String(cString: strerror(errno))))")
            }
        }

        /// Closes the file (also done when the writer is released). Later writes throw.
        public func close() throws {
            lock.lock()
            defer { lock.unlock() }
            guard fd >= 0 else { return }
            let status = systemClose(fd)
            fd = -1
            if status != 0 { throw JSONLinesError("\(url.path): close failed (\(String(cString: strerror(errno))))") }
        }

        /// Truncates the file after its last "\n" when it does not end with one.
        func dropIncompleteLastLine() throws {
            let size = lseek(fd, 0, SEEK_END)
            guard size > 0 else { return }
            var keep = Int(size)
            var buffer = [UInt8](repeating: 0, count: 4096)
            while keep > 0 {
                let start = max(0, keep - buffer.count)
                let n = buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress!, keep - start, off_t(start)) }
                guard n == keep - start else {
                    throw JSONLinesError("\(url.path): reading the end of the file failed (\(String(cString: strerror(errno))))")
                }
                if let last = buffer[0..<n].lastIndex(of: 0x0A) {
                    keep = start + last + 1
                    break
                }
                keep = start
            }
            if keep < Int(size), ftruncate(fd, off_t(keep)) != 0 {
                throw JSONLinesError("\(url.path): cutting off an incomplete last line failed (\(String(cString: strerror(errno))))")
            }
        }
    }

    /// The JSON text of `value` (one line: strings escape their line breaks).
    public static func serialize(_ value: Value) -> String {
        var out: [UInt8] = []
        serialize(value, into: &out)
        return String(decoding: out, as: UTF8.self)
    }

    static func serialize(_ value: Value, into out: inout [UInt8]) {
        switch value {
        case .null: out += Array("null".utf8)
        case .bool(let b): out += Array((b ? "true" : "false").utf8)
        case .int(let i): out += Array(String(i).utf8)
        case .number(let d):
            if d.isFinite {
                out += Array(d.description.utf8)
            } else {
                serializeString(d.isNaN ? "NaN" : d > 0 ? "Infinity" : "-Infinity", into: &out)
            }
        case .string(let s): serializeString(s, into: &out)
        case .array(let items):
            out.append(UInt8(ascii: "["))
            for (k, item) in items.enumerated() {
                if k > 0 { out.append(UInt8(ascii: ",")) }
                serialize(item, into: &out)
            }
            out.append(UInt8(ascii: "]"))
        case .object(let members):
            out.append(UInt8(ascii: "{"))
            let keys = members.keys.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
            for (k, key) in keys.enumerated() {
                if k > 0 { out.append(UInt8(ascii: ",")) }
                serializeString(key, into: &out)
                out.append(UInt8(ascii: ":"))
                serialize(members[key]!, into: &out)
            }
            out.append(UInt8(ascii: "}"))
        }
    }

    static func serializeString(_ s: String, into out: inout [UInt8]) {
        let hex = Array("0123456789abcdef".utf8)
        out.append(UInt8(ascii: "\""))
        for c in s.utf8 {
            switch c {
            case UInt8(ascii: "\""): out += [0x5C, c]
            case UInt8(ascii: "\\"): out += [0x5C, c]
            case 0x0A: out += [0x5C, UInt8(ascii: "n")]
            case 0x0D: out += [0x5C, UInt8(ascii: "r")]
            case 0x09: out += [0x5C, UInt8(ascii: "t")]
            case 0x08: out += [0x5C, UInt8(ascii: "b")]
            case 0x0C: out += [0x5C, UInt8(ascii: "f")]
            case 0..<0x20: out += [0x5C, UInt8(ascii: "u"), 0x30, 0x30, hex[Int(c >> 4)], hex[Int(c & 15)]]
            default: out.append(c)
            }
        }
        out.append(UInt8(ascii: "\""))
    }

    // MARK: reading

    /// Reads every record of the file at `url`. Blank lines are skipped; a line that is not a
    /// JSON object throws a `JSONLinesError` with its line number. With
    /// `allowingIncompleteLastLine`, a last line without its "\n" that does not parse (a
    /// record cut off by a crash) is dropped instead.
    public static func read(contentsOf url: URL, allowingIncompleteLastLine: Bool = false) throws -> [Record] {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw JSONLinesError("\(url.path): cannot be read (\(error.localizedDescription))")
        }
        return try decode(data, name: url.path, allowingIncompleteLastLine: allowingIncompleteLastLine)
    }

    /// Parses JSON Lines text (see `read`); `name` is used in error messages.
    public static func decode(_ data: some ContiguousBytes, name: String = "<data>",
                              allowingIncompleteLastLine: Bool = false) throws -> [Record] {
        try data.withUnsafeBytes { (raw: UnsafeRawBufferPointer) throws -> [Record] in
            var records: [Record] = []
            var start = 0
            var number = 0
            while start < raw.count {
                number += 1
                let newline = raw[start...].firstIndex(of: 0x0A)
                let end = newline ?? raw.count
                var line = UnsafeRawBufferPointer(rebasing: raw[start..<end])
                if line.last == 0x0D { line = UnsafeRawBufferPointer(rebasing: line.dropLast()) }  // CRLF
                start = end + 1
                if line.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) { continue }
                do throws(JSONLinesParser.Failure) {
                    var parser = JSONLinesParser(bytes: line)
                    records.append(try parser.parseRecord())
                } catch {
                    if newline == nil && allowingIncompleteLastLine { break }
                    throw JSONLinesError("\(name): line \(number), column \(error.offset + 1): \(error.message)", line: number)
                }
            }
            return records
        }
    }

    /// Parses one line's JSON object.
    public static func parseRecord(_ line: String) throws -> Record {
        var copy = line
        return try copy.withUTF8 { bytes in
            do throws(JSONLinesParser.Failure) {
                var parser = JSONLinesParser(bytes: UnsafeRawBufferPointer(bytes))
                return try parser.parseRecord()
            } catch {
                throw JSONLinesError("column \(error.offset + 1): \(error.message)")
            }
        }
    }
}

/// Parses one line with the shared strict `JSONParser` (no newlines, duplicate keys rejected)
/// and converts it to `JSONLines.Value`.
struct JSONLinesParser {
    typealias Failure = JSONParser.Failure
    typealias Value = JSONLines.Value

    var parser: JSONParser
    static let maxDepth = 128

    init(bytes: UnsafeRawBufferPointer) {
        parser = JSONParser(bytes: bytes, maxDepth: Self.maxDepth, source: "the line",
                            newlineIsWhitespace: false, rejectsDuplicateKeys: true)
    }

    mutating func parseRecord() throws(Failure) -> JSONLines.Record {
        parser.skipWhitespace()
        guard parser.i < parser.bytes.count, parser.bytes[parser.i] == UInt8(ascii: "{") else {
            if parser.i < parser.bytes.count, let v = try? parser.parseValue(depth: 0) {
                throw Failure(message: "expected a JSON object, found \(Self.kind(v))", offset: 0)
            }
            throw parser.failure("expected a JSON object")
        }
        guard case .object(let members) = try parser.parseDocument(trailing: "unexpected text after the object")
        else { fatalError("unreachable") }
        return Self.record(members)
    }

    static func kind(_ v: JSONValue) -> String {
        switch v {
        case .null: "null"
        case .bool: "a boolean"
        case .number: "a number"
        case .string: "a string"
        case .array: "an array"
        case .object: "an object"
        }
    }

    /// Keys are unique (the parser rejects duplicates).
    static func record(_ members: [(key: String, value: JSONValue)]) -> JSONLines.Record {
        var out: JSONLines.Record = Dictionary(minimumCapacity: members.count)
        for (k, v) in members { out[k] = value(v) }
        return out
    }

    /// Integers without fraction or exponent that fit in Int are `.int`, the rest Doubles
    /// (correctly rounded by the standard library's parser).
    static func value(_ v: JSONValue) -> Value {
        switch v {
        case .null: .null
        case .bool(let b): .bool(b)
        case .number(let text):
            if JSONValue.isIntegerText(text), let i = Int(text) { .int(i) } else { .number(Double(text) ?? .nan) }
        case .string(let s): .string(s)
        case .array(let items): .array(items.map(value))
        case .object(let members): .object(record(members))
        }
    }
}

// The C functions, out of reach of `Writer`'s own `write` and `close`.
private func systemWrite(_ fd: Int32, _ p: UnsafeRawPointer, _ n: Int) -> Int { write(fd, p, n) }
private func systemClose(_ fd: Int32) -> Int32 { close(fd) }
