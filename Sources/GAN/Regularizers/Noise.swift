import NN

/// Instance noise (Sønderby et al. 2016, "Amortised MAP Inference for Image
/// Super-resolution", §3.1; Arjovsky & Bottou 2017, "Towards Principled Methods for Training
/// Generative Adversarial Networks", §3): add Gaussian noise N(0, σ²) to *both* the real and
/// the fake inputs of the discriminator. Two distributions on low-dimensional manifolds
/// rarely overlap, so the optimal discriminator separates them perfectly and the generator's
/// gradient vanishes (the JS divergence is a constant log 2); convolving both with the same
/// Gaussian makes their supports overlap, so the divergence is smooth again. σ is annealed
/// towards 0 as the generator's distribution approaches the data.
///
///     let sigma = noise.sigma(at: step)
///     let lossD = objective.discriminatorLoss(real: D(noise.apply(real, step: step, using: &rng)),
///                                             fake: D(noise.apply(fake, step: step, using: &rng)))
///
/// The noise is a constant (not differentiated), so gradients pass through `x + σ·n` to the
/// generator unchanged.
public struct InstanceNoise: Sendable, Equatable {
    /// How σ depends on the training step (0, 1, 2, ...).
    public enum Schedule: Sendable, Equatable {
        /// σ at every step.
        case constant(Float)
        /// From `initial` at step 0 down linearly to 0 at step `steps`, then 0:
        /// σ(t) = initial · max(0, 1 − t / steps).
        case linear(initial: Float, steps: Int)
    }

    public var schedule: Schedule

    public init(_ schedule: Schedule) {
        switch schedule {
        case .constant(let s):
            require(s >= 0 && s.isFinite, "InstanceNoise: σ = \(s) must be finite and ≥ 0")
        case .linear(let s, let steps):
            require(s >= 0 && s.isFinite, "InstanceNoise: initial σ = \(s) must be finite and ≥ 0")
            require(steps > 0, "InstanceNoise: a linear schedule needs steps > 0, got \(steps)")
        }
        self.schedule = schedule
    }

    /// Constant noise of standard deviation σ.
    public static func constant(_ sigma: Float) -> InstanceNoise { InstanceNoise(.constant(sigma)) }

    /// Noise annealed linearly from `initial` to 0 over `steps` steps.
    public static func linear(from initial: Float, steps: Int) -> InstanceNoise {
        InstanceNoise(.linear(initial: initial, steps: steps))
    }

    /// The standard deviation at training step `step` (≥ 0).
    public func sigma(at step: Int) -> Float {
        require(step >= 0, "InstanceNoise.sigma: step \(step) is negative")
        switch schedule {
        case .constant(let s):
            return s
        case .linear(let s, let steps):
            if step >= steps { return 0 }
            return Float(Double(s) * (1 - Double(step) / Double(steps)))
        }
    }

    /// `x + σ(step)·n` with n ~ N(0, I) drawn from `rng` (x's shape). See `addInstanceNoise`.
    public func apply(_ x: Tensor, step: Int, using rng: inout RandomGenerator) -> Tensor {
        addInstanceNoise(x, sigma: sigma(at: step), using: &rng)
    }
}

/// `x + σ·n` with n ~ N(0, I) of x's shape, drawn from `rng`. The noise is a constant, so
/// the gradient with respect to x is the identity. For σ = 0 it returns x itself and draws
/// nothing from `rng` (so after annealing ends, the random stream is no longer advanced).
public func addInstanceNoise(_ x: Tensor, sigma: Float, using rng: inout RandomGenerator) -> Tensor {
    require(sigma >= 0 && sigma.isFinite, "addInstanceNoise: σ = \(sigma) must be finite and ≥ 0")
    if sigma == 0 { return x }
    return x + Tensor.randomNormal(x.shape, std: sigma, using: &rng)
}
