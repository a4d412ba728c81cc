import Artifacts
import Autograd
import Foundation
import Testing

/// True when the interop interpreter (`SWIFTGAN_PYTHON` or `python3`) has numpy.
private let hasNumPy: Bool = InteropPython.run(["-c", "import numpy"])?.status == 0

/// Deterministic values per dtype, computed the same way by NumPy in `numpyWritesTheSameBytes`.
private func sample(_ dtype: NPYDType, _ shape: [Int]) -> NPYArray {
    let n = shape.reduce(1, *)
    switch dtype {
    case .float32: return NPYArray(Tensor((0..<n).map { Float($0) * 0.25 - 1 }, shape: shape))
    case .float64: return .float64((0..<n).map { Double($0) / 3 }, shape: shape)
    case .uint8: return .uint8((0..<n).map { UInt8($0 % 256) }, shape: shape)
    case .int64: return .int64((0..<n).map { Int64($0) * -7 }, shape: shape)
    }
}

@Suite struct NPYTests {
    @Test func tensorRoundTrip() throws {
        try withTemporaryDirectory { dir in
            for shape in [[], [0], [5], [2, 3], [2, 0, 4], [3, 1, 2, 2]] as [[Int]] {
                let n = shape.reduce(1, *)
                let values = (0..<n).map { Float($0) * 1.37 - 2 }
                let url = dir.appendingPathComponent("t.npy")
                try NPY.write(Tensor(values, shape: shape), to: url)
                let back = try NPY.read(contentsOf: url)
                #expect(back.shape == shape)
                #expect(back.toArray().map(\.bitPattern) == values.map(\.bitPattern))
                let bytes = try [UInt8](Data(contentsOf: url))
                #expect(bytes.count == 128 + 4 * n)  // these headers fit in 128 bytes
            }
            // Other dtypes round-trip as arrays.
            for dtype in NPYDType.allCases {
                let array = sample(dtype, [2, 3])
                #expect(try NPY.decode(NPY.encode(array)) == array)
            }
            #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path) == ["t.npy"])
        }
    }

    /// The header NumPy writes for a [2, 3] float32 array, byte for byte.
    @Test func headerIsNumPysForAKnownCase() throws {
        let bytes = NPY.encode(Tensor((0..<6).map { Float($0) / 8 - 0.5 }, shape: [2, 3]))
        let dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }"
        let header: [UInt8] = [0x93] + Array("NUMPY".utf8) + [1, 0, 118, 0] + Array(dict.utf8)
            + [UInt8](repeating: 0x20, count: 117 - dict.utf8.count) + [0x0A]
        #expect(Array(bytes.prefix(128)) == header)
        // The whole file is the one NumPy wrote (Resources/make_png_npy.py).
        #expect(bytes == (try [UInt8](Data(contentsOf: resource("ref_f4.npy")))))
    }

    /// NumPy writes exactly the bytes we write, for every dtype and assorted shapes.
    @Test func numpyWritesTheSameBytes() throws {
        guard hasNumPy else {
            print("NPYTests: skipped the NumPy byte comparison (no numpy for \(InteropPython.executable))")
            return
        }
        let shapes: [[Int]] = [[], [0], [7], [2, 3], [123_456_789, 0], [0, 98_765_432_109], Array(repeating: 1, count: 30), [1, 2, 1, 3]]
        let script = """
            import json, sys, numpy as np
            make = {'<f4': lambda n: np.arange(n, dtype=np.float32) * np.float32(0.25) - np.float32(1),
                    '<f8': lambda n: np.arange(n, dtype=np.float64) / 3,
                    '|u1': lambda n: (np.arange(n) % 256).astype(np.uint8),
                    '<i8': lambda n: np.arange(n, dtype=np.int64) * -7}
            for i, (dtype, shape) in enumerate(json.loads(sys.argv[2])):
                np.save(f"{sys.argv[1]}/np{i}.npy", make[dtype](int(np.prod(shape))).reshape(shape))
            """
        let cases = NPYDType.allCases.flatMap { d in shapes.map { (d, $0) } }
        let json = "[" + cases.map { "[\"\($0.0.rawValue)\", \($0.1)]" }.joined(separator: ", ") + "]"
        try withTemporaryDirectory { dir in
            let result = try #require(InteropPython.run(["-c", script, dir.path, json]))
            try #require(result.status == 0, "\(result.output)")
            for (i, (dtype, shape)) in cases.enumerated() {
                let theirs = try [UInt8](Data(contentsOf: dir.appendingPathComponent("np\(i).npy")))
                #expect(NPY.encode(sample(dtype, shape)) == theirs, "\(dtype.rawValue) \(shape)")
                #expect(try NPY.decode(theirs) == sample(dtype, shape))
            }
        }
    }

    /// Files written by NumPy (Resources/make_png_npy.py) read back exactly.
    @Test func readsCommittedNumPyFiles() throws {
        let f4 = try NPY.read(contentsOf: resource("ref_f4.npy"))
        #expect(f4.shape == [2, 3] && f4.toArray() == [-0.5, -0.375, -0.25, -0.125, 0, 0.125])

        let special = try NPY.readArray(contentsOf: resource("ref_f4_special.npy"))
        let want: [Float] = [.infinity, -.infinity, -0.0, Float(1e-45), Float(3.4028235e38), 0.1]
        #expect(special.dtype == .float32 && special.shape == [6])
        #expect(special.float32Values?.map(\.bitPattern) == want.map(\.bitPattern))

        let f8 = try NPY.readArray(contentsOf: resource("ref_f8.npy"))
        #expect(f8.dtype == .float64 && f8.shape == [4])
        #expect(f8.float64Values?.map(\.bitPattern) == [1.0 / 3.0, 1e-300, -2.5, Double.pi].map(\.bitPattern))
        #expect(f8.tensor.toArray() == [Float(1.0 / 3.0), 0, -2.5, Float(Double.pi)])

        let u1 = try NPY.readArray(contentsOf: resource("ref_u1.npy"))
        #expect(u1.dtype == .uint8 && u1.shape == [2, 2, 2] && u1.uint8Values == (0..<8).map { UInt8($0 * 30 + 5) })
        #expect(try NPY.read(contentsOf: resource("ref_u1.npy")).toArray() == (0..<8).map { Float($0 * 30 + 5) })

        let i8 = try NPY.readArray(contentsOf: resource("ref_i8_scalar.npy"))
        #expect(i8.dtype == .int64 && i8.shape == [] && i8.int64Values == [-42])
        #expect(try NPY.read(contentsOf: resource("ref_i8_scalar.npy")).toArray() == [-42])

        let empty = try NPY.read(contentsOf: resource("ref_f4_empty.npy"))
        #expect(empty.shape == [0, 3] && empty.count == 0)

        let v2 = try NPY.read(contentsOf: resource("ref_f4_v2.npy"))
        #expect(v2.shape == [3] && v2.toArray() == [0, 1, 2])

        do {
            _ = try NPY.read(contentsOf: resource("ref_f4_fortran.npy"))
            Issue.record("a Fortran-ordered array was accepted")
        } catch {
            #expect("\(error)".contains("ref_f4_fortran.npy: fortran_order is True (column-major data), which is not supported"))
        }
    }

    @Test func hugeHeadersUseVersion2() throws {
        let shape = Array(repeating: 1, count: 25_000)  // a header over 65535 bytes
        let array = NPYArray(dtype: .float32, shape: shape, bytes: [0, 0, 0x80, 0x3F])
        let bytes = NPY.encode(array)
        #expect(bytes[6] == 2 && bytes[7] == 0)
        let length = Int(bytes[8]) | Int(bytes[9]) << 8 | Int(bytes[10]) << 16 | Int(bytes[11]) << 24
        #expect((12 + length) % 64 == 0 && bytes.count == 12 + length + 4)
        #expect(try NPY.decode(bytes) == array)
    }

    @Test func malformedFilesGiveErrorsNamingTheFile() throws {
        let good = NPY.encode(Tensor([1, 2, 3, 4, 5, 6], shape: [2, 3]))
        /// A version 1.0 file with `dict` as header (padded to 64 bytes) and `data`.
        func file(_ dict: String, data: Int = 24, version: [UInt8] = [1, 0]) -> [UInt8] {
            var text = Array(dict.utf8)
            while (10 + text.count + 1) % 64 != 0 { text.append(0x20) }
            text.append(0x0A)
            return [0x93] + Array("NUMPY".utf8) + version + [UInt8(text.count & 255), UInt8(text.count >> 8)] + text
                + [UInt8](repeating: 0, count: data)
        }
        let header = "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }"
        #expect(try NPY.decode(file(header), name: "ok.npy").shape == [2, 3])

        let cases: [(String, [UInt8], String)] = [
            ("empty", [], "empty file"),
            ("short", Array(good.prefix(7)), "too short"),
            ("magic", [0x93] + Array("NUMPX".utf8) + Array(good[6...]), "not a .npy file"),
            ("version", [0x93] + Array("NUMPY".utf8) + [4, 0] + Array(good[8...]), "unsupported .npy format version 4.0"),
            ("hlen", Array(good.prefix(100)), "header length 118 runs past the end of the file (100 bytes"),
            ("truncated", Array(good.dropLast(3)), "shape (2, 3) of <f4 needs 24 bytes of data, but the file has 21 (truncated file?)"),
            ("trailing", good + [0], "needs 24 bytes of data, but the file has 25"),
            ("syntax", file("{'descr' '<f4', 'fortran_order': False, 'shape': (2, 3), }"), "malformed header: expected ':', found '''"),
            ("unterminated", file("{'descr': '<f4, 'fortran_order': False, 'shape': (2, 3), }"), "malformed header"),
            ("after", file(header + " x"), "malformed header: unexpected text after the dict"),
            ("notuple", file("{'descr': '<f4', 'fortran_order': False, 'shape': (6), }", data: 24), "(n) is a number, not a tuple"),
            ("negative", file("{'descr': '<f4', 'fortran_order': False, 'shape': (-2, 3), }"), "negative size in the shape"),
            ("missing", file("{'descr': '<f4', 'shape': (2, 3), }"), "the header has no 'fortran_order' key"),
            ("extra", file("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), 'x': True}"), "unexpected key 'x'"),
            ("dtype", file("{'descr': '>f4', 'fortran_order': False, 'shape': (2, 3), }"), "dtype '>f4' is not supported (supported: '<f4', '<f8', '|u1', '<i8')"),
            ("shapetype", file("{'descr': '<f4', 'fortran_order': False, 'shape': 'x', }"), "shape is the string 'x', not a tuple"),
            ("fortran", file("{'descr': '<f4', 'fortran_order': True, 'shape': (2, 3), }"), "fortran_order is True"),
            ("overflow", file("{'descr': '<f8', 'fortran_order': False, 'shape': (4611686018427387904, 4), }"), "has too many elements"),
        ]
        for (name, bytes, mention) in cases {
            do {
                let array = try NPY.decode(bytes, name: "\(name).npy")
                Issue.record("\(name).npy was accepted: \(array.dtype) \(array.shape)")
            } catch let error as NPYError {
                #expect(error.description.hasPrefix("\(name).npy: "), "\(error)")
                #expect(error.description.contains(mention), "\(error)")
            }
        }
        do { _ = try NPY.read(contentsOf: URL(fileURLWithPath: "/nonexistent/a.npy")); Issue.record("missing file read") } catch {
            #expect("\(error)".hasPrefix("/nonexistent/a.npy: cannot be read"))
        }
    }
}
