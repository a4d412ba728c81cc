import Autograd
import Foundation

/// How samples spread over classes: the histogram of their predicted classes, how many
/// classes occur at all, and KL(p̂ ‖ uniform) in nats (0 for a perfectly even spread, log K
/// when every sample falls in one class). Digits of MNIST (K = 10) and the digit triples of
/// Stacked MNIST (K = 1,000, the PacGAN / VEEGAN protocol) are both measured with it.
public struct ClassHistogram: Sendable, Equatable, CustomStringConvertible {
    public let counts: [Int]
    public var classCount: Int { counts.count }
    public var sampleCount: Int { counts.reduce(0, +) }
    /// Classes predicted for at least one sample.
    public var classesCovered: Int { counts.filter { $0 > 0 }.count }

    public var klToUniform: Double { ClassHistogram.klToUniform(counts) }

    /// KL(p̂ ‖ uniform over `counts.count` classes) in nats of the histogram `counts`: 0 when
    /// spread evenly, log K when all in one class, infinity when empty.
    public static func klToUniform(_ counts: [Int]) -> Double {
        let total = Double(counts.reduce(0, +))
        guard total > 0 else { return .infinity }
        var kl = 0.0
        for c in counts where c > 0 {
            let p = Double(c) / total
            kl += p * Foundation.log(p * Double(counts.count))
        }
        return kl
    }

    public init(labels: [Int], classCount: Int) {
        require(classCount > 0, "ClassHistogram: class count must be positive, got \(classCount)")
        var counts = [Int](repeating: 0, count: classCount)
        for l in labels {
            require(l >= 0 && l < classCount, "ClassHistogram: label \(l) is outside 0..<\(classCount)")
            counts[l] += 1
        }
        self.counts = counts
    }

    /// The histogram of the most probable class of each row of `probabilities` [N, K].
    public init(probabilities: Tensor) {
        self.init(labels: probabilities.argmaxRows(), classCount: probabilities.shape[1])
    }

    /// Stacked MNIST modes: the channels' digits (d₀, d₁, d₂) of each sample make the mode
    /// 100·d₀ + 10·d₁ + d₂ of 1,000. `digits` holds the predicted digit of channel c of
    /// sample i at `i * 3 + c`.
    public static func stackedModes(channelDigits digits: [Int]) -> ClassHistogram {
        require(digits.count % 3 == 0, "ClassHistogram.stackedModes: \(digits.count) channel digits are not triples")
        var modes: [Int] = []
        modes.reserveCapacity(digits.count / 3)
        for i in stride(from: 0, to: digits.count, by: 3) {
            let hundreds: Int = 100 * digits[i], tens: Int = 10 * digits[i + 1]
            modes.append(hundreds + tens + digits[i + 2])
        }
        return ClassHistogram(labels: modes, classCount: 1_000)
    }

    public var description: String {
        "\(classesCovered)/\(classCount) classes covered, KL to uniform \(String(format: "%.3f", klToUniform))"
    }
}

extension Tensor {
    /// The index of the largest entry of each row of a [N, K] tensor (the first on ties).
    public func argmaxRows() -> [Int] {
        require(rank == 2 && shape[1] > 0, "argmaxRows: expected [N, K], got \(Shape.describe(shape))")
        let n = shape[0], k = shape[1]
        let p = storage.pointer
        return (0..<n).map { i in
            var best = p[i * k], arg = 0
            for j in 1..<k where p[i * k + j] > best { best = p[i * k + j]; arg = j }
            return arg
        }
    }
}
