import Artifacts
import Autograd
import Foundation

/// The user's own data as one NumPy `.npy` array, first axis = samples:
/// - `[N, D]`: vectors (for MLP models), used as they are;
/// - `[N, H, W]`, `[N, C, H, W]` or `[N, H, W, C]` (C = 1 or 3): images, returned as
///   `[N, C, size, size]`, fitted to `size` (`ImageFit`) when their size differs.
///
/// Element types: `|u1` (bytes 0...255, mapped to −1...1), `<f4`, `<f8`, `<i8` (values taken
/// as they are). Image values must lie in −1...1, the range of a tanh generator: scale them
/// first (`x / 127.5 - 1` for bytes stored as floats); anything else is an error naming the file.
public enum ArrayFile {
    /// Vectors `[N, D]`, or images `[N, C, size, size]` when `imageSize` is given; with
    /// `vectorsIfFlat`, an `[N, D]` array is returned as vectors even then (the file is read
    /// once whichever it holds).
    public static func load(_ url: URL, imageSize: Int? = nil, fit: ImageFit = .resize,
                            vectorsIfFlat: Bool = false) throws -> Tensor {
        let array: NPYArray
        do { array = try NPY.readArray(contentsOf: url) } catch let error as NPYError {
            throw DataFileError(error.description)
        }
        let shape = array.shape
        guard shape.count >= 2, shape[0] > 0, shape.allSatisfy({ $0 > 0 }) else {
            throw DataFileError("\(url.path): array of shape \(Shape.describe(shape)); expected samples along the first axis, [N, D] or images [N, H, W], [N, C, H, W], [N, H, W, C]")
        }
        var values = array.floatValues
        if array.dtype == .uint8 { values = values.map { $0 / 127.5 - 1 } }
        if let bad = values.firstIndex(where: { !$0.isFinite }) {
            throw DataFileError("\(url.path): value \(values[bad]) at flat index \(bad) is not finite")
        }
        guard let size = imageSize, !(vectorsIfFlat && shape.count == 2) else {
            guard shape.count == 2 else {
                throw DataFileError("\(url.path): array of shape \(Shape.describe(shape)) holds images, but the model takes vectors [N, D]")
            }
            return Tensor(values, shape: shape)
        }
        // Channels first: [N, H, W] → C = 1; [N, C, H, W] with C = 1 or 3; else [N, H, W, C].
        let n = shape[0]
        var (c, h, w) = (1, 0, 0)
        switch shape.count {
        case 3: (h, w) = (shape[1], shape[2])
        case 4 where shape[1] == 1 || shape[1] == 3: (c, h, w) = (shape[1], shape[2], shape[3])
        case 4 where shape[3] == 1 || shape[3] == 3:
            (c, h, w) = (shape[3], shape[1], shape[2])
            values = channelsFirst(values, n: n, h: h, w: w, c: c)
        default:
            throw DataFileError("\(url.path): array of shape \(Shape.describe(shape)) is not a batch of images [N, H, W], [N, C, H, W] or [N, H, W, C] with C = 1 or 3")
        }
        if let bad = values.firstIndex(where: { abs($0) > 1.001 }) {
            throw DataFileError("\(url.path): image value \(values[bad]) at flat index \(bad) is outside −1...1; scale the images to −1...1 (or store bytes, |u1, which are mapped)")
        }
        if h == size && w == size { return Tensor(values, shape: [n, c, h, w]) }
        var out = [Float]()
        out.reserveCapacity(n * c * size * size)
        values.withUnsafeBufferPointer { p in
            for k in 0..<n {
                out += ImageResampling.fit(p.baseAddress! + k * c * h * w, channels: c, height: h, width: w, size: size, mode: fit)
            }
        }
        return Tensor(out, shape: [n, c, size, size])
    }

    static func channelsFirst(_ v: [Float], n: Int, h: Int, w: Int, c: Int) -> [Float] {
        var out = [Float](repeating: 0, count: v.count)
        let plane = h * w
        for k in 0..<n {
            for i in 0..<plane {
                for ch in 0..<c { out[(k * c + ch) * plane + i] = v[(k * plane + i) * c + ch] }
            }
        }
        return out
    }
}
