import Artifacts
import Autograd
import Datasets
import Foundation

/// A 2-D scatter plot: samples (dark) over circles of 3σ around the mixture's modes (red),
/// optionally over the discriminator's decision surface as a heat map (as GAN Lab draws
/// it): orange where D scores high ("real"), blue where it scores low, scaled to the
/// surface's own range.
public enum ScatterPlot {
    public static func render(_ points: Tensor, over mixture: GaussianMixture, size: Int = 400,
                              critic: ((Tensor) -> Tensor)? = nil) -> Image {
        var image = Image(width: size, height: size, channels: 3, repeating: 255)
        let extent = (mixture.centers.flatMap { $0.map(abs) }.max() ?? 1) * 1.3 + 6 * mixture.std
        if let critic {
            let scores = surface(critic, size: size, extent: extent)
            let finite = scores.filter(\.isFinite)
            let lo = finite.min() ?? 0, hi = finite.max() ?? 1
            let span = hi > lo ? hi - lo : 1
            for i in 0..<(size * size) {
                let t = scores[i].isFinite ? (scores[i] - lo) / span : 0.5  // 0: "fake", 1: "real"
                // Light blue (t = 0) → white (t = ½) → light orange (t = 1).
                let (r, g, b): (Float, Float, Float) = t < 0.5
                    ? (190 + 130 * t, 215 + 80 * t, 255)
                    : (255, 255 - 100 * (t - 0.5), 255 - 200 * (t - 0.5))
                image.pixels[3 * i] = UInt8(max(0, min(255, r)))
                image.pixels[3 * i + 1] = UInt8(max(0, min(255, g)))
                image.pixels[3 * i + 2] = UInt8(max(0, min(255, b)))
            }
        }
        func pixel(_ x: Float, _ y: Float) -> (Int, Int)? {
            let px = Int(((x / extent) + 1) / 2 * Float(size - 1)), py = Int((1 - ((y / extent) + 1) / 2) * Float(size - 1))
            return (0..<size).contains(px) && (0..<size).contains(py) ? (px, py) : nil
        }
        func put(_ p: (Int, Int), _ rgb: (UInt8, UInt8, UInt8)) {
            let i = (p.1 * size + p.0) * 3
            image.pixels[i] = rgb.0; image.pixels[i + 1] = rgb.1; image.pixels[i + 2] = rgb.2
        }
        for c in mixture.centers {
            for k in 0..<64 {
                let a = 2 * Float.pi * Float(k) / 64
                if let p = pixel(c[0] + 3 * mixture.std * cos(a), c[1] + 3 * mixture.std * sin(a)) { put(p, (220, 40, 40)) }
            }
        }
        let v = points.toArray()
        for i in 0..<(points.shape[0]) {
            if let p = pixel(v[2 * i], v[2 * i + 1]) { put(p, (20, 20, 120)) }
        }
        return image
    }

    /// Cells of the heat map's grid per side: D is scored on every `heatStep`-th pixel and
    /// the rest interpolated (the surface is smooth at that scale). Scoring all 160,000
    /// pixels of a 400 × 400 picture in one batch cost PacGAN's maxout D ~10 s and 600 MB of
    /// activations per picture; a 100 × 100 grid in bounded batches costs ~1/16 of the work.
    public static let heatStep = 4
    /// Points scored per batch: bounds the activations held at once.
    public static let heatBatch = 4096

    /// D's scores at every pixel of a `size` × `size` picture covering [−extent, extent]²,
    /// row-major from the top-left, bilinearly interpolated from a coarser grid.
    public static func surface(_ critic: (Tensor) -> Tensor, size: Int, extent: Float) -> [Float] {
        let n = Swift.max(2, (size - 1) / heatStep + 1)  // grid points per side
        func coordinate(_ u: Int) -> Float { Float(u) / Float(n - 1) * 2 - 1 }
        var coarse = [Float](repeating: 0, count: n * n)
        var start = 0
        while start < n * n {
            let count = Swift.min(heatBatch, n * n - start)
            let grid = Storage(uninitialized: count * 2)
            for k in 0..<count {
                let i = start + k
                grid.pointer[2 * k] = coordinate(i % n) * extent
                grid.pointer[2 * k + 1] = -coordinate(i / n) * extent
            }
            let scores = critic(Tensor(storage: grid, shape: [count, 2])).toArray()
            for k in 0..<count { coarse[start + k] = scores[k] }
            start += count
        }
        var out = [Float](repeating: 0, count: size * size)
        let scale = Float(n - 1) / Float(Swift.max(1, size - 1))
        for py in 0..<size {
            let fy = Float(py) * scale, y0 = Swift.min(Int(fy), n - 2), ty = fy - Float(y0)
            for px in 0..<size {
                let fx = Float(px) * scale, x0 = Swift.min(Int(fx), n - 2), tx = fx - Float(x0)
                let a = coarse[y0 * n + x0], b = coarse[y0 * n + x0 + 1]
                let c = coarse[(y0 + 1) * n + x0], d = coarse[(y0 + 1) * n + x0 + 1]
                // A non-finite corner stays visible as non-finite (drawn neutral).
                out[py * size + px] = (a * (1 - tx) + b * tx) * (1 - ty) + (c * (1 - tx) + d * tx) * ty
            }
        }
        return out
    }
}
