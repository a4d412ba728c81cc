import Artifacts
import Autograd
import Datasets
import Evaluation
import Foundation
import Yams

/// A Gaussian mixture as training data: PacGAN's ring or grid, or any mixture described in
/// the config (`data.mixture`). As in PacGAN's protocol (Lin et al. 2018, Section 5.1), the
/// training set is a fixed draw of 100,000 samples, and batches are drawn from it.
public final class MixtureData: TrainingData {
    public let mixture: GaussianMixture
    public let trainingSet: Tensor
    public static let trainingSetSize = 100_000

    public init(_ c: RunConfig) throws {
        switch c.data {
        case "ring8": mixture = .ring()
        case "grid25": mixture = .grid()
        default:
            guard !c.mixture.isEmpty else {
                throw ConfigError("data.name is mixture but data.mixture is empty; give {centers: [[x, y], ...], std: σ}")
            }
            mixture = try MixtureData.parse(c.mixture)
        }
        var rng = RandomGenerator(seed: UInt64(c.seed) &+ 0x5EED)
        trainingSet = mixture.sample(MixtureData.trainingSetSize, using: &rng).points
    }

    public var sampleShape: [Int] { [mixture.dimension] }

    /// Rows drawn uniformly, with replacement, from the training set.
    public func batch(_ n: Int, using rng: inout RandomGenerator) -> Tensor {
        let d = mixture.dimension
        let out = Storage(uninitialized: n * d)
        let src = trainingSet.storage.pointer
        for i in 0..<n {
            let k = rng.nextInt(below: MixtureData.trainingSetSize)
            for j in 0..<d { out.pointer[d * i + j] = src[d * k + j] }
        }
        return Tensor(storage: out, shape: [n, d])
    }

    public func picture(of samples: Tensor, critic: ((Tensor) -> Tensor)?) throws -> Image {
        guard mixture.dimension == 2 else {
            throw ConfigError("pictures of samples need 2-D data; this mixture has \(mixture.dimension) dimensions")
        }
        return ScatterPlot.render(samples, over: mixture, critic: critic)
    }

    /// PacGAN's protocol uses 2,500 samples.
    public var evaluationSampleCount: Int { 2_500 }

    public func evaluate(_ samples: Tensor) throws -> SampleReport {
        let m = ModeCoverage(samples: samples, mixture: mixture)
        return SampleReport(metrics: [
            ("modes_covered", Double(m.modesCovered)), ("high_quality_percent", m.highQualityPercent),
            ("reverse_kl", m.reverseKL),
        ], text: m.description, fingerprint: "PacGAN protocol: \(m.sampleCount) samples, high quality within 3σ, \(mixture.modeCount) modes")
    }

    /// A mixture from its YAML description: `{centers: [[x, y], ...], std: σ, weights: [w, ...]}`
    /// (weights optional, normalized). Errors say which field is wrong.
    public static func parse(_ text: String) throws -> GaussianMixture {
        let node: Any?
        do { node = try Yams.load(yaml: text) } catch { throw ConfigError("data.mixture: not valid YAML (\(error))") }
        guard let map = node as? [String: Any] else {
            throw ConfigError("data.mixture: expected a mapping {centers: [[x, y], ...], std: σ}, got '\(text)'")
        }
        if let extra = map.keys.first(where: { !["centers", "std", "weights"].contains($0) }) {
            throw ConfigError("data.mixture: unknown field '\(extra)'; fields: centers, std, weights")
        }
        func number(_ v: Any, _ what: String) throws -> Float {
            if let d = v as? Double { return Float(d) }
            if let i = v as? Int { return Float(i) }
            throw ConfigError("data.mixture: \(what) must be a number, got '\(v)'")
        }
        guard let rawCenters = map["centers"] as? [Any], !rawCenters.isEmpty else {
            throw ConfigError("data.mixture: 'centers' must be a non-empty list of points [[x, y], ...]")
        }
        let centers = try rawCenters.enumerated().map { i, c -> [Float] in
            guard let coords = c as? [Any] else { throw ConfigError("data.mixture: centers[\(i)] must be a list of coordinates, got '\(c)'") }
            return try coords.map { try number($0, "centers[\(i)]") }
        }
        guard let rawStd = map["std"] else { throw ConfigError("data.mixture: 'std' (the modes' standard deviation) is missing") }
        let std = try number(rawStd, "std")
        var weights: [Float]?
        if let w = map["weights"] {
            guard let list = w as? [Any] else { throw ConfigError("data.mixture: 'weights' must be a list of numbers") }
            weights = try list.map { try number($0, "weights") }
        }
        do { return try GaussianMixture(centers: centers, weights: weights, std: std) } catch let e as MixtureError {
            throw ConfigError("data.mixture: \(e.description)")
        }
    }

    /// Validation for the config key: nil when `text` is empty or a valid mixture.
    static func check(_ text: String) -> String? {
        if text.isEmpty { return nil }
        do { _ = try parse(text); return nil } catch { return "\(error)" }
    }
}
