import NN

// Penalties on the gradient of the discriminator with respect to its input: WGAN-GP,
// R1 / R2 and DRAGAN. Each one is a function of the critic's parameters (reached through
// the `critic` closure), built with `gradients(of:wrt:createGraph: true)` so that the
// penalty's own gradients with respect to those parameters (a double backward) can be
// taken and added to the discriminator's loss:
//
//     let lossD = objective.discriminatorLoss(real: critic(real), fake: critic(fake))
//               + 10 * gradientPenalty(critic: critic, real: real, fake: fake, epsilon: eps)
//     let grads = gradients(of: lossD, wrt: discriminator.parameters())
//
// The point where the gradient is taken is always a fresh leaf (detached from the
// generator's graph): the penalty regularizes the critic only. The critic must score each
// sample independently of the others in its batch (no batch normalization in training
// mode), since ∇x̂ Σᵢ D(x̂ᵢ) is read as one gradient per sample; Gulrajani et al. use layer
// normalization or none in the critic for this reason.

/// The gradient of Σᵢ D(xᵢ) with respect to `x` (one row of the result per sample), as a
/// tracked tensor that can be differentiated again with respect to the critic's parameters.
/// `x` is taken as a fresh leaf, detached from whatever graph produced it.
func criticInputGradient(critic: (Tensor) -> Tensor, at x: Tensor, op: String) -> Tensor {
    require(x.rank >= 1 && x.shape[0] > 0, "\(op): input of shape \(Shape.describe(x.shape)) is not a batch")
    let leaf = x.detached().requiringGradient()
    let scores = critic(leaf)
    require(scores.rank >= 1 && scores.shape[0] == x.shape[0],
            "\(op): the critic returned scores of shape \(Shape.describe(scores.shape)) for a batch of \(x.shape[0]) inputs \(Shape.describe(x.shape)); expected [\(x.shape[0]), 1] or [\(x.shape[0])]")
    return gradients(of: scores.sum(), wrt: [leaf], createGraph: true)[0]
}

/// The WGAN-GP gradient penalty (Gulrajani et al. 2017, "Improved Training of Wasserstein
/// GANs", eq. 3), without its weight λ (the paper uses λ = 10):
///
///     x̂ᵢ = εᵢ·realᵢ + (1 − εᵢ)·fakeᵢ,   GP = mean_i (‖∇x̂ D(x̂ᵢ)‖₂ − target)²
///
/// - `real`, `fake`: batches of one shape `[N, ...]` (the fakes detached or not: x̂ is a new
///   leaf either way, so no gradient reaches the generator).
/// - `epsilon`: one mixing weight per sample, N values (shape `[N]`, `[N, 1]` or
///   `[N, 1, 1, 1]`), normally drawn from U[0, 1] with `Tensor.randomUniform`.
/// - `target`: the desired norm (1 for a 1-Lipschitz critic; Adler & Lunz and others use
///   other values).
/// - `oneSided`: penalize only norms above the target, mean_i max(0, ‖∇‖ − target)²
///   (the one-sided variant the paper mentions; Petzka et al. 2018, "On the regularization of
///   Wasserstein GANs", argue for it). Zero when every norm is ≤ target, and then the
///   gradient is zero too (relu's gradient at its kink is 0).
///
/// Per-sample norms are `l2NormRows()` over all axes but the first; its gradient is 0 for
/// an all-zero row, so a critic that is flat at some x̂ gives no NaN.
/// Returns a scalar; differentiate it with respect to the critic's parameters.
public func gradientPenalty(critic: (Tensor) -> Tensor, real: Tensor, fake: Tensor, epsilon: Tensor,
                            target: Float = 1, oneSided: Bool = false) -> Tensor {
    require(real.shape == fake.shape,
            "gradientPenalty: real \(Shape.describe(real.shape)) and fake \(Shape.describe(fake.shape)) differ in shape")
    require(real.rank >= 1 && real.shape[0] > 0, "gradientPenalty: real \(Shape.describe(real.shape)) is not a batch")
    let n = real.shape[0]
    require(epsilon.count == n && (epsilon.rank == 0 || epsilon.shape[0] == n),
            "gradientPenalty: epsilon of shape \(Shape.describe(epsilon.shape)) must hold one weight per sample (\(n)): [\(n)] or [\(n), 1, ...]")
    let eps = epsilon.detached().reshaped([n] + Array(repeating: 1, count: real.rank - 1))
    let xHat = eps * real.detached() + (1 - eps) * fake.detached()
    let norms = criticInputGradient(critic: critic, at: xHat, op: "gradientPenalty").l2NormRows()
    let excess = norms - target
    return (oneSided ? excess.relu() : excess).square().mean()
}

/// The R1 penalty (Mescheder, Geiger & Nowozin 2018, "Which Training Methods for GANs do
/// actually Converge?", eq. 9): the squared gradient norm of the discriminator on *real*
/// data,
///
///     R1 = γ/2 · mean_i ‖∇x D(xᵢ)‖²,   x ~ p_data,
///
/// added to the discriminator's loss (the paper writes γ/2 · E‖∇D‖²; StyleGAN uses γ = 10
/// on FFHQ, the paper γ = 10 for most experiments). It makes the Dirac-GAN and related
/// games locally convergent: at the equilibrium the discriminator is pushed to be flat on
/// the data manifold. `D` is the raw score (logit). Smooth everywhere (a sum of squares, no
/// square root), so it is safe where the gradient is zero.
public func r1Penalty(critic: (Tensor) -> Tensor, real: Tensor, gamma: Float) -> Tensor {
    squaredGradientPenalty(critic: critic, at: real, gamma: gamma, op: "r1Penalty")
}

/// The R2 penalty (Mescheder et al. 2018, eq. 10): the same as `r1Penalty` on the
/// generator's samples, γ/2 · mean_i ‖∇x D(G(zᵢ))‖². `fake` is taken as a fresh leaf
/// (detached from the generator), so it regularizes the discriminator only.
public func r2Penalty(critic: (Tensor) -> Tensor, fake: Tensor, gamma: Float) -> Tensor {
    squaredGradientPenalty(critic: critic, at: fake, gamma: gamma, op: "r2Penalty")
}

/// γ/2 · (1/N) Σᵢ ‖∇x D(xᵢ)‖².
func squaredGradientPenalty(critic: (Tensor) -> Tensor, at x: Tensor, gamma: Float, op: String) -> Tensor {
    let g = criticInputGradient(critic: critic, at: x, op: op)
    return g.square().sum() * (gamma / (2 * Float(x.shape[0])))
}

/// The DRAGAN penalty (Kodali, Abernethy, Hays & Kira 2017, "On Convergence and Stability
/// of GANs", arXiv 1705.07215, eq. 9): a gradient-norm penalty in a neighbourhood of the
/// *real* data, which the authors link to the sharp discriminator gradients around real
/// points that precede mode collapse:
///
///     δᵢ = √c · noiseᵢ,   x̃ᵢ = realᵢ + δᵢ,   DRAGAN = λ · mean_i (‖∇x̃ D(x̃ᵢ)‖₂ − k)²
///
/// This is the paper's variant, δ ~ N(0, c·I): pass `noise` as a standard-normal draw of
/// `real`'s shape (`Tensor.randomNormal(real.shape, using: &rng)`) and it is scaled by √c.
/// The paper suggests λ ≈ 10, k = 1 and c ≈ 10 (c is the *variance* of the perturbation,
/// on the data's scale: for data in [−1, 1] a smaller c keeps the points near the data).
///
/// The authors' released code uses another perturbation, one-sided and scaled by the
/// batch's standard deviation: x̃ = x + α·0.5·std(x)·u with u ~ U[0, 1)ⁿ per element and
/// α ~ U[0, 1) per sample. To get that variant pass that perturbation as `noise` with c = 1
/// (`noise` is then added as is).
///
/// Returns a scalar including λ; differentiate it with respect to the critic's parameters
/// (x̃ is a fresh leaf). Norms are `l2NormRows()` (gradient 0 at an all-zero row).
public func dragan(critic: (Tensor) -> Tensor, real: Tensor, noise: Tensor,
                   lambda: Float = 10, k: Float = 1, c: Float = 10) -> Tensor {
    require(noise.shape == real.shape,
            "dragan: noise of shape \(Shape.describe(noise.shape)) must have real's shape \(Shape.describe(real.shape))")
    require(c >= 0, "dragan: perturbation variance c = \(c) is negative")
    let perturbed = c == 1 ? real.detached() + noise.detached()
                           : real.detached() + c.squareRoot() * noise.detached()
    let norms = criticInputGradient(critic: critic, at: perturbed, op: "dragan").l2NormRows()
    return lambda * (norms - k).square().mean()
}
