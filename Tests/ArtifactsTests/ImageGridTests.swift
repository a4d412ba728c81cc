import Artifacts
import Autograd
import Foundation
import Testing

@Suite struct ImageGridTests {
    /// Two 2x2 gray images, nrow 2, padding 1: a 4x7 grid; every pixel checked.
    @Test func tinyGridLayoutIsExact() {
        // Image 0: -1, 1 / 0, 0.5; image 1: 1, -1 / -0.5, 1.
        let batch = Tensor([-1, 1, 0, 0.5, 1, -1, -0.5, 1], shape: [2, 1, 2, 2])
        let grid = ImageGrid.make(batch, nrow: 2, padding: 1, padValue: 9)
        #expect(grid.width == 7 && grid.height == 4 && grid.channels == 1)
        // 0.5 -> 0.75 * 255 + 0.5 = 191.75 -> 191; -0.5 -> 63.75 + 0.5 -> 64; 0 -> 128.
        let P: UInt8 = 9
        let expected: [UInt8] = [
            P, P, P, P, P, P, P,
            P, 0, 255, P, 255, 0, P,
            P, 128, 191, P, 64, 255, P,
            P, P, P, P, P, P, P,
        ]
        #expect(grid.pixels == expected)
        // The same batch as [N, H, W].
        #expect(ImageGrid.make(Tensor(batch.toArray(), shape: [2, 2, 2]), nrow: 2, padding: 1, padValue: 9) == grid)
        // nrow 1 stacks them vertically: 7 high, 4 wide.
        let column = ImageGrid.make(batch, nrow: 1, padding: 1, padValue: 9)
        #expect(column.width == 4 && column.height == 7)
        #expect(column.pixels == [P, P, P, P, P, 0, 255, P, P, 128, 191, P, P, P, P, P,
                                  P, 255, 0, P, P, 64, 255, P, P, P, P, P])
    }

    @Test func partialLastRowAndColorInterleaving() {
        // Three 1x1 RGB images, nrow 2, padding 0: a 2x2 grid whose last tile is padding.
        let batch = Tensor([-1, 0, 1, 1, 1, 1, -1, -1, -1], shape: [3, 3, 1, 1])
        let grid = ImageGrid.make(batch, nrow: 2, padding: 0, padValue: 7)
        #expect(grid.width == 2 && grid.height == 2 && grid.channels == 3)
        #expect(grid.pixels == [0, 128, 255, 255, 255, 255, 0, 0, 0, 7, 7, 7])
        // Default layout: nrow 8 > N, padding 2: width 3 * (1 + 2) + 2, height 1 * 3 + 2.
        let wide = ImageGrid.make(batch)
        #expect(wide.width == 11 && wide.height == 5)
        #expect(wide[x: 2, y: 2, c: 2] == 255 && wide[x: 5, y: 2, c: 0] == 255 && wide[x: 8, y: 2, c: 1] == 0)
        #expect(wide[x: 3, y: 2, c: 0] == 0 && wide[x: 2, y: 1, c: 0] == 0)
    }

    @Test func valueMappingAndClamping() {
        let values: [Float] = [-5, -1, -0.999, 0, 0.001, 0.999, 1, 7, .nan, .infinity, -.infinity, 0.5]
        let t = Tensor(values, shape: [1, 1, 1, values.count])
        let bytes = ImageGrid.make(t, padding: 0).pixels
        // floor(clamp((x + 1) / 2, 0, 1) * 255 + 0.5); NaN -> 0.
        #expect(bytes == [0, 0, 0, 128, 128, 255, 255, 255, 0, 255, 0, 191])
        // Another range: 0...1, as torchvision's save_image default.
        let unit = ImageGrid.make(Tensor([0, 0.25, 1, 2, -1], shape: [1, 5, 1]), padding: 0, valueRange: 0...1)
        #expect(unit.pixels == [0, 64, 255, 255, 0])
        // Each image normalized by its own min and max; a constant image is black.
        let two = Tensor([10, 20, 30, 5, 5, 5], shape: [2, 1, 1, 3])
        let each = ImageGrid.make(two, nrow: 1, padding: 0, normalizeEach: true)
        #expect(each.pixels == [0, 128, 255, 0, 0, 0])
        // Infinities do not take part in the minimum and maximum: they clamp.
        let inf = ImageGrid.make(Tensor([.infinity, 2, 4, -.infinity], shape: [1, 1, 4]), padding: 0, normalizeEach: true)
        #expect(inf.pixels == [255, 0, 255, 0])
    }

    @Test func imageTensorRoundTrip() throws {
        let image = Image(width: 3, height: 2, channels: 3, pixels: (0..<18).map { UInt8($0 * 15) })
        let t = image.tensor(valueRange: 0...1)
        #expect(t.shape == [3, 2, 3])
        // Channel planes: [c][y][x] = pixels[(y * 3 + x) * 3 + c] / 255.
        #expect(t.toArray()[0] == 0 && t.toArray()[1] == 45.0 / 255 && t.toArray()[6] == 15.0 / 255)
        #expect(Image(tensor: t, valueRange: 0...1) == image)
        let signed = image.tensor()
        #expect(signed.toArray().min() == -1 && signed.toArray().max() == 1)
        #expect(Image(tensor: signed) == image)
        // Every byte value survives both ranges.
        let all = Image(width: 256, height: 1, channels: 1, pixels: (0...255).map { UInt8($0) })
        #expect(Image(tensor: all.tensor()) == all)
        #expect(Image(tensor: all.tensor(valueRange: 0...1), valueRange: 0...1) == all)
        #expect(Image(tensor: Tensor([-1, 1], shape: [1, 2])).pixels == [0, 255])
    }

    @Test func savesAGridAsPNG() throws {
        try withTemporaryDirectory { dir in
            let url = dir.appendingPathComponent("samples.png")
            var rng = RandomGenerator(seed: 3)
            let batch = Tensor.randomNormal([5, 3, 4, 6], using: &rng)
            try ImageGrid.save(batch, to: url, nrow: 3)
            let back = try PNG.read(contentsOf: url)
            #expect(back == ImageGrid.make(batch, nrow: 3))
            #expect(back.width == 3 * 8 + 2 && back.height == 2 * 6 + 2 && back.channels == 3)
        }
    }

    @Test func pointSetsAreRefused() async {
        await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = ImageGrid.make(Tensor(zeros: [16, 2]))
        }.map { r in
            #expect(String(decoding: r.standardErrorContent, as: UTF8.self)
                .contains("ImageGrid.make: expected images [N, C, H, W] or [N, H, W], got [16, 2]"))
        }
    }
}
