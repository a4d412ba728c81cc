import Artifacts
import Foundation
import Testing

/// Deterministic pseudo-random bytes (a 64-bit LCG), so failures reproduce.
private func patternBytes(_ count: Int, seed: UInt64) -> [UInt8] {
    var s = seed &* 6364136223846793005 &+ 1442695040888963407
    return (0..<count).map { _ in
        s = s &* 6364136223846793005 &+ 1442695040888963407
        return UInt8(truncatingIfNeeded: s >> 56)
    }
}

@Suite struct PNGTests {
    @Test(arguments: [1, 2, 3, 4])
    func roundTripsEveryChannelCount(channels: Int) throws {
        try withTemporaryDirectory { dir in
            for (w, h) in [(1, 1), (7, 3), (3, 7), (64, 5)] {
                let image = Image(width: w, height: h, channels: channels,
                                  pixels: patternBytes(w * h * channels, seed: UInt64(w * 100 + h * 10 + channels)))
                let url = dir.appendingPathComponent("img-\(w)x\(h)x\(channels).png")
                try PNG.write(image, to: url)
                let bytes = try [UInt8](Data(contentsOf: url))
                #expect(Array(bytes.prefix(8)) == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
                #expect(try PNG.read(contentsOf: url) == image)
                #expect(try PNG.decode(PNG.encode(image)) == image)
            }
        }
        // Alpha is straight: the color under a fully transparent pixel survives.
        if channels == 4 {
            let clear = Image(width: 1, height: 1, channels: 4, pixels: [200, 100, 50, 0])
            #expect(try PNG.decode(PNG.encode(clear)) == clear)
        }
    }

    @Test func writeReplacesAnExistingFileAndLeavesNoTemporaries() throws {
        try withTemporaryDirectory { dir in
            let url = dir.appendingPathComponent("a.png")
            try PNG.write(Image(width: 2, height: 2, channels: 1, repeating: 7), to: url)
            let second = Image(width: 3, height: 1, channels: 3, pixels: [1, 2, 3, 4, 5, 6, 7, 8, 9])
            try PNG.write(second, to: url)
            #expect(try PNG.read(contentsOf: url) == second)
            #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path) == ["a.png"])
        }
    }

    /// Files assembled by hand in Python (Resources/make_png_npy.py), not by libpng.
    @Test func readsFilesFromAnotherEncoder() throws {
        let rgb = try PNG.read(contentsOf: resource("rgb8.png"))
        #expect(rgb == Image(width: 2, height: 2, channels: 3, pixels: [10, 20, 30, 40, 50, 60, 70, 80, 90, 255, 0, 128]))

        // 16-bit gray [[0, 257, 65535], [32768, 1000, 64000]] scaled to round(v / 257).
        let gray = try PNG.read(contentsOf: resource("gray16.png"))
        #expect(gray == Image(width: 3, height: 2, channels: 1, pixels: [0, 1, 255, 128, 4, 249]))

        // 2-bit palette (red, green half transparent, blue) with tRNS becomes RGBA.
        let pal = try PNG.read(contentsOf: resource("palette.png"))
        let red: [UInt8] = [255, 0, 0, 255], green: [UInt8] = [0, 255, 0, 128], blue: [UInt8] = [0, 0, 255, 255]
        #expect(pal == Image(width: 4, height: 2, channels: 4,
                             pixels: red + green + blue + green + blue + blue + red + red))
    }

    /// What libpng writes is decoded by an independent decoder (Resources/decode_png.py).
    @Test func filesWrittenAreReadByAnIndependentDecoder() throws {
        guard InteropPython.run(["-c", "import zlib"])?.status == 0 else {
            print("PNGTests: skipped the independent-decoder check (\(InteropPython.executable) cannot run)")
            return
        }
        try withTemporaryDirectory { dir in
            for channels in 1...4 {
                let image = Image(width: 9, height: 4, channels: channels, pixels: patternBytes(36 * channels, seed: 99))
                let url = dir.appendingPathComponent("c\(channels).png")
                try PNG.write(image, to: url)
                let result = try #require(InteropPython.run([resource("decode_png.py").path, url.path]))
                #expect(result.status == 0, "\(result.output)")
                let numbers = result.output.split(whereSeparator: \.isWhitespace).compactMap { Int($0) }
                #expect(numbers == [9, 4, channels] + image.pixels.map(Int.init))
            }
        }
    }

    @Test func damagedFilesGiveErrorsNamingTheFile() throws {
        try withTemporaryDirectory { dir in
            let good = try PNG.encode(Image(width: 16, height: 16, channels: 3, pixels: patternBytes(768, seed: 5)))

            func message(_ bytes: [UInt8], _ name: String) throws -> String {
                let url = dir.appendingPathComponent(name)
                try Data(bytes).write(to: url)
                do {
                    let image = try PNG.read(contentsOf: url)
                    Issue.record("\(name) was accepted: \(image.width)x\(image.height)")
                    return ""
                } catch let error as PNGError {
                    #expect(error.description.hasPrefix(url.path + ": "), "\(error)")
                    return error.description
                }
            }
            #expect(try message(Array("hello, not a picture".utf8), "text.png")
                .hasSuffix("text.png: not a readable PNG (libpng: Not a PNG file)"))
            #expect(try message([], "empty.png").hasSuffix("empty.png: empty file, expected a PNG"))
            #expect(try message(Array(good.prefix(good.count / 2)), "truncated.png")
                .contains("truncated.png: corrupt or truncated PNG (libpng: "))
            #expect(try message(Array(good.prefix(20)), "header-only.png").contains("header-only.png: not a readable PNG (libpng: "))
            var corrupt = good
            corrupt[good.count / 2] ^= 0x55  // inside IDAT: the compressed stream no longer checks out
            #expect(try message(corrupt, "corrupt.png").contains("corrupt.png: corrupt or truncated PNG (libpng: "))

            do {
                _ = try PNG.read(contentsOf: dir.appendingPathComponent("missing.png"))
                Issue.record("a missing file was read")
            } catch {
                #expect("\(error)".contains("missing.png: cannot be read"))
            }
        }
    }

    @Test func emptyImagesAreRefused() throws {
        do {
            _ = try PNG.encode(Image(width: 0, height: 3, channels: 1), name: "e.png")
            Issue.record("an empty image was encoded")
        } catch {
            #expect("\(error)".hasPrefix("e.png: cannot write a 0x3 image as PNG"))
        }
    }

    @Test func badSampleCountStopsWithAMessage() async {
        await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = Image(width: 2, height: 2, channels: 3, pixels: [1, 2, 3])
        }.map { r in
            #expect(String(decoding: r.standardErrorContent, as: UTF8.self)
                .contains("Image: 3 samples cannot hold 2x2 with 3 channels"))
        }
    }
}
