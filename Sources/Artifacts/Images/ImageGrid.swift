import Autograd
import Foundation

/// A batch of images tiled into one picture, like torchvision's `make_grid` + `save_image`.
///
/// The batch is `[N, C, H, W]` with C = 1 (gray) or 3 (RGB), or `[N, H, W]` (gray). Images
/// fill rows of `min(nrow, N)` tiles, left to right then top to bottom; every tile is
/// surrounded by `padding` pixels of `padValue`, so the grid is
/// `rows * (H + padding) + padding` high and `min(nrow, N) * (W + padding) + padding` wide,
/// with `rows = ceil(N / nrow)`; the unused tiles of a last, partial row are `padValue` too.
///
/// A value x becomes the byte `floor(clamp((clamp(x, low, high) - low) / (high - low), 0, 1) * 255 + 0.5)`
/// with `(low, high)` = `valueRange` (the default −1...1 is what tanh generators produce), or
/// the image's own finite minimum and maximum with `normalizeEach` (a constant image is black).
/// This is torchvision's arithmetic: `save_image(make_grid(x, normalize=True,
/// value_range=(low, high)))` gives the same bytes. NaN becomes 0.
public enum ImageGrid {
    /// The grid image of `images` (see the type's notes); 1 channel for gray input, 3 for RGB.
    public static func make(_ images: Tensor, nrow: Int = 8, padding: Int = 2, padValue: UInt8 = 0,
                            valueRange: ClosedRange<Float> = -1...1, normalizeEach: Bool = false) -> Image {
        let (n, c, h, w) = batchShape(images.shape, "ImageGrid.make")
        require(n > 0, "ImageGrid.make: the batch \(Shape.describe(images.shape)) holds no images")
        require(nrow > 0, "ImageGrid.make: nrow is \(nrow); it must be at least 1")
        require(padding >= 0, "ImageGrid.make: padding is \(padding); it must not be negative")
        let columns = min(nrow, n)
        let rows = (n + columns - 1) / columns
        let gridH = rows * (h + padding) + padding
        let gridW = columns * (w + padding) + padding
        var pixels = [UInt8](repeating: padValue, count: gridH * gridW * c)
        let plane = h * w
        pixels.withUnsafeMutableBufferPointer { out in
            let src = UnsafePointer(images.storage.pointer)
            for k in 0..<n {
                let image = src + k * c * plane
                var (low, high) = (valueRange.lowerBound, valueRange.upperBound)
                if normalizeEach { (low, high) = minMax(image, c * plane) }
                let top = (k / columns) * (h + padding) + padding
                let left = (k % columns) * (w + padding) + padding
                for ch in 0..<c {
                    for y in 0..<h {
                        let from = image + ch * plane + y * w
                        let to = out.baseAddress! + ((top + y) * gridW + left) * c + ch
                        toBytes(from, to, count: w, stride: c, low: low, high: high)
                    }
                }
            }
        }
        return Image(width: gridW, height: gridH, channels: c, pixels: pixels)
    }

    /// Writes the grid of `images` as a PNG at `url`, atomically; see `make` for the layout.
    public static func save(_ images: Tensor, to url: URL, nrow: Int = 8, padding: Int = 2, padValue: UInt8 = 0,
                            valueRange: ClosedRange<Float> = -1...1, normalizeEach: Bool = false) throws {
        try PNG.write(make(images, nrow: nrow, padding: padding, padValue: padValue,
                           valueRange: valueRange, normalizeEach: normalizeEach), to: url)
    }

    /// (N, C, H, W) of a `[N, C, H, W]` (C = 1 or 3) or `[N, H, W]` batch.
    static func batchShape(_ shape: [Int], _ op: String) -> (Int, Int, Int, Int) {
        if shape.count == 3 { return (shape[0], 1, shape[1], shape[2]) }
        require(shape.count == 4, "\(op): expected images [N, C, H, W] or [N, H, W], got \(Shape.describe(shape))")
        require(shape[1] == 1 || shape[1] == 3,
                "\(op): images \(Shape.describe(shape)) have \(shape[1]) channels; expected 1 (gray) or 3 (RGB)")
        return (shape[0], shape[1], shape[2], shape[3])
    }

    /// The smallest and largest finite values of `count` floats ((0, 0) when there are none).
    static func minMax(_ p: UnsafePointer<Float>, _ count: Int) -> (Float, Float) {
        var lo = Float.infinity, hi = -Float.infinity
        for i in 0..<count where p[i].isFinite {
            lo = min(lo, p[i])
            hi = max(hi, p[i])
        }
        return lo <= hi ? (lo, hi) : (0, 0)
    }

    /// `count` floats mapped from low...high to bytes, written `stride` bytes apart.
    @inline(__always)
    static func toBytes(_ from: UnsafePointer<Float>, _ to: UnsafeMutablePointer<UInt8>, count: Int, stride: Int,
                        low: Float, high: Float) {
        let span = max(high - low, 1e-5)
        for i in 0..<count {
            var v = from[i]
            v = v >= low ? v : low  // NaN becomes low
            v = v <= high ? v : high
            var b = (v - low) / span * 255 + 0.5
            b = b <= 255 ? b : 255
            b = b >= 0 ? b : 0
            to[i * stride] = UInt8(b)  // truncation, as torch's float -> uint8
        }
    }
}

extension Image {
    /// The 8-bit image of one `[C, H, W]` (C = 1 or 3) or `[H, W]` tensor, values mapped from
    /// `valueRange` to 0...255 with clamping exactly as `ImageGrid.make` does (a grid of one
    /// image without padding).
    public init(tensor: Tensor, valueRange: ClosedRange<Float> = -1...1) {
        let shape = tensor.shape
        require(shape.count == 2 || shape.count == 3,
                "Image(tensor:): expected an image [C, H, W] or [H, W], got \(Shape.describe(shape))")
        self = ImageGrid.make(Tensor(storage: tensor.storage, shape: [1] + shape), nrow: 1, padding: 0,
                              valueRange: valueRange)
    }

    /// The image as a `[channels, height, width]` tensor (alpha, if any, is a channel), each
    /// byte b mapped to `low + (high - low) * b / 255`: 0...1 or −1...1 (the default, the
    /// range of a tanh generator). `Image(tensor: image.tensor(valueRange: r), valueRange: r)`
    /// gives the image back.
    public func tensor(valueRange: ClosedRange<Float> = -1...1) -> Tensor {
        let low = valueRange.lowerBound, span = valueRange.upperBound - valueRange.lowerBound
        let table = (0...255).map { low + span * Float($0) / 255 }
        let plane = width * height
        let out = Storage(uninitialized: plane * channels)
        pixels.withUnsafeBufferPointer { src in
            table.withUnsafeBufferPointer { value in
                for c in 0..<channels {
                    let dst = out.pointer + c * plane
                    for i in 0..<plane { dst[i] = value[Int(src[i * channels + c])] }
                }
            }
        }
        return Tensor(storage: out, shape: [channels, height, width])
    }
}
