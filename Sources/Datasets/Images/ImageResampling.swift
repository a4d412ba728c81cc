import Autograd

/// How a picture of another size or shape becomes a `size x size` training image.
public enum ImageFit: String, Sendable, CaseIterable {
    /// The whole picture scaled to `size x size` (a non-square picture is stretched).
    case resize
    /// The largest centred square cut out, then scaled to `size x size` (keeps the aspect
    /// ratio, loses the borders of the long side).
    case crop
}

/// Resampling of float image planes, separable with a triangle (bilinear) filter widened by
/// the scale factor when shrinking, so that downscaling averages every source pixel (as
/// Pillow's antialiased BILINEAR does) instead of skipping pixels.
public enum ImageResampling {
    /// `[channels, height, width]` floats at `source` fitted to `[channels, size, size]`.
    public static func fit(_ source: UnsafePointer<Float>, channels: Int, height: Int, width: Int,
                           size: Int, mode: ImageFit) -> [Float] {
        require(height > 0 && width > 0 && size > 0, "ImageResampling.fit: \(height)x\(width) to \(size)x\(size)")
        var (top, left, h, w) = (0, 0, height, width)
        if mode == .crop {
            let side = min(height, width)
            (top, left, h, w) = ((height - side) / 2, (width - side) / 2, side, side)
        }
        let rowsW = weights(from: h, to: size), colsW = weights(from: w, to: size)
        var out = [Float](repeating: 0, count: channels * size * size)
        var horizontal = [Float](repeating: 0, count: h * size)  // one channel, columns resampled
        for c in 0..<channels {
            let plane = source + c * height * width
            for y in 0..<h {
                let row = plane + (top + y) * width + left
                for x in 0..<size {
                    var s: Float = 0
                    for (j, wt) in colsW[x] { s += wt * row[j] }
                    horizontal[y * size + x] = s
                }
            }
            for y in 0..<size {
                for x in 0..<size {
                    var s: Float = 0
                    for (i, wt) in rowsW[y] { s += wt * horizontal[i * size + x] }
                    out[(c * size + y) * size + x] = s
                }
            }
        }
        return out
    }

    /// For each of `outSize` output positions, the source indices and normalized weights.
    static func weights(from inSize: Int, to outSize: Int) -> [[(Int, Float)]] {
        let scale = Double(inSize) / Double(outSize)
        let support = max(scale, 1)
        return (0..<outSize).map { i in
            let centre = (Double(i) + 0.5) * scale
            let lo = max(0, Int((centre - support).rounded(.down)))
            let hi = min(inSize - 1, Int((centre + support).rounded(.up)))
            var taps: [(Int, Float)] = []
            for j in lo...hi {
                let wt = 1 - abs((Double(j) + 0.5 - centre) / support)
                if wt > 0 { taps.append((j, Float(wt))) }
            }
            if taps.isEmpty { taps = [(min(inSize - 1, Int(centre)), 1)] }
            let total = taps.reduce(Float(0)) { $0 + $1.1 }
            return taps.map { ($0.0, $0.1 / total) }
        }
    }
}
