import Autograd
import Datasets
import GAN
import Testing

@Suite("Top-k generator updates")
struct TopKTests {
    @Test func keptShareRampsFromAllToTheFraction() {
        let k = TopK(fraction: 0.5, rampSteps: 100)
        #expect(k.count(of: 64, step: 0) == 64)
        #expect(k.count(of: 64, step: 50) == 48)
        #expect(k.count(of: 64, step: 100) == 32 && k.count(of: 64, step: 10_000) == 32)
        #expect(TopK(fraction: 0.01, rampSteps: 0).count(of: 10, step: 0) == 1)
    }

    @Test func bestRowsAndTheirGradient() {
        let s = Tensor([0.5, 2, -1, 2, 0.1], shape: [5, 1]).requiringGradient()
        let best = TopK.best(s, 3)
        #expect(best.shape == [3, 1] && best.toArray() == [2, 2, 0.5])  // ties: the earlier row first
        #expect(gradients(of: best.sum(), wrt: [s])[0].toArray() == [1, 1, 0, 1, 0])
        #expect(TopK.best(s, 5).toArray() == s.toArray())
        // Rows of several scores (a patch D) are ranked by their mean.
        let patches = Tensor([3, -3, 1, 1, 0, 0.5], shape: [3, 2]).requiringGradient()
        #expect(TopK.best(patches, 1).toArray() == [1, 1])
        #expect(gradients(of: TopK.best(patches, 2).sum(), wrt: [patches])[0].toArray() == [0, 0, 1, 1, 1, 1])
    }

    @Test func generatorLossAveragesOverTheBestRatedFakesOnly() throws {
        let ring = GaussianMixture.ring(modes: 8, radius: 2, std: 0.05)
        var s = GameSettings()
        s.batchSize = 64
        let plain = TrainerTests.ringTrainer(s, lr: 1e-3, beta1: 0.5, beta2: 0.999, seed: 4, mixture: ring)
        s.topK = TopK(fraction: 0.25, rampSteps: 0)
        let topK = TrainerTests.ringTrainer(s, lr: 1e-3, beta1: 0.5, beta2: 0.999, seed: 4, mixture: ring)
        let a = try plain.trainStep(), b = try topK.trainStep()
        // The D step is the same; G's non-saturating loss over the quarter D rates most real
        // is lower than over the whole batch, and G's update differs.
        #expect(a.discriminatorLoss == b.discriminatorLoss)
        #expect(b.generatorLoss < a.generatorLoss)
        #expect(plain.generator.parameters()["0.weight"]!.toArray() != topK.generator.parameters()["0.weight"]!.toArray())
    }
}
