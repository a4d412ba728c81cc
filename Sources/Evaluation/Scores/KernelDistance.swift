import Autograd
import Foundation

/// Kernel Inception Distance (Bińkowski et al. 2018, "Demystifying MMD GANs"): the unbiased
/// estimate of the squared maximum mean discrepancy between two feature sets under the
/// cubic polynomial kernel k(x, y) = (x·y/d + 1)³, averaged over random subsets of equal
/// size (their code: 100 subsets of 1,000). Unlike FID it has an unbiased estimator, so its
/// value does not drift with the sample count, and it is ≈ 0 (either sign) for samples of
/// the same distribution.
public struct KernelDistance: Sendable, CustomStringConvertible {
    /// Mean over the subsets of the unbiased MMD².
    public let mean: Double
    /// Standard deviation over the subsets.
    public let std: Double
    public let subsets: Int
    public let subsetSize: Int

    /// KID between `a` [N, d] and `b` [M, d], on `subsets` subsets of min(`subsetSize`, N, M)
    /// rows drawn without replacement from each set by a generator seeded with `seed`.
    public init(_ a: Tensor, _ b: Tensor, subsets: Int = 100, subsetSize: Int = 1_000, seed: UInt64 = 0) {
        require(a.rank == 2 && b.rank == 2 && a.shape[1] == b.shape[1],
                "KernelDistance: features must be [N, d] and [M, d], got \(Shape.describe(a.shape)) and \(Shape.describe(b.shape))")
        let m = Swift.min(subsetSize, a.shape[0], b.shape[0])
        require(m >= 2 && subsets >= 1, "KernelDistance: needs at least 2 samples per set and 1 subset, got \(m) and \(subsets)")
        let d = a.shape[1]
        var rng = RandomGenerator(seed: seed)
        let x = Storage(uninitialized: m * d), y = Storage(uninitialized: m * d)
        let gram = Storage(uninitialized: m * m)
        var values: [Double] = []
        for _ in 0..<subsets {
            Self.gatherRows(a, Array(rng.permutation(a.shape[0]).prefix(m)), into: x)
            Self.gatherRows(b, Array(rng.permutation(b.shape[0]).prefix(m)), into: y)
            let xx = Self.kernelSum(x, x, m: m, d: d, gram: gram, offDiagonal: true)
            let yy = Self.kernelSum(y, y, m: m, d: d, gram: gram, offDiagonal: true)
            let xy = Self.kernelSum(x, y, m: m, d: d, gram: gram, offDiagonal: false)
            let mm = Double(m)
            values.append((xx + yy) / (mm * (mm - 1)) - 2 * xy / (mm * mm))
        }
        let mean = values.reduce(0, +) / Double(subsets)
        self.mean = mean
        self.std = (values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(subsets)).squareRoot()
        self.subsets = subsets
        self.subsetSize = m
    }

    public var description: String { String(format: "%.5f ± %.5f", mean, std) }

    static func gatherRows(_ t: Tensor, _ rows: [Int], into out: Storage) {
        let d = t.shape[1]
        for (r, i) in rows.enumerated() { (out.pointer + r * d).update(from: t.storage.pointer + i * d, count: d) }
    }

    /// Σ k(xᵢ, yⱼ) over all pairs, or over i ≠ j when `offDiagonal`; the Gram matrix by one sgemm.
    static func kernelSum(_ x: Storage, _ y: Storage, m: Int, d: Int, gram: Storage, offDiagonal: Bool) -> Double {
        BLAS.sgemm(transA: false, transB: true, m: m, n: m, k: d, a: x.pointer, lda: d, b: y.pointer, ldb: d,
                   c: gram.pointer, ldc: m)
        let invD = 1 / Double(d)
        var total = 0.0
        for i in 0..<m {
            let row = gram.pointer + i * m
            var s = 0.0
            for j in 0..<m {
                let k = Double(row[j]) * invD + 1
                s += k * k * k
            }
            if offDiagonal { let k = Double(row[i]) * invD + 1; s -= k * k * k }
            total += s
        }
        return total
    }
}
