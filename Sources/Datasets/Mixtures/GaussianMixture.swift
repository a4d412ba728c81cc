import Autograd
import Foundation

/// A mixture of isotropic Gaussians in any dimension: the toy data on which mode collapse
/// can be seen and measured exactly.
public struct GaussianMixture: Sendable, Equatable {
    /// The modes' centres, each of `dimension` coordinates.
    public let centers: [[Float]]
    /// Mixture weights (normalized to sum 1).
    public let weights: [Float]
    /// The standard deviation of every mode, per coordinate.
    public let std: Float

    public init(centers: [[Float]], weights: [Float]? = nil, std: Float) throws {
        guard let d = centers.first?.count, d > 0 else { throw MixtureError("a mixture needs at least one centre with at least one coordinate") }
        if let i = centers.firstIndex(where: { $0.count != d }) {
            throw MixtureError("centre \(i) has \(centers[i].count) coordinates, centre 0 has \(d)")
        }
        guard std > 0, std.isFinite else { throw MixtureError("std must be positive, got \(std)") }
        let w = weights ?? [Float](repeating: 1, count: centers.count)
        guard w.count == centers.count else {
            throw MixtureError("\(w.count) weights for \(centers.count) centres")
        }
        guard w.allSatisfy({ $0 >= 0 && $0.isFinite }), w.reduce(0, +) > 0 else {
            throw MixtureError("weights must be non-negative with a positive sum, got \(w)")
        }
        let total = w.reduce(0, +)
        self.centers = centers
        self.weights = w.map { $0 / total }
        self.std = std
    }

    public var dimension: Int { centers[0].count }
    public var modeCount: Int { centers.count }

    /// PacGAN's 2-D ring (Lin et al. 2018, Table 1, and their public code): `modes`
    /// equal-weight Gaussians at (r cos 2πi/modes, r sin 2πi/modes), radius 1, σ = 0.01.
    public static func ring(modes: Int = 8, radius: Float = 1, std: Float = 0.01) -> GaussianMixture {
        let centers = (0..<modes).map { i -> [Float] in
            let a = 2 * Double.pi * Double(i) / Double(modes)
            return [radius * Float(cos(a)), radius * Float(sin(a))]
        }
        return try! GaussianMixture(centers: centers, std: std)
    }

    /// PacGAN's 2-D grid: 25 equal-weight Gaussians at {−4, −2, 0, 2, 4}², σ = 0.05.
    public static func grid(side: Int = 5, spacing: Float = 2, std: Float = 0.05) -> GaussianMixture {
        let offset = Float(side - 1) / 2 * spacing
        var centers: [[Float]] = []
        for i in 0..<side { for j in 0..<side { centers.append([Float(i) * spacing - offset, Float(j) * spacing - offset]) } }
        return try! GaussianMixture(centers: centers, std: std)
    }

    /// `count` samples [count, dimension] and the mode each came from.
    public func sample(_ count: Int, using rng: inout RandomGenerator) -> (points: Tensor, modes: [Int]) {
        require(count >= 0, "GaussianMixture.sample: negative count \(count)")
        let d = dimension
        var cumulative: [Float] = []
        var acc: Float = 0
        for w in weights { acc += w; cumulative.append(acc) }
        let out = Storage(uninitialized: count * d)
        var modes = [Int](repeating: 0, count: count)
        let noise = Storage(uninitialized: count * d)
        for i in 0..<count {
            let u = rng.nextUniform() * acc
            modes[i] = Swift.min(cumulative.firstIndex { u < $0 } ?? modeCount - 1, modeCount - 1)
        }
        rng.fillNormal(noise.buffer, std: std)
        for i in 0..<count {
            for k in 0..<d { out.pointer[i * d + k] = centers[modes[i]][k] + noise.pointer[i * d + k] }
        }
        return (Tensor(storage: out, shape: [count, d]), modes)
    }
}

/// A mixture described wrongly (by a config or a caller).
public struct MixtureError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = "Gaussian mixture: " + description }
}
