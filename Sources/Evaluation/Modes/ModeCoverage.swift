import Autograd
import Foundation
import Datasets

/// Mode-collapse measures of samples from a generator trained on a Gaussian mixture, by the
/// protocol of PacGAN (Lin et al. 2018, section 5.1, Table 1): each sample is assigned to its
/// nearest mode in σ-normalized distance; it is *high quality* when that distance is below
/// `threshold` (3, i.e. within 3σ); a mode is *covered* when at least one high-quality sample
/// lands on it; the *reverse KL* is KL(p̂ ‖ uniform over the K modes), p̂ being the histogram
/// of the high-quality samples over the modes. PacGAN evaluates 2,500 samples.
public struct ModeCoverage: Sendable, Equatable, CustomStringConvertible {
    public let sampleCount: Int
    public let modeCount: Int
    /// High-quality samples per mode.
    public let histogram: [Int]
    public var highQualityCount: Int { histogram.reduce(0, +) }
    /// Modes with at least one high-quality sample.
    public var modesCovered: Int { histogram.filter { $0 > 0 }.count }
    /// Percentage of samples that are high quality.
    public var highQualityPercent: Double { sampleCount == 0 ? 0 : 100 * Double(highQualityCount) / Double(sampleCount) }
    /// KL(p̂ ‖ uniform) in nats; 0 when the high-quality samples are spread evenly, log K
    /// when they all sit on one mode; infinity when there is no high-quality sample.
    public var reverseKL: Double { ClassHistogram.klToUniform(histogram) }

    public var description: String {
        "modes \(modesCovered)/\(modeCount), high quality \(String(format: "%.1f", highQualityPercent)) %, reverse KL \(String(format: "%.3f", reverseKL))"
    }

    /// Measures `samples` [N, dimension] against `mixture`.
    public init(samples: Tensor, mixture: GaussianMixture, threshold: Float = 3) {
        let d = mixture.dimension
        require(samples.rank == 2 && samples.shape[1] == d,
                "ModeCoverage: samples must be [N, \(d)], got \(Shape.describe(samples.shape))")
        var histogram = [Int](repeating: 0, count: mixture.modeCount)
        let n = samples.shape[0]
        let p = samples.storage.pointer
        let limit = Double(threshold * mixture.std) * Double(threshold * mixture.std)
        for i in 0..<n {
            var best = Double.infinity, arg = 0
            for (m, c) in mixture.centers.enumerated() {
                var dist = 0.0
                for k in 0..<d { let diff = Double(p[i * d + k] - c[k]); dist += diff * diff }
                if dist < best { best = dist; arg = m }
            }
            if best < limit { histogram[arg] += 1 }
        }
        self.sampleCount = n
        self.modeCount = mixture.modeCount
        self.histogram = histogram
    }
}
