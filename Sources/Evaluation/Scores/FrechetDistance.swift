import Autograd
import Foundation

/// The Fréchet distance between two Gaussians fitted to feature sets (FID, Heusel et al.
/// 2017, in whatever feature space the features come from):
///
///     ‖μ₁ − μ₂‖² + tr Σ₁ + tr Σ₂ − 2 tr (Σ₁Σ₂)^½
///
/// tr (Σ₁Σ₂)^½ is computed stably: with S = Σ₁^½ (symmetric, from the eigendecomposition of
/// Σ₁), the matrix S·Σ₂·S is symmetric positive semi-definite and similar to Σ₁Σ₂, so the
/// trace is Σᵢ √max(λᵢ, 0) over its eigenvalues. Round-off can only make tiny eigenvalues
/// slightly negative; they are clamped, never turned into complex numbers.
///
/// A reference (the test set) is fixed across many evaluations, so its square root is
/// computed once, when the `FrechetReference` is made.
public struct FrechetReference: Sendable {
    public let statistics: FeatureStatistics
    /// Σ^½ of the reference, row-major.
    let covarianceRoot: [Double]
    let covarianceTrace: Double

    public init(_ statistics: FeatureStatistics) {
        self.statistics = statistics
        covarianceRoot = SymmetricEigen(statistics.covariance, dimension: statistics.dimension)
            .reconstructed { Foundation.sqrt(Swift.max($0, 0)) }
        covarianceTrace = DoubleMatrix.trace(statistics.covariance, dimension: statistics.dimension)
    }

    /// FID between the reference and `other`.
    public func distance(to other: FeatureStatistics) -> Double {
        let d = statistics.dimension
        require(other.dimension == d, "FID: feature dimensions differ: reference \(d), samples \(other.dimension)")
        var meanTerm = 0.0
        for j in 0..<d { let diff = statistics.mean[j] - other.mean[j]; meanTerm += diff * diff }
        // M = S·Σ₂·S.
        var s2 = [Double](repeating: 0, count: d * d)
        DoubleMatrix.gemm(transA: false, transB: false, m: d, n: d, k: d, a: covarianceRoot, b: other.covariance, c: &s2)
        var m = [Double](repeating: 0, count: d * d)
        DoubleMatrix.gemm(transA: false, transB: false, m: d, n: d, k: d, a: s2, b: covarianceRoot, c: &m)
        let traceRoot = SymmetricEigen(m, dimension: d).values.reduce(0) { $0 + Foundation.sqrt(Swift.max($1, 0)) }
        let fid = meanTerm + covarianceTrace + DoubleMatrix.trace(other.covariance, dimension: d) - 2 * traceRoot
        // Equal sets give a round-off residue of either sign around zero; FID is a distance.
        return Swift.max(fid, 0)
    }
}

public enum FrechetDistance {
    /// FID between two sets of statistics.
    public static func between(_ a: FeatureStatistics, _ b: FeatureStatistics) -> Double {
        FrechetReference(a).distance(to: b)
    }

    /// FID between two feature sets [N, d] and [M, d]; throws when either has too few samples.
    public static func between(_ a: Tensor, _ b: Tensor) throws(ScoreError) -> Double {
        between(try FeatureStatistics(features: a), try FeatureStatistics(features: b))
    }
}
