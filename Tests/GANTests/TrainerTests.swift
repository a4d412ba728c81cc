import Datasets
import Evaluation
import GAN
import Testing

@Suite("Trainer")
struct TrainerTests {
    static func mlp(_ sizes: [Int], using rng: inout RandomGenerator) -> Sequential {
        var layers: [Layer] = []
        for i in 0..<(sizes.count - 1) {
            layers.append(Linear(sizes[i], sizes[i + 1], using: &rng))
            if i < sizes.count - 2 { layers.append(ReLU()) }
        }
        return Sequential(layers)
    }

    static func ringTrainer(_ settings: GameSettings, lr: Float, beta1: Float, beta2: Float, seed: UInt64,
                            mixture: GaussianMixture) -> GANTrainer {
        var rng = RandomGenerator(seed: seed)
        let g = mlp([2, 64, 64, 2], using: &rng)
        let d = mlp([2, 64, 64, 1], using: &rng)
        return GANTrainer(
            generator: g, discriminator: d,
            generatorOptimizer: Adam(learningRate: lr, beta1: beta1, beta2: beta2),
            discriminatorOptimizer: Adam(learningRate: lr, beta1: beta1, beta2: beta2),
            settings: settings, seed: seed &+ 1,
            sampleNoise: { n, r in Tensor.randomNormal([n, 2], using: &r) },
            sampleData: { n, r in mixture.sample(n, using: &r).points })
    }

    static func coverage(_ t: GANTrainer, _ mixture: GaussianMixture) -> ModeCoverage {
        var rng = RandomGenerator(seed: 77)
        let z = Tensor.randomNormal([2_500, 2], using: &rng)
        return ModeCoverage(samples: t.generator(z, in: .evaluation), mixture: mixture)
    }

    @Test func nonSaturatingGANLearnsTheRing() throws {
        let ring = GaussianMixture.ring(modes: 8, radius: 2, std: 0.05)
        var s = GameSettings()
        s.batchSize = 256
        let t = TrainerTests.ringTrainer(s, lr: 1e-3, beta1: 0.5, beta2: 0.999, seed: 1, mixture: ring)
        try t.fit(steps: 2000)
        let c = TrainerTests.coverage(t, ring)
        #expect(c.modesCovered >= 6, "\(c)")
        #expect(c.highQualityPercent > 25, "\(c)")
    }

    @Test func wganGPLearnsTheRing() throws {
        let ring = GaussianMixture.ring(modes: 8, radius: 2, std: 0.05)
        var s = GameSettings()
        s.objective = .wasserstein
        s.penalty = .gradientPenalty(lambda: 0.1)
        s.criticSteps = 5
        s.batchSize = 256
        let t = TrainerTests.ringTrainer(s, lr: 1e-3, beta1: 0.5, beta2: 0.9, seed: 2, mixture: ring)
        try t.fit(steps: 1000)
        let c = TrainerTests.coverage(t, ring)
        #expect(c.modesCovered >= 6, "\(c)")
        #expect(c.highQualityPercent > 25, "\(c)")
        #expect(c.reverseKL < 0.3, "\(c)")
    }

    final class Recorder: TrainerCallback {
        var events: [String] = []
        func trainer(_ trainer: GANTrainer, handle event: TrainerEvent) throws {
            switch event {
            case .fitStart: events.append("start")
            case .stepEnd(let r): events.append("step \(r.step)")
            case .fitEnd: events.append("end")
            case .evaluation(let step, _): events.append("eval \(step)")
            case .checkpoint(let step, _): events.append("checkpoint \(step)")
            }
        }
    }

    static let tinyRing = GaussianMixture.ring(modes: 4, radius: 1, std: 0.1)

    @Test func sameSeedSameWeightsAndCallbacksSeeEveryEvent() throws {
        var s = GameSettings()
        s.batchSize = 16
        s.penalty = .r1(gamma: 1)
        s.instanceNoise = InstanceNoise(.linear(initial: 0.1, steps: 10))
        s.emaDecay = 0.9
        func run() throws -> (GANTrainer, Recorder) {
            let t = TrainerTests.ringTrainer(s, lr: 1e-3, beta1: 0.5, beta2: 0.999, seed: 3, mixture: TrainerTests.tinyRing)
            let r = Recorder()
            t.callbacks = [r]
            try t.fit(steps: 5)
            return (t, r)
        }
        let (a, rec) = try run()
        let (b, _) = try run()
        func bits(_ t: GANTrainer) -> [UInt32] {
            (t.generator.parameters().merging(t.discriminator.parameters()) { x, _ in x })
                .sorted { $0.key < $1.key }.flatMap { $0.value.toArray().map(\.bitPattern) }
        }
        #expect(bits(a) == bits(b))
        #expect(rec.events == ["start", "step 1", "step 2", "step 3", "step 4", "step 5", "end"])
        #expect(a.generatorAverage != nil && a.generatorAverage!.keys == a.generator.parameters().keys)
    }

    @Test func criticStepsAndSimultaneousUpdatesCountRight() throws {
        var s = GameSettings()
        s.batchSize = 8
        s.objective = .wasserstein
        s.criticSteps = 5
        s.weightClip = 0.01
        let t = TrainerTests.ringTrainer(s, lr: 1e-3, beta1: 0.5, beta2: 0.999, seed: 4, mixture: TrainerTests.tinyRing)
        try t.fit(steps: 3)
        #expect(t.discriminatorState.step == 15 && t.generatorState.step == 3)
        #expect(t.discriminator.parameters().values.allSatisfy { $0.toArray().allSatisfy { abs($0) <= 0.01 } })
        s.order = .simultaneous
        let u = TrainerTests.ringTrainer(s, lr: 1e-3, beta1: 0.5, beta2: 0.999, seed: 4, mixture: TrainerTests.tinyRing)
        try u.fit(steps: 3)
        #expect(u.discriminatorState.step == 3 && u.generatorState.step == 3)
    }

    @Test func aNaNStopsTheRunNamingStepAndQuantityWithoutChangingWeights() throws {
        var s = GameSettings()
        s.batchSize = 8
        var rng = RandomGenerator(seed: 5)
        let g = TrainerTests.mlp([2, 8, 2], using: &rng)
        let d = TrainerTests.mlp([2, 8, 1], using: &rng)
        var calls = 0
        let t = GANTrainer(generator: g, discriminator: d, generatorOptimizer: Adam(learningRate: 1e-3),
                           discriminatorOptimizer: Adam(learningRate: 1e-3), settings: s, seed: 6,
                           sampleNoise: { n, r in Tensor.randomNormal([n, 2], using: &r) },
                           sampleData: { n, r in
                               calls += 1
                               return calls == 3 ? Tensor(repeating: .nan, shape: [n, 2]) : Tensor.randomNormal([n, 2], using: &r)
                           })
        try t.fit(steps: 2)
        let before = d.parameters().mapValues { $0.toArray() }
        do {
            try t.trainStep()
            Issue.record("a NaN batch did not stop training")
        } catch let e as NonFiniteError {
            #expect(e.description == "step 3: discriminator loss is not finite (NaN or infinity); training stopped")
        }
        #expect(d.parameters().mapValues { $0.toArray() } == before)
        #expect(t.step == 2)
    }
}

@Suite("Trainer: packing, DRAGAN, consensus")
struct TrainerVariantsTests {
    static func trainer(_ s: GameSettings, dInput: Int = 2) -> GANTrainer {
        var rng = RandomGenerator(seed: 21)
        return GANTrainer(generator: TrainerTests.mlp([2, 16, 2], using: &rng),
                          discriminator: TrainerTests.mlp([dInput, 16, 1], using: &rng),
                          generatorOptimizer: Adam(learningRate: 1e-3), discriminatorOptimizer: Adam(learningRate: 1e-3),
                          settings: s, seed: 22,
                          sampleNoise: { n, r in Tensor.randomNormal([n, 2], using: &r) },
                          sampleData: { n, r in TrainerTests.tinyRing.sample(n, using: &r).points })
    }

    @Test func packedDiscriminatorSeesGroupsOfSamples() throws {
        var s = GameSettings()
        s.batchSize = 12
        s.packing = 3
        let t = TrainerVariantsTests.trainer(s, dInput: 6)
        let r = try t.trainStep()
        #expect(r.discriminatorLoss.isFinite && r.generatorLoss.isFinite)
    }

    @Test func draganPenaltyIsReported() throws {
        var s = GameSettings()
        s.batchSize = 8
        s.penalty = .dragan(lambda: 10, variance: 0.05)
        let r = try TrainerVariantsTests.trainer(s).trainStep()
        #expect((r.penalty ?? -1) > 0)
    }

    @Test func consensusChangesTheSimultaneousUpdate() throws {
        var s = GameSettings()
        s.batchSize = 8
        s.order = .simultaneous
        let plain = TrainerVariantsTests.trainer(s)
        s.consensus = 1
        let regularized = TrainerVariantsTests.trainer(s)
        let a = try plain.trainStep(), b = try regularized.trainStep()
        #expect(a.discriminatorLoss == b.discriminatorLoss)  // same point, same data
        #expect(a.discriminatorGradientNorm != b.discriminatorGradientNorm)
        #expect(plain.generator.parameters()["0.weight"]!.toArray() != regularized.generator.parameters()["0.weight"]!.toArray())
    }
}

@Suite("Trainer: unrolled GAN")
struct UnrolledTests {
    @Test func unrollingChangesGsUpdateButNotD() throws {
        var s = GameSettings()
        s.batchSize = 8
        let plain = TrainerVariantsTests.trainer(s)
        s.unrollSteps = 3
        s.unrollLearningRate = 0.1
        let unrolled = TrainerVariantsTests.trainer(s)
        try plain.trainStep()
        try unrolled.trainStep()
        // Same data and D step: D ends the step the same; G's gradient saw D's look-ahead.
        #expect(plain.discriminator.parameters()["0.weight"]!.toArray() == unrolled.discriminator.parameters()["0.weight"]!.toArray())
        #expect(plain.generator.parameters()["0.weight"]!.toArray() != unrolled.generator.parameters()["0.weight"]!.toArray())
        #expect(unrolled.discriminator.parameters().values.allSatisfy { $0.node!.isLeaf })
    }

    @Test func lookAheadGradientMatchesFiniteDifferences() throws {
        // One look-ahead step of plain gradient descent, differentiated through: compare the
        // G gradient with central differences of the look-ahead loss in one G weight.
        var rng = RandomGenerator(seed: 3)
        let d = TrainerTests.mlp([2, 4, 1], using: &rng)
        let z = Tensor.randomNormal([6, 2], using: &rng), real = Tensor.randomNormal([6, 2], using: &rng)
        let w = Tensor.randomNormal([2, 2], using: &rng)
        func lookaheadLoss(_ w: Tensor) -> Tensor {
            let fake = z.matmul(w)
            let saved = d.parameters()
            defer { d.update(parameters: saved) }
            let dl = GANObjective.nonSaturating.discriminatorLoss(real: d(real, in: .evaluation), fake: d(fake, in: .evaluation))
            let names = saved.keys.sorted()
            let g = gradients(of: dl, wrt: names.map { saved[$0]! }, createGraph: true)
            var p = saved
            for (n, gr) in zip(names, g) { p[n] = saved[n]! - 0.5 * gr }
            d.substitute(parameters: p)
            return GANObjective.nonSaturating.generatorLoss(fake: d(fake, in: .evaluation))
        }
        let wv = w.requiringGradient()
        let analytic = gradients(of: lookaheadLoss(wv), wrt: [wv])[0].toArray()
        for i in 0..<4 {
            var plus = w.toArray(), minus = w.toArray()
            plus[i] += 1e-2; minus[i] -= 1e-2
            let numeric = (lookaheadLoss(Tensor(plus, shape: [2, 2])).scalarValue - lookaheadLoss(Tensor(minus, shape: [2, 2])).scalarValue) / 2e-2
            #expect(abs(analytic[i] - numeric) < 2e-3 * max(1, abs(numeric)), "w[\(i)]: \(analytic[i]) vs \(numeric)")
        }
    }
}
