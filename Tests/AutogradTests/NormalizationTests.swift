import Autograd
import TestFixtures
import Foundation
import Testing

@Suite("Batch normalization")
struct NormalizationTests {
    /// Runs a batch-norm fixture through `checkOpFixture` and checks the extra outputs:
    /// the updated (training) or unchanged (evaluation) running statistics and, in training,
    /// the batch statistics themselves.
    func checkBatchNormFixture(_ name: String, training: Bool,
                               sourceLocation: SourceLocation = #_sourceLocation) throws {
        let fx = try Fixture(name)
        let params = fx.params
        #expect(params["training"] as? Bool == training)
        let eps = (params["eps"] as! NSNumber).floatValue
        let momentum = (params["momentum"] as! NSNumber).floatValue
        let rm = fx.input("running_mean"), rv = fx.input("running_var")
        var stats: (Tensor, Tensor)? = nil
        try checkOpFixture(name, inputs: ["x", "gamma", "beta"], sourceLocation: sourceLocation) { xs in
            let r = Tensor.batchNorm(xs[0], gamma: xs[1], beta: xs[2], runningMean: rm, runningVar: rv,
                                     training: training, momentum: momentum, eps: eps)
            stats = (r.runningMean, r.runningVar)
            return r.output
        }
        let (newMean, newVar) = stats!
        #expect(!newMean.isTracked && !newVar.isTracked)
        if training {
            expectClose(newMean, fx.output("running_mean"), "\(name) running mean", sourceLocation: sourceLocation)
            expectClose(newVar, fx.output("running_var"), "\(name) running var", sourceLocation: sourceLocation)
            let x = fx.input("x")
            let axes = [0] + Array(2..<x.rank)
            expectClose(x.mean(axes: axes), fx.output("batch_mean"), "\(name) batch mean", sourceLocation: sourceLocation)
            expectClose(x.variance(axes: axes), fx.output("batch_var_biased"), "\(name) batch var", sourceLocation: sourceLocation)
        } else {
            #expect(newMean.toArray() == rm.toArray() && newVar.toArray() == rv.toArray(), sourceLocation: sourceLocation)
        }
    }

    @Test func batchNorm1dTrain() throws { try checkBatchNormFixture("batchnorm1d_train", training: true) }
    @Test func batchNorm2dTrain() throws { try checkBatchNormFixture("batchnorm2d_train", training: true) }
    @Test func batchNorm1dEval() throws { try checkBatchNormFixture("batchnorm1d_eval", training: false) }
    @Test func batchNorm2dEval() throws { try checkBatchNormFixture("batchnorm2d_eval", training: false) }

    @Test func finiteDifferences() {
        var rng = RandomGenerator(seed: 21)
        for shape in [[5, 3], [2, 2, 3, 3]] {
            let c = shape[1]
            let x = Tensor.randomNormal(shape, using: &rng)
            let gamma = Tensor.randomUniform([c], low: 0.5, high: 1.5, using: &rng)
            let beta = Tensor.randomNormal([c], using: &rng)
            let rm = Tensor.randomNormal([c], std: 0.3, using: &rng)
            let rv = Tensor.randomUniform([c], low: 0.5, high: 2, using: &rng)
            for training in [true, false] {
                checkGradients("batchNorm \(shape) training \(training)", inputs: [x, gamma, beta], h: 3e-3) { xs in
                    Tensor.batchNorm(xs[0], gamma: xs[1], beta: xs[2], runningMean: rm, runningVar: rv,
                                     training: training).output
                }
                checkGradients("batchNorm \(shape) training \(training), no affine", inputs: [x], h: 3e-3) { xs in
                    Tensor.batchNorm(xs[0], gamma: nil, beta: nil, runningMean: rm, runningVar: rv,
                                     training: training).output
                }
            }
        }
    }

    /// The fused first-order backward (no graph built) and the op-composed one
    /// (create-graph) give the same gradients.
    @Test(arguments: [[8, 4, 3, 5], [16, 5], [6, 3, 2]])
    func fusedAndComposedBackwardsAgree(shape: [Int]) {
        var rng = RandomGenerator(seed: 22)
        let c = shape[1]
        let x = Tensor.randomNormal(shape, mean: 1, std: 2, using: &rng).requiringGradient()
        let gamma = Tensor.randomNormal([c], using: &rng).requiringGradient()
        let beta = Tensor.randomNormal([c], using: &rng).requiringGradient()
        let gy = Tensor.randomNormal(shape, using: &rng)
        let y = Tensor.batchNorm(x, gamma: gamma, beta: beta, runningMean: Tensor(zeros: [c]),
                                 runningVar: Tensor(ones: [c]), training: true).output
        let fused = gradients(of: y, wrt: [x, gamma, beta], seed: gy)
        let composed = gradients(of: y, wrt: [x, gamma, beta], seed: gy, createGraph: true)
        for i in 0..<3 {
            #expect(!fused[i].isTracked)
            expectClose(fused[i], composed[i].detached(), atol: 1e-5, rtol: 1e-4, "\(shape) gradient \(i)")
        }
    }

    @Test func trainingOutputIsNormalizedAndStatsUpdate() {
        var rng = RandomGenerator(seed: 23)
        let x = Tensor.randomNormal([64, 3], mean: 5, std: 3, using: &rng)
        let r = Tensor.batchNorm(x, gamma: nil, beta: nil, runningMean: Tensor(zeros: [3]),
                                 runningVar: Tensor(ones: [3]), training: true, momentum: 0.5)
        let m = r.output.mean(axes: [0]).toArray(), v = r.output.variance(axes: [0]).toArray()
        for c in 0..<3 {
            #expect(Swift.abs(m[c]) < 1e-5)
            #expect(Swift.abs(v[c] - 1) < 1e-3)
        }
        let bm = x.mean(axes: [0]).toArray(), bv = x.variance(axes: [0], unbiased: true).toArray()
        for c in 0..<3 {
            #expect(Swift.abs(r.runningMean.toArray()[c] - 0.5 * bm[c]) < 1e-4)
            #expect(Swift.abs(r.runningVar.toArray()[c] - (0.5 + 0.5 * bv[c])) < 1e-3)
        }
    }

    @Test func channelMismatchNamesShapes() async {
        await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = Tensor.batchNorm(Tensor(zeros: [2, 3, 4, 4]), gamma: Tensor(ones: [4]), beta: nil,
                                 runningMean: Tensor(zeros: [3]), runningVar: Tensor(ones: [3]), training: true)
        }.map { result in
            let text = String(decoding: result.standardErrorContent, as: UTF8.self)
            #expect(text.contains("batchNorm: gamma of shape [4] does not match the 3 channels of input [2, 3, 4, 4]"))
        }
    }
}
