import ArgumentParser
import Artifacts
import Datasets
import Evaluation
import Foundation
import TensorCore

/// `swiftgan classifier train|test`: the MNIST evaluation network.
struct ClassifierCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "classifier",
        abstract: "The MNIST evaluation network behind the image scores: train it, or measure the committed one.",
        subcommands: [TrainClassifier.self, TestClassifier.self])

    struct TrainClassifier: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "train",
            abstract: "Train the evaluation CNN on the bundled MNIST and write its weights (safetensors).",
            discussion: "Example (what scripts/train-classifier.sh runs):\n  swiftgan classifier train --out models/mnist-classifier.safetensors")
        @Option(name: .long, help: "Where to write the weights.") var out: String = MNISTClassifier.bundledPath
        @Option(name: .long, help: "Passes over the 60,000 training images.") var epochs: Int = 10
        @Option(name: .long, help: "Images per minibatch.") var batchSize: Int = 64
        @Option(name: .long, help: "Adam's learning rate at the start (decayed linearly to a tenth).") var lr: Float = 1e-3
        @Option(name: .long, help: "Seed of the initialization and the minibatch order.") var seed: UInt64 = 0

        func run() throws {
            guard epochs >= 1, batchSize >= 1, lr > 0 else { throw fail("--epochs, --batch-size and --lr must be positive") }
            let train: MNIST, test: MNIST
            do { (train, test) = (try MNIST.load(.train), try MNIST.load(.test)) } catch let e as DataFileError { throw fail(e.description) }
            var rng = RandomGenerator(seed: seed)
            let model = MNISTClassifier(using: &rng)
            let testImages = test.images()
            let training = ClassifierTraining(epochs: epochs, batchSize: batchSize, learningRate: lr, seed: seed)
            training.train(model, images: train.images(), labels: train.labels, testImages: testImages, testLabels: test.labels) { r in
                print(String(format: "epoch %d/%d: train loss %.4f, test accuracy %.2f %% (%.0f s)",
                             r.epoch, epochs, r.trainLoss, 100 * r.testAccuracy, r.seconds))
                fflush(nil)  // one line per epoch, also when the output is a file
            }
            let (_, probabilities) = model.predict(testImages)
            let accuracy = model.accuracy(testImages, labels: test.labels)
            let score = ClassifierScore(probabilities: probabilities)
            try model.save(to: URL(fileURLWithPath: out), metadata: [
                "architecture": "MNISTClassifier (conv5x5/2 32, conv3x3/2 64, dense 128, dense 10)",
                "test_accuracy": String(format: "%.4f", accuracy),
                "test_classifier_score": score.description,
                "training": "epochs \(epochs), batch \(batchSize), adam lr \(lr) linearly to \(lr / 10), seed \(seed)",
            ])
            print(String(format: "test accuracy %.2f %%, test-set classifier score %@", 100 * accuracy, score.description))
            print("wrote \(out) (fingerprint \(model.fingerprint))")
        }
    }

    struct TestClassifier: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "test",
            abstract: "Measure the evaluation network: test accuracy, every image score of the MNIST test set against itself, and real Stacked MNIST's modes, timed.",
            discussion: "Example:\n  swiftgan classifier test")
        @Option(name: .long, help: "The weights (default: the committed ones).") var weights: String?

        func run() throws {
            let classifier: MNISTClassifier, test: MNIST
            do {
                classifier = try weights.map { try MNISTClassifier.load(from: URL(fileURLWithPath: $0)) } ?? MNISTClassifier.bundled()
                test = try MNIST.load(.test)
            } catch let e as DataFileError { throw fail(e.description) }
            catch let e as CheckpointError { throw fail(e.description) }
            let images = test.images()
            // Wall time, and the process's CPU time (all threads): on a shared machine the two differ.
            var start = (Date(), clock())
            func elapsed() -> String {
                String(format: "%.2f s (%.2f s CPU)", Date().timeIntervalSince(start.0), Double(clock() - start.1) / Double(CLOCKS_PER_SEC))
            }
            print(String(format: "test accuracy %.2f %%", 100 * classifier.accuracy(images, labels: test.labels)))
            start = (Date(), clock())
            let reference = try ImageReference.mnistTest(classifier: classifier)
            print("reference statistics of \(reference.count) test images: \(elapsed())")
            start = (Date(), clock())
            let report = try ImageScores.evaluate(images, classifier: classifier, reference: reference)
            let seconds = elapsed()
            for line in report.lines { print(line) }
            print("scored \(report.sampleCount) samples in \(seconds)")

            // Real Stacked MNIST at the protocol's 26,000 samples: what a perfect generator scores.
            let stacked = StackedMNIST(source: test, count: 26_000, seed: 0)
            let truth = ClassHistogram(labels: stacked.modes, classCount: StackedMNIST.modeCount)
            let samples = stacked.images(Array(0..<stacked.count))
            start = (Date(), clock())
            let stackedReport = try ImageScores.evaluate(samples, classifier: classifier, reference: nil)
            let stackedSeconds = elapsed()
            for line in stackedReport.lines { print(line) }
            print("scored \(stackedReport.sampleCount) Stacked MNIST samples in \(stackedSeconds) (their true digit triples: \(truth.classesCovered)/1000 modes, KL to uniform "
                  + String(format: "%.3f)", truth.klToUniform))
        }
    }
}
