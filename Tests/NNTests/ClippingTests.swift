import NN
import TestFixtures
import Testing

@Suite("Gradient and weight clipping")
struct ClippingTests {
    static let grads = ["d.w": Tensor([3, 0, -4, 0], shape: [2, 2]), "d.b": Tensor([12])]  // norm 13

    @Test func globalNorm() {
        #expect(GradientClipping.globalNorm(Self.grads) == 13)
        var rng = RandomGenerator(seed: 9)
        let big = ["a": Tensor.randomNormal([123, 45], using: &rng), "b": Tensor.randomNormal([7], using: &rng)]
        var want: Double = 0
        for t in big.values { for v in t.toArray() { want += Double(v) * Double(v) } }
        #expect(Swift.abs(Double(GradientClipping.globalNorm(big)) - want.squareRoot()) < 1e-4)
        #expect(GradientClipping.globalNorm([:]) == 0)
    }

    @Test func clipByGlobalNorm() {
        let (clipped, norm) = GradientClipping.clipByGlobalNorm(Self.grads, maxNorm: 6.5)
        #expect(norm == 13)
        // factor = 6.5 / (13 + 1e-6): every gradient scaled by the same factor (PyTorch's rule).
        let f = Float(6.5 / (13 + 1e-6))
        expectClose(clipped["d.w"]!, Tensor([3 * f, 0, -4 * f, 0], shape: [2, 2]), atol: 1e-7, rtol: 1e-6, "clipped d.w")
        expectClose(clipped["d.b"]!, Tensor([12 * f]), atol: 1e-7, rtol: 1e-6, "clipped d.b")
        #expect(Swift.abs(GradientClipping.globalNorm(clipped) - 6.5) < 1e-5)
        #expect(Self.grads["d.b"]!.toArray() == [12], "inputs unchanged")

        // Within bounds: the same tensors come back, not copies.
        let (same, n2) = GradientClipping.clipByGlobalNorm(Self.grads, maxNorm: 20)
        #expect(n2 == 13 && same["d.w"]!.storage.isSame(as: Self.grads["d.w"]!.storage))

        // Non-finite norm: gradients unchanged, the norm says what happened.
        let bad = ["x": Tensor([1, .infinity])]
        let (kept, n3) = GradientClipping.clipByGlobalNorm(bad, maxNorm: 1)
        #expect(n3 == .infinity && kept["x"]!.toArray() == [1, .infinity])
    }

    @Test func clipWeightsForWGAN() {
        let params = ["critic.w": Tensor([-0.5, -0.01, 0, 0.005, 0.3], shape: [5]).requiringGradient()]
        let clipped = GradientClipping.clipWeights(params, to: 0.01)
        #expect(clipped["critic.w"]!.toArray() == [-0.01, -0.01, 0, 0.005, 0.01])
        let c = clipped["critic.w"]!
        #expect(c.isTracked && c.node!.isLeaf && c.node! !== params["critic.w"]!.node!)
        #expect(params["critic.w"]!.toArray() == [-0.5, -0.01, 0, 0.005, 0.3], "inputs unchanged")
    }

    @Test func clipThenStep() {
        // Clipping composes with an optimizer update: the clipped gradient moves plain SGD
        // by lr · maxNorm in total.
        let params = ["d.w": Tensor([0, 0, 0, 0], shape: [2, 2]), "d.b": Tensor([0])]
        let (g, _) = GradientClipping.clipByGlobalNorm(Self.grads, maxNorm: 1)
        let (p, _) = SGD(learningRate: 0.5).update(params, g, OptimizerState())
        #expect(Swift.abs(GradientClipping.globalNorm(p) - 0.5) < 1e-6)
    }

    @Test func nonPositiveMaxNormFails() async {
        await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = GradientClipping.clipByGlobalNorm(["x": Tensor([1])], maxNorm: 0)
        }.map { r in
            #expect(String(decoding: r.standardErrorContent, as: UTF8.self).contains("clipByGlobalNorm: maxNorm 0.0 must be positive"))
        }
    }
}
