import Artifacts
import Autograd
import Foundation
import Testing

/// The Python used for the interop check: `SWIFTGAN_PYTHON` (e.g. a venv's python that has
/// `safetensors` and `numpy`), else `python3` from PATH. The test never installs anything.
enum InteropPython {
    static let executable = ProcessInfo.processInfo.environment["SWIFTGAN_PYTHON"] ?? "python3"

    /// Runs the interpreter with `arguments`; nil when it cannot be started.
    static func run(_ arguments: [String]) -> (status: Int32, output: String)? {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [executable] + arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        do { try process.run() } catch { return nil }
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: output, as: UTF8.self))
    }

    /// True when `import safetensors, numpy` works in that interpreter.
    static let hasSafetensors: Bool = run(["-c", "import safetensors, numpy"])?.status == 0
}

func resource(_ name: String) -> URL {
    Bundle.module.url(forResource: "Resources", withExtension: nil)!.appendingPathComponent(name)
}

@Suite struct SafetensorsInteropTests {
    /// reference.safetensors was written by Python's safetensors (Resources/make_reference.py).
    @Test func readsTheFileWrittenByPython() throws {
        let url = resource("reference.safetensors")
        let file = try SafetensorsFile(contentsOf: url)
        #expect(file.metadata == ["format": "pt", "note": #"made by make_reference.py: "quoted" é"#])
        #expect(Set(file.entries.keys) == ["f32_matrix", "f32_special", "f64_values", "i64_values", "i64_scalar",
                                           "u8_cube", "f32_empty"])

        let matrix = try #require(file.entries["f32_matrix"])
        #expect(matrix.dtype == .f32 && matrix.shape == [2, 3])
        #expect(matrix.float32Values == (0..<6).map { Float($0) / 8 - 0.5 })

        let special = try #require(file.entries["f32_special"]?.float32Values)
        let wantSpecial: [Float] = [.infinity, -.infinity, -0.0, Float(1e-45), Float(3.4028235e38), 0.1]
        #expect(special.map(\.bitPattern) == wantSpecial.map(\.bitPattern))

        let f64 = try #require(file.entries["f64_values"])
        #expect(f64.dtype == .f64 && f64.shape == [4])
        #expect(f64.float64Values?.map(\.bitPattern) == [1.0 / 3.0, 1e-300, -2.5, Double.pi].map(\.bitPattern))

        #expect(file.entries["i64_values"]?.int64Values == [.min, -1, 0, .max, 123_456_789_012_345])
        #expect(file.entries["i64_scalar"]?.shape == [])
        #expect(file.entries["i64_scalar"]?.int64Values == [42])

        let cube = try #require(file.entries["u8_cube"])
        #expect(cube.dtype == .u8 && cube.shape == [2, 3, 4])
        #expect(cube.uint8Values == (0..<24).map { UInt8($0 * 10 + 5) })

        #expect(file.entries["f32_empty"]?.shape == [0, 3])
        #expect(file.entries["f32_empty"]?.bytes == [])

        // Through the checkpoint API: F32 as tensors, F64 converted on request.
        let ckpt = try Checkpoint(contentsOf: url)
        let tensors = try ckpt.tensors(convertingF64: true)
        #expect(Set(tensors.keys) == ["f32_matrix", "f32_special", "f64_values", "f32_empty"])
        #expect(tensors["f32_matrix"]!.shape == [2, 3])
        #expect(tensors["f32_matrix"]!.toArray() == [-0.5, -0.375, -0.25, -0.125, 0, 0.125])
        #expect(tensors["f64_values"]!.toArray() == [Float(1.0 / 3.0), 0, -2.5, Float(Double.pi)])
        #expect(try ckpt.int64(named: "i64_scalar") == 42)

        // Python orders entries by dtype size; re-writing gives the canonical (name-sorted)
        // layout of the same content.
        let rewritten = try SafetensorsFile(data: file.serialized(), name: "rewritten")
        #expect(rewritten == file)
    }

    /// The file SwiftGAN writes loads in Python's safetensors with the exact values
    /// (Resources/check_swift_file.py holds the expectations).
    @Test(.enabled(if: InteropPython.hasSafetensors,
                   "needs a python3 with safetensors and numpy (set SWIFTGAN_PYTHON to one); skipped otherwise"))
    func swiftFileLoadsInPython() throws {
        try withTemporaryDirectory { dir in
            var ckpt = Checkpoint(
                tensors: [
                    "gen.block1.conv.weight": Tensor((0..<6).map { (Float($0) - 2.5) * 0.75 }, shape: [2, 3]),
                    "special": Tensor([-0.0, .infinity, -.infinity, .leastNonzeroMagnitude, .greatestFiniteMagnitude, 0.1]),
                    "scalar": Tensor(scalar: 2.5),
                    "empty": Tensor(zeros: [0, 4]),
                ],
                metadata: ["epoch": "3", "note": "unicode é ✓ and \"quotes\"\n"])
            ckpt.setEntry(.float64([1.0 / 3.0, -1e-300, .pi], shape: [3]), named: "f64")
            ckpt.setInt64(1_234_567_890_123, named: "step")
            ckpt.setGenerator(RandomGenerator(seed: 7), named: "rng")
            ckpt.setEntry(.uint8([0, 1, 128, 255], shape: [2, 2]), named: "u8")
            ckpt.setEntry(.int32([.min, 0, .max], shape: [3]), named: "i32")
            let url = dir.appendingPathComponent("from-swift.safetensors")
            try ckpt.write(to: url)

            let result = try #require(InteropPython.run([resource("check_swift_file.py").path, url.path]))
            #expect(result.status == 0, "python check failed:\n\(result.output)")
            #expect(result.output.trimmingCharacters(in: .whitespacesAndNewlines) == "OK", "\(result.output)")
        }
    }
}
