import Autograd
import Foundation

/// The Inception Score formula (Salimans et al. 2016) with any classifier's softmax:
/// exp(E_x KL(p(y|x) ‖ p(y))), p(y) being the mean prediction over the split. It is high
/// when each sample is classified confidently (sharp p(y|x)) and the classes are balanced
/// (flat p(y)); its maximum is the number of classes. As is customary, the samples are cut
/// into `splits` consecutive parts, and the mean and (population) standard deviation of the
/// per-part scores are reported.
public struct ClassifierScore: Sendable, CustomStringConvertible {
    public let mean: Double
    public let std: Double
    public let splits: Int

    /// Scores `probabilities` [N, classes] (rows are distributions).
    public init(probabilities: Tensor, splits: Int = 10) {
        require(probabilities.rank == 2, "ClassifierScore: probabilities must be [N, classes], got \(Shape.describe(probabilities.shape))")
        let n = probabilities.shape[0], c = probabilities.shape[1]
        require(splits >= 1 && n >= splits, "ClassifierScore: \(n) samples cannot be cut into \(splits) splits")
        let p = probabilities.storage.pointer
        var scores: [Double] = []
        for s in 0..<splits {
            let lo = s * n / splits, hi = (s + 1) * n / splits
            var marginal = [Double](repeating: 0, count: c)
            for i in lo..<hi { for k in 0..<c { marginal[k] += Double(p[i * c + k]) } }
            for k in 0..<c { marginal[k] /= Double(hi - lo) }
            var kl = 0.0
            for i in lo..<hi {
                for k in 0..<c {
                    let q = Double(p[i * c + k])
                    if q > 0 { kl += q * (Foundation.log(q) - Foundation.log(marginal[k])) }
                }
            }
            scores.append(Foundation.exp(kl / Double(hi - lo)))
        }
        let m = scores.reduce(0, +) / Double(splits)
        mean = m
        std = (scores.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(splits)).squareRoot()
        self.splits = splits
    }

    public var description: String { String(format: "%.3f ± %.3f", mean, std) }
}
