import Autograd
import Foundation

/// A malformed, unsupported or unreadable `.npy` file. The message names the file and what
/// is wrong, e.g. `x.npy: shape (2, 3) of <f4 needs 24 bytes of data, but the file has 20`.
public struct NPYError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// The element types read and written (NumPy's `descr` strings, little-endian).
public enum NPYDType: String, Sendable, CaseIterable {
    case float32 = "<f4", float64 = "<f8", uint8 = "|u1", int64 = "<i8"

    /// Bytes per element.
    public var byteSize: Int {
        switch self {
        case .uint8: 1
        case .float32: 4
        case .float64, .int64: 8
        }
    }
}

/// An array of a `.npy` file: element type, shape (`[]` for a scalar) and its raw
/// little-endian bytes in C (row-major) order.
public struct NPYArray: Sendable, Equatable {
    public let dtype: NPYDType
    public let shape: [Int]
    public let bytes: [UInt8]

    /// An array from raw little-endian bytes; the byte count must match shape and dtype.
    public init(dtype: NPYDType, shape: [Int], bytes: [UInt8]) {
        require(shape.allSatisfy { $0 >= 0 }, "NPYArray: negative size in shape \(Shape.describe(shape))")
        require(SafetensorsEntry.checkedCount(shape).map { $0 * dtype.byteSize } == bytes.count,
                "NPYArray: \(bytes.count) bytes cannot hold \(dtype.rawValue) \(Shape.describe(shape))")
        self.dtype = dtype
        self.shape = shape
        self.bytes = bytes
    }

    /// A `<f4` array holding the tensor's values (tracking is dropped).
    public init(_ tensor: Tensor) {
        let bytes = tensor.littleEndianFloat32Bytes
        self.init(dtype: .float32, shape: tensor.shape, bytes: bytes)
    }

    public static func float64(_ values: [Double], shape: [Int]) -> NPYArray {
        NPYArray(dtype: .float64, shape: shape, bytes: SafetensorsEntry.littleEndianBytes(values.map(\.bitPattern)))
    }
    public static func int64(_ values: [Int64], shape: [Int]) -> NPYArray {
        NPYArray(dtype: .int64, shape: shape, bytes: SafetensorsEntry.littleEndianBytes(values))
    }
    public static func uint8(_ values: [UInt8], shape: [Int]) -> NPYArray {
        NPYArray(dtype: .uint8, shape: shape, bytes: values)
    }

    /// Number of elements (1 for a scalar).
    public var count: Int { bytes.count / dtype.byteSize }

    /// The values of a `<f4` array (nil for other dtypes).
    public var float32Values: [Float]? { dtype == .float32 ? decode(UInt32.self).map(Float.init(bitPattern:)) : nil }
    /// The values of a `<f8` array (nil for other dtypes).
    public var float64Values: [Double]? { dtype == .float64 ? decode(UInt64.self).map(Double.init(bitPattern:)) : nil }
    /// The values of a `<i8` array (nil for other dtypes).
    public var int64Values: [Int64]? { dtype == .int64 ? decode(Int64.self) : nil }
    /// The values of a `|u1` array (nil for other dtypes).
    public var uint8Values: [UInt8]? { dtype == .uint8 ? bytes : nil }

    /// The values as Float, whatever the dtype: `<f8` rounds to nearest, `<i8` beyond 2^24
    /// rounds to nearest, `|u1` is exact.
    public var floatValues: [Float] {
        switch dtype {
        case .float32: float32Values!
        case .float64: float64Values!.map { Float($0) }
        case .int64: int64Values!.map { Float($0) }
        case .uint8: bytes.map { Float($0) }
        }
    }

    /// The array as a tensor of the same shape (values converted as in `floatValues`).
    public var tensor: Tensor {
        if dtype == .float32 { return Checkpoint.tensor(from: SafetensorsEntry(dtype: .f32, shape: shape, bytes: bytes))! }
        return Tensor(storage: Storage(floatValues), shape: shape)
    }

    func decode<T: FixedWidthInteger>(_: T.Type) -> [T] {
        SafetensorsEntry(dtype: .u8, shape: [bytes.count], bytes: bytes).decode(T.self)
    }
}

/// NumPy's `.npy` format (https://numpy.org/doc/stable/reference/generated/numpy.lib.format.html).
///
/// Writing produces exactly the bytes `numpy.save` produces for the same array: version 1.0
/// (2.0 only when the header exceeds 65535 bytes), the header dict with sorted keys and
/// `fortran_order: False`, NumPy's spare space after it, padded with spaces and a newline so
/// the data starts at a multiple of 64 bytes; then the data in C order, little-endian.
///
/// Reading accepts versions 1.0, 2.0 and 3.0, the dtypes `<f4`, `<f8`, `|u1` and `<i8`, and
/// C order only; it validates the magic string, the header length, the header dict's
/// syntax and keys, and that the data is exactly shape × dtype size bytes.
public enum NPY {
    /// The bytes of a `.npy` file holding `array`.
    public static func encode(_ array: NPYArray) -> [UInt8] {
        var out = header(dtype: array.dtype, shape: array.shape)
        out.append(contentsOf: array.bytes)
        return out
    }

    /// The bytes of a `.npy` file holding the tensor's values as `<f4`.
    public static func encode(_ tensor: Tensor) -> [UInt8] { encode(NPYArray(tensor)) }

    /// Writes `array` as a `.npy` file at `url`, atomically (see `AtomicFile.write`).
    public static func write(_ array: NPYArray, to url: URL) throws {
        let head = header(dtype: array.dtype, shape: array.shape)
        do {
            try AtomicFile.write(to: url) { sink in
                try head.withUnsafeBytes { try sink($0) }
                try array.bytes.withUnsafeBytes { try sink($0) }
            }
        } catch let error as CheckpointError {
            throw NPYError(error.description)
        }
    }

    /// Writes the tensor's values as a `<f4` `.npy` file at `url`, atomically.
    public static func write(_ tensor: Tensor, to url: URL) throws { try write(NPYArray(tensor), to: url) }

    /// Reads the `.npy` file at `url` as an array of its own dtype.
    public static func readArray(contentsOf url: URL) throws -> NPYArray {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw NPYError("\(url.path): cannot be read (\(error.localizedDescription))")
        }
        return try decode(data, name: url.path)
    }

    /// Reads the `.npy` file at `url` as a Float tensor (see `NPYArray.floatValues`).
    public static func read(contentsOf url: URL) throws -> Tensor { try readArray(contentsOf: url).tensor }

    /// The magic string that starts every `.npy` file.
    static let magic: [UInt8] = [0x93] + Array("NUMPY".utf8)

    /// NumPy's header for `dtype` and `shape` (what `numpy.lib.format.write_array` writes).
    static func header(dtype: NPYDType, shape: [Int]) -> [UInt8] {
        let shapeText = shape.count == 1 ? "(\(shape[0]),)" : "(" + shape.map(String.init).joined(separator: ", ") + ")"
        var dict = "{'descr': '\(dtype.rawValue)', 'fortran_order': False, 'shape': \(shapeText), }"
        // NumPy leaves room to grow the first axis in place (GROWTH_AXIS_MAX_DIGITS = 21).
        if let first = shape.first { dict += String(repeating: " ", count: max(0, 21 - String(first).count)) }
        let text = Array(dict.utf8)
        let textLength = text.count + 1  // with the final newline
        var version: UInt8 = 1, lengthBytes = 2
        var pad = 64 - (magic.count + 2 + lengthBytes + textLength) % 64
        if textLength + pad > 0xFFFF {
            version = 2
            lengthBytes = 4
            pad = 64 - (magic.count + 2 + lengthBytes + textLength) % 64
        }
        let length = textLength + pad
        var out = magic + [version, 0]
        for i in 0..<lengthBytes { out.append(UInt8(truncatingIfNeeded: length >> (8 * i))) }
        out += text
        out += [UInt8](repeating: 0x20, count: pad)
        out.append(0x0A)
        return out
    }

    /// Decodes the bytes of a `.npy` file; `name` is used in error messages.
    public static func decode(_ data: some ContiguousBytes, name: String = "<data>") throws -> NPYArray {
        try data.withUnsafeBytes { (raw: UnsafeRawBufferPointer) throws -> NPYArray in
            func fail(_ message: String) -> NPYError { NPYError("\(name): \(message)") }
            guard raw.count >= 10 else {
                throw fail(raw.isEmpty ? "empty file, expected a .npy array" : "\(raw.count) bytes are too short for a .npy file (the fixed preamble alone is 10)")
            }
            guard raw.prefix(6).elementsEqual(magic) else {
                throw fail("not a .npy file (it does not start with \\x93NUMPY)")
            }
            let (major, minor) = (raw[6], raw[7])
            guard (1...3).contains(major), minor == 0 else {
                throw fail("unsupported .npy format version \(major).\(minor) (supported: 1.0, 2.0, 3.0)")
            }
            let lengthBytes = major == 1 ? 2 : 4
            guard raw.count >= 8 + lengthBytes else { throw fail("the file ends inside the header length field") }
            var headerLength = 0
            for i in 0..<lengthBytes { headerLength |= Int(raw[8 + i]) << (8 * i) }
            let dataStart = 8 + lengthBytes + headerLength
            guard dataStart <= raw.count else {
                throw fail("header length \(headerLength) runs past the end of the file (\(raw.count) bytes; truncated file?)")
            }
            let headerBytes = UnsafeRawBufferPointer(rebasing: raw[(8 + lengthBytes)..<dataStart])
            let text: String
            if major == 3 {
                guard let t = String(validating: headerBytes, as: UTF8.self) else { throw fail("the header is not valid UTF-8") }
                text = t
            } else {
                text = String(headerBytes.map { Character(Unicode.Scalar($0)) })  // latin-1
            }
            var parser = HeaderParser(text: Array(text.unicodeScalars))
            let fields: [String: HeaderParser.Value]
            do throws(HeaderParser.Failure) { fields = try parser.parseDict() } catch {
                let shown = text.trimmingCharacters(in: .whitespacesAndNewlines)
                throw fail("malformed header: \(error.message) at character \(error.offset) of \"\(shown.count > 200 ? shown.prefix(200) + "..." : shown)\"")
            }
            for key in ["descr", "fortran_order", "shape"] where fields[key] == nil {
                throw fail("the header has no '\(key)' key")
            }
            if let extra = fields.keys.sorted().first(where: { !["descr", "fortran_order", "shape"].contains($0) }) {
                throw fail("the header has an unexpected key '\(extra)' (expected exactly 'descr', 'fortran_order', 'shape')")
            }
            guard case .string(let descr) = fields["descr"]! else {
                throw fail("descr is \(fields["descr"]!.kind), not a dtype string (structured dtypes are not supported)")
            }
            let supported = NPYDType.allCases.map { "'\($0.rawValue)'" }.joined(separator: ", ")
            guard let dtype = NPYDType(rawValue: descr) ?? (descr == "<u1" ? .uint8 : nil) else {
                throw fail("dtype '\(descr)' is not supported (supported: \(supported))")
            }
            guard case .bool(let fortran) = fields["fortran_order"]! else {
                throw fail("fortran_order is \(fields["fortran_order"]!.kind), not True or False")
            }
            guard !fortran else {
                throw fail("fortran_order is True (column-major data), which is not supported; save a C-ordered array (numpy.ascontiguousarray)")
            }
            guard case .tuple(let shape) = fields["shape"]! else {
                throw fail("shape is \(fields["shape"]!.kind), not a tuple of integers")
            }
            let shapeText = "(" + shape.map(String.init).joined(separator: ", ") + (shape.count == 1 ? ",)" : ")")
            guard let count = SafetensorsEntry.checkedCount(shape) else { throw fail("shape \(shapeText) has too many elements") }
            let (needed, overflow) = count.multipliedReportingOverflow(by: dtype.byteSize)
            let present = raw.count - dataStart
            guard !overflow, needed == present else {
                throw fail("shape \(shapeText) of \(dtype.rawValue) needs \(overflow ? "more than \(Int.max)" : String(needed)) bytes of data, but the file has \(present)\(present < needed || overflow ? " (truncated file?)" : "")")
            }
            return NPYArray(dtype: dtype, shape: shape, bytes: Array(UnsafeRawBufferPointer(rebasing: raw[dataStart...])))
        }
    }
}

/// The Python literal of a `.npy` header: a dict with string keys whose values are strings,
/// True/False or tuples of non-negative integers.
struct HeaderParser {
    enum Value {
        case string(String), bool(Bool), tuple([Int])
        var kind: String {
            switch self {
            case .string(let s): "the string '\(s)'"
            case .bool(let b): b ? "True" : "False"
            case .tuple(let t): "a tuple of \(t.count) integers"
            }
        }
    }
    struct Failure: Error { let message: String; let offset: Int }

    let text: [Unicode.Scalar]
    var i = 0

    init(text: [Unicode.Scalar]) { self.text = text }

    func failure(_ message: String) -> Failure { Failure(message: message, offset: i) }

    var current: Unicode.Scalar? { i < text.count ? text[i] : nil }

    mutating func skipWhitespace() {
        while let c = current, c == " " || c == "\t" || c == "\n" || c == "\r" { i += 1 }
    }

    mutating func expect(_ c: Unicode.Scalar) throws(Failure) {
        skipWhitespace()
        guard let got = current else { throw failure("expected '\(c)' but the header ends") }
        guard got == c else { throw failure("expected '\(c)', found '\(got)'") }
        i += 1
    }

    /// `{ 'key': value, ... }` (a trailing comma allowed), then only whitespace.
    mutating func parseDict() throws(Failure) -> [String: Value] {
        try expect("{")
        var out: [String: Value] = [:]
        while true {
            skipWhitespace()
            if current == "}" { i += 1; break }
            guard current == "'" || current == "\"" else { throw failure("expected a quoted key or '}'") }
            let key = try parseString()
            try expect(":")
            guard out[key] == nil else { throw failure("duplicate key '\(key)'") }
            out[key] = try parseValue()
            skipWhitespace()
            if current == "," { i += 1; continue }
            if current == "}" { i += 1; break }
            throw failure(current == nil ? "unterminated dict" : "expected ',' or '}', found '\(current!)'")
        }
        skipWhitespace()
        guard i == text.count else { throw failure("unexpected text after the dict") }
        return out
    }

    mutating func parseValue() throws(Failure) -> Value {
        skipWhitespace()
        guard let c = current else { throw failure("expected a value but the header ends") }
        if c == "'" || c == "\"" { return .string(try parseString()) }
        if c == "(" {
            i += 1
            var items: [Int] = []
            while true {
                skipWhitespace()
                if current == ")" { i += 1; break }
                items.append(try parseInteger())
                skipWhitespace()
                if current == "," {
                    i += 1
                    continue
                }
                if current == ")" {
                    // Python needs the comma in a one-element tuple: (3) is the number 3.
                    guard items.count != 1 || text[i - 1] == "," else { throw failure("(n) is a number, not a tuple; write (n,)") }
                    i += 1
                    break
                }
                throw failure(current == nil ? "unterminated tuple" : "expected ',' or ')' in the shape, found '\(current!)'")
            }
            return .tuple(items)
        }
        for (word, value) in [("True", true), ("False", false)] where text[i...].starts(with: word.unicodeScalars) {
            i += word.unicodeScalars.count
            return .bool(value)
        }
        throw failure("unexpected '\(c)' (values are quoted strings, True, False or tuples of integers)")
    }

    mutating func parseString() throws(Failure) -> String {
        let quote = text[i]
        i += 1
        var out = String.UnicodeScalarView()
        while true {
            guard let c = current else { throw failure("unterminated string") }
            i += 1
            if c == quote { break }
            if c == "\\" || c == "\n" { throw failure("escapes and line breaks are not supported in header strings") }
            out.append(c)
        }
        return String(out)
    }

    mutating func parseInteger() throws(Failure) -> Int {
        let start = i
        if current == "-" { throw failure("negative size in the shape") }
        while let c = current, ("0"..."9").contains(c) { i += 1 }
        guard i > start else {
            throw failure(current == nil ? "expected an integer but the header ends" : "expected an integer, found '\(current!)'")
        }
        if current == "L" { i += 1 }  // Python 2's long literal, as old NumPy wrote
        let digits = String(String.UnicodeScalarView(text[start..<i].filter { $0 != "L" }))
        guard let v = Int(digits) else { throw failure("the size \(digits) is too large") }
        return v
    }
}
