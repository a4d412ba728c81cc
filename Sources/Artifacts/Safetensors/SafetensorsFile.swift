import Autograd
import Foundation

/// A malformed or unreadable safetensors file. The message names the file and what is wrong,
/// e.g. `model.safetensors: tensor "w": data_offsets [0, 12] hold 12 bytes, but F32 [2, 2] needs 16`.
public struct SafetensorsError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// The element types of the safetensors format (names as they appear in the header).
public enum SafetensorsDType: String, Sendable, CaseIterable {
    case bool = "BOOL", u8 = "U8", i8 = "I8", f8E4M3 = "F8_E4M3", f8E5M2 = "F8_E5M2"
    case i16 = "I16", u16 = "U16", f16 = "F16", bf16 = "BF16"
    case i32 = "I32", u32 = "U32", f32 = "F32"
    case i64 = "I64", u64 = "U64", f64 = "F64"

    /// Bytes per element.
    public var byteSize: Int {
        switch self {
        case .bool, .u8, .i8, .f8E4M3, .f8E5M2: 1
        case .i16, .u16, .f16, .bf16: 2
        case .i32, .u32, .f32: 4
        case .i64, .u64, .f64: 8
        }
    }

    /// True for the floating-point types (F8, F16, BF16, F32, F64).
    public var isFloatingPoint: Bool {
        switch self {
        case .f8E4M3, .f8E5M2, .f16, .bf16, .f32, .f64: true
        default: false
        }
    }
}

/// One tensor of a safetensors file: element type, shape and the raw little-endian,
/// row-major bytes (`shape` product × `dtype.byteSize` of them).
public struct SafetensorsEntry: Sendable, Equatable {
    public let dtype: SafetensorsDType
    public let shape: [Int]
    public let bytes: [UInt8]

    /// An entry from raw little-endian bytes; the byte count must match shape and dtype.
    public init(dtype: SafetensorsDType, shape: [Int], bytes: [UInt8]) {
        require(shape.allSatisfy { $0 >= 0 }, "SafetensorsEntry: negative size in shape \(shape)")
        require(SafetensorsEntry.byteCount(shape, dtype) == bytes.count,
                "SafetensorsEntry: \(bytes.count) bytes cannot hold \(dtype.rawValue) \(shape)")
        self.dtype = dtype
        self.shape = shape
        self.bytes = bytes
    }

    /// Number of elements (1 for a scalar `[]`).
    public var count: Int { bytes.count / dtype.byteSize }

    public static func float32(_ values: [Float], shape: [Int]) -> SafetensorsEntry {
        SafetensorsEntry(dtype: .f32, shape: shape, bytes: littleEndianBytes(values.map(\.bitPattern)))
    }
    public static func float64(_ values: [Double], shape: [Int]) -> SafetensorsEntry {
        SafetensorsEntry(dtype: .f64, shape: shape, bytes: littleEndianBytes(values.map(\.bitPattern)))
    }
    public static func int64(_ values: [Int64], shape: [Int]) -> SafetensorsEntry {
        SafetensorsEntry(dtype: .i64, shape: shape, bytes: littleEndianBytes(values))
    }
    public static func uint64(_ values: [UInt64], shape: [Int]) -> SafetensorsEntry {
        SafetensorsEntry(dtype: .u64, shape: shape, bytes: littleEndianBytes(values))
    }
    public static func int32(_ values: [Int32], shape: [Int]) -> SafetensorsEntry {
        SafetensorsEntry(dtype: .i32, shape: shape, bytes: littleEndianBytes(values))
    }
    public static func uint16(_ values: [UInt16], shape: [Int]) -> SafetensorsEntry {
        SafetensorsEntry(dtype: .u16, shape: shape, bytes: littleEndianBytes(values))
    }
    public static func uint8(_ values: [UInt8], shape: [Int]) -> SafetensorsEntry {
        SafetensorsEntry(dtype: .u8, shape: shape, bytes: values)
    }

    /// The values of an F32 entry (nil for any other dtype).
    public var float32Values: [Float]? { dtype == .f32 ? decode(UInt32.self).map(Float.init(bitPattern:)) : nil }
    /// The values of an F64 entry (nil for any other dtype).
    public var float64Values: [Double]? { dtype == .f64 ? decode(UInt64.self).map(Double.init(bitPattern:)) : nil }
    /// The values of an I64 entry (nil for any other dtype).
    public var int64Values: [Int64]? { dtype == .i64 ? decode(Int64.self) : nil }
    /// The values of a U64 entry (nil for any other dtype).
    public var uint64Values: [UInt64]? { dtype == .u64 ? decode(UInt64.self) : nil }
    /// The values of an I32 entry (nil for any other dtype).
    public var int32Values: [Int32]? { dtype == .i32 ? decode(Int32.self) : nil }
    /// The values of a U16 entry (nil for any other dtype).
    public var uint16Values: [UInt16]? { dtype == .u16 ? decode(UInt16.self) : nil }
    /// The values of a U8 entry (nil for any other dtype).
    public var uint8Values: [UInt8]? { dtype == .u8 ? bytes : nil }

    /// Reads the bytes as little-endian `T`s (the caller has checked `T`'s size).
    func decode<T: FixedWidthInteger>(_: T.Type) -> [T] {
        let n = bytes.count / MemoryLayout<T>.size
        return [T](unsafeUninitializedCapacity: n) { out, done in
            bytes.withUnsafeBytes { raw in
                if n > 0 { memcpy(out.baseAddress!, raw.baseAddress!, n * MemoryLayout<T>.size) }
            }
            #if _endian(big)
            for i in 0..<n { out[i] = T(littleEndian: out[i]) }
            #endif
            done = n
        }
    }

    static func littleEndianBytes<T: FixedWidthInteger>(_ values: [T]) -> [UInt8] {
        let size = values.count * MemoryLayout<T>.size
        return [UInt8](unsafeUninitializedCapacity: size) { out, done in
            #if _endian(big)
            let values = values.map(\.littleEndian)
            #endif
            values.withUnsafeBytes { raw in
                if size > 0 { memcpy(out.baseAddress!, raw.baseAddress!, size) }
            }
            done = size
        }
    }

    /// The byte count of a `dtype` tensor of `shape`, or nil when it overflows.
    static func byteCount(_ shape: [Int], _ dtype: SafetensorsDType) -> Int? {
        guard let n = checkedCount(shape) else { return nil }
        let (b, o) = n.multipliedReportingOverflow(by: dtype.byteSize)
        return o ? nil : b
    }

    /// The element count of `shape`, or nil when it overflows.
    static func checkedCount(_ shape: [Int]) -> Int? {
        var n = 1
        for d in shape {
            let (p, o) = n.multipliedReportingOverflow(by: d)
            if o { return nil }
            n = p
        }
        return n
    }
}

/// A safetensors file in memory: named tensors plus string-to-string metadata.
///
/// Layout: an 8-byte little-endian header size N, N bytes of JSON
/// `{"__metadata__": {...}, "name": {"dtype": "F32", "shape": [2, 3], "data_offsets": [b, e]}, ...}`,
/// then the data buffer; offsets are relative to the start of the buffer and the entries
/// tile it exactly. The writer is canonical: metadata first (omitted when empty), then tensors
/// sorted by the bytes of their UTF-8 names, laid out in that order, the header padded with
/// spaces so that the buffer starts at a multiple of 8. The reader validates everything and
/// throws `SafetensorsError` naming the file and the fault.
public struct SafetensorsFile: Sendable, Equatable {
    public var entries: [String: SafetensorsEntry]
    public var metadata: [String: String]

    /// Headers larger than this are refused before anything is allocated for them (the limit
    /// of the reference implementation).
    public static let maxHeaderSize = 100_000_000
    /// The key of the metadata object in the header; no tensor may have this name.
    public static let metadataKey = "__metadata__"

    public init(entries: [String: SafetensorsEntry] = [:], metadata: [String: String] = [:]) {
        self.entries = entries
        self.metadata = metadata
    }

    // MARK: writing

    /// Tensor names in file order (sorted by UTF-8 bytes).
    public var sortedNames: [String] {
        entries.keys.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
    }

    /// The JSON header, padded with spaces to a multiple of 8 bytes.
    public func header() -> [UInt8] {
        require(entries[Self.metadataKey] == nil,
                "SafetensorsFile: \"\(Self.metadataKey)\" is reserved for metadata and cannot name a tensor")
        var json = "{"
        var first = true
        if !metadata.isEmpty {
            json += jsonString(Self.metadataKey) + ":{"
            let keys = metadata.keys.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
            json += keys.map { jsonString($0) + ":" + jsonString(metadata[$0]!) }.joined(separator: ",")
            json += "}"
            first = false
        }
        var offset = 0
        for name in sortedNames {
            let e = entries[name]!
            if !first { json += "," }
            first = false
            json += jsonString(name) + ":{\"dtype\":\"\(e.dtype.rawValue)\",\"shape\":["
                + e.shape.map(String.init).joined(separator: ",")
                + "],\"data_offsets\":[\(offset),\(offset + e.bytes.count)]}"
            offset += e.bytes.count
        }
        json += "}"
        var bytes = Array(json.utf8)
        while bytes.count % 8 != 0 { bytes.append(0x20) }
        return bytes
    }

    /// Streams the file to `sink`: the header size, the header, then each tensor's bytes.
    public func write(into sink: (UnsafeRawBufferPointer) throws -> Void) throws {
        let h = header()
        var size = UInt64(h.count).littleEndian
        try withUnsafeBytes(of: &size) { try sink($0) }
        try h.withUnsafeBytes { try sink($0) }
        for name in sortedNames {
            try entries[name]!.bytes.withUnsafeBytes { try sink($0) }
        }
    }

    /// The whole file as bytes.
    public func serialized() -> Data {
        var out = Data()
        try! write { out.append($0.assumingMemoryBound(to: UInt8.self)) }
        return out
    }

    /// Writes the file atomically (see `AtomicFile.write`): a crash mid-write leaves any
    /// previous file at `url` intact.
    public func write(to url: URL) throws {
        try AtomicFile.write(to: url) { sink in try write(into: sink) }
    }

    // MARK: reading

    /// Reads and validates the file at `url`.
    public init(contentsOf url: URL) throws {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw SafetensorsError("\(url.path): cannot be read (\(error.localizedDescription))")
        }
        try self.init(data: data, name: url.path)
    }

    /// Parses and validates a whole file held in memory. `name` is used in error messages.
    public init(data: Data, name: String = "<data>") throws {
        let parsed = try data.withUnsafeBytes { raw in
            try SafetensorsReader(bytes: raw, name: name).read()
        }
        self.init(entries: parsed.entries, metadata: parsed.metadata)
    }
}

/// JSON string literal with the escapes JSON requires.
private func jsonString(_ s: String) -> String {
    var out = "\""
    for u in s.unicodeScalars {
        switch u {
        case "\"": out += "\\\""
        case "\\": out += "\\\\"
        case "\n": out += "\\n"
        case "\r": out += "\\r"
        case "\t": out += "\\t"
        case _ where u.value < 0x20:
            let hex = String(u.value, radix: 16)
            out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
        default: out.unicodeScalars.append(u)
        }
    }
    return out + "\""
}

// MARK: - Reader

private struct SafetensorsReader {
    let bytes: UnsafeRawBufferPointer
    let name: String

    func fail(_ why: String) -> SafetensorsError { SafetensorsError("\(name): \(why)") }

    func read() throws -> (entries: [String: SafetensorsEntry], metadata: [String: String]) {
        let fileSize = bytes.count
        guard fileSize >= 8 else {
            throw fail("file is \(fileSize) bytes, shorter than the 8-byte header size field (truncated, or not a safetensors file)")
        }
        var n64: UInt64 = 0
        for i in (0..<8).reversed() { n64 = n64 << 8 | UInt64(bytes[i]) }
        // Check the untrusted size against hard limits before using it for anything.
        guard n64 <= UInt64(SafetensorsFile.maxHeaderSize) else {
            throw fail("header size \(n64) is absurdly large (limit \(SafetensorsFile.maxHeaderSize) bytes; file is \(fileSize) bytes): not a safetensors file")
        }
        guard n64 <= UInt64(fileSize - 8) else {
            throw fail("header size \(n64) runs past the end of the file (\(fileSize) bytes, so at most \(fileSize - 8) are available): truncated or not a safetensors file")
        }
        let headerSize = Int(n64)
        guard headerSize >= 2 else { throw fail("header of \(headerSize) bytes cannot hold a JSON object") }
        let header = UnsafeRawBufferPointer(rebasing: bytes[8..<(8 + headerSize)])
        guard String(validating: header, as: UTF8.self) != nil else {
            throw fail("header is not valid UTF-8")
        }
        var parser = JSONParser(bytes: header, maxDepth: 64, source: "the header")
        let root: JSONValue
        switch Result(catching: { () throws(JSONParser.Failure) -> JSONValue in try parser.parseDocument() }) {
        case .success(let v): root = v
        case .failure(let e): throw fail("header is not valid JSON: \(e.message) at byte \(e.offset) of the header")
        }
        guard case .object(let members) = root else { throw fail("header is not a JSON object") }

        let bufferStart = 8 + headerSize
        let bufferSize = fileSize - bufferStart
        var metadata: [String: String] = [:]
        var seenMetadata = false
        var infos: [(name: String, dtype: SafetensorsDType, shape: [Int], begin: Int, end: Int)] = []
        var seen = Set<String>()
        for (key, value) in members {
            if key == SafetensorsFile.metadataKey {
                guard !seenMetadata else { throw fail("\"\(key)\" appears twice in the header") }
                seenMetadata = true
                metadata = try readMetadata(value)
                continue
            }
            guard seen.insert(key).inserted else {
                throw fail("tensor name \"\(key)\" appears more than once in the header")
            }
            infos.append(try readInfo(key, value, bufferSize: bufferSize))
        }

        // The entries must tile the buffer: sorted by offsets, each starts where the last ended.
        let order = infos.indices.sorted { (infos[$0].begin, infos[$0].end) < (infos[$1].begin, infos[$1].end) }
        var position = 0
        var previous: String?
        for i in order {
            let t = infos[i]
            if t.begin < position {
                throw fail("tensor \"\(t.name)\" (bytes \(t.begin)..<\(t.end)) overlaps tensor \"\(previous!)\" (which ends at \(position))")
            }
            if t.begin > position {
                throw fail("bytes \(position)..<\(t.begin) of the data buffer belong to no tensor (a hole before \"\(t.name)\")")
            }
            position = t.end
            previous = t.name
        }
        if position != bufferSize {
            throw fail("bytes \(position)..<\(bufferSize) of the data buffer belong to no tensor (trailing bytes after the last tensor)")
        }

        var entries: [String: SafetensorsEntry] = [:]
        entries.reserveCapacity(infos.count)
        for t in infos {
            let data = [UInt8](UnsafeRawBufferPointer(rebasing: bytes[(bufferStart + t.begin)..<(bufferStart + t.end)]))
            entries[t.name] = SafetensorsEntry(dtype: t.dtype, shape: t.shape, bytes: data)
        }
        return (entries, metadata)
    }

    func readMetadata(_ value: JSONValue) throws -> [String: String] {
        if case .null = value { return [:] }
        guard case .object(let members) = value else {
            throw fail("\"\(SafetensorsFile.metadataKey)\" is \(value.kind), not an object of strings")
        }
        var out: [String: String] = [:]
        for (k, v) in members {
            guard case .string(let s) = v else {
                throw fail("\"\(SafetensorsFile.metadataKey)\" value for \"\(k)\" is \(v.kind), but metadata values must be strings")
            }
            guard out.updateValue(s, forKey: k) == nil else {
                throw fail("\"\(SafetensorsFile.metadataKey)\" key \"\(k)\" appears more than once")
            }
        }
        return out
    }

    func readInfo(_ tensor: String, _ value: JSONValue, bufferSize: Int)
        throws -> (name: String, dtype: SafetensorsDType, shape: [Int], begin: Int, end: Int) {
        let what = "tensor \"\(tensor)\""
        guard case .object(let members) = value else {
            throw fail("\(what) is described by \(value.kind), not an object with dtype, shape and data_offsets")
        }
        var fields: [String: JSONValue] = [:]
        for (k, v) in members {
            guard ["dtype", "shape", "data_offsets"].contains(k) else {
                throw fail("\(what) has an unknown field \"\(k)\" (expected dtype, shape, data_offsets)")
            }
            guard fields.updateValue(v, forKey: k) == nil else { throw fail("\(what) has field \"\(k)\" twice") }
        }
        for k in ["dtype", "shape", "data_offsets"] where fields[k] == nil {
            throw fail("\(what) is missing \"\(k)\"")
        }
        guard case .string(let dtypeName) = fields["dtype"]! else {
            throw fail("\(what): dtype is \(fields["dtype"]!.kind), not a string")
        }
        guard let dtype = SafetensorsDType(rawValue: dtypeName) else {
            throw fail("\(what): unknown dtype \"\(dtypeName)\" (known: \(SafetensorsDType.allCases.map(\.rawValue).joined(separator: ", ")))")
        }
        let shape = try integers(fields["shape"]!, "\(what): shape")
        let offsets = try integers(fields["data_offsets"]!, "\(what): data_offsets")
        guard offsets.count == 2 else {
            throw fail("\(what): data_offsets has \(offsets.count) numbers, expected 2 ([begin, end])")
        }
        let (begin, end) = (offsets[0], offsets[1])
        guard begin <= end else { throw fail("\(what): data_offsets [\(begin), \(end)] end before they begin") }
        guard end <= bufferSize else {
            throw fail("\(what): data_offsets [\(begin), \(end)] run past the end of the data buffer (\(bufferSize) bytes; truncated file?)")
        }
        let needed = SafetensorsEntry.byteCount(shape, dtype)
        guard needed == end - begin else {
            throw fail("\(what): data_offsets [\(begin), \(end)] hold \(end - begin) bytes, but \(dtype.rawValue) \(shape) needs \(needed.map(String.init) ?? "more than \(Int.max)")")
        }
        return (tensor, dtype, shape, begin, end)
    }

    /// A JSON array of non-negative integers.
    func integers(_ value: JSONValue, _ what: String) throws -> [Int] {
        guard case .array(let items) = value else { throw fail("\(what) is \(value.kind), not an array of integers") }
        return try items.map { item in
            guard case .number(let text) = item else {
                throw fail("\(what) contains \(item.kind), not a non-negative integer")
            }
            if text.hasPrefix("-") { throw fail("\(what) contains the negative number \(text)") }
            guard text.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else {
                throw fail("\(what) contains \(text), which is not an integer")
            }
            guard let v = Int(text) else { throw fail("\(what) contains \(text), which is too large") }
            return v
        }
    }
}
