import Distributed
import GAN
import NN
import Testing

/// Data-parallel training in-process (ranks as threads): the final weights of a run on
/// R ranks equal those of the same run on one rank, which sees the whole global batch.
@Suite("Data-parallel training")
struct DataParallelTests {
    struct Final: Sendable {
        var parameters: [String: [Float]]
        var buffers: [String: [Float]]
        var losses: [Float]
        var maxDifference: Float?
    }

    /// A small GAN on 2-D data; with `batchNorm`, G and D hold batch norm (synchronized over
    /// the ranks) and D has an R1 penalty (double backward through the synchronized statistics).
    static func train(_ c: any Communicator, globalBatch: Int, steps: Int, batchNorm: Bool,
                      penalty: DiscriminatorPenalty? = nil, order: UpdateOrder = .alternating,
                      objective: GANObjective = .nonSaturating, perturbRank1: Bool = false) throws -> Final {
        var rng = RandomGenerator(seed: 5)
        let g: Sequential = batchNorm
            ? Sequential([Linear(3, 8, bias: false, using: &rng), BatchNorm1d(8), ReLU(), Linear(8, 2, using: &rng)])
            : Sequential([Linear(3, 8, using: &rng), ReLU(), Linear(8, 2, using: &rng)])
        let d: Sequential = batchNorm
            ? Sequential([Linear(2, 8, using: &rng), LeakyReLU(0.2), Linear(8, 8, bias: false, using: &rng), BatchNorm1d(8),
                          LeakyReLU(0.2), Linear(8, 1, using: &rng)])
            : Sequential([Linear(2, 8, using: &rng), LeakyReLU(0.2), Linear(8, 1, using: &rng)])
        if c.rank == 1 && perturbRank1 {
            // A different start on rank 1: the broadcast at the start must undo it.
            var other = RandomGenerator(seed: 99)
            g.update(parameters: g.parameters().mapValues { Tensor.randomNormal($0.shape, using: &other) })
        }
        if batchNorm {
            synchronizeBatchNorm(in: g, over: c)
            synchronizeBatchNorm(in: d, over: c)
        }
        // Batch norm makes some gradients exactly zero in theory (a bias or unit whose shift the
        // normalization removes), so their computed values are rounding noise, different at
        // each world size; Adam would blow that noise up to full steps, SGD keeps it tiny.
        let optimizer: any Optimizer = batchNorm ? SGD(learningRate: 0.05, momentum: 0.5) : Adam(learningRate: 0.01, beta1: 0.5)
        let parallel = DataParallel(communicator: c, seed: 7, checkEvery: 2)
        var s = GameSettings()
        s.batchSize = try DataParallel.localBatch(global: globalBatch, ranks: c.size)
        s.penalty = penalty
        s.order = order
        s.objective = objective
        s.emaDecay = 0.9
        let trainer = GANTrainer(
            generator: g, discriminator: d,
            generatorOptimizer: optimizer, discriminatorOptimizer: optimizer,
            settings: s, seed: 1,
            sampleNoise: parallel.shard { n, r in Tensor.randomNormal([n, 3], using: &r) },
            sampleData: parallel.shard { n, r in Tensor.randomNormal([n, 2], mean: 1, std: 0.5, using: &r) })
        try parallel.attach(to: trainer)
        final class Losses: TrainerCallback {
            var values: [Float] = []
            func trainer(_ t: GANTrainer, handle e: TrainerEvent) throws {
                if case .stepEnd(let r) = e { values += [r.discriminatorLoss, r.generatorLoss] }
            }
        }
        let losses = Losses()
        trainer.callbacks = [parallel, losses]
        try trainer.fit(steps: steps)
        let params = g.parameters().mapValues { $0.toArray() }.reduce(into: [String: [Float]]()) { $0["g." + $1.key] = $1.value }
            .merging(d.parameters().mapValues { $0.toArray() }.reduce(into: [:]) { $0["d." + $1.key] = $1.value }) { a, _ in a }
        let buffers = g.buffers().mapValues { $0.toArray() }.reduce(into: [String: [Float]]()) { $0["g." + $1.key] = $1.value }
            .merging(d.buffers().mapValues { $0.toArray() }.reduce(into: [:]) { $0["d." + $1.key] = $1.value }) { a, _ in a }
        return Final(parameters: params, buffers: buffers, losses: losses.values, maxDifference: parallel.lastMaxDifference)
    }

    static func maxDifference(_ a: [String: [Float]], _ b: [String: [Float]]) -> Float {
        #expect(Set(a.keys) == Set(b.keys))
        var m: Float = 0
        for (k, v) in a { for (x, y) in zip(v, b[k]!) { m = max(m, abs(x - y)) } }
        return m
    }

    @Test(arguments: [false, true])
    func twoRanksEqualOneRankOnTheSameGlobalBatch(batchNorm: Bool) {
        let penalty: DiscriminatorPenalty? = batchNorm ? .r1(gamma: 1) : nil
        let one = LocalGroup.run(size: 1) { c in try! Self.train(c, globalBatch: 8, steps: 4, batchNorm: batchNorm, penalty: penalty) }[0]
        let two = LocalGroup.run(size: 2) { c in try! Self.train(c, globalBatch: 8, steps: 4, batchNorm: batchNorm, penalty: penalty) }
        for rank in 0..<2 {
            #expect(Self.maxDifference(two[rank].parameters, one.parameters) < 1e-4, "rank \(rank)")
            #expect(Self.maxDifference(two[rank].buffers, one.buffers) < 1e-4, "rank \(rank)")
            #expect(zip(two[rank].losses, one.losses).allSatisfy { abs($0 - $1) < 1e-4 })
            #expect(two[rank].maxDifference == 0)
        }
        // Training moved the weights (the comparison is not between two untouched models).
        let untouched = LocalGroup.run(size: 1) { c in try! Self.train(c, globalBatch: 8, steps: 0, batchNorm: batchNorm) }[0]
        #expect(Self.maxDifference(one.parameters, untouched.parameters) > 1e-3)
    }

    @Test func simultaneousUpdatesToo() {
        let one = LocalGroup.run(size: 1) { c in try! Self.train(c, globalBatch: 8, steps: 3, batchNorm: false, order: .simultaneous) }[0]
        let two = LocalGroup.run(size: 2) { c in try! Self.train(c, globalBatch: 8, steps: 3, batchNorm: false, order: .simultaneous) }
        #expect(Self.maxDifference(two[0].parameters, one.parameters) < 1e-4)
        #expect(Self.maxDifference(two[1].parameters, one.parameters) < 1e-4)
    }

    /// WGAN-GP draws its interpolation weights inside the step, from each rank's own stream:
    /// the run differs from one rank's, but the ranks still take identical steps.
    @Test func perRankDrawsStillGiveIdenticalRanks() {
        let two = LocalGroup.run(size: 2) { c in
            try! Self.train(c, globalBatch: 8, steps: 3, batchNorm: false, penalty: .gradientPenalty(lambda: 1), objective: .wasserstein)
        }
        let one = LocalGroup.run(size: 1) { c in
            try! Self.train(c, globalBatch: 8, steps: 3, batchNorm: false, penalty: .gradientPenalty(lambda: 1), objective: .wasserstein)
        }[0]
        #expect(Self.maxDifference(two[0].parameters, two[1].parameters) == 0)
        #expect(two[0].maxDifference == 0)
        #expect(Self.maxDifference(two[0].parameters, one.parameters) > 0)
    }

    @Test func rank0sStartIsBroadcast() {
        let two = LocalGroup.run(size: 2) { c in try! Self.train(c, globalBatch: 4, steps: 1, batchNorm: false, perturbRank1: true) }
        #expect(Self.maxDifference(two[0].parameters, two[1].parameters) == 0)
        #expect(two[1].maxDifference == 0)
    }

    @Test func consensusIsRefusedOnSeveralRanks() {
        let errors = LocalGroup.run(size: 2) { c -> Bool in
            var rng = RandomGenerator(seed: 1)
            var s = GameSettings()
            s.order = .simultaneous
            s.consensus = 0.1
            let t = GANTrainer(generator: Linear(1, 1, using: &rng), discriminator: Linear(1, 1, using: &rng),
                               generatorOptimizer: SGD(learningRate: 0.1), discriminatorOptimizer: SGD(learningRate: 0.1),
                               settings: s, seed: 1, sampleNoise: { n, r in Tensor.randomNormal([n, 1], using: &r) },
                               sampleData: { n, r in Tensor.randomNormal([n, 1], using: &r) })
            do { try DataParallel(communicator: c, seed: 1).attach(to: t); return false } catch { return error is DistributedError }
        }
        #expect(errors == [true, true])
    }
}
