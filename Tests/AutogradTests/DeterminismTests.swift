import Autograd
import TestFixtures
import Testing

/// Same seed, same thread count: bit-identical results, run after run.
@Suite("Determinism")
struct DeterminismTests {
    /// 50 steps of a small network that draws random numbers every step (data, noise,
    /// dropout) and uses batch norm and a gradient penalty; returns the final weights' bits.
    static func train(seed: UInt64) -> [UInt32] {
        var rng = RandomGenerator(seed: seed)
        var w1 = (Tensor.randomNormal([6, 16], using: &rng) * 0.3).requiringGradient()
        var w2 = (Tensor.randomNormal([16, 1], using: &rng) * 0.3).requiringGradient()
        var runningMean = Tensor(zeros: [16]), runningVar = Tensor(ones: [16])
        for _ in 0..<50 {
            let x = Tensor.randomUniform([32, 6], low: -1, high: 1, using: &rng).requiringGradient()
            let bn = Tensor.batchNorm(x.matmul(w1), gamma: nil, beta: nil, runningMean: runningMean,
                                      runningVar: runningVar, training: true)
            runningMean = bn.runningMean
            runningVar = bn.runningVar
            let h = bn.output.leakyRelu(0.2).dropout(p: 0.3, training: true, using: &rng)
            let y = h.matmul(w2)
            let gx = gradients(of: y.sum(), wrt: [x], createGraph: true)[0]
            let loss = y.sigmoid().mean() + 0.1 * (gx.l2NormRows() - 1).square().mean()
            let g = gradients(of: loss, wrt: [w1, w2])
            w1 = (w1 - 0.05 * g[0]).detached().requiringGradient()
            w2 = (w2 - 0.05 * g[1]).detached().requiringGradient()
        }
        return (w1.toArray() + w2.toArray() + runningVar.toArray()).map(\.bitPattern)
    }

    @Test func sameSeedGivesBitIdenticalWeights() {
        let a = DeterminismTests.train(seed: 21)
        let b = DeterminismTests.train(seed: 21)
        #expect(a == b)
        #expect(a != DeterminismTests.train(seed: 22))
    }
}
