import Artifacts
import Autograd
import Foundation
import Testing

/// A fresh directory, removed when `body` returns.
func withTemporaryDirectory<T>(_ body: (URL) throws -> T) throws -> T {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("swiftgan-ckpt-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: dir) }
    return try body(dir)
}

struct InjectedFailure: Error {}

@Suite struct CheckpointTests {
    @Test func tensorsExtrasAndMetadataRoundTrip() throws {
        try withTemporaryDirectory { dir in
            var rng = RandomGenerator(seed: 3)
            let w = Tensor.randomNormal([4, 3], using: &rng)
            let b = Tensor([0.5, -1, 2])
            let scalar = Tensor(scalar: 7)
            var ckpt = Checkpoint(tensors: ["layer.weight": w, "layer.bias": b.requiringGradient(), "scale": scalar],
                                  metadata: ["arch": "mlp"])
            ckpt.setInt64(123_456_789_012, named: "step")
            ckpt.setEntry(.uint8([1, 2, 3], shape: [3]), named: "flags")
            ckpt.metadata["epoch"] = "4"
            let url = dir.appendingPathComponent("ckpt.safetensors")
            try ckpt.write(to: url)

            let back = try Checkpoint(contentsOf: url)
            #expect(back.source == url.path)
            #expect(back.metadata == ["arch": "mlp", "epoch": "4"])
            #expect(back.names == ["flags", "layer.bias", "layer.weight", "scale", "step"])
            let tensors = try back.tensors()
            #expect(Set(tensors.keys) == ["layer.weight", "layer.bias", "scale"])   // integer extras left out
            #expect(tensors["layer.weight"]!.shape == [4, 3])
            #expect(tensors["layer.weight"]!.toArray() == w.toArray())
            #expect(tensors["layer.bias"]!.toArray() == [0.5, -1, 2])
            #expect(!tensors["layer.bias"]!.isTracked)
            #expect(tensors["scale"]!.shape == [] && tensors["scale"]!.scalarValue == 7)
            #expect(try back.int64(named: "step") == 123_456_789_012)
            #expect(back.file.entries["flags"]?.uint8Values == [1, 2, 3])
            #expect(try back.tensor(named: "layer.bias").toArray() == [0.5, -1, 2])
        }
    }

    @Test func generatorStateResumesTheSameSequence() throws {
        try withTemporaryDirectory { dir in
            var rng = RandomGenerator(seed: 2024)
            for _ in 0..<37 { _ = rng.next() }
            var ckpt = Checkpoint()
            ckpt.setGenerator(rng, named: "rng")
            let url = dir.appendingPathComponent("rng.safetensors")
            try ckpt.write(to: url)
            #expect(ckpt.file.entries["rng"]?.dtype == .i64 && ckpt.file.entries["rng"]?.shape == [4])

            let continued = (0..<8).map { _ in rng.next() }
            let noise = Tensor.randomNormal([5], using: &rng).toArray()
            var restored = try Checkpoint(contentsOf: url).generator(named: "rng")
            #expect((0..<8).map { _ in restored.next() } == continued)
            #expect(Tensor.randomNormal([5], using: &restored).toArray() == noise)
            #expect(restored == rng)
        }
    }

    @Test func badGeneratorEntriesThrow() throws {
        var ckpt = Checkpoint()
        ckpt.setEntry(.int64([1, 2, 3], shape: [3]), named: "short")
        ckpt.setEntry(.int64([0, 0, 0, 0], shape: [4]), named: "zero")
        #expect { try ckpt.generator(named: "short") } throws: {
            "\($0)".contains(#"<checkpoint>: entry "short" is I64 [3], not a generator state (I64 [4])"#)
        }
        #expect { try ckpt.generator(named: "zero") } throws: { "\($0)".contains("all-zero generator state") }
        #expect { try ckpt.generator(named: "absent") } throws: { "\($0)".contains(#"no entry "absent""#) }
        #expect { try ckpt.int64(named: "short") } throws: { "\($0)".contains("not a single I64 value") }
    }

    @Test func float64EntriesConvertOnlyOnRequest() throws {
        let file = SafetensorsFile(entries: ["d": .float64([1.0 / 3.0, -2.5, 1e-50], shape: [3]),
                                             "i": .int32([1], shape: [1])])
        let ckpt = Checkpoint(file: file, source: "f64.safetensors")
        #expect { try ckpt.tensor(named: "d") } throws: {
            "\($0)".contains(#"f64.safetensors: tensor "d" is F64; pass convertingF64: true"#)
        }
        #expect { try ckpt.tensors() } throws: { "\($0)".contains(#"tensor "d" is F64"#) }
        #expect(try ckpt.tensor(named: "d", convertingF64: true).toArray() == [Float(1.0 / 3.0), -2.5, 0])
        #expect(try Set(ckpt.tensors(convertingF64: true).keys) == ["d"])
        #expect { try ckpt.tensor(named: "i") } throws: {
            "\($0)".contains(#"f64.safetensors: entry "i" is I32 [1], not an F32 tensor"#)
        }
    }

    @Test func loadingAgainstAModelReportsEveryMismatchAtOnce() throws {
        var ckpt = Checkpoint(tensors: ["a": Tensor(zeros: [2, 3]), "b": Tensor(zeros: [4]), "c": Tensor(zeros: [1]),
                                        "e": Tensor(zeros: [2])])
        ckpt.setEntry(.float64([1, 2], shape: [2]), named: "d")
        ckpt.setInt64(10, named: "step")      // auxiliary state, never "unexpected"
        ckpt.source = "model.safetensors"
        let expected: [String: [Int]] = ["a": [2, 3], "b": [5], "d": [2], "f": [7, 7], "step": [1]]
        do {
            _ = try ckpt.tensors(expecting: expected)
            Issue.record("mismatched checkpoint was accepted")
        } catch let error as CheckpointError {
            #expect(error.missing == ["f"])
            #expect(error.unexpected == ["c", "e"])
            #expect(error.misshaped == ["b", "step"])
            #expect(error.wrongType == ["d", "step"])
            let m = error.description
            #expect(m.hasPrefix("model.safetensors: checkpoint does not match the model (1 missing, 2 unexpected, 2 wrong shape, 2 wrong dtype)"))
            #expect(m.contains(#"missing: "f" (expected shape [7, 7])"#))
            #expect(m.contains(#"unexpected: "c" (found shape [1]"#))
            #expect(m.contains(#"unexpected: "e" (found shape [2]"#))
            #expect(m.contains(#"wrong shape: "b" expected [5], found [4]"#))
            #expect(m.contains(#"wrong dtype: "d" is F64 [2], expected F32; pass convertingF64: true"#))
            #expect(m.contains(#"wrong shape: "step" expected [1], found []"#))
            #expect(!m.contains(#""a""#))
        }
        // A matching expectation loads exactly the expected tensors.
        let loaded = try ckpt.tensors(expecting: ["a": [2, 3], "b": [4], "c": [1], "d": [2], "e": [2]], convertingF64: true)
        #expect(Set(loaded.keys) == ["a", "b", "c", "d", "e"])
        #expect(loaded["d"]!.toArray() == [1, 2])
    }

    @Test func failedWriteLeavesThePreviousFileAndNoTemporary() throws {
        try withTemporaryDirectory { dir in
            let url = dir.appendingPathComponent("model.safetensors")
            let v1 = Checkpoint(tensors: ["w": Tensor([1, 2, 3])], metadata: ["version": "1"])
            try v1.write(to: url)

            // A write whose data provider throws midway, after part of a new file went out.
            let v2 = Checkpoint(tensors: ["w": Tensor([9, 9, 9, 9])], metadata: ["version": "2"])
            let v2Bytes = v2.file.serialized()
            #expect(throws: InjectedFailure.self) {
                try AtomicFile.write(to: url) { sink in
                    try v2Bytes.prefix(v2Bytes.count / 2).withUnsafeBytes { try sink($0) }
                    throw InjectedFailure()
                }
            }
            let after = try Checkpoint(contentsOf: url)
            #expect(after.metadata["version"] == "1")
            #expect(try after.tensor(named: "w").toArray() == [1, 2, 3])
            #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path) == ["model.safetensors"])

            // A write that succeeds replaces the file and leaves nothing else behind.
            try v2.write(to: url)
            #expect(try Checkpoint(contentsOf: url).tensor(named: "w").toArray() == [9, 9, 9, 9])
            #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path) == ["model.safetensors"])
        }
    }

    @Test func writeIntoAMissingDirectoryNamesThePath() throws {
        try withTemporaryDirectory { dir in
            let url = dir.appendingPathComponent("no/such/dir/model.safetensors")
            #expect { try Checkpoint(tensors: ["w": Tensor([1])]).write(to: url) } throws: { error in
                error is CheckpointError && "\(error)".contains(dir.appendingPathComponent("no/such/dir").path)
                    && "\(error)".contains("No such file or directory")
            }
        }
    }
}
