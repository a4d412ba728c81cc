import NN

/// How the two players' updates are scheduled (the seeds' alternating procedure, or both
/// players stepping from the same point).
public enum UpdateOrder: String, Sendable {
    /// n_critic D steps, each on a fresh batch, then one G step through the updated D.
    case alternating
    /// D and G gradients both taken at the current point, then both applied (one D step).
    case simultaneous
}

/// A regularizer of the discriminator's loss.
public enum DiscriminatorPenalty: Sendable, Equatable {
    /// WGAN-GP (Gulrajani et al. 2017): λ·mean((‖∇D(x̂)‖ − 1)²), or one-sided.
    case gradientPenalty(lambda: Float, oneSided: Bool = false)
    /// R1 (Mescheder et al. 2018): γ/2·E‖∇D(real)‖².
    case r1(gamma: Float)
    /// R2: γ/2·E‖∇D(fake)‖².
    case r2(gamma: Float)
    /// DRAGAN (Kodali et al. 2017): λ·mean((‖∇D(real + δ)‖ − 1)²), δ ~ N(0, c·I).
    case dragan(lambda: Float, variance: Float)
}

/// The procedure of one training run: what game is played and how the players update.
public struct GameSettings: Sendable {
    public var objective: GANObjective = .nonSaturating
    public var penalty: DiscriminatorPenalty? = nil
    /// D updates per G update (WGAN: 5).
    public var criticSteps: Int = 1
    /// G updates after each round of D updates (PacGAN's Stacked MNIST: 2; alternating order
    /// only). Each draws fresh noise; one train step is one round.
    public var generatorSteps: Int = 1
    public var order: UpdateOrder = .alternating
    public var batchSize: Int = 64
    /// One-sided label smoothing of the real target (BCE objectives).
    public var labelSmoothing: Float = 0
    /// WGAN weight clipping of D's parameters to [−c, c] after each D update.
    public var weightClip: Float? = nil
    /// Instance noise added to D's inputs.
    public var instanceNoise: InstanceNoise? = nil
    /// Decay of the generator's exponential moving average (nil: none).
    public var emaDecay: Float? = nil
    /// PacGAN packing degree m: D judges m samples at once (its input is m times wider).
    public var packing: Int = 1
    /// Consensus optimization's γ (Mescheder et al. 2017; simultaneous order only).
    public var consensus: Float? = nil
    /// Unrolled GAN (Metz et al. 2017): G's loss is taken against D after this many
    /// look-ahead D steps (plain gradient descent at `unrollLearningRate`, on the step's
    /// batch), differentiated through the look-ahead; D itself is not changed by them.
    public var unrollSteps: Int = 0
    public var unrollLearningRate: Float = 1e-3
    /// Top-k generator updates (Sinha, Zhao, Goyal, Raffel & Odena 2020, "Top-k Training of
    /// GANs: Improving GAN Performance by Throwing Away Bad Samples"): G's loss averages only
    /// over the fraction of its batch (of D's packed groups, when packing) that D rates most
    /// real, so the samples D already rejects pull on G no more. nil: the whole batch.
    public var topK: TopK? = nil

    public init() {}
}

/// What one training step measured: losses, gradient norms, D's mean output on real and
/// fake data, the learning rates. One record per step, as the log writes it.
public struct StepRecord: Sendable {
    public var step: Int
    public var discriminatorLoss: Float
    public var generatorLoss: Float
    public var penalty: Float?
    public var discriminatorGradientNorm: Float
    public var generatorGradientNorm: Float
    public var realScore: Float
    public var fakeScore: Float
    public var discriminatorLearningRate: Float
    public var generatorLearningRate: Float
}

/// A training run stopped because a quantity stopped being a finite number.
public struct NonFiniteError: Error, CustomStringConvertible {
    public let step: Int
    public let quantity: String
    public var description: String { "step \(step): \(quantity) is not finite (NaN or infinity); training stopped" }
}

/// The events of a run; callbacks (logging, progress, samples, checkpoints, diagnostics)
/// observe them without touching the loop.
public enum TrainerEvent {
    case fitStart
    case stepEnd(StepRecord)
    /// A callback measured the generator (metric name → value) at `step`.
    case evaluation(step: Int, metrics: [String: Double])
    /// A checkpoint of `step` was written to `path`.
    case checkpoint(step: Int, path: String)
    case fitEnd
}

public protocol TrainerCallback: AnyObject {
    func trainer(_ trainer: GANTrainer, handle event: TrainerEvent) throws
}

/// The training loop of the GAN game: a generator G (noise → sample) and a discriminator D
/// (sample → score), each with its own optimizer and state; explicit randomness for noise
/// and data.
public final class GANTrainer {
    public let generator: Layer
    public let discriminator: Layer
    public let generatorOptimizer: any Optimizer
    public let discriminatorOptimizer: any Optimizer
    public var settings: GameSettings
    public var generatorState = OptimizerState()
    public var discriminatorState = OptimizerState()
    /// The EMA of the generator's parameters (when `settings.emaDecay` is set).
    public var generatorAverage: [String: Tensor]? = nil
    public var rng: RandomGenerator
    /// G steps completed.
    public internal(set) var step = 0
    public var callbacks: [TrainerCallback] = []
    /// Data-parallel training: averages each update's gradients and statistics over the
    /// replicas before they are checked or applied (nil: this process alone).
    public var replicaReduction: (any ReplicaReduction)? = nil

    /// Draws `count` latent vectors.
    public let sampleNoise: (Int, inout RandomGenerator) -> Tensor
    /// Draws `count` real samples.
    public let sampleData: (Int, inout RandomGenerator) -> Tensor

    public init(generator: Layer, discriminator: Layer, generatorOptimizer: any Optimizer,
                discriminatorOptimizer: any Optimizer, settings: GameSettings, seed: UInt64,
                sampleNoise: @escaping (Int, inout RandomGenerator) -> Tensor,
                sampleData: @escaping (Int, inout RandomGenerator) -> Tensor) {
        require(settings.criticSteps >= 1, "GANTrainer: criticSteps must be at least 1, got \(settings.criticSteps)")
        require(settings.generatorSteps >= 1 && (settings.generatorSteps == 1 || settings.order == .alternating),
                "GANTrainer: generatorSteps is \(settings.generatorSteps); it must be at least 1, and 1 with simultaneous updates")
        require(settings.batchSize >= 1, "GANTrainer: batchSize must be at least 1, got \(settings.batchSize)")
        require(settings.packing >= 1 && settings.batchSize % settings.packing == 0,
                "GANTrainer: batch size \(settings.batchSize) is not divisible by the packing degree \(settings.packing)")
        require(settings.topK == nil || settings.order == .alternating,
                "GANTrainer: top-k generator updates need alternating order")
        require(settings.consensus == nil || settings.order == .simultaneous,
                "GANTrainer: consensus optimization regularizes simultaneous updates; set order to .simultaneous")
        self.generator = generator
        self.discriminator = discriminator
        self.generatorOptimizer = generatorOptimizer
        self.discriminatorOptimizer = discriminatorOptimizer
        self.settings = settings
        self.rng = RandomGenerator(seed: seed)
        self.sampleNoise = sampleNoise
        self.sampleData = sampleData
        if settings.emaDecay != nil { generatorAverage = ExponentialMovingAverage.start(generator.parameters()) }
    }

    /// Runs `steps` G steps, sending events to the callbacks.
    public func fit(steps: Int) throws {
        try emit(.fitStart)
        for _ in 0..<steps {
            let record = try trainStep()
            try emit(.stepEnd(record))
        }
        try emit(.fitEnd)
    }

    /// Sends `event` to every callback (callbacks use it to announce evaluations and
    /// checkpoints to the others).
    public func emit(_ event: TrainerEvent) throws {
        for c in callbacks { try c.trainer(self, handle: event) }
    }

    /// D's scores for a batch, packed in groups of `settings.packing` (PacGAN).
    func judge(_ x: Tensor, _ context: Context) -> Tensor {
        discriminator(settings.packing > 1 ? pack(x, degree: settings.packing) : x, in: context)
    }

    /// D's input with instance noise, when configured.
    func noisy(_ x: Tensor, _ context: Context) -> Tensor {
        guard let noise = settings.instanceNoise else { return x }
        return noise.apply(x, step: step, using: &context.rng)
    }

    /// D's loss (with its penalty) on one real and one fake batch; `fake` may be tracked.
    func discriminatorLoss(real: Tensor, fake: Tensor, context: Context) -> (loss: Tensor, penalty: Tensor?, real: Tensor, fake: Tensor) {
        let critic: (Tensor) -> Tensor = { self.judge($0, context) }
        let realScores = critic(noisy(real, context))
        let fakeScores = critic(noisy(fake, context))
        var loss = settings.objective.discriminatorLoss(real: realScores, fake: fakeScores,
                                                        labelSmoothing: settings.labelSmoothing)
        var penalty: Tensor? = nil
        // Penalties look at D's input as D sees it: packed groups when packing.
        let raw: (Tensor) -> Tensor = { self.discriminator($0, in: context) }
        let packed: (Tensor) -> Tensor = { self.settings.packing > 1 ? pack($0, degree: self.settings.packing) : $0 }
        let pReal = packed(real), pFake = packed(fake.detached())
        switch settings.penalty {
        case .gradientPenalty(let lambda, let oneSided)?:
            let eps = Tensor.randomUniform([pReal.shape[0]] + [Int](repeating: 1, count: pReal.rank - 1), using: &context.rng)
            penalty = lambda * gradientPenalty(critic: raw, real: pReal, fake: pFake, epsilon: eps, oneSided: oneSided)
        case .r1(let gamma)?:
            penalty = r1Penalty(critic: raw, real: pReal, gamma: gamma)
        case .r2(let gamma)?:
            penalty = r2Penalty(critic: raw, fake: pFake, gamma: gamma)
        case .dragan(let lambda, let variance)?:
            let noise = Tensor.randomNormal(pReal.shape, using: &context.rng)
            penalty = dragan(critic: raw, real: pReal, noise: noise, lambda: lambda, c: variance)
        case nil:
            break
        }
        if let penalty { loss = loss + penalty }
        return (loss, penalty, realScores, fakeScores)
    }

    func check(_ value: Float, _ quantity: String) throws {
        if !value.isFinite { throw NonFiniteError(step: step + 1, quantity: quantity) }
    }

    /// One G step (and its D steps). All randomness of the step (data, noise, dropout,
    /// instance noise, the penalty's interpolation) comes from `rng`, in a fixed order.
    /// Throws `NonFiniteError` when a loss or gradient is not finite, before the update
    /// computed from it is applied (in alternating order the D steps before it have been
    /// applied; a checkpoint written before the step is intact).
    @discardableResult
    public func trainStep() throws -> StepRecord {
        let context = Context(.training, rng: rng)
        let b = settings.batchSize
        let dLR = discriminatorOptimizer.learningRate(discriminatorState.step)
        let gLR = generatorOptimizer.learningRate(generatorState.step)
        var record = StepRecord(step: step + 1, discriminatorLoss: 0, generatorLoss: 0, penalty: nil,
                                discriminatorGradientNorm: 0, generatorGradientNorm: 0, realScore: 0, fakeScore: 0,
                                discriminatorLearningRate: dLR, generatorLearningRate: gLR)
        let dSteps = settings.order == .simultaneous ? 1 : settings.criticSteps
        var pendingG: [String: Tensor]? = nil
        for _ in 0..<dSteps {
            let real = sampleData(b, &context.rng)
            let z = sampleNoise(b, &context.rng)
            let fake = generator(z, in: context)
            // Consensus needs D's loss as a function of G's parameters too.
            let d = discriminatorLoss(real: real, fake: settings.consensus == nil ? fake.detached() : fake, context: context)
            let dParams = discriminator.parameters()
            var dGrads = gradients(of: d.loss, wrt: dParams)
            var dStats = [d.loss.scalarValue, d.penalty?.scalarValue ?? 0, d.real.mean().scalarValue, d.fake.mean().scalarValue]
            replicaReduction?.average(&dGrads, &dStats)
            record.discriminatorLoss = dStats[0]
            record.penalty = d.penalty == nil ? nil : dStats[1]
            record.realScore = dStats[2]
            record.fakeScore = dStats[3]
            record.discriminatorGradientNorm = GradientClipping.globalNorm(dGrads)
            try check(record.discriminatorLoss, "discriminator loss")
            try check(record.discriminatorGradientNorm, "discriminator gradient norm")
            if settings.order == .simultaneous {
                // G's gradient at the same point, before D moves.
                let fakeScores = judge(noisy(fake, context), context)
                let gLoss = settings.objective.generatorLoss(real: settings.objective.generatorNeedsRealScores ? d.real.detached() : nil,
                                                             fake: fakeScores)
                let gParams = generator.parameters()
                var gGrads = gradients(of: gLoss, wrt: gParams)
                var gStats = [gLoss.scalarValue]
                replicaReduction?.average(&gGrads, &gStats)
                if let gamma = settings.consensus {
                    // Both players descend their loss plus γ/2·‖v‖², v = both gradients.
                    let term = consensusRegularizer(discriminatorLoss: d.loss, discriminatorParameters: dParams,
                                                    generatorLoss: gLoss, generatorParameters: gParams, gamma: gamma)
                    dGrads = gradients(of: d.loss + term, wrt: dParams)
                    gGrads = gradients(of: gLoss + term, wrt: gParams)
                    record.discriminatorGradientNorm = GradientClipping.globalNorm(dGrads)
                    try check(record.discriminatorGradientNorm, "discriminator gradient norm")
                }
                record.generatorLoss = gStats[0]
                record.generatorGradientNorm = GradientClipping.globalNorm(gGrads)
                try check(record.generatorLoss, "generator loss")
                try check(record.generatorGradientNorm, "generator gradient norm")
                pendingG = gGrads
            }
            var (newD, newDState) = discriminatorOptimizer.update(dParams, dGrads, discriminatorState)
            if let c = settings.weightClip { newD = GradientClipping.clipWeights(newD, to: c) }
            discriminator.update(parameters: newD)
            discriminatorState = newDState
        }
        for _ in 0..<(pendingG == nil ? settings.generatorSteps : 1) {
            let gParams = generator.parameters()
            let gGrads: [String: Tensor]
            if let pendingG {
                gGrads = pendingG
            } else {
                let z = sampleNoise(b, &context.rng)
                let real = settings.objective.generatorNeedsRealScores ? sampleData(b, &context.rng) : nil
                let fake = generator(z, in: context)
                let saved = discriminator.parameters()
                if settings.unrollSteps > 0 {
                    // Look-ahead D steps whose parameters stay functions of G (through `fake`).
                    let lookaheadReal = sampleData(b, &context.rng)
                    var params = saved
                    for _ in 0..<settings.unrollSteps {
                        discriminator.substitute(parameters: params)
                        let d = discriminatorLoss(real: lookaheadReal, fake: fake, context: context)
                        let names = params.keys.sorted()
                        let g = gradients(of: d.loss, wrt: names.map { params[$0]! }, createGraph: true)
                        for (name, grad) in zip(names, g) { params[name] = params[name]! - settings.unrollLearningRate * grad }
                    }
                    discriminator.substitute(parameters: params)
                }
                defer { if settings.unrollSteps > 0 { discriminator.update(parameters: saved) } }
                var fakeScores = judge(noisy(fake, context), context)
                if let topK = settings.topK {
                    fakeScores = TopK.best(fakeScores, topK.count(of: fakeScores.shape[0], step: step))
                }
                let realScores = real.map { judge(noisy($0, context), context).detached() }
                let gLoss = settings.objective.generatorLoss(real: realScores, fake: fakeScores)
                var grads = gradients(of: gLoss, wrt: gParams)
                var gStats = [gLoss.scalarValue]
                replicaReduction?.average(&grads, &gStats)
                gGrads = grads
                record.generatorLoss = gStats[0]
                record.generatorGradientNorm = GradientClipping.globalNorm(gGrads)
                try check(record.generatorLoss, "generator loss")
                try check(record.generatorGradientNorm, "generator gradient norm")
            }
            let (newG, newGState) = generatorOptimizer.update(gParams, gGrads, generatorState)
            generator.update(parameters: newG)
            generatorState = newGState
        }
        rng = context.rng
        step += 1
        if let decay = settings.emaDecay, let average = generatorAverage {
            generatorAverage = ExponentialMovingAverage(decay: decay).update(average, generator.parameters(), step: step)
        }
        return record
    }
}
