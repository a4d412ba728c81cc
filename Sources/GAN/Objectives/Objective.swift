import Autograd
import TensorCore

/// The two players' losses of a GAN, each a plain function of the discriminator's raw
/// outputs (logits or critic scores, shape `[N, 1]` or `[N]`; any shape is accepted and
/// averaged over all its elements, so a patch discriminator's `[N, 1, H, W]` works too).
///
/// Both losses are *minimized*: the discriminator minimizes `discriminatorLoss`, the
/// generator minimizes `generatorLoss`. Every loss is a mean over the batch, written with
/// stable ops (`binaryCrossEntropyWithLogits`, `softplus`, `logSigmoid`, `relu`), so no
/// probability is ever rounded to 0 or 1 before a logarithm, and every loss is twice
/// differentiable (gradient penalties and consensus optimization differentiate them again).
///
/// With x the real data, G(z) the fakes, s(·) the raw score and D = σ(s) the probability:
///
/// | objective | discriminator loss | generator loss |
/// |---|---|---|
/// | `minimax` | −E log D(x) − E log(1 − D(G(z))) | E log(1 − D(G(z))) (saturating) |
/// | `nonSaturating` | same as minimax | −E log D(G(z)) |
/// | `wasserstein` | E s(G(z)) − E s(x) | −E s(G(z)) |
/// | `leastSquares(a, b, c)` | ½E (s(x) − b)² + ½E (s(G(z)) − a)² | ½E (s(G(z)) − c)² |
/// | `hinge` | E relu(1 − s(x)) + E relu(1 + s(G(z))) | −E s(G(z)) |
/// | `relativisticAverage` | −E log σ(s(x) − E s(G(z))) − E log(1 − σ(s(G(z)) − E s(x))) | the same with real and fake swapped |
public enum GANObjective: Sendable, Equatable {
    /// The original game of Goodfellow et al. 2014, "Generative Adversarial Nets":
    /// min_G max_D E log D(x) + E log(1 − D(G(z))). The discriminator minimizes the binary
    /// cross-entropy BCE(s(x), 1) + BCE(s(G(z)), 0); the generator minimizes
    /// E log(1 − D(G(z))) = −E softplus(s(G(z))), the *saturating* loss. Kept to show its
    /// flaw: when D confidently rejects the fakes (s → −∞, D(G(z)) → 0) its gradient
    /// ∂L_G/∂s = −σ(s)/N vanishes, so the generator learns nothing early in training.
    case minimax
    /// The non-saturating generator loss of the same paper (Goodfellow et al. 2014, §3):
    /// the generator maximizes log D(G(z)) instead, minimizing −E log D(G(z)) =
    /// E softplus(−s(G(z))) = BCE(s(G(z)), 1). Same fixed points, but the gradient
    /// ∂L_G/∂s = −σ(−s)/N tends to −1/N (not 0) when D rejects the fakes. The
    /// discriminator's loss is the minimax one.
    case nonSaturating
    /// Wasserstein GAN (Arjovsky, Chintala & Bottou 2017): the critic maximizes
    /// E s(x) − E s(G(z)), an estimate of the Wasserstein-1 distance when s is 1-Lipschitz
    /// (enforce it with weight clipping, `gradientPenalty` or spectral norm); the critic
    /// minimizes E s(G(z)) − E s(x), the generator −E s(G(z)). Scores are unbounded.
    case wasserstein
    /// Least-squares GAN (Mao et al. 2017, "Least Squares Generative Adversarial Networks"):
    /// L_D = ½E (s(x) − b)² + ½E (s(G(z)) − a)², L_G = ½E (s(G(z)) − c)², with a the fake
    /// label, b the real label and c the value G wants D to believe for fakes. The paper's
    /// defaults a = 0, b = 1, c = 1 (the 0-1 coding); a = −1, b = 1, c = 0 minimizes the
    /// Pearson χ² divergence. Scores are used raw (no sigmoid).
    case leastSquares(a: Float = 0, b: Float = 1, c: Float = 1)
    /// Hinge loss (Lim & Ye 2017, "Geometric GAN"; Miyato et al. 2018, spectral
    /// normalization; used by SAGAN and BigGAN): L_D = E relu(1 − s(x)) + E relu(1 + s(G(z))),
    /// L_G = −E s(G(z)). Gradient of relu at its kink (score exactly ±1): 0.
    case hinge
    /// Relativistic average GAN (Jolicoeur-Martineau 2018, "The relativistic discriminator:
    /// a key element missing from standard GAN"), RaSGAN: with the standard GAN's
    /// f(y) = −log σ(y), D̃_r = s(x) − E s(G(z)) and D̃_f = s(G(z)) − E s(x),
    /// L_D = E softplus(−D̃_r) + E softplus(D̃_f) = BCE(D̃_r, 1) + BCE(D̃_f, 0) and
    /// L_G = E softplus(−D̃_f) + E softplus(D̃_r) = BCE(D̃_f, 1) + BCE(D̃_r, 0): the generator
    /// needs the real scores too (they carry no gradient to the generator but set the
    /// reference its fakes are compared with).
    case relativisticAverage

    /// Whether the objective is a binary cross-entropy (so it has labels, and one-sided
    /// label smoothing applies): minimax, non-saturating and relativistic average.
    public var isCrossEntropy: Bool {
        switch self {
        case .minimax, .nonSaturating, .relativisticAverage: return true
        case .wasserstein, .leastSquares, .hinge: return false
        }
    }

    /// Whether `generatorLoss` reads the real scores (only the relativistic objective).
    public var generatorNeedsRealScores: Bool { self == .relativisticAverage }

    /// The discriminator's (critic's) loss, to be minimized, from its raw scores on a real
    /// batch and a fake batch (the batches may differ in size). A scalar.
    ///
    /// `labelSmoothing` s is one-sided label smoothing (Salimans et al. 2016, "Improved
    /// Techniques for Training GANs", §3.4): the real target becomes 1 − s (fakes keep 0),
    /// so D is not pushed to ever more confident real scores. Only for the cross-entropy
    /// objectives (`isCrossEntropy`); for those, the loss at the optimum is then not 0.
    public func discriminatorLoss(real: Tensor, fake: Tensor, labelSmoothing: Float = 0) -> Tensor {
        check(real, "real")
        check(fake, "fake")
        require(labelSmoothing >= 0 && labelSmoothing < 1,
                "GANObjective.discriminatorLoss: label smoothing \(labelSmoothing) is outside [0, 1)")
        require(labelSmoothing == 0 || isCrossEntropy,
                "GANObjective.discriminatorLoss: label smoothing applies to the cross-entropy objectives (minimax, non-saturating, ragan), not to \(name)")
        let realTarget = 1 - labelSmoothing
        switch self {
        case .minimax, .nonSaturating:
            return Self.bce(real, realTarget) + Self.bce(fake, 0)
        case .wasserstein:
            return fake.mean() - real.mean()
        case .leastSquares(let a, let b, _):
            return 0.5 * (real - b).square().mean() + 0.5 * (fake - a).square().mean()
        case .hinge:
            return (1 - real).relu().mean() + (1 + fake).relu().mean()
        case .relativisticAverage:
            return Self.bce(real - fake.mean(), realTarget) + Self.bce(fake - real.mean(), 0)
        }
    }

    /// The generator's loss, to be minimized, from the discriminator's raw scores on the
    /// generator's fakes (computed through the generator, so gradients reach it). `real`
    /// (the scores of a real batch) is read only by `relativisticAverage`, which requires
    /// it; the other objectives ignore it. A scalar.
    public func generatorLoss(real: Tensor? = nil, fake: Tensor) -> Tensor {
        check(fake, "fake")
        switch self {
        case .minimax:
            // log(1 − σ(s)) = −softplus(s).
            return -fake.softplus().mean()
        case .nonSaturating:
            return Self.bce(fake, 1)
        case .wasserstein, .hinge:
            return -fake.mean()
        case .leastSquares(_, _, let c):
            return 0.5 * (fake - c).square().mean()
        case .relativisticAverage:
            guard let real else {
                fatalError("GANObjective.generatorLoss: ragan compares fakes with reals and needs the real scores (pass real:)")
            }
            check(real, "real")
            return Self.bce(fake - real.mean(), 1) + Self.bce(real - fake.mean(), 0)
        }
    }

    /// Mean binary cross-entropy of logits against a constant target.
    static func bce(_ logits: Tensor, _ target: Float) -> Tensor {
        Tensor.binaryCrossEntropyWithLogits(logits, Tensor(repeating: target, shape: logits.shape))
    }

    private func check(_ scores: Tensor, _ which: String) {
        require(scores.rank >= 1 && scores.count > 0,
                "GANObjective(\(name)): \(which) scores of shape \(Shape.describe(scores.shape)) are not a batch (expected [N, 1] or [N])")
    }
}

// MARK: names for configs

extension GANObjective {
    /// The name used in configs and on the command line: "minimax", "non-saturating",
    /// "wgan", "lsgan", "hinge", "ragan". (`lsgan` is `leastSquares()` with its default
    /// labels; other labels are set in code.)
    public var name: String {
        switch self {
        case .minimax: return "minimax"
        case .nonSaturating: return "non-saturating"
        case .wasserstein: return "wgan"
        case .leastSquares: return "lsgan"
        case .hinge: return "hinge"
        case .relativisticAverage: return "ragan"
        }
    }

    /// Every name `init?(name:)` accepts, in the order of the cases.
    public static let validNames = ["minimax", "non-saturating", "wgan", "lsgan", "hinge", "ragan"]

    /// The objective with the given config name (see `name`; letter case is ignored), or
    /// nil for an unknown name (`init(parsing:)` throws an error listing the valid names).
    public init?(name: String) {
        switch name.lowercased() {
        case "minimax": self = .minimax
        case "non-saturating": self = .nonSaturating
        case "wgan": self = .wasserstein
        case "lsgan": self = .leastSquares()
        case "hinge": self = .hinge
        case "ragan": self = .relativisticAverage
        default: return nil
        }
    }

    /// The objective with the given config name, or an `UnknownName` error that lists the
    /// valid names.
    public init(parsing name: String) throws {
        guard let objective = GANObjective(name: name) else { throw UnknownName(name: name) }
        self = objective
    }

    /// An objective name that is not one of `validNames`.
    public struct UnknownName: Error, CustomStringConvertible, Equatable {
        public let name: String
        public init(name: String) { self.name = name }
        public var description: String {
            "unknown GAN objective \"\(name)\"; valid names: \(GANObjective.validNames.joined(separator: ", "))"
        }
    }
}
