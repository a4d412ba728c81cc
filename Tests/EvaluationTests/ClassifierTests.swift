import Artifacts
import Autograd
import Datasets
import Evaluation
import Foundation
import NN
import Testing

@Suite("MNIST evaluation classifier")
struct ClassifierTests {
    /// Two classes a CNN tells apart at once: ink in the top half, or in the bottom half.
    func halves(_ n: Int, seed: UInt64) -> (Tensor, [Int]) {
        var rng = RandomGenerator(seed: seed)
        var pixels = [Float](repeating: -1, count: n * 784)
        var labels: [Int] = []
        for i in 0..<n {
            let label = i % 2
            labels.append(label)
            for r in 0..<28 where (r < 14) == (label == 0) {
                for c in 0..<28 { pixels[i * 784 + r * 28 + c] = rng.nextUniform() }
            }
        }
        return (Tensor(pixels, shape: [n, 1, 28, 28]), labels)
    }

    @Test func shapesNamesAndPrediction() {
        var rng = RandomGenerator(seed: 0)
        let model = MNISTClassifier(using: &rng)
        #expect(model.namedParameters().map(\.0) == ["body.0.weight", "body.0.bias", "body.2.weight", "body.2.bias",
                                                     "body.5.weight", "body.5.bias", "head.weight", "head.bias"])
        let (x, _) = halves(7, seed: 1)
        let (features, probabilities) = model.predict(x, batchSize: 3)
        #expect(features.shape == [7, 128] && probabilities.shape == [7, 10])
        #expect(!features.isTracked && !probabilities.isTracked)
        // Batching does not change the result (beyond BLAS's blocking), and rows are distributions.
        let whole = model.predict(x, batchSize: 100)
        #expect(zip(whole.features.toArray(), features.toArray()).allSatisfy { abs($0 - $1) < 1e-5 })
        for i in 0..<7 { #expect(abs(probabilities.toArray()[(i * 10)..<(i * 10 + 10)].reduce(0, +) - 1) < 1e-5) }
    }

    @Test func fingerprintFollowsTheWeightsThroughSaveAndLoad() throws {
        var rng = RandomGenerator(seed: 0)
        let model = MNISTClassifier(using: &rng)
        var rng2 = RandomGenerator(seed: 0)
        #expect(MNISTClassifier(using: &rng2).fingerprint == model.fingerprint)
        var rng3 = RandomGenerator(seed: 1)
        #expect(MNISTClassifier(using: &rng3).fingerprint != model.fingerprint)
        #expect(model.fingerprint.count == 16)

        let url = FileManager.default.temporaryDirectory.appendingPathComponent("clf-\(UUID().uuidString).safetensors")
        defer { try? FileManager.default.removeItem(at: url) }
        try model.save(to: url, metadata: ["test_accuracy": "0.5"])
        let back = try MNISTClassifier.load(from: url)
        #expect(back.fingerprint == model.fingerprint)
        let (x, _) = halves(4, seed: 2)
        #expect(back.predict(x).probabilities.toArray() == model.predict(x).probabilities.toArray())
        #expect(try Checkpoint(contentsOf: url).metadata["test_accuracy"] == "0.5")

        // A file of another network names what does not fit.
        try Checkpoint(tensors: ["head.weight": Tensor(zeros: [2, 128])]).write(to: url)
        #expect {
            _ = try MNISTClassifier.load(from: url)
        } throws: { error in
            let text = String(describing: error)
            return text.contains("head.weight") && text.contains("body.0.weight")
        }
    }

    @Test func trainingLearnsASimpleTask() {
        var rng = RandomGenerator(seed: 3)
        let model = MNISTClassifier(using: &rng)
        let (x, y) = halves(128, seed: 4)
        let (tx, ty) = halves(32, seed: 5)
        let reports = ClassifierTraining(epochs: 2, batchSize: 32, learningRate: 1e-3, seed: 6)
            .train(model, images: x, labels: y, testImages: tx, testLabels: ty)
        #expect(reports.count == 2 && reports[1].trainLoss < reports[0].trainLoss)
        #expect(reports[1].testAccuracy == 1)
        #expect(model.accuracy(tx, labels: ty) == 1)
    }

    @Test func theCommittedWeightsClassifyTheTestSet() throws {
        let model = try MNISTClassifier.bundled()
        let test = try MNIST.load(.test)
        let n = 1_000
        let images = test.images().slice(axis: 0, range: 0..<n)
        let accuracy = model.accuracy(images, labels: Array(test.labels.prefix(n)))
        #expect(accuracy >= 0.98, "accuracy on the first \(n) test images: \(accuracy)")
        let score = ClassifierScore(probabilities: model.predict(images).probabilities)
        #expect(score.mean > 9, "test-set classifier score \(score)")
    }
}
