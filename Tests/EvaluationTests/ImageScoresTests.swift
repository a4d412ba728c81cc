import Autograd
import Datasets
import Evaluation
import Foundation
import Testing

@Suite("Image scores through the evaluation classifier")
struct ImageScoresTests {
    /// Small enough for debug builds.
    static var quick: ImageScores.Settings {
        var s = ImageScores.Settings()
        s.kidSubsets = 5
        s.kidSubsetSize = 200
        s.precisionRecallSamples = 300
        return s
    }

    @Test func testImagesAgainstThemselvesAndDegenerateSamples() throws {
        let classifier = try MNISTClassifier.bundled()
        let test = try MNIST.load(.test)
        let images = test.images().slice(axis: 0, range: 0..<600)
        let reference = try ImageReference(images: images, name: "first-600", classifier: classifier, settings: Self.quick)

        let same = try ImageScores.evaluate(images, classifier: classifier, reference: reference, settings: Self.quick)
        #expect(same.fid! < 1e-6)
        #expect(same.precisionRecall!.precision == 1 && same.precisionRecall!.recall == 1)
        #expect(same.digits!.classesCovered == 10 && same.digits!.klToUniform < 0.05)
        #expect(same.classifierScore!.mean > 8.5)
        #expect(same.fingerprint == "classifier \(classifier.fingerprint) | 600 samples | reference first-600 (600)")
        #expect(same.dictionary["eval_samples"] == 600 && same.dictionary["fid"] == same.fid)
        #expect(same.lines.first!.hasPrefix("evaluation: classifier "))

        // One image repeated: one digit, a classifier score of 1, far from the reference.
        let one = images.slice(axis: 0, range: 0..<1).expanded(to: [300, 1, 28, 28]) + Tensor(zeros: [300, 1, 28, 28])
        let collapsed = try ImageScores.evaluate(one, classifier: classifier, reference: reference, settings: Self.quick)
        #expect(collapsed.digits!.classesCovered == 1 && abs(collapsed.classifierScore!.mean - 1) < 1e-3)
        #expect(collapsed.fid! > 50 * Swift.max(same.fid!, 1e-3) && collapsed.precisionRecall!.recall < 0.05)

        // Noise in [-1, 1], as from an untrained generator: far, and covering nothing. (Its
        // precision is no use here: 600 reference points in 128 dimensions have wide k-NN
        // balls, one of which can hold the noise's tight cluster of features.)
        var rng = RandomGenerator(seed: 0)
        let noise = Tensor.randomUniform([300, 1, 28, 28], low: -1, high: 1, using: &rng)
        let bad = try ImageScores.evaluate(noise, classifier: classifier, reference: reference, settings: Self.quick)
        #expect(bad.fid! > 100 * Swift.max(same.fid!, 1e-3) && bad.precisionRecall!.recall < 0.05)
        #expect(bad.classifierScore!.mean < 3)
        // KID of the set with itself is small next to that of noise (subsets of one set
        // overlap, which makes it slightly negative).
        #expect(abs(same.kid!.mean) < 0.05 * bad.kid!.mean && collapsed.kid!.mean > bad.kid!.mean / 10, "\(same.lines) \(bad.lines)")
    }

    @Test func tooFewSamplesForFIDIsAnError() throws {
        let classifier = try MNISTClassifier.bundled()
        let images = try MNIST.load(.test).images().slice(axis: 0, range: 0..<200)
        let reference = try ImageReference(images: images, name: "first-200", classifier: classifier, settings: Self.quick)
        #expect {
            _ = try ImageScores.evaluate(images.slice(axis: 0, range: 0..<50), classifier: classifier, reference: reference, settings: Self.quick)
        } throws: { error in
            String(describing: error).contains("50 samples of 128-dimensional features")
        }
    }

    @Test func nonFiniteSamplesAreAnError() throws {
        let classifier = try MNISTClassifier.bundled()
        var pixels = [Float](repeating: 0, count: 2 * 3 * 784)
        pixels[5] = .nan
        #expect {
            _ = try ImageScores.evaluate(Tensor(pixels, shape: [2, 3, 28, 28]), classifier: classifier, reference: nil)
        } throws: { error in
            String(describing: error).contains("1 of the 4704 pixel values of the 2 samples")
        }
    }

    @Test func stackedMNISTModesAreTheChannelsDigitTriples() throws {
        let classifier = try MNISTClassifier.bundled()
        let test = try MNIST.load(.test)
        let n = 200
        var rng = RandomGenerator(seed: 1)
        let picks = (0..<(3 * n)).map { _ in rng.nextInt(below: test.count) }
        let all = test.images()
        var pixels = [Float]()
        pixels.reserveCapacity(3 * n * 784)
        let source = all.toArray()
        for p in picks { pixels += source[(p * 784)..<((p + 1) * 784)] }
        let stacked = Tensor(pixels, shape: [n, 3, 28, 28])
        let report = try ImageScores.evaluate(stacked, classifier: classifier, reference: nil)
        // The same as classifying each channel image alone.
        let digits = classifier.predict(Tensor(pixels, shape: [3 * n, 1, 28, 28])).probabilities.argmaxRows()
        #expect(report.stackedModes == ClassHistogram.stackedModes(channelDigits: digits))
        // And close to the true labels' triples (the classifier errs on ~1 % of digits).
        let truth = ClassHistogram.stackedModes(channelDigits: picks.map { test.labels[$0] })
        #expect(abs(report.stackedModes!.classesCovered - truth.classesCovered) <= 4)
        #expect(report.dictionary["modes_covered"] == Double(report.stackedModes!.classesCovered))
        #expect(report.fid == nil && report.classifierScore == nil)
        // Flat samples, as from an MLP generator, are the same images.
        let flat = try ImageScores.evaluate(stacked.reshaped([n, 3 * 784]), classifier: classifier, reference: nil)
        #expect(flat.stackedModes == report.stackedModes)
    }
}
