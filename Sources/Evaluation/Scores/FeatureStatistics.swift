import Autograd

/// Mean and covariance of a set of feature vectors [N, d], accumulated in Double: FID
/// subtracts traces of similar size, and Float32 sums over 10,000 samples lose the digits
/// that decide it.
public struct FeatureStatistics: Sendable {
    public let count: Int
    public let dimension: Int
    public let mean: [Double]
    /// Unbiased covariance (divided by N − 1), row-major d×d.
    public let covariance: [Double]

    /// Statistics of `features` [N, d]. Throws when N ≤ d (the covariance would be singular
    /// and FID meaningless) or when a feature is not finite.
    public init(features: Tensor) throws(ScoreError) {
        require(features.rank == 2, "FeatureStatistics: features must be [N, d], got \(Shape.describe(features.shape))")
        let n = features.shape[0], d = features.shape[1]
        guard n > d else {
            throw ScoreError("FID needs more samples than feature dimensions: got \(n) samples of \(d)-dimensional features (the covariance would be singular); give at least \(d + 1), better 10,000")
        }
        let p = features.storage.pointer
        var mean = [Double](repeating: 0, count: d)
        for i in 0..<n {
            let row = p + i * d
            for j in 0..<d { mean[j] += Double(row[j]) }
        }
        for j in 0..<d { mean[j] /= Double(n) }
        guard mean.allSatisfy({ $0.isFinite }) else {
            throw ScoreError("FeatureStatistics: the features of \(n) samples contain NaN or infinite values")
        }
        // Centre in Double, then one dgemm: Σ = XcᵀXc / (N − 1).
        var centred = [Double](repeating: 0, count: n * d)
        for i in 0..<n {
            let row = p + i * d
            for j in 0..<d { centred[i * d + j] = Double(row[j]) - mean[j] }
        }
        var cov = [Double](repeating: 0, count: d * d)
        DoubleMatrix.gemm(transA: true, transB: false, m: d, n: d, k: n, a: centred, b: centred, c: &cov)
        let scale = 1 / Double(n - 1)
        for i in 0..<(d * d) { cov[i] *= scale }
        self.init(count: n, mean: mean, covariance: cov)
    }

    /// Statistics given directly (e.g. the closed form of a Gaussian, in tests).
    public init(count: Int, mean: [Double], covariance: [Double]) {
        require(covariance.count == mean.count * mean.count,
                "FeatureStatistics: covariance has \(covariance.count) entries for a mean of dimension \(mean.count)")
        self.count = count
        self.dimension = mean.count
        self.mean = mean
        self.covariance = covariance
    }
}
