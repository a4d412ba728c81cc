import Artifacts
import Datasets
import Foundation
import NN

/// The evaluation network for 28×28 digit images: a small CNN in the spirit of the
/// two-convolution classifier ALICE (Li et al. 2017) scores its MNIST samples with.
///
///     [N, 1, 28, 28] in −1...1 (a tanh generator's range)
///     Conv 1→32, 5×5, stride 2, pad 2 → ReLU        [N, 32, 14, 14]
///     Conv 32→64, 3×3, stride 2, pad 1 → ReLU       [N, 64, 7, 7]
///     Flatten → Linear 3136→128 → ReLU              [N, 128]   the features (FID, KID, P&R)
///     Linear 128→10                                 [N, 10]    the logits
///
/// Strided convolutions instead of pooling keep it to ~1.5 M multiply-adds per image, so
/// 10,000 samples are scored in seconds on a CPU. Parameter names: `body.0.weight`, ...,
/// `head.weight`, as PyTorch would name the same modules.
public final class MNISTClassifier: Layer {
    public static let featureDimension = 128
    public static let classCount = 10
    /// The committed weights, relative to the repository root.
    public static let bundledPath = "models/mnist-classifier.safetensors"

    /// Image → features.
    public let body: Sequential
    /// Features → logits.
    public let head: Linear

    public init(using rng: inout RandomGenerator) {
        body = Sequential(
            Conv2d(1, 32, kernelSize: 5, stride: 2, padding: 2, using: &rng), ReLU(),
            Conv2d(32, 64, kernelSize: 3, stride: 2, padding: 1, using: &rng), ReLU(),
            Flatten(),
            Linear(64 * 7 * 7, Self.featureDimension, using: &rng), ReLU())
        head = Linear(Self.featureDimension, Self.classCount, using: &rng)
    }

    /// The logits [N, 10] of images [N, 1, 28, 28].
    public func callAsFunction(_ x: Tensor, in context: Context) -> Tensor {
        head(features(x, in: context), in: context)
    }

    /// The penultimate-layer features [N, 128].
    public func features(_ x: Tensor, in context: Context) -> Tensor {
        require(x.rank == 4 && Array(x.shape.dropFirst()) == [1, 28, 28],
                "MNISTClassifier: images must be [N, 1, 28, 28], got \(Shape.describe(x.shape))")
        return body(x, in: context)
    }

    public func visit(_ v: inout TensorVisitor) {
        v.child("body", body)
        v.child("head", head)
    }

    // MARK: Prediction

    /// Features [N, 128] and class probabilities [N, 10] of `images` [N, 1, 28, 28],
    /// `batchSize` images per forward pass, with no graph kept.
    public func predict(_ images: Tensor, batchSize: Int = 500) -> (features: Tensor, probabilities: Tensor) {
        require(images.rank == 4 && Array(images.shape.dropFirst()) == [1, 28, 28],
                "MNISTClassifier.predict: images must be [N, 1, 28, 28], got \(Shape.describe(images.shape))")
        let n = images.shape[0]
        let features = Storage(uninitialized: n * Self.featureDimension)
        let probabilities = Storage(uninitialized: n * Self.classCount)
        let context = Context.evaluation
        var start = 0
        while start < n {
            let end = Swift.min(start + batchSize, n)
            let f = self.features(images.slice(axis: 0, range: start..<end).detached(), in: context)
            let p = head(f, in: context).softmax(axis: 1)
            (features.pointer + start * Self.featureDimension).update(from: f.storage.pointer, count: f.count)
            (probabilities.pointer + start * Self.classCount).update(from: p.storage.pointer, count: p.count)
            start = end
        }
        return (Tensor(storage: features, shape: [n, Self.featureDimension]),
                Tensor(storage: probabilities, shape: [n, Self.classCount]))
    }

    /// The fraction of `images` whose most probable class is `labels`.
    public func accuracy(_ images: Tensor, labels: [Int]) -> Double {
        require(images.shape.first == labels.count,
                "MNISTClassifier.accuracy: \(images.shape.first ?? 0) images but \(labels.count) labels")
        let predicted = predict(images).probabilities.argmaxRows()
        return Double(zip(predicted, labels).filter { $0 == $1 }.count) / Double(labels.count)
    }

    // MARK: Weights

    /// A hash of the weights (names, shapes and values, in name order): FNV-1a, 64 bits, in
    /// hex. Every score is logged with it, so numbers from different evaluation networks are
    /// never compared unknowingly.
    public var fingerprint: String {
        var hash = FNV1a()
        for (name, t) in parameters().sorted(by: { $0.key < $1.key }) {
            hash.mix(name.utf8)
            for s in t.shape { withUnsafeBytes(of: UInt64(s).littleEndian) { hash.mix($0) } }
            hash.mix(UnsafeRawBufferPointer(start: t.storage.pointer, count: t.count * MemoryLayout<Float>.size))
        }
        return hash.hex
    }

    /// Writes the weights as safetensors (PyTorch names), with `metadata` (e.g. the test
    /// accuracy) in the header.
    public func save(to url: URL, metadata: [String: String] = [:]) throws {
        try Checkpoint(tensors: parameters(), metadata: metadata).write(to: url)
    }

    /// A classifier with the weights of `url`; the error names every missing or mis-shaped tensor.
    public static func load(from url: URL) throws -> MNISTClassifier {
        var rng = RandomGenerator(seed: 0)
        let model = MNISTClassifier(using: &rng)
        let expected = Dictionary(uniqueKeysWithValues: model.namedParameters().map { ($0.0, $0.1.shape) })
        try model.load(try Checkpoint(contentsOf: url).tensors(expecting: expected))
        return model
    }

    /// The committed weights (`models/mnist-classifier.safetensors`, found under the current
    /// directory or the package root, as the bundled data is).
    public static func bundled() throws -> MNISTClassifier {
        let dir = try BundledData.directory("models", containing: "mnist-classifier.safetensors")
        return try load(from: dir.appendingPathComponent("mnist-classifier.safetensors"))
    }
}

