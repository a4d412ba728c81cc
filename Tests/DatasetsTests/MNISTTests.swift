import Artifacts
import Autograd
import Datasets
import Foundation
import Testing

@Suite("MNIST IDX reader")
struct MNISTTests {
    /// A fresh directory holding the given files, gzip-compressed.
    static func directory(_ files: [String: Data]) throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("mnist-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        for (name, bytes) in files { try Gzip.compress(bytes).write(to: dir.appendingPathComponent(name)) }
        return dir
    }

    /// Three 28x28 images (pixel i of image k is (k * 50 + i) mod 256) and their labels.
    static func tinySplit() -> [String: Data] {
        let pixels = (0..<3).flatMap { k in (0..<784).map { UInt8((k * 50 + $0) % 256) } }
        return ["t10k-images-idx3-ubyte.gz": IDXArray(shape: [3, 28, 28], bytes: pixels).encoded(),
                "t10k-labels-idx1-ubyte.gz": IDXArray(shape: [3], bytes: [7, 0, 9]).encoded()]
    }

    static func message(_ body: () throws -> Void) -> String {
        do { try body(); return "no error" } catch { return "\(error)" }
    }

    @Test func readsTinyFilesMadeHere() throws {
        let dir = try Self.directory(Self.tinySplit())
        defer { try? FileManager.default.removeItem(at: dir) }
        let data = try MNIST.load(.test, from: dir, checkMD5: false)
        #expect(data.count == 3 && data.labels == [7, 0, 9])
        let x = data.images()
        #expect(x.shape == [3, 1, 28, 28])
        let v = x.toArray()
        #expect(v[0] == -1 && v[255] == 1 && abs(v[784 + 1] - (-1 + 2 * 51 / 255)) < 1e-6)
        #expect(data.images(valueRange: 0...1).toArray()[255] == 1)
        #expect(data.pixels[784 * 2 + 3] == 103)
    }

    @Test func md5MismatchNamesTheFile() throws {
        // The tiny files are valid IDX but not the published files: the MD5 check refuses them.
        let dir = try Self.directory(Self.tinySplit())
        defer { try? FileManager.default.removeItem(at: dir) }
        let text = Self.message { _ = try MNIST.load(.test, from: dir) }
        #expect(text.contains("t10k-images-idx3-ubyte.gz: corrupt: MD5"), "\(text)")
    }

    @Test func truncatedCorruptAndMissingFilesNameTheFile() throws {
        var files = Self.tinySplit()
        let dir = try Self.directory(files)
        defer { try? FileManager.default.removeItem(at: dir) }
        let images = dir.appendingPathComponent("t10k-images-idx3-ubyte.gz")
        let labels = dir.appendingPathComponent("t10k-labels-idx1-ubyte.gz")

        // gzip stream cut short.
        let packed = try Data(contentsOf: images)
        try packed.prefix(packed.count / 2).write(to: images)
        var text = Self.message { _ = try MNIST.load(.test, from: dir, checkMD5: false) }
        #expect(text.contains("t10k-images-idx3-ubyte.gz: truncated"), "\(text)")

        // Damaged compressed bytes.
        var bad = packed
        for i in 20..<40 { bad[i] ^= 0x5A }
        try bad.write(to: images)
        text = Self.message { _ = try MNIST.load(.test, from: dir, checkMD5: false) }
        #expect(text.contains("t10k-images-idx3-ubyte.gz"), "\(text)")

        // A valid gzip whose IDX body is short of what the header says.
        files["t10k-images-idx3-ubyte.gz"] = files["t10k-images-idx3-ubyte.gz"]!.dropLast(100)
        try Gzip.compress(files["t10k-images-idx3-ubyte.gz"]!).write(to: images)
        text = Self.message { _ = try MNIST.load(.test, from: dir, checkMD5: false) }
        #expect(text.contains("t10k-images-idx3-ubyte.gz: truncated: the header says 3 x 28 x 28 = 2352 bytes"), "\(text)")

        // Bad magic (float elements) in the labels.
        try Gzip.compress(IDXArray(shape: [3, 28, 28], bytes: [UInt8](repeating: 0, count: 2352)).encoded()).write(to: images)
        try Gzip.compress(Data([0, 0, 0x0D, 1, 0, 0, 0, 3, 1, 2, 3])).write(to: labels)
        text = Self.message { _ = try MNIST.load(.test, from: dir, checkMD5: false) }
        #expect(text.contains("t10k-labels-idx1-ubyte.gz: bad magic 0x00000d01"), "\(text)")

        // Labels that do not match the images in number.
        try Gzip.compress(IDXArray(shape: [2], bytes: [1, 2]).encoded()).write(to: labels)
        text = Self.message { _ = try MNIST.load(.test, from: dir, checkMD5: false) }
        #expect(text.contains("t10k-labels-idx1-ubyte.gz: 2 labels for the 3 images"), "\(text)")

        // Missing.
        try FileManager.default.removeItem(at: labels)
        text = Self.message { _ = try MNIST.load(.test, from: dir, checkMD5: false) }
        #expect(text.contains("t10k-labels-idx1-ubyte.gz: missing"), "\(text)")
        text = Self.message { _ = try MNIST.load(.train, from: dir) }
        #expect(text.contains("train-images-idx3-ubyte.gz: missing"), "\(text)")
    }

    @Test func bundledTestSplit() throws {
        let dir = try MNIST.bundledDirectory()
        #expect(dir.path.hasSuffix("data/mnist"))
        let test = try MNIST.load(.test, from: dir)
        #expect(test.count == 10_000 && test.pixels.count == 10_000 * 784)
        let counts = (0..<10).map { d in test.labels.filter { $0 == d }.count }
        #expect(counts == [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009])
        #expect(Array(test.labels.prefix(5)) == [7, 2, 1, 0, 4])
        // Ink covers about a fifth of the pixels; the mean byte is about 33.8 (0.1325 * 255).
        let mean = Double(test.pixels.reduce(0) { $0 + Int($1) }) / Double(test.pixels.count)
        #expect(abs(mean / 255 - 0.1325) < 0.002)
        let missing = Self.message { _ = try BundledData.directory("data/nowhere", containing: "x.gz") }
        #expect(missing.contains("data/nowhere/x.gz not found"))
    }
}
