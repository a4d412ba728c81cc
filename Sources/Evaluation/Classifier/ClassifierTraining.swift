import Foundation
import NN

/// Supervised training of the evaluation classifier: Adam on the cross-entropy of
/// `logSoftmax` outputs, seeded minibatches by epochs, the learning rate decayed linearly
/// to a tenth over the run, test accuracy measured after every epoch.
public struct ClassifierTraining: Sendable {
    public var epochs: Int
    public var batchSize: Int
    public var learningRate: Float
    public var seed: UInt64

    public init(epochs: Int = 10, batchSize: Int = 64, learningRate: Float = 1e-3, seed: UInt64 = 0) {
        require(epochs >= 1 && batchSize >= 1 && learningRate > 0,
                "ClassifierTraining: epochs \(epochs), batch size \(batchSize), learning rate \(learningRate) must be positive")
        self.epochs = epochs
        self.batchSize = batchSize
        self.learningRate = learningRate
        self.seed = seed
    }

    /// What one epoch ended with.
    public struct EpochReport: Sendable {
        public let epoch: Int
        /// Mean cross-entropy over the epoch's minibatches.
        public let trainLoss: Double
        public let testAccuracy: Double
        public let seconds: Double
    }

    /// Trains `model` on `images` [N, 1, 28, 28] with `labels`, calling `report` after each
    /// epoch with the accuracy on `testImages`/`testLabels`. Returns the reports.
    @discardableResult
    public func train(_ model: MNISTClassifier, images: Tensor, labels: [Int], testImages: Tensor, testLabels: [Int],
                      report: (EpochReport) -> Void = { _ in }) -> [EpochReport] {
        let n = images.shape[0]
        require(labels.count == n && n >= batchSize,
                "ClassifierTraining: \(n) images, \(labels.count) labels, batch size \(batchSize)")
        let rowSize = images.count / n
        let steps = epochs * (n / batchSize)
        let adam = Adam(learningRate: .linearDecay(from: learningRate, to: learningRate / 10, start: 0, end: steps))
        var state = OptimizerState()
        var rng = RandomGenerator(seed: seed)
        let context = Context(.training, rng: RandomGenerator(seed: seed &+ 1))
        var reports: [EpochReport] = []
        for epoch in 1...epochs {
            let start = Date()
            let order = rng.permutation(n)
            var lossSum = 0.0
            for b in 0..<(n / batchSize) {
                let rows = order[(b * batchSize)..<((b + 1) * batchSize)]
                let batch = Storage(uninitialized: batchSize * rowSize)
                for (r, i) in rows.enumerated() {
                    (batch.pointer + r * rowSize).update(from: images.storage.pointer + i * rowSize, count: rowSize)
                }
                let x = Tensor(storage: batch, shape: [batchSize] + Array(images.shape.dropFirst()))
                let target = Tensor.oneHot(rows.map { labels[$0] }, classes: MNISTClassifier.classCount)
                let loss = -(model(x, in: context).logSoftmax(axis: 1) * target).sum() / Float(batchSize)
                let grads = gradients(of: loss, wrt: model.parameters())
                let (params, next) = adam.update(model.parameters(), grads, state)
                model.update(parameters: params)
                state = next
                lossSum += Double(loss.scalarValue)
            }
            let r = EpochReport(epoch: epoch, trainLoss: lossSum / Double(n / batchSize),
                                testAccuracy: model.accuracy(testImages, labels: testLabels),
                                seconds: Date().timeIntervalSince(start))
            reports.append(r)
            report(r)
        }
        return reports
    }
}
