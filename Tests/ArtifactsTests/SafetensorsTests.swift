import Artifacts
import Autograd
import Foundation
import Testing

/// A raw file: the 8-byte little-endian size (of `header`, unless `size` overrides it), the
/// header bytes, then `buffer`.
func rawSafetensors(_ header: [UInt8], _ buffer: [UInt8] = [], size: UInt64? = nil) -> Data {
    var out = Data()
    let n = size ?? UInt64(header.count)
    for i in 0..<8 { out.append(UInt8(truncatingIfNeeded: n >> (8 * UInt64(i)))) }
    out.append(contentsOf: header)
    out.append(contentsOf: buffer)
    return out
}

func rawSafetensors(_ header: String, _ buffer: [UInt8] = [], size: UInt64? = nil) -> Data {
    rawSafetensors(Array(header.utf8), buffer, size: size)
}

/// Parses `data` as the file `file`, expecting a `SafetensorsError` whose message starts with
/// the file name and contains every phrase of `mentions`.
func expectRejected(_ data: Data, file: String, mentions: [String],
                    sourceLocation: SourceLocation = #_sourceLocation) {
    do {
        let parsed = try SafetensorsFile(data: data, name: file)
        Issue.record("\(file) was accepted: \(parsed.entries.keys.sorted())", sourceLocation: sourceLocation)
    } catch let error as SafetensorsError {
        let message = error.description
        #expect(message.hasPrefix("\(file): "), "message does not name the file: \(message)", sourceLocation: sourceLocation)
        for phrase in mentions {
            #expect(message.contains(phrase), "message lacks \"\(phrase)\": \(message)", sourceLocation: sourceLocation)
        }
    } catch {
        Issue.record("unexpected error type: \(error)", sourceLocation: sourceLocation)
    }
}

@Suite struct SafetensorsTests {
    // MARK: round trips

    @Test func everyDTypeRoundTrips() throws {
        var rng = RandomGenerator(seed: 1)
        var file = SafetensorsFile(metadata: ["purpose": "round trip", "empty": ""])
        for dtype in SafetensorsDType.allCases {
            let bytes = (0..<(6 * dtype.byteSize)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            file.entries["t_\(dtype.rawValue)"] = SafetensorsEntry(dtype: dtype, shape: [2, 3], bytes: bytes)
            file.entries["scalar_\(dtype.rawValue)"] = SafetensorsEntry(
                dtype: dtype, shape: [], bytes: Array(bytes.prefix(dtype.byteSize)))
            file.entries["empty_\(dtype.rawValue)"] = SafetensorsEntry(dtype: dtype, shape: [4, 0, 2], bytes: [])
        }
        let data = file.serialized()
        let back = try SafetensorsFile(data: data, name: "all.safetensors")
        #expect(back == file)
        #expect(back.entries["empty_F64"]?.count == 0)
        #expect(back.entries["scalar_I16"]?.shape == [])
        // Writing what was read gives the same bytes (the writer is canonical).
        #expect(back.serialized() == data)
    }

    @Test func typedValuesRoundTrip() throws {
        let f32: [Float] = [0, -0.0, 1.5, .infinity, -.infinity, .leastNonzeroMagnitude, .greatestFiniteMagnitude]
        let f64: [Double] = [1.0 / 3.0, -1e-300, .pi, .nan]
        let i64: [Int64] = [.min, -1, 0, .max]
        let u64: [UInt64] = [0, .max, 1 << 63]
        let i32: [Int32] = [.min, 7, .max]
        let u16: [UInt16] = [0, 0xBEEF, .max]
        let u8: [UInt8] = [0, 1, 127, 128, 255, 9]
        let file = SafetensorsFile(entries: [
            "f32": .float32(f32, shape: [7]), "f64": .float64(f64, shape: [2, 2]), "i64": .int64(i64, shape: [4, 1]),
            "u64": .uint64(u64, shape: [3]), "i32": .int32(i32, shape: [3]), "u16": .uint16(u16, shape: [1, 3]),
            "u8": .uint8(u8, shape: [2, 3]), "scalar": .float32([2.5], shape: []), "none": .int64([], shape: [0]),
        ])
        let back = try SafetensorsFile(data: file.serialized(), name: "typed.safetensors")
        #expect(back.entries["f32"]?.float32Values?.map(\.bitPattern) == f32.map(\.bitPattern))
        #expect(back.entries["f64"]?.float64Values?.map(\.bitPattern) == f64.map(\.bitPattern))
        #expect(back.entries["i64"]?.int64Values == i64)
        #expect(back.entries["u64"]?.uint64Values == u64)
        #expect(back.entries["i32"]?.int32Values == i32)
        #expect(back.entries["u16"]?.uint16Values == u16)
        #expect(back.entries["u8"]?.uint8Values == u8)
        #expect(back.entries["u8"]?.shape == [2, 3])
        #expect(back.entries["scalar"]?.float32Values == [2.5])
        #expect(back.entries["scalar"]?.shape == [])
        #expect(back.entries["none"]?.int64Values == [])
        // Typed accessors refuse other dtypes.
        #expect(back.entries["f32"]?.float64Values == nil)
        #expect(back.entries["i64"]?.uint64Values == nil)
    }

    @Test func namesAndMetadataNeedingEscapesRoundTrip() throws {
        let names = ["quote\"d", "back\\slash", "new\nline", "tab\t", "ctrl\u{01}", "unicode é ✓ 𝄞", ""]
        var file = SafetensorsFile(metadata: ["k\"ey": "va\\lue\n\u{1F}", "ü": "𝄞"])
        for (i, n) in names.enumerated() { file.entries[n] = .float32([Float(i)], shape: [1]) }
        let back = try SafetensorsFile(data: file.serialized(), name: "escapes.safetensors")
        #expect(back == file)
    }

    @Test func fileRoundTripOnDisk() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("st-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("x.safetensors")
        let file = SafetensorsFile(entries: ["w": .float32([1, 2, 3], shape: [3])], metadata: ["a": "b"])
        try file.write(to: url)
        #expect(try SafetensorsFile(contentsOf: url) == file)
        #expect(try Data(contentsOf: url) == file.serialized())

        let missing = dir.appendingPathComponent("nope.safetensors")
        #expect { try SafetensorsFile(contentsOf: missing) } throws: { error in
            "\(error)".hasPrefix("\(missing.path): cannot be read")
        }
    }

    // MARK: byte-exact format

    @Test func writerProducesTheExactCanonicalBytes() throws {
        let file = SafetensorsFile(
            entries: ["b": .uint8([1, 2, 3], shape: [3]), "a": .float32([1.0, -2.0], shape: [2])],
            metadata: ["k": "v"])
        let header = #"{"__metadata__":{"k":"v"},"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"#
            + #""b":{"dtype":"U8","shape":[3],"data_offsets":[8,11]}}"#
        #expect(header.utf8.count == 132)
        var expected: [UInt8] = [136, 0, 0, 0, 0, 0, 0, 0]   // 132 bytes of JSON + 4 spaces
        expected += Array(header.utf8) + [0x20, 0x20, 0x20, 0x20]
        expected += [0x00, 0x00, 0x80, 0x3F, 0x00, 0x00, 0x00, 0xC0]   // 1.0, -2.0 little-endian
        expected += [1, 2, 3]
        #expect([UInt8](file.serialized()) == expected)

        // The hand-made bytes read back as the same file.
        #expect(try SafetensorsFile(data: Data(expected), name: "hand.safetensors") == file)

        // No metadata: the key is left out; an empty file is "{}" padded to 8 bytes.
        #expect([UInt8](SafetensorsFile().serialized()) == [8, 0, 0, 0, 0, 0, 0, 0] + Array("{}      ".utf8))
    }

    @Test func readerAcceptsAnyValidLayout() throws {
        // Whitespace, newlines, entries out of name order, data out of key order, zero-length
        // entries sharing an offset, an explicit null metadata.
        let header = """
            { "z" : {"shape": [2], "dtype": "U8", "data_offsets": [ 0 , 2 ]},
              "__metadata__": null,
              "e": {"dtype": "F32", "shape": [0], "data_offsets": [2, 2]},
              "a": {"dtype": "I32", "shape": [], "data_offsets": [2, 6]} }\t\r\n
            """
        let file = try SafetensorsFile(data: rawSafetensors(header, [9, 8, 1, 0, 0, 0]), name: "loose.safetensors")
        #expect(file.entries["z"]?.uint8Values == [9, 8])
        #expect(file.entries["a"]?.int32Values == [1])
        #expect(file.entries["e"]?.shape == [0])
        #expect(file.metadata.isEmpty)
        // JSON escapes in names are decoded.
        let escaped = try SafetensorsFile(
            data: rawSafetensors(#"{"\u00e9\ud834\udd1e\/":{"dtype":"U8","shape":[1],"data_offsets":[0,1]}}"#, [7]),
            name: "escaped.safetensors")
        #expect(escaped.entries.keys.first == "é𝄞/")
    }

    // MARK: malformed files, one class each

    @Test func fileShorterThanTheSizeField() {
        expectRejected(Data([1, 2, 3, 4, 5]), file: "short.safetensors",
                       mentions: ["file is 5 bytes, shorter than the 8-byte header size"])
        expectRejected(Data(), file: "empty.safetensors", mentions: ["file is 0 bytes"])
    }

    @Test func headerSizePastTheEndOfTheFile() {
        expectRejected(rawSafetensors("{}      ", size: 1000), file: "past.safetensors",
                       mentions: ["header size 1000 runs past the end of the file (16 bytes"])
    }

    @Test func absurdlyLargeHeaderSizeIsRefusedBeforeAllocating() {
        expectRejected(rawSafetensors("{}", size: UInt64.max), file: "huge.safetensors",
                       mentions: ["header size 18446744073709551615 is absurdly large"])
        expectRejected(rawSafetensors("{}", size: 100_000_001), file: "big.safetensors",
                       mentions: ["header size 100000001 is absurdly large (limit 100000000"])
    }

    @Test func headerThatIsNotUTF8() {
        expectRejected(rawSafetensors([0x7B, 0x22, 0xFF, 0xFE, 0x22, 0x3A, 0x31, 0x7D]), file: "latin.safetensors",
                       mentions: ["header is not valid UTF-8"])
    }

    @Test func headerThatIsNotJSON() {
        expectRejected(rawSafetensors(#"{"a": {"dtype": "F32","#), file: "cut.safetensors",
                       mentions: ["header is not valid JSON", "at byte 22"])
        expectRejected(rawSafetensors(#"{"a" 1}"#), file: "colon.safetensors",
                       mentions: ["header is not valid JSON: expected ':'"])
        expectRejected(rawSafetensors("{} x"), file: "trailing.safetensors",
                       mentions: ["header is not valid JSON: unexpected text after the top-level value"])
        expectRejected(rawSafetensors("[1, 2]  "), file: "array.safetensors", mentions: ["header is not a JSON object"])
        expectRejected(rawSafetensors(String(repeating: "[", count: 100) + String(repeating: "]", count: 100)),
                       file: "deep.safetensors", mentions: ["nesting deeper than 64"])
    }

    @Test func entryMissingAField() {
        expectRejected(rawSafetensors(#"{"w":{"shape":[1],"data_offsets":[0,4]}}"#, [0, 0, 0, 0]),
                       file: "nodtype.safetensors", mentions: [#"tensor "w" is missing "dtype""#])
        expectRejected(rawSafetensors(#"{"w":{"dtype":"F32","data_offsets":[0,4]}}"#, [0, 0, 0, 0]),
                       file: "noshape.safetensors", mentions: [#"tensor "w" is missing "shape""#])
        expectRejected(rawSafetensors(#"{"w":{"dtype":"F32","shape":[1]}}"#, [0, 0, 0, 0]),
                       file: "nooffsets.safetensors", mentions: [#"tensor "w" is missing "data_offsets""#])
        expectRejected(rawSafetensors(#"{"w":[1]}"#), file: "notobject.safetensors",
                       mentions: [#"tensor "w" is described by an array"#])
        expectRejected(rawSafetensors(#"{"w":{"dtype":"U8","shape":[],"data_offsets":[0,1],"extra":1}}"#, [0]),
                       file: "extra.safetensors", mentions: [#"tensor "w" has an unknown field "extra""#])
    }

    @Test func unknownDType() {
        expectRejected(rawSafetensors(#"{"w":{"dtype":"F128","shape":[1],"data_offsets":[0,16]}}"#, [UInt8](repeating: 0, count: 16)),
                       file: "f128.safetensors", mentions: [#"tensor "w": unknown dtype "F128""#])
        expectRejected(rawSafetensors(#"{"w":{"dtype":4,"shape":[1],"data_offsets":[0,4]}}"#, [0, 0, 0, 0]),
                       file: "numdtype.safetensors", mentions: [#"tensor "w": dtype is the number 4, not a string"#])
    }

    @Test func negativeOrNonIntegerShape() {
        expectRejected(rawSafetensors(#"{"w":{"dtype":"F32","shape":[-1],"data_offsets":[0,0]}}"#),
                       file: "neg.safetensors", mentions: [#"tensor "w": shape contains the negative number -1"#])
        expectRejected(rawSafetensors(#"{"w":{"dtype":"F32","shape":[1.5],"data_offsets":[0,0]}}"#),
                       file: "frac.safetensors", mentions: [#"tensor "w": shape contains 1.5, which is not an integer"#])
        expectRejected(rawSafetensors(#"{"w":{"dtype":"F32","shape":[1e2],"data_offsets":[0,0]}}"#),
                       file: "exp.safetensors", mentions: ["shape contains 1e2, which is not an integer"])
        expectRejected(rawSafetensors(#"{"w":{"dtype":"F32","shape":"3","data_offsets":[0,0]}}"#),
                       file: "str.safetensors", mentions: [#"shape is the string "3", not an array of integers"#])
        expectRejected(rawSafetensors(#"{"w":{"dtype":"F32","shape":[99999999999999999999],"data_offsets":[0,0]}}"#),
                       file: "toolarge.safetensors", mentions: ["shape contains 99999999999999999999, which is too large"])
    }

    @Test func offsetsOutOfRange() {
        expectRejected(rawSafetensors(#"{"w":{"dtype":"F32","shape":[25],"data_offsets":[0,100]}}"#, [UInt8](repeating: 0, count: 8)),
                       file: "range.safetensors",
                       mentions: [#"tensor "w": data_offsets [0, 100] run past the end of the data buffer (8 bytes"#])
        expectRejected(rawSafetensors(#"{"w":{"dtype":"U8","shape":[0],"data_offsets":[8,4]}}"#, [UInt8](repeating: 0, count: 8)),
                       file: "reversed.safetensors", mentions: ["data_offsets [8, 4] end before they begin"])
        expectRejected(rawSafetensors(#"{"w":{"dtype":"U8","shape":[0],"data_offsets":[0]}}"#),
                       file: "one.safetensors", mentions: ["data_offsets has 1 numbers, expected 2"])
    }

    @Test func overlappingTensors() {
        let header = #"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}"#
        expectRejected(rawSafetensors(header, [UInt8](repeating: 0, count: 12)), file: "overlap.safetensors",
                       mentions: [#"tensor "b" (bytes 4..<12) overlaps tensor "a" (which ends at 8)"#])
        // Two tensors on the same bytes.
        let same = #"{"a":{"dtype":"U8","shape":[4],"data_offsets":[0,4]},"b":{"dtype":"I32","shape":[],"data_offsets":[0,4]}}"#
        expectRejected(rawSafetensors(same, [1, 2, 3, 4]), file: "alias.safetensors", mentions: ["overlaps tensor"])
    }

    @Test func holesInTheBuffer() {
        let header = #"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"b":{"dtype":"F32","shape":[1],"data_offsets":[8,12]}}"#
        expectRejected(rawSafetensors(header, [UInt8](repeating: 0, count: 12)), file: "hole.safetensors",
                       mentions: [#"bytes 4..<8 of the data buffer belong to no tensor (a hole before "b")"#])
        expectRejected(rawSafetensors(#"{"a":{"dtype":"U8","shape":[1],"data_offsets":[2,3]}}"#, [0, 0, 0]),
                       file: "start.safetensors", mentions: ["bytes 0..<2 of the data buffer belong to no tensor"])
        expectRejected(rawSafetensors(#"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}"#, [UInt8](repeating: 0, count: 8)),
                       file: "tail.safetensors", mentions: ["bytes 4..<8 of the data buffer belong to no tensor (trailing bytes"])
    }

    @Test func byteCountDisagreesWithShapeAndDType() {
        expectRejected(rawSafetensors(#"{"w":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}"#, [UInt8](repeating: 0, count: 8)),
                       file: "count.safetensors", mentions: [#"tensor "w": data_offsets [0, 8] hold 8 bytes, but F32 [3] needs 12"#])
        expectRejected(rawSafetensors(#"{"w":{"dtype":"F64","shape":[4611686018427387904,4],"data_offsets":[0,8]}}"#,
                                      [UInt8](repeating: 0, count: 8)),
                       file: "overflow.safetensors", mentions: ["needs more than"])
    }

    @Test func metadataValuesMustBeStrings() {
        expectRejected(rawSafetensors(#"{"__metadata__":{"epoch":3}}"#), file: "meta.safetensors",
                       mentions: [#""__metadata__" value for "epoch" is the number 3, but metadata values must be strings"#])
        expectRejected(rawSafetensors(#"{"__metadata__":{"a":{"b":"c"}}}"#), file: "nested.safetensors",
                       mentions: [#"value for "a" is an object"#])
        expectRejected(rawSafetensors(#"{"__metadata__":"x"}"#), file: "metastr.safetensors",
                       mentions: [#""__metadata__" is the string "x", not an object of strings"#])
    }

    @Test func duplicateNames() {
        let header = #"{"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1]},"a":{"dtype":"U8","shape":[1],"data_offsets":[1,2]}}"#
        expectRejected(rawSafetensors(header, [1, 2]), file: "dup.safetensors",
                       mentions: [#"tensor name "a" appears more than once"#])
        expectRejected(rawSafetensors(#"{"__metadata__":{"k":"1","k":"2"}}"#), file: "dupmeta.safetensors",
                       mentions: [#"key "k" appears more than once"#])
        expectRejected(rawSafetensors(#"{"__metadata__":{},"__metadata__":{}}"#), file: "twometa.safetensors",
                       mentions: [#""__metadata__" appears twice"#])
        expectRejected(rawSafetensors(#"{"a":{"dtype":"U8","dtype":"U8","shape":[0],"data_offsets":[0,0]}}"#),
                       file: "dupfield.safetensors", mentions: [#"tensor "a" has field "dtype" twice"#])
    }

    @Test func truncatedFile() {
        let file = SafetensorsFile(entries: ["w": .float32([1, 2, 3, 4], shape: [2, 2]), "b": .int64([5], shape: [1])])
        let data = file.serialized()
        // Cut in the data buffer: the last tensor runs past the end.
        expectRejected(data.prefix(data.count - 3), file: "cut.safetensors",
                       mentions: [#"tensor "w": data_offsets [8, 24] run past the end of the data buffer (21 bytes; truncated file?)"#])
        // Cut in the header: the size runs past the end.
        expectRejected(data.prefix(20), file: "cut2.safetensors", mentions: ["runs past the end of the file (20 bytes"])
        // Every prefix is rejected, none crashes.
        for n in 0..<data.count {
            #expect(throws: SafetensorsError.self) { try SafetensorsFile(data: data.prefix(n), name: "p") }
        }
    }
}
