import NN
import Testing
import TestFixtures

@Suite("GAN building blocks")
struct GANLayerTests {
    @Test func embeddingLooksUpRowsAndAccumulatesGradients() async {
        var rng = RandomGenerator(seed: 1)
        let e = Embedding(4, 3, using: &rng)
        let w = e.weight.toArray()
        let y = e(Tensor([2, 0, 2]))
        let want: [Float] = Array(w[6..<9]) + Array(w[0..<3]) + Array(w[6..<9])
        #expect(y.toArray() == want)
        let g = gradients(of: y.sum(), wrt: e.parameters())["weight"]!
        #expect(g.toArray() == [1, 1, 1, 0, 0, 0, 2, 2, 2, 0, 0, 0])
        await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            var rng = RandomGenerator(seed: 1)
            _ = Embedding(4, 3, using: &rng)(Tensor([1, 4]))
        }.map { r in
            #expect(String(decoding: r.standardErrorContent, as: UTF8.self)
                .contains("Embedding(4 × 3): index 4.0 at position 1 is not an integer in 0..<4"))
        }
    }

    @Test func minibatchStdDevByHand() {
        // N = 4, group 2 → m = 2 groups: samples {0, 2} and {1, 3}.
        let x = Tensor([0, 0, 1, 1, 2, 4, 3, 5], shape: [4, 2])
        let y = MinibatchStdDev(groupSize: 2, eps: 0)(x, in: .evaluation)
        // group {0, 2}: features (0, 2) and (0, 4) → std 1 and 2 → 1.5; group {1, 3}: (1, 3), (1, 5) → 1, 2 → 1.5
        #expect(y.shape == [4, 3])
        let want: [Float] = [0, 0, 1.5, 1, 1, 1.5, 2, 4, 1.5, 3, 5, 1.5]
        #expect(y.toArray() == want)
        var rng = RandomGenerator(seed: 2)
        let img = Tensor.randomNormal([4, 2, 3, 3], using: &rng)
        #expect(MinibatchStdDev()(img, in: .evaluation).shape == [4, 3, 3, 3])
        checkGradients("minibatch std", inputs: [Tensor.randomNormal([4, 3], using: &rng)], secondOrder: false) {
            MinibatchStdDev(groupSize: 2)($0[0], in: .evaluation)
        }
    }

    @Test func conditionalBatchNormStartsAsBatchNormAndLearnsPerClass() {
        var rng = RandomGenerator(seed: 3)
        let cbn = ConditionalBatchNorm(3, classes: 5, using: &rng)
        let x = Tensor.randomNormal([4, 3, 2, 2], using: &rng)
        let labels = Tensor([0, 4, 4, 1])
        let y = cbn(x, labels: labels, in: Context(.training))
        let plain = BatchNorm2d(3, affine: false)(x, in: Context(.training))
        expectClose(y, plain, "conditional BN at init")
        #expect(Set(cbn.parameters().keys) == ["gamma.weight", "beta.weight"])
        #expect(Set(cbn.buffers().keys) == ["bn.running_mean", "bn.running_var", "bn.num_batches_tracked"])
        let g = gradients(of: cbn(x, labels: labels, in: Context(.training)).square().sum(), wrt: cbn.parameters())
        let rows = g["gamma.weight"]!.toArray()
        #expect(rows[6..<9].allSatisfy { $0 == 0 } && rows[3..<6].contains { $0 != 0 })  // class 2 unused
    }

    @Test func projectionHeadAddsTheClassInnerProduct() throws {
        var rng = RandomGenerator(seed: 4)
        let head = ProjectionHead(features: 3, classes: 2, using: &rng)
        try head.load(["linear.weight": Tensor([1, 0, 0], shape: [1, 3]), "linear.bias": Tensor([0.5]),
                       "embedding.weight": Tensor([1, 1, 1, 0, 2, 0], shape: [2, 3])])
        let phi = Tensor([1, 2, 3, 4, 5, 6], shape: [2, 3])
        let y = head(phi, labels: Tensor([0, 1]), in: .evaluation)
        let want: [Float] = [7.5, 14.5]  // 1 + 0.5 + (1+2+3), 4 + 0.5 + 2·5
        #expect(y.toArray() == want)
    }

    @Test func residualBlocksChangeResolutionAndAreNamedLikeSNGAN() {
        var rng = RandomGenerator(seed: 5)
        let up = ResidualUpBlock(4, 8, using: &rng)
        #expect(up(Tensor.randomNormal([2, 4, 4, 4], using: &rng), in: Context(.training)).shape == [2, 8, 8, 8])
        #expect(Set(up.parameters().keys).isSuperset(of: ["b1.weight", "c1.weight", "c2.bias", "c_sc.weight"]))
        let down = ResidualDownBlock(3, 6, first: true, using: &rng)
        #expect(down(Tensor.randomNormal([2, 3, 8, 8], using: &rng), in: Context(.training)).shape == [2, 6, 4, 4])
        #expect(Set(down.parameters().keys) == ["c1.weight_orig", "c1.bias", "c2.weight_orig", "c2.bias",
                                                 "c_sc.weight_orig", "c_sc.bias"])
        let plain = ResidualDownBlock(2, 2, spectralNorm: false, using: &rng)
        checkGradients("residual down block", inputs: [Tensor.randomNormal([1, 2, 4, 4], using: &rng)],
                       tolerance: 3e-2, secondOrder: false) { plain($0[0], in: .evaluation) }
    }

    @Test func selfAttentionStartsAsIdentityAndDifferentiates() throws {
        var rng = RandomGenerator(seed: 6)
        let attn = SelfAttention(16, using: &rng)
        let x = Tensor.randomNormal([2, 16, 3, 2], using: &rng)
        #expect(attn(x, in: .evaluation).toArray() == x.toArray())
        #expect(attn.f.weight.shape == [2, 16, 1, 1] && attn.h.weight.shape == [16, 16, 1, 1])
        attn.gamma = Tensor([1]).requiringGradient()
        let y = attn(x, in: .evaluation)
        #expect(y.toArray() != x.toArray())
        let g = gradients(of: y.square().sum(), wrt: attn.parameters())
        #expect(g["gamma"]!.abs().sum().scalarValue > 0 && g["f.weight"]!.abs().sum().scalarValue > 0)
        let small = SelfAttention(8, using: &rng)
        small.gamma = Tensor([0.7]).requiringGradient()
        checkGradients("self-attention", inputs: [Tensor.randomNormal([1, 8, 2, 2], using: &rng)], secondOrder: true) {
            small($0[0], in: .evaluation)
        }
    }
}
