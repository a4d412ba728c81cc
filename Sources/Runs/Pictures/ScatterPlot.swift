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
            // D at every pixel centre, one batch.
            let grid = Storage(uninitialized: size * size * 2)
            for py in 0..<size {
                for px in 0..<size {
                    let i = py * size + px
                    grid.pointer[2 * i] = (Float(px) / Float(size - 1) * 2 - 1) * extent
                    grid.pointer[2 * i + 1] = (1 - Float(py) / Float(size - 1) * 2) * extent
                }
            }
            let scores = critic(Tensor(storage: grid, shape: [size * size, 2])).toArray()
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
}
