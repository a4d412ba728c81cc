/// A parsed JSON value, shared by the safetensors header reader and the JSON Lines reader.
/// Objects keep their members in order (duplicates included unless the parser rejects them),
/// and numbers keep their text, so a caller can tell 1.5 and 1e3 from integers or convert the
/// text exactly (`Int(text)`, `Double(text)`).
enum JSONValue {
    case object([(key: String, value: JSONValue)])
    case array([JSONValue])
    case string(String)
    case number(String)
    case bool(Bool)
    case null

    /// A description for error messages: "an object", "the number 4", "the string \"x\"", ...
    var kind: String {
        switch self {
        case .object: "an object"
        case .array: "an array"
        case .string(let s): "the string \"\(s.count > 40 ? String(s.prefix(40)) + "..." : s)\""
        case .number(let n): "the number \(n)"
        case .bool(let b): "\(b)"
        case .null: "null"
        }
    }

    /// Whether a number's text has neither fraction nor exponent.
    static func isIntegerText(_ text: String) -> Bool {
        !text.utf8.contains { $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "e") || $0 == UInt8(ascii: "E") }
    }
}

/// A strict RFC 8259 parser over UTF-8 bytes. Failures carry a message and the byte offset
/// where they were found. Nesting is limited to `maxDepth`; `source` names the text in
/// messages about running out of it ("expected a value but the header ends").
struct JSONParser {
    struct Failure: Error { let message: String; let offset: Int }

    let bytes: UnsafeRawBufferPointer
    /// The current byte offset.
    var i = 0
    let maxDepth: Int
    let source: String
    /// Whether "\n" counts as whitespace (JSON Lines keeps each value on one line).
    let newlineIsWhitespace: Bool
    /// Whether a repeated key in an object is an error ("duplicate key"); otherwise both are kept.
    let rejectsDuplicateKeys: Bool

    init(bytes: UnsafeRawBufferPointer, maxDepth: Int, source: String,
         newlineIsWhitespace: Bool = true, rejectsDuplicateKeys: Bool = false) {
        self.bytes = bytes
        self.maxDepth = maxDepth
        self.source = source
        self.newlineIsWhitespace = newlineIsWhitespace
        self.rejectsDuplicateKeys = rejectsDuplicateKeys
    }

    func failure(_ message: String) -> Failure { Failure(message: message, offset: i) }

    func describe(_ c: UInt8) -> String {
        c >= 0x20 && c < 0x7F ? "'\(Character(Unicode.Scalar(c)))'" : "byte 0x\(String(c, radix: 16))"
    }

    /// One value, surrounded only by whitespace.
    mutating func parseDocument(trailing: String = "unexpected text after the top-level value") throws(Failure) -> JSONValue {
        skipWhitespace()
        let v = try parseValue(depth: 0)
        skipWhitespace()
        guard i == bytes.count else { throw failure(trailing) }
        return v
    }

    mutating func skipWhitespace() {
        while i < bytes.count {
            let c = bytes[i]
            guard c == 0x20 || c == 0x09 || c == 0x0D || (c == 0x0A && newlineIsWhitespace) else { return }
            i += 1
        }
    }

    mutating func parseValue(depth: Int) throws(Failure) -> JSONValue {
        guard depth <= maxDepth else { throw failure("nesting deeper than \(maxDepth) levels") }
        skipWhitespace()
        guard i < bytes.count else { throw failure("expected a value but \(source) ends") }
        switch bytes[i] {
        case UInt8(ascii: "{"):
            i += 1
            var members: [(key: String, value: JSONValue)] = []
            var keys = Set<String>()
            skipWhitespace()
            if i < bytes.count, bytes[i] == UInt8(ascii: "}") { i += 1; return .object(members) }
            while true {
                skipWhitespace()
                guard i < bytes.count, bytes[i] == UInt8(ascii: "\"") else { throw failure("expected a string key") }
                let keyOffset = i
                let key = try parseString()
                skipWhitespace()
                guard i < bytes.count, bytes[i] == UInt8(ascii: ":") else { throw failure("expected ':' after a key") }
                i += 1
                let value = try parseValue(depth: depth + 1)
                if rejectsDuplicateKeys {
                    guard keys.insert(key).inserted else {
                        throw Failure(message: "duplicate key \"\(key)\"", offset: keyOffset)
                    }
                }
                members.append((key, value))
                skipWhitespace()
                guard i < bytes.count else { throw failure("unterminated object (\(source) ends)") }
                if bytes[i] == UInt8(ascii: ",") { i += 1; continue }
                if bytes[i] == UInt8(ascii: "}") { i += 1; return .object(members) }
                throw failure("expected ',' or '}' in an object, found \(describe(bytes[i]))")
            }
        case UInt8(ascii: "["):
            i += 1
            var items: [JSONValue] = []
            skipWhitespace()
            if i < bytes.count, bytes[i] == UInt8(ascii: "]") { i += 1; return .array(items) }
            while true {
                items.append(try parseValue(depth: depth + 1))
                skipWhitespace()
                guard i < bytes.count else { throw failure("unterminated array (\(source) ends)") }
                if bytes[i] == UInt8(ascii: ",") { i += 1; continue }
                if bytes[i] == UInt8(ascii: "]") { i += 1; return .array(items) }
                throw failure("expected ',' or ']' in an array, found \(describe(bytes[i]))")
            }
        case UInt8(ascii: "\""):
            return .string(try parseString())
        case UInt8(ascii: "t"): try literal("true"); return .bool(true)
        case UInt8(ascii: "f"): try literal("false"); return .bool(false)
        case UInt8(ascii: "n"): try literal("null"); return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            return .number(try parseNumber())
        default:
            throw failure("unexpected \(describe(bytes[i]))")
        }
    }

    mutating func literal(_ word: String) throws(Failure) {
        let start = i
        for c in word.utf8 {
            guard i < bytes.count, bytes[i] == c else { throw Failure(message: "invalid literal (expected \(word))", offset: start) }
            i += 1
        }
    }

    /// RFC 8259 number grammar; returns the text (which `Double(_:)` is checked to accept).
    mutating func parseNumber() throws(Failure) -> String {
        let start = i
        func digits(_ p: inout Int) -> Int {
            let s = p
            while p < bytes.count, bytes[p] >= 0x30, bytes[p] <= 0x39 { p += 1 }
            return p - s
        }
        if bytes[i] == UInt8(ascii: "-") { i += 1 }
        guard i < bytes.count, bytes[i] >= 0x30, bytes[i] <= 0x39 else { throw failure("invalid number") }
        if bytes[i] == 0x30 {
            i += 1
            if i < bytes.count, bytes[i] >= 0x30, bytes[i] <= 0x39 { throw failure("invalid number (leading zero)") }
        } else {
            _ = digits(&i)
        }
        if i < bytes.count, bytes[i] == UInt8(ascii: ".") {
            i += 1
            guard digits(&i) > 0 else { throw failure("invalid number (no digits after '.')") }
        }
        if i < bytes.count, bytes[i] == UInt8(ascii: "e") || bytes[i] == UInt8(ascii: "E") {
            i += 1
            if i < bytes.count, bytes[i] == UInt8(ascii: "+") || bytes[i] == UInt8(ascii: "-") { i += 1 }
            guard digits(&i) > 0 else { throw failure("invalid number (no digits in the exponent)") }
        }
        let text = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[start..<i]), as: UTF8.self)
        guard Double(text) != nil else { throw Failure(message: "invalid number \(text)", offset: start) }
        return text
    }

    /// A string starting at the opening quote; its contents must be valid UTF-8.
    mutating func parseString() throws(Failure) -> String {
        let start = i
        i += 1
        var out: [UInt8] = []
        while true {
            guard i < bytes.count else { throw Failure(message: "unterminated string", offset: start) }
            let c = bytes[i]
            if c == UInt8(ascii: "\"") { i += 1; break }
            if c < 0x20 { throw failure("raw control character \(describe(c)) in a string") }
            if c != UInt8(ascii: "\\") { out.append(c); i += 1; continue }
            i += 1
            guard i < bytes.count else { throw failure("unterminated escape") }
            let e = bytes[i]
            i += 1
            switch e {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.append(e)
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "f"): out.append(0x0C)
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "r"): out.append(0x0D)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "u"):
                var scalar = try hex4()
                if (0xD800..<0xDC00).contains(scalar) {
                    guard i + 1 < bytes.count, bytes[i] == UInt8(ascii: "\\"), bytes[i + 1] == UInt8(ascii: "u") else {
                        throw failure("unpaired UTF-16 surrogate in a \\u escape")
                    }
                    i += 2
                    let low = try hex4()
                    guard (0xDC00..<0xE000).contains(low) else { throw failure("unpaired UTF-16 surrogate in a \\u escape") }
                    scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                } else if (0xDC00..<0xE000).contains(scalar) {
                    throw failure("unpaired UTF-16 surrogate in a \\u escape")
                }
                out.append(contentsOf: Array(String(Unicode.Scalar(scalar)!).utf8))
            default:
                throw failure("invalid escape \(e >= 0x20 && e < 0x7F ? "'\\\(Character(Unicode.Scalar(e)))'" : describe(e))")
            }
        }
        guard let s = String(validating: out, as: UTF8.self) else {
            throw Failure(message: "a string is not valid UTF-8", offset: start)
        }
        return s
    }

    mutating func hex4() throws(Failure) -> UInt32 {
        guard i + 4 <= bytes.count else { throw failure("truncated \\u escape") }
        var v: UInt32 = 0
        for _ in 0..<4 {
            let c = bytes[i]
            let d: UInt32
            switch c {
            case 0x30...0x39: d = UInt32(c - 0x30)
            case 0x41...0x46: d = UInt32(c - 0x41 + 10)
            case 0x61...0x66: d = UInt32(c - 0x61 + 10)
            default: throw failure("invalid hex digit in a \\u escape")
            }
            v = v << 4 | d
            i += 1
        }
        return v
    }
}
