import Autograd
import Datasets
import Foundation

/// Real images seen through the evaluation classifier, prepared once for scoring many sets
/// of generated ones: their features, the Fréchet reference (mean, covariance and its
/// square root), the k-NN manifold of a subset for precision/recall.
public final class ImageReference: @unchecked Sendable {
    /// Which images these are, e.g. "mnist-test" (it goes into every report's fingerprint).
    public let name: String
    /// The fingerprint of the classifier the features come from.
    public let classifierFingerprint: String
    public let features: Tensor
    public let frechet: FrechetReference
    /// The k-NN manifold of the first `precisionRecallSamples` images.
    public let manifold: ManifoldEstimate

    public var count: Int { features.shape[0] }

    /// Features of `images` [N, 1, 28, 28] in −1...1 under `classifier`; the precision/recall
    /// manifold of the first `settings.precisionRecallSamples` of them.
    public init(images: Tensor, name: String, classifier: MNISTClassifier,
                settings: ImageScores.Settings = ImageScores.Settings()) throws(ScoreError) {
        let features = classifier.predict(images).features
        self.name = name
        self.classifierFingerprint = classifier.fingerprint
        self.features = features
        self.frechet = FrechetReference(try FeatureStatistics(features: features))
        let m = Swift.min(features.shape[0], settings.precisionRecallSamples)
        self.manifold = ManifoldEstimate(features.slice(axis: 0, range: 0..<m), k: settings.precisionRecallK)
    }

    nonisolated(unsafe) private static var cache: [String: ImageReference] = [:]
    private static let lock = NSLock()

    /// The MNIST test set (the bundled `data/mnist`) under `classifier`, computed once per
    /// classifier and kept in memory.
    public static func mnistTest(classifier: MNISTClassifier) throws -> ImageReference {
        let key = classifier.fingerprint
        lock.lock()
        defer { lock.unlock() }
        if let hit = cache[key] { return hit }
        let reference = try ImageReference(images: try MNIST.load(.test).images(), name: "mnist-test", classifier: classifier)
        cache[key] = reference
        return reference
    }
}
