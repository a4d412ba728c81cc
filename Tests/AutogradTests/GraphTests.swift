import Autograd
import TestFixtures
import Testing

@Suite("Gradient walk")
struct GraphTests {
    @Test func gradientsAreReturnedNotAccumulated() {
        let x = Tensor([1, 2, 3]).requiringGradient()
        let loss = (x * x).sum()
        let g1 = gradients(of: loss, wrt: [x])[0]
        let g2 = gradients(of: loss, wrt: [x])[0]
        #expect(g1.toArray() == [2, 4, 6])
        #expect(g2.toArray() == [2, 4, 6])
        #expect(!g1.isTracked)
    }

    @Test func sharedSubexpressionsSumTheirContributions() {
        let x = Tensor([2]).requiringGradient()
        let y = x * x          // used twice below
        let z = (y * x + y).sum()  // x³ + x²  →  3x² + 2x = 16
        #expect(gradients(of: z, wrt: [x])[0].toArray() == [16])
    }

    /// Summing a gradient's contributions must never write into a tensor held elsewhere:
    /// the caller's seed, which `+` passes on unchanged to both of its inputs, or a target's
    /// gradient that is summed further down the walk.
    @Test func summedGradientsLeaveTensorsHeldElsewhereUnchanged() {
        let x = Tensor([1, 2, 3]).requiringGradient()
        let seed = Tensor([1, 10, 100])
        let g = gradients(of: x + x + x, wrt: [x], seed: seed)[0]
        #expect(g.toArray() == [3, 30, 300])
        #expect(seed.toArray() == [1, 10, 100])
        // A partial sum that is itself a target's gradient, then summed further.
        let h = x * 2
        let out = (h + h * h + x).sum()  // dh: 1 + 2h; dx: 2·dh + 1 = 3 + 8x
        let both = gradients(of: out, wrt: [h, x])
        #expect(both[0].toArray() == [5, 9, 13])
        #expect(both[1].toArray() == [11, 19, 27])
    }

    @Test func unusedTargetsGetZerosAndUntrackedOutputsToo() {
        let a = Tensor([1, 2]).requiringGradient()
        let b = Tensor([3, 4, 5]).requiringGradient()
        let g = gradients(of: (a * 3).sum(), wrt: [a, b])
        #expect(g[0].toArray() == [3, 3])
        #expect(g[1].toArray() == [0, 0, 0])
        let constant = Tensor([1, 2]).sum()
        #expect(gradients(of: constant, wrt: [a])[0].toArray() == [0, 0])
    }

    @Test func gradientWithRespectToAnIntermediate() {
        // The WGAN-GP pattern: differentiate with respect to x̂, which has a graph of its own.
        let w = Tensor([0.5, -1]).requiringGradient()
        let xhat = w * 2
        let d = (xhat * xhat).sum()
        #expect(gradients(of: d, wrt: [xhat])[0].toArray() == [2, -4])
    }

    @Test func thirdOrderThroughRepeatedCreateGraph() {
        let x = Tensor([1.5]).requiringGradient()
        let y = x.pow(4).sum()                                           // x⁴
        let g1 = gradients(of: y, wrt: [x], createGraph: true)[0]        // 4x³
        let g2 = gradients(of: g1.sum(), wrt: [x], createGraph: true)[0] // 12x²
        let g3 = gradients(of: g2.sum(), wrt: [x])[0]                    // 24x
        #expect(abs(g1.scalarValue - 13.5) < 1e-5)
        #expect(abs(g2.scalarValue - 27) < 1e-5)
        #expect(abs(g3.scalarValue - 36) < 1e-4)
    }

    @Test func withoutCreateGraphTheGradientIsAConstant() {
        let x = Tensor([1.5]).requiringGradient()
        let g = gradients(of: x.pow(3).sum(), wrt: [x])[0]
        #expect(!g.isTracked)
        #expect(gradients(of: (g * x).sum(), wrt: [x])[0].toArray() == g.toArray())
    }

    @Test func jacobianVectorProductMatchesTheAnalyticForm() {
        var rng = RandomGenerator(seed: 11)
        let x = Tensor.randomNormal([5], using: &rng)
        let v = Tensor.randomNormal([5], using: &rng)
        let w = Tensor.randomNormal([3, 5], using: &rng)
        // f(x) = W exp(x): J v = W (exp(x) ⊙ v)
        let (y, jv) = jacobianVectorProduct(of: { w.matmul($0.exp().reshaped([5, 1])).reshaped([3]) }, at: x, along: v)
        let want = w.matmul((x.exp() * v).reshaped([5, 1])).reshaped([3])
        #expect(y.shape == [3])
        for (a, b) in zip(jv.toArray(), want.toArray()) { #expect(abs(a - b) < 1e-5 * max(1, abs(b))) }
    }

    @Test func nonScalarOutputNeedsASeed() async {
        await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            let x = Tensor([1, 2]).requiringGradient()
            _ = gradients(of: x * 2, wrt: [x])
        }.map { r in
            #expect(String(decoding: r.standardErrorContent, as: UTF8.self).contains("is not a scalar; pass a seed"))
        }
    }

    @Test func untrackedTargetIsRejectedWithAHint() async {
        await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            let x = Tensor([1, 2])
            _ = gradients(of: x.sum(), wrt: [x])
        }.map { r in
            #expect(String(decoding: r.standardErrorContent, as: UTF8.self).contains("wrt[0] (shape [2]) is not tracked"))
        }
    }

    @Test func longChainsDoNotOverflowTheStack() {
        let x = Tensor([1]).requiringGradient()
        var y = x
        for _ in 0..<50_000 { y = y * 1.0 }
        #expect(gradients(of: y.sum(), wrt: [x])[0].toArray() == [1])
    }

    /// A 10,000-step training loop (forward, gradient penalty with double backward, update)
    /// must hold no more storages at the end than after its first steps: each step's graph
    /// is freed when its tensors go out of scope. Run in a child process so that other tests
    /// running in parallel do not disturb the process-wide storage count.
    @Test func trainingLoopMemoryIsFlat() async {
        await #expect(processExitsWith: .success) {
            var rng = RandomGenerator(seed: 5)
            var w1 = (Tensor.randomNormal([4, 8], using: &rng) * 0.3).requiringGradient()
            var w2 = (Tensor.randomNormal([8, 1], using: &rng) * 0.3).requiringGradient()
            let x = Tensor.randomNormal([16, 4], using: &rng)
            let target = Tensor.randomNormal([16, 1], using: &rng)
            var liveAfterWarmup = 0
            var firstLoss: Float = 0, lastLoss: Float = 0
            for step in 0..<10_000 {
                let xv = x.requiringGradient()
                let h = xv.matmul(w1).exp() * 0.1
                let y = h.matmul(w2)
                let dx = gradients(of: y.sum(), wrt: [xv], createGraph: true)[0]
                let loss = (y - target).square().mean() + 1e-3 * dx.square().mean()
                let g = gradients(of: loss, wrt: [w1, w2])
                w1 = (w1 - g[0] * 0.05).detached().requiringGradient()
                w2 = (w2 - g[1] * 0.05).detached().requiringGradient()
                if step == 0 { firstLoss = loss.scalarValue }
                if step == 9_999 { lastLoss = loss.scalarValue }
                if step == 100 { liveAfterWarmup = Storage.liveCount }
            }
            precondition(Storage.liveCount <= liveAfterWarmup,
                         "live storages grew from \(liveAfterWarmup) to \(Storage.liveCount)")
            precondition(lastLoss < firstLoss, "loss did not fall: \(firstLoss) -> \(lastLoss)")
        }
    }
}
