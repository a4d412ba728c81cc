import NN
import Testing
import TestFixtures

/// The seed-002 WGAN-GP MLP built from layers (fixture `seed002_wgangp_critic_step`).
@Suite("Layers")
struct LayerTests {
    static func seed002(using rng: inout RandomGenerator) -> (g: Sequential, d: Sequential) {
        let g = Sequential(Linear(100, 256, using: &rng), LeakyReLU(0.2), Linear(256, 784, using: &rng), Tanh())
        let d = Sequential(Linear(784, 256, using: &rng), LeakyReLU(0.2), Linear(256, 1, using: &rng))
        return (g, d)
    }

    @Test func parameterNamesFollowPyTorch() {
        var rng = RandomGenerator(seed: 0)
        let (g, _) = LayerTests.seed002(using: &rng)
        #expect(g.namedParameters().map(\.0) == ["0.weight", "0.bias", "2.weight", "2.bias"])
        #expect(g.parameters()["2.weight"]?.shape == [784, 256])
        #expect(g.parameters().values.allSatisfy { $0.isTracked })
        #expect(g.buffers().isEmpty)
    }

    @Test func seed002ModelsMatchPyTorch() throws {
        let fx = try Fixture("seed002_wgangp_critic_step")
        var rng = RandomGenerator(seed: 0)
        let (g, d) = LayerTests.seed002(using: &rng)
        func weights(_ key: String) -> [String: Tensor] {
            let dict = fx.section("inputs")[key] as! [String: Any]
            return ["0.weight": Fixture.tensor(dict["W1"], "W1"), "0.bias": Fixture.tensor(dict["b1"], "b1"),
                    "2.weight": Fixture.tensor(dict["W2"], "W2"), "2.bias": Fixture.tensor(dict["b2"], "b2")]
        }
        try g.load(weights("G"))
        try d.load(weights("D"))
        let ctx = Context(.training)
        let fake = g(fx.input("z"), in: ctx)
        expectClose(fake, fx.output("fake"), "G(z)")
        expectClose(d(fx.input("real"), in: ctx), fx.output("D_real"), "D(real)")
        // The critic's loss gradient, keyed by parameter path.
        let eps = fx.input("eps")
        let xHat = (eps * fx.input("real") + (1 - eps) * fake.detached()).requiringGradient()
        let gx = gradients(of: d(xHat, in: ctx).sum(), wrt: [xHat], createGraph: true)[0]
        let gp = (gx.l2NormRows() - 1).square().mean()
        let loss = d(fake.detached(), in: ctx).mean() - d(fx.input("real"), in: ctx).mean() + 10 * gp
        expectClose(loss, fx.output("loss_D"), "loss_D")
        let grads = gradients(of: loss, wrt: d.parameters())
        expectClose(grads["0.weight"]!, fx.grad("W1"), "dW1")
        expectClose(grads["2.bias"]!, fx.grad("b2"), "db2")
    }

    @Test func loadReportsEveryProblemAndChangesNothing() {
        var rng = RandomGenerator(seed: 1)
        let model = Sequential(Linear(3, 4, using: &rng), ReLU(), Linear(4, 2, using: &rng))
        let before = model.parameters()["0.weight"]!.toArray()
        do {
            try model.load(["0.weight": Tensor(zeros: [4, 3]), "0.bias": Tensor(zeros: [5]),
                            "2.weight": Tensor(zeros: [2, 4]), "3.weight": Tensor(zeros: [1])])
            Issue.record("a bad load was accepted")
        } catch let error as LoadError {
            let text = "\(error)"
            #expect(text.contains("2.bias: missing (expected shape [2])"))
            #expect(text.contains("3.weight: not a tensor of this layer"))
            #expect(text.contains("0.bias: expected shape [4], got [5]"))
        } catch { Issue.record("unexpected error \(error)") }
        #expect(model.parameters()["0.weight"]!.toArray() == before)
    }

    @Test func updateKeepsParametersAsFreshLeaves() {
        var rng = RandomGenerator(seed: 2)
        let layer = Linear(2, 1, using: &rng)
        let x = Tensor([1, 2], shape: [1, 2])
        let p = layer.parameters()
        let g = gradients(of: layer(x, in: .evaluation).sum(), wrt: p)
        #expect(g["weight"]!.toArray() == [1, 2])
        layer.update(parameters: p.mapValues { $0 * 0.5 })  // a tracked expression: stored as a new leaf
        #expect(layer.weight.isTracked && layer.weight.node!.isLeaf)
        #expect(layer.weight.toArray() == p["weight"]!.toArray().map { $0 * 0.5 })
    }

    @Test func dropoutDrawsFromTheContextReproducibly() {
        let layer = Dropout(0.5)
        let x = Tensor(ones: [1000])
        let a = layer(x, in: Context(.training, rng: RandomGenerator(seed: 4)))
        let b = layer(x, in: Context(.training, rng: RandomGenerator(seed: 4)))
        #expect(a.toArray() == b.toArray())
        #expect(layer(x, in: .evaluation).toArray() == x.toArray())
        let kept = a.toArray().filter { $0 != 0 }
        #expect(kept.allSatisfy { $0 == 2 } && abs(kept.count - 500) < 80)
    }

    @Test func linearNamesItsShapesOnBadInput() async {
        await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            var rng = RandomGenerator(seed: 0)
            _ = Linear(3, 2, using: &rng)(Tensor(zeros: [4, 5]), in: .evaluation)
        }.map { r in
            #expect(String(decoding: r.standardErrorContent, as: UTF8.self)
                .contains("Linear(3 → 2): input of shape [4, 5] does not end in 3 features"))
        }
    }
}

@Suite("Activation layers")
struct ActivationLayerTests {
    @Test func layersApplyTheirOps() {
        let x = Tensor([-2, -0.5, 0.5, 2])
        let cases: [(Layer, Tensor)] = [(ReLU(), x.relu()), (LeakyReLU(0.2), x.leakyRelu(0.2)), (Tanh(), x.tanh()),
                                        (Sigmoid(), x.sigmoid()), (ELU(alpha: 0.5), x.elu(alpha: 0.5)), (Softplus(), x.softplus())]
        for (layer, want) in cases {
            #expect(layer(x, in: .evaluation).toArray() == want.toArray(), "\(type(of: layer))")
            #expect(layer.parameters().isEmpty)
        }
        #expect(Flatten()(Tensor(zeros: [2, 3, 4]), in: .evaluation).shape == [2, 12])
        #expect(Reshape([3, 4])(Tensor(zeros: [2, 12]), in: .evaluation).shape == [2, 3, 4])
    }
}
