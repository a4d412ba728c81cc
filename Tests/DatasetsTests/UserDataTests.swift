import Artifacts
import Autograd
import Datasets
import Foundation
import Testing

@Suite("The user's own data: .npy arrays and PNG folders")
struct UserDataTests {
    static func folder() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("images-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("sub"), withIntermediateDirectories: true)
        return dir
    }

    static func message(_ body: () throws -> Void) -> String {
        do { try body(); return "no error" } catch { return "\(error)" }
    }

    @Test func pngFolderGreyAndRGBResizedOrCropped() throws {
        let dir = try Self.folder()
        defer { try? FileManager.default.removeItem(at: dir) }
        // a.png: 8x4 RGB, left half red, right half blue. sub/b.png: 4x4 grey 200. notes.txt: skipped.
        var rgb = Image(width: 8, height: 4, channels: 3)
        for y in 0..<4 { for x in 0..<8 { rgb[x: x, y: y, c: x < 4 ? 0 : 2] = 255 } }
        try PNG.write(rgb, to: dir.appendingPathComponent("a.png"))
        try PNG.write(Image(width: 4, height: 4, channels: 1, repeating: 200), to: dir.appendingPathComponent("sub/b.png"))
        try Data("not an image".utf8).write(to: dir.appendingPathComponent("notes.txt"))

        let stretched = try ImageFolder.load(dir, channels: 3, size: 2, fit: .resize)
        #expect(stretched.shape == [2, 3, 2, 2])
        let s = stretched.toArray()
        // Image 0 stretched: left column mostly red, right column mostly blue (the filter blends
        // across the edge), no green; mirror images of each other.
        #expect(s[0] > 0.3 && s[1] < -0.3 && s[8] < -0.3 && s[9] > 0.3 && s[4..<8].allSatisfy { $0 == -1 })
        #expect(abs(s[0] - s[9]) < 1e-5 && abs(s[1] - s[8]) < 1e-5)
        // Image 1 grey replicated into three channels.
        #expect(s[12..<24].allSatisfy { abs($0 - (200 / 127.5 - 1)) < 1e-5 })

        // Centre crop of a.png: columns 2..<6, half red half blue; as grey: luminance.
        let cropped = try ImageFolder.load(dir, channels: 1, size: 4, fit: .crop)
        #expect(cropped.shape == [2, 1, 4, 4])
        let g = cropped.toArray()
        #expect(abs(g[0] - (0.299 * 255 / 127.5 - 1)) < 1e-4 && abs(g[3] - (0.114 * 255 / 127.5 - 1)) < 1e-4)

        // An unreadable PNG is named.
        try Data([0x89, 0x50, 0x4E, 0x47, 1, 2, 3]).write(to: dir.appendingPathComponent("sub/broken.png"))
        let text = Self.message { _ = try ImageFolder.load(dir, channels: 3, size: 2, fit: .resize) }
        #expect(text.contains("sub/broken.png"), "\(text)")
        let empty = try Self.folder()
        defer { try? FileManager.default.removeItem(at: empty) }
        #expect(Self.message { _ = try ImageFolder.load(empty, channels: 1, size: 2, fit: .crop) }.contains("holds no .png files"))
        #expect(Self.message { _ = try ImageFolder.load(empty.appendingPathComponent("nope"), channels: 1, size: 2, fit: .crop) }
            .contains("nope: no such folder"))
    }

    @Test func npyVectorsAndImages() throws {
        let dir = try Self.folder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let vectors = dir.appendingPathComponent("v.npy")
        try NPY.write(Tensor([1, 2, 3, 4, 5, 6], shape: [3, 2]), to: vectors)
        #expect(try ArrayFile.load(vectors).toArray() == [1, 2, 3, 4, 5, 6])

        // Bytes [N, H, W, C] = [2, 4, 4, 1], mapped to -1...1 and shrunk to 2x2 by averaging.
        let bytes = dir.appendingPathComponent("b.npy")
        try NPY.write(.uint8((0..<32).map { $0 < 16 ? 0 : 255 }, shape: [2, 4, 4, 1]), to: bytes)
        let images = try ArrayFile.load(bytes, imageSize: 2)
        #expect(images.shape == [2, 1, 2, 2] && images.toArray() == [-1, -1, -1, -1, 1, 1, 1, 1])
        #expect(try ArrayFile.load(bytes, imageSize: 4).shape == [2, 1, 4, 4])

        // Float images outside -1...1, vectors where images are expected, and a damaged file: errors naming the file.
        let loud = dir.appendingPathComponent("loud.npy")
        try NPY.write(Tensor([Float](repeating: 200, count: 16), shape: [1, 1, 4, 4]), to: loud)
        #expect(Self.message { _ = try ArrayFile.load(loud, imageSize: 4) }.contains("loud.npy: image value 200.0"))
        #expect(Self.message { _ = try ArrayFile.load(vectors, imageSize: 4) }.contains("v.npy: array of shape [3, 2]"))
        #expect(Self.message { _ = try ArrayFile.load(loud) }.contains("loud.npy: array of shape [1, 1, 4, 4] holds images"))
        let cut = dir.appendingPathComponent("cut.npy")
        try Data(try Data(contentsOf: bytes).prefix(100)).write(to: cut)
        #expect(Self.message { _ = try ArrayFile.load(cut, imageSize: 2) }.contains("cut.npy"))
        #expect(Self.message { _ = try ArrayFile.load(dir.appendingPathComponent("none.npy")) }.contains("none.npy"))
    }

    @Test func resamplingAveragesWhenShrinking() {
        // A 1x4 row [0, 4, 8, 12] to 2 columns: pairs averaged with the triangle filter.
        let src: [Float] = [0, 4, 8, 12, 0, 4, 8, 12]
        let out = src.withUnsafeBufferPointer {
            ImageResampling.fit($0.baseAddress!, channels: 1, height: 2, width: 4, size: 2, mode: .resize)
        }
        #expect(out.count == 4 && abs(out[0] - out[2]) < 1e-6 && out[0] > 0 && out[0] < 4 && abs(out[0] + out[1] - 12) < 1e-4)
    }
}
