import Autograd
import Foundation

/// Scores of generated digit images, all through the evaluation classifier
/// (`MNISTClassifier`):
///
/// - MNIST-like samples [N, 1, 28, 28] (or flat [N, 784]) in −1...1: the classifier score
///   (Inception Score formula, 10 splits), FID and KID against the reference in the 128-d
///   feature space, precision and recall (k = 3), the histogram of predicted digits, its KL
///   to uniform and the number of digits covered.
/// - Stacked MNIST samples [N, 3, 28, 28] (or flat [N, 2352]): each channel classified, the
///   modes (digit triples) covered out of 1,000 and KL(p̂ ‖ uniform over 1,000) (PacGAN /
///   VEEGAN use 26,000 samples).
///
/// ```swift
/// let metrics = try ImageScores.printReport(samples)   // bundled classifier, MNIST test set
///
/// let r = try ImageScores.evaluate(samples)            // or, for a run's log:
/// SampleReport(metrics: r.metrics, text: r.text)
/// ```
public enum ImageScores {
    /// How much work each score may do. The defaults follow the papers where that costs
    /// seconds; tests use smaller ones.
    public struct Settings: Sendable {
        /// Classifier score splits (10 is customary).
        public var splits = 10
        /// KID: subsets × subset size (Bińkowski et al. use 100 × 1,000).
        public var kidSubsets = 100
        public var kidSubsetSize = 1_000
        /// Precision/recall compare at most this many samples of each set (two N×N distance
        /// passes; Kynkäänniemi et al. use more, with a far larger feature extractor), with
        /// k-NN radii for this k.
        public var precisionRecallSamples = 5_000
        public var precisionRecallK = 3
        public init() {}
    }

    /// Scores `samples` with `classifier` against `reference` (for [N, 1, 28, 28] samples;
    /// [N, 3, 28, 28] Stacked MNIST samples need no reference). Throws when there are too
    /// few samples for FID (N ≤ 128) or a pixel is not finite.
    public static func evaluate(_ samples: Tensor, classifier: MNISTClassifier, reference: ImageReference?,
                                settings: Settings = Settings()) throws -> ImageScoreReport {
        // Flat samples of an MLP generator, [N, 784] or [N, 3·784], are the same images.
        if samples.rank == 2 && [784, 3 * 784].contains(samples.shape[1]) {
            return try evaluate(samples.reshaped([samples.shape[0], samples.shape[1] / 784, 28, 28]),
                                classifier: classifier, reference: reference, settings: settings)
        }
        require(samples.rank == 4 && [1, 3].contains(samples.shape[1]) && Array(samples.shape.suffix(2)) == [28, 28],
                "ImageScores: samples must be [N, 1, 28, 28] (MNIST) or [N, 3, 28, 28] (Stacked MNIST), or flat [N, 784] / [N, 2352], got \(Shape.describe(samples.shape))")
        let n = samples.shape[0]
        var nonFinite = 0
        for i in 0..<samples.count where !samples.storage.pointer[i].isFinite { nonFinite += 1 }
        guard nonFinite == 0 else {
            throw ScoreError("ImageScores: \(nonFinite) of the \(samples.count) pixel values of the \(n) samples are NaN or infinite")
        }
        let fingerprint = classifier.fingerprint
        if samples.shape[1] == 3 {
            // Channel c of sample i becomes image 3i + c: the layout is already that.
            let digits = classifier.predict(samples.reshaped([3 * n, 1, 28, 28])).probabilities.argmaxRows()
            return ImageScoreReport(sampleCount: n, classifierFingerprint: fingerprint, referenceName: nil, referenceCount: 0,
                                    stackedModes: ClassHistogram.stackedModes(channelDigits: digits))
        }
        guard let reference else { throw ScoreError("ImageScores: MNIST samples are scored against a reference set; none was given") }
        require(reference.classifierFingerprint == fingerprint,
                "ImageScores: the reference '\(reference.name)' was computed with classifier \(reference.classifierFingerprint), not \(fingerprint)")
        let (features, probabilities) = classifier.predict(samples)
        let statistics = try FeatureStatistics(features: features)
        let m = Swift.min(n, settings.precisionRecallSamples)
        let generated = ManifoldEstimate(features.slice(axis: 0, range: 0..<m), k: reference.manifold.k)
        return ImageScoreReport(
            sampleCount: n, classifierFingerprint: fingerprint, referenceName: reference.name, referenceCount: reference.count,
            classifierScore: ClassifierScore(probabilities: probabilities, splits: Swift.min(settings.splits, n)),
            fid: reference.frechet.distance(to: statistics),
            kid: KernelDistance(reference.features, features, subsets: settings.kidSubsets, subsetSize: settings.kidSubsetSize),
            precisionRecall: PrecisionRecall(real: reference.manifold, generated: generated),
            digits: ClassHistogram(probabilities: probabilities))
    }

    /// Scores `samples` with the committed classifier (`models/mnist-classifier.safetensors`)
    /// against the MNIST test set (computed on first use, then kept in memory).
    public static func evaluate(_ samples: Tensor) throws -> ImageScoreReport {
        let classifier = try bundledClassifier()
        let stacked = (samples.rank == 4 && samples.shape[1] == 3) || (samples.rank == 2 && samples.shape[1] == 3 * 784)
        let reference = stacked ? nil : try ImageReference.mnistTest(classifier: classifier)
        return try evaluate(samples, classifier: classifier, reference: reference)
    }

    /// `evaluate(samples)`, its lines printed; returns the numbers for a log.
    @discardableResult
    public static func printReport(_ samples: Tensor) throws -> [String: Double] {
        let report = try evaluate(samples)
        for line in report.lines { print(line) }
        return report.dictionary
    }

    nonisolated(unsafe) private static var loaded: MNISTClassifier?
    private static let lock = NSLock()

    /// The committed classifier, loaded once.
    public static func bundledClassifier() throws -> MNISTClassifier {
        lock.lock()
        defer { lock.unlock() }
        if let loaded { return loaded }
        let c = try MNISTClassifier.bundled()
        loaded = c
        return c
    }
}

/// Every score of one set of generated images, with what identifies the measurement: the
/// classifier's weights hash, the sample count and the reference set.
public struct ImageScoreReport: Sendable {
    public let sampleCount: Int
    public let classifierFingerprint: String
    public let referenceName: String?
    public let referenceCount: Int
    public var classifierScore: ClassifierScore? = nil
    public var fid: Double? = nil
    public var kid: KernelDistance? = nil
    public var precisionRecall: PrecisionRecall? = nil
    /// Predicted digits of MNIST samples.
    public var digits: ClassHistogram? = nil
    /// Digit triples of Stacked MNIST samples (1,000 modes).
    public var stackedModes: ClassHistogram? = nil

    /// The fingerprint as one line: `classifier 3f2a... | 10000 samples | reference mnist-test (10000)`.
    public var fingerprint: String {
        "classifier \(classifierFingerprint) | \(sampleCount) samples"
            + (referenceName.map { " | reference \($0) (\(referenceCount))" } ?? "")
    }

    /// Named numbers, in a fixed order, for logs and tables.
    public var metrics: [(name: String, value: Double)] {
        var m: [(String, Double)] = [("eval_samples", Double(sampleCount))]
        if let s = classifierScore { m += [("classifier_score", s.mean), ("classifier_score_std", s.std)] }
        if let fid { m.append(("fid", fid)) }
        if let kid { m += [("kid", kid.mean), ("kid_std", kid.std)] }
        if let pr = precisionRecall { m += [("precision", pr.precision), ("recall", pr.recall)] }
        if let h = digits { m += [("digits_covered", Double(h.classesCovered)), ("digits_kl_uniform", h.klToUniform)] }
        if let h = stackedModes { m += [("modes_covered", Double(h.classesCovered)), ("modes_kl_uniform", h.klToUniform)] }
        return m
    }

    public var dictionary: [String: Double] { Dictionary(uniqueKeysWithValues: metrics.map { ($0.name, $0.value) }) }

    /// The report for people, one score per line, the fingerprint first.
    public var lines: [String] {
        var out = ["evaluation: " + fingerprint]
        if let s = classifierScore { out.append("classifier score (IS formula, \(s.splits) splits): \(s)") }
        if let fid { out.append("FID (classifier features): " + String(format: "%.3f", fid)) }
        if let kid { out.append("KID (\(kid.subsets) × \(kid.subsetSize)): \(kid)") }
        if let pr = precisionRecall { out.append("precision / recall (k = \(pr.k)): " + String(format: "%.3f / %.3f", pr.precision, pr.recall)) }
        if let h = digits {
            out.append("digits: \(h.classesCovered)/10 covered, KL to uniform " + String(format: "%.4f", h.klToUniform)
                       + ", counts " + h.counts.map(String.init).joined(separator: " "))
        }
        if let h = stackedModes {
            out.append("Stacked MNIST modes: \(h.classesCovered)/1000 covered, KL to uniform " + String(format: "%.3f", h.klToUniform))
        }
        return out
    }

    public var text: String { lines.joined(separator: "\n") }
}
