import GAN
import NN

/// A data-parallel run cannot be set up as asked (bad world size, unsupported settings).
public struct DistributedError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// Data-parallel training of a `GANTrainer` over the ranks of a communicator: every rank
/// holds the whole model and trains on its share of each global batch; gradients are
/// averaged (`GradientAverager`), so all ranks take the same optimizer step.
///
/// Randomness, chosen so that a run is the same at any world size and resumes exactly:
/// - the global batch (data and latent noise) comes from a stream shared by all ranks,
///   seeded from the run seed and the step; each rank keeps rows rank, rank + size, ...;
/// - the draws inside a step (penalty interpolation, dropout, instance noise) come from
///   the trainer's generator, re-seeded from the run seed, the rank and the step.
///
/// As a callback it broadcasts rank 0's parameters and buffers at the start, re-seeds the
/// streams each step and, every `checkEvery` steps and at the end, measures the largest
/// parameter difference between any rank and rank 0 (announced as the evaluation metric
/// `replica_max_difference`, 0 when the ranks agree, with `communication_s`, this rank's
/// seconds in collectives so far).
public final class DataParallel: TrainerCallback {
    public let communicator: any Communicator
    public let seed: UInt64
    public let checkEvery: Int?
    private var shared: RandomGenerator
    /// The last consistency check's result.
    public private(set) var lastMaxDifference: Float?

    public init(communicator: any Communicator, seed: UInt64, checkEvery: Int? = nil) {
        self.communicator = communicator
        self.seed = seed
        self.checkEvery = checkEvery
        shared = RandomGenerator(seed: seed)
    }

    /// This rank's share of a global batch; an error when it does not divide evenly.
    public static func localBatch(global: Int, ranks: Int) throws -> Int {
        guard global % ranks == 0 else {
            throw DistributedError("the global batch size \(global) does not split evenly over \(ranks) ranks")
        }
        return global / ranks
    }

    /// `sample` (drawing n rows) turned into a sampler of this rank's rows of the global
    /// batch: it draws count × size rows from the shared stream and keeps every size-th,
    /// starting at the rank. The generator passed in is not used.
    public func shard(_ sample: @escaping (Int, inout RandomGenerator) -> Tensor) -> (Int, inout RandomGenerator) -> Tensor {
        return { [self] count, _ in
            let size = communicator.size, rank = communicator.rank
            let global = sample(count * size, &shared)
            if size == 1 { return global }
            require(global.rank >= 1 && global.shape[0] == count * size,
                    "DataParallel.shard: the sampler returned shape \(Shape.describe(global.shape)) for \(count * size) rows")
            let row = global.count / global.shape[0]
            let out = Storage(uninitialized: count * row)
            for i in 0..<count {
                (out.pointer + i * row).update(from: global.storage.pointer + (i * size + rank) * row, count: row)
            }
            return Tensor(storage: out, shape: [count] + Array(global.shape.dropFirst()))
        }
    }

    /// Installs the gradient averaging on `trainer`; settings whose update depends on more
    /// than averaged gradients (consensus, unrolled look-ahead) are refused.
    public func attach(to trainer: GANTrainer) throws {
        if communicator.size > 1 {
            if trainer.settings.consensus != nil {
                throw DistributedError("consensus optimization is not supported in data-parallel runs (its regularizer needs the global gradient inside the step)")
            }
            if trainer.settings.unrollSteps > 0 {
                throw DistributedError("unrolled GANs are not supported in data-parallel runs (the look-ahead steps would use one rank's gradients)")
            }
        }
        trainer.replicaReduction = GradientAverager(communicator)
    }

    /// SplitMix64 of a few words: independent seeds from (run seed, stream, step).
    static func mix(_ words: UInt64...) -> UInt64 {
        var z: UInt64 = 0x9E37_79B9_7F4A_7C15
        for w in words {
            z = (z ^ w) &+ 0x9E37_79B9_7F4A_7C15
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            z ^= z >> 31
        }
        return z
    }

    func reseed(_ trainer: GANTrainer) {
        let step = UInt64(trainer.step)
        shared = RandomGenerator(seed: Self.mix(seed, 0, step))
        trainer.rng = RandomGenerator(seed: Self.mix(seed, UInt64(communicator.rank) + 1, step))
    }

    public func trainer(_ trainer: GANTrainer, handle event: TrainerEvent) throws {
        switch event {
        case .fitStart:
            broadcastState(of: trainer)
            reseed(trainer)
        case .stepEnd(let r):
            reseed(trainer)
            if let every = checkEvery, r.step % every == 0 { try check(trainer, step: r.step) }
        case .fitEnd:
            try check(trainer, step: trainer.step)
        default:
            break
        }
    }

    func check(_ trainer: GANTrainer, step: Int) throws {
        let d = maxParameterDifference(trainer)
        lastMaxDifference = d
        try trainer.emit(.evaluation(step: step, metrics: [
            "replica_max_difference": Double(d), "communication_s": communicator.communicationSeconds]))
    }

    /// The tensors that must agree across ranks, in a fixed order.
    static func state(of trainer: GANTrainer, buffers: Bool) -> [(String, Tensor)] {
        var all: [(String, Tensor)] = []
        for (prefix, layer) in [("generator.", trainer.generator as Layer), ("discriminator.", trainer.discriminator)] {
            var tensors = layer.parameters()
            if buffers { tensors.merge(layer.buffers()) { a, _ in a } }
            all += tensors.keys.sorted().map { (prefix + $0, tensors[$0]!) }
        }
        if let ema = trainer.generatorAverage { all += ema.keys.sorted().map { ("ema." + $0, ema[$0]!) } }
        return all
    }

    static func pack(_ tensors: [(String, Tensor)]) -> [Float] {
        var out: [Float] = []
        out.reserveCapacity(tensors.reduce(0) { $0 + $1.1.count })
        for (_, t) in tensors { out += UnsafeBufferPointer(start: t.storage.pointer, count: t.count) }
        return out
    }

    /// Rank 0's parameters, buffers and generator average, copied to every rank.
    public func broadcastState(of trainer: GANTrainer) {
        guard communicator.size > 1 else { return }
        let tensors = Self.state(of: trainer, buffers: true)
        var flat = Self.pack(tensors)
        communicator.broadcast(&flat, root: 0)
        var offset = 0
        var values: [String: Tensor] = [:]
        for (name, t) in tensors {
            values[name] = Tensor(Array(flat[offset..<(offset + t.count)]), shape: t.shape)
            offset += t.count
        }
        func section(_ prefix: String) -> [String: Tensor] {
            Dictionary(uniqueKeysWithValues: values.filter { $0.key.hasPrefix(prefix) }.map { (String($0.key.dropFirst(prefix.count)), $0.value) })
        }
        // Loading keeps parameters trainable (`requiringGradient`) as the layers expect.
        try! trainer.generator.load(section("generator."), includingBuffers: true)
        try! trainer.discriminator.load(section("discriminator."), includingBuffers: true)
        if trainer.generatorAverage != nil { trainer.generatorAverage = section("ema.") }
    }

    /// The largest |p − p on rank 0| over all parameters (and the generator average) and
    /// all ranks; the same value on every rank.
    public func maxParameterDifference(_ trainer: GANTrainer) -> Float {
        guard communicator.size > 1 else { return 0 }
        let mine = Self.pack(Self.state(of: trainer, buffers: false))
        var reference = mine
        communicator.broadcast(&reference, root: 0)
        var d: Float = 0
        for i in 0..<mine.count {
            let e = abs(mine[i] - reference[i])
            if !(e <= d) { d = e.isNaN ? .infinity : e }
        }
        return Float(communicator.allReduce(Double(d), .max))
    }
}
