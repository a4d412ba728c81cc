import Autograd
import GAN
import NN

/// The Dirac-GAN (Mescheder, Geiger & Nowozin 2018, §2.1): the data is a single point at 0,
/// the generator is a single point θ (G = θ), and the discriminator is linear, D(x) = ψ·x.
/// The paper's objective is
///
///     L(θ, ψ) = E_z f(D(G(z))) + E_x f(−D(x)) = f(ψθ) + f(0),
///
/// which D maximizes and G minimizes (standard GAN: f(t) = −log(1 + e^(−t)); WGAN: f(t) = t).
/// The unique equilibrium is (θ, ψ) = (0, 0).
///
/// Everything here is computed by the engine, with the GAN library's own losses and
/// regularizers (`GANObjective`, `r1Penalty`, `gradientPenalty`, `consensusRegularizer`):
/// nothing is differentiated by hand. The library's scores are logits of "real", while the
/// paper's D is large on *fakes* (f(D(G)) is the fake term), so the critic handed to the
/// library is s(x) = −D(x) = −ψ·x. Then the library's discriminator loss is −L (+ const.)
/// and its generator loss is L (saturating GAN and WGAN) or −f(−ψθ) (non-saturating).
///
/// **Sign convention.** The gradient vector field is each player's negative gradient of
/// the loss it minimizes:
///
///     v(θ, ψ) = (−∂L_G/∂θ, −∂L_D/∂ψ) = (−∂L/∂θ, +∂L/∂ψ)   (the paper's v, §2.2)
///
/// and gradient descent with step h moves (θ, ψ) ← (θ, ψ) + h·v. Its Jacobian v′ at the
/// equilibrium (rows: v_θ, v_ψ; columns: θ, ψ) has eigenvalues with negative real parts
/// exactly when the continuous dynamics are locally (exponentially) convergent; for the
/// standard GAN v′(0, 0) = [[0, −f′(0)], [f′(0), 0]], eigenvalues ±i·f′(0).
public struct DiracGame: Sendable {
    public let method: DiracMethod

    /// Gauss–Hermite rule for instance noise (see `losses`).
    let quadrature: GaussHermite?

    public init(_ method: DiracMethod) {
        self.method = method
        if case .instanceNoise = method { quadrature = GaussHermite(points: 16) } else { quadrature = nil }
    }

    /// The two players' losses (each minimized by its player, scalars) at tracked θ and ψ
    /// (shape `[1, 1]`). Both losses keep their dependence on *both* parameters (nothing is
    /// detached), which the Jacobian needs.
    func losses(theta: Tensor, psi: Tensor) -> (generator: Tensor, discriminator: Tensor) {
        let objective = method.objective
        let critic: (Tensor) -> Tensor = { x in -(x * psi) }
        let real = Tensor(zeros: [1, 1])
        switch method {
        case .instanceNoise(let sigma):
            // Instance noise: real 0 + ε and fake θ + ε, ε ~ N(0, σ²), so that
            //     L = E_ε f(ψ(θ + ε)) + E_ε f(−ψε),   f(t) = −log(1 + e^(−t)) = log σ(t).
            // The authors' notebook (`GAN_InstNoise`) estimates these expectations with 1,000
            // fresh normal draws per step, so its field is random. We take the same
            // expectation with a 16-point Gauss–Hermite rule instead: deterministic, exact for
            // polynomials of degree < 32 in ε, hence exact (up to Float32 rounding) for the
            // Jacobian at the equilibrium, which needs only E[ε²] = σ², and within 2e-6 of the
            // exact expectation elsewhere on [−2, 2]². This is the expected-value form the
            // paper analyses (§3.1: eigenvalues f″(0)σ² ± √(f″(0)²σ⁴ − f′(0)²)).
            // A weighted sum is not a batch mean, so L is written here with engine ops over all
            // nodes at once (one batch of 16) rather than through `GANObjective`, whose losses
            // average over the batch: the same minimax game, in a dozen batched ops instead of
            // two library calls per node (this made the instance-noise row about 10 times faster).
            let rule = quadrature!
            let eps = Tensor(rule.nodes.map { Float(Double(sigma) * $0) }, shape: [rule.nodes.count, 1])
            let weights = Tensor(rule.weights.map { Float($0) }, shape: [rule.nodes.count, 1])
            let fakeTerm = ((theta + eps) * psi).logSigmoid()   // f(D(G + ε)) = f(ψ(θ + ε))
            let realTerm = (-(eps * psi)).logSigmoid()          // f(−D(0 + ε)) = f(−ψε)
            let lossG = (fakeTerm * weights).sum()               // G minimizes L
            let lossD = -((fakeTerm + realTerm) * weights).sum() // D maximizes L
            return (lossG, lossD)
        default:
            var lossD = objective.discriminatorLoss(real: critic(real), fake: critic(theta))
            let lossG = objective.generatorLoss(fake: critic(theta))
            switch method {
            case .r1(let gamma), .nonSaturatingR1(let gamma):
                // γ/2·‖∇ₓD(0)‖² = γ/2·ψ² (the paper's eq. 9), through the library's double backward.
                lossD = lossD + r1Penalty(critic: critic, real: real, gamma: gamma)
            case .wganGP(let gamma, let target):
                // γ/2·(‖∇ₓD(x̂)‖ − g₀)² = γ/2·(|ψ| − g₀)² at any x̂ between real and fake (D is
                // linear); the notebook's WGAN_GP(0.7, 1). The norm has a kink at ψ = 0.
                let gp = gradientPenalty(critic: critic, real: real, fake: theta, epsilon: Tensor([0.5]), target: target)
                lossD = lossD + gp * (gamma / 2)
            default:
                break
            }
            return (lossG, lossD)
        }
    }

    /// The gradient vector field v = (−∂L_G/∂θ, −∂L_D/∂ψ) at tracked leaves θ, ψ (shape
    /// `[1, 1]`), plus the consensus term for `.consensus`. With `createGraph` the
    /// components are tracked and can be differentiated again (the Jacobian).
    func field(theta: Tensor, psi: Tensor, createGraph: Bool) -> (theta: Tensor, psi: Tensor) {
        var (lossG, lossD) = losses(theta: theta, psi: psi)
        if case .consensus(let gamma) = method {
            // γ·½‖v‖² added to both losses (Mescheder et al. 2017, "The Numerics of GANs"):
            // v becomes v − γ∇(½‖v‖²), whose Jacobian at the equilibrium is v′ − γ·v′ᵀv′.
            let reg = consensusRegularizer(discriminatorLoss: lossD, discriminatorParameters: ["psi": psi],
                                           generatorLoss: lossG, generatorParameters: ["theta": theta], gamma: gamma)
            lossG = lossG + reg
            lossD = lossD + reg
        }
        let gTheta = gradients(of: lossG, wrt: [theta], createGraph: createGraph)[0]
        let gPsi = gradients(of: lossD, wrt: [psi], createGraph: createGraph)[0]
        return (-gTheta, -gPsi)
    }

    /// The field's value at (θ, ψ).
    public func vectorField(theta: Float, psi: Float) -> (theta: Float, psi: Float) {
        let t = Tensor([theta], shape: [1, 1]).requiringGradient()
        let p = Tensor([psi], shape: [1, 1]).requiringGradient()
        let v = field(theta: t, psi: p, createGraph: false)
        return (v.theta.scalarValue, v.psi.scalarValue)
    }

    /// The two players' losses L_G and L_D (each minimized by its player; L_D = −L + const.)
    /// at (θ, ψ), evaluated by the engine; for finite-difference checks of `vectorField`.
    /// Consensus optimization's extra term is not included (it is a function of the field).
    public func playerLosses(theta: Float, psi: Float) -> (generator: Float, discriminator: Float) {
        let t = Tensor([theta], shape: [1, 1]).requiringGradient()
        let p = Tensor([psi], shape: [1, 1]).requiringGradient()
        let (g, d) = losses(theta: t, psi: p)
        return (g.scalarValue, d.scalarValue)
    }

    /// What happens to ψ after each of its updates: WGAN clips it to [−c, c] with the NN
    /// library's weight clipping; the other methods leave it alone.
    public func constrain(psi: Float) -> Float {
        guard case .wgan(let c) = method else { return psi }
        let clipped = GradientClipping.clipWeights(["psi": Tensor([psi], shape: [1, 1])], to: c)
        return clipped["psi"]!.scalarValue
    }

    /// The Jacobian v′ of the field at (θ, ψ) by double backward: each component of v (built
    /// with `createGraph: true`) differentiated again with respect to θ and ψ. Rows v_θ, v_ψ;
    /// columns θ, ψ. Computed in Float32 and returned as Doubles.
    public func jacobian(theta: Float = 0, psi: Float = 0) -> [[Double]] {
        let t = Tensor([theta], shape: [1, 1]).requiringGradient()
        let p = Tensor([psi], shape: [1, 1]).requiringGradient()
        let v = field(theta: t, psi: p, createGraph: true)
        return [v.theta, v.psi].map { component in
            gradients(of: component.sum(), wrt: [t, p]).map { Double($0.scalarValue) }
        }
    }
}
