import GAN

/// The training methods compared on the Dirac-GAN (Mescheder, Geiger & Nowozin 2018, "Which
/// Training Methods for GANs do actually Converge?", §2–3, Figure 3), with the parameters of
/// the authors' notebook (`notebooks/DiracGAN.ipynb` of LMescheder/GAN_stability).
public enum DiracMethod: Sendable, Equatable {
    /// The original (saturating) GAN: f(t) = −log(1 + e^(−t)), G minimizes L.
    case gan
    /// The non-saturating generator loss: G minimizes −f(−ψθ) instead.
    case nonSaturating
    /// WGAN: f(t) = t, ψ clipped to [−c, c] after every update.
    case wgan(clip: Float)
    /// WGAN-GP: f(t) = t, D's loss plus γ/2·(‖∇ₓD‖ − target)² (the paper's §3.2 form).
    case wganGP(gamma: Float, target: Float)
    /// Consensus optimization (Mescheder et al. 2017): both players also descend γ·½‖v‖².
    case consensus(gamma: Float)
    /// Instance noise N(0, σ²) on real and fake samples, as an exact expectation.
    case instanceNoise(sigma: Float)
    /// The R1 penalty γ/2·‖∇ₓD(x_real)‖² on the standard GAN.
    case r1(gamma: Float)
    /// The R1 penalty on the non-saturating GAN.
    case nonSaturatingR1(gamma: Float)

    /// The methods of the paper's Figure 3 plus NS + R1, with the notebook's parameters.
    public static let paperSet: [DiracMethod] = [
        .gan, .nonSaturating, .wgan(clip: 1), .wganGP(gamma: 0.7, target: 1), .consensus(gamma: 1),
        .instanceNoise(sigma: 0.7), .r1(gamma: 0.3), .r1(gamma: 1), .nonSaturatingR1(gamma: 0.3),
    ]

    /// A short identifier for files and JSON: "gan", "ns-gan", "wgan", "wgan-gp",
    /// "consensus", "instance-noise", "r1-0.3", "r1-1", "ns-gan-r1-0.3".
    public var id: String {
        switch self {
        case .gan: return "gan"
        case .nonSaturating: return "ns-gan"
        case .wgan: return "wgan"
        case .wganGP: return "wgan-gp"
        case .consensus: return "consensus"
        case .instanceNoise: return "instance-noise"
        case .r1(let g): return "r1-\(Self.number(g))"
        case .nonSaturatingR1(let g): return "ns-gan-r1-\(Self.number(g))"
        }
    }

    /// The name with its parameters, for tables: "WGAN-GP (γ = 0.7, g₀ = 1)".
    public var title: String {
        switch self {
        case .gan: return "GAN (saturating)"
        case .nonSaturating: return "non-saturating GAN"
        case .wgan(let c): return "WGAN (clip \(Self.number(c)))"
        case .wganGP(let g, let t): return "WGAN-GP (γ = \(Self.number(g)), target \(Self.number(t)))"
        case .consensus(let g): return "consensus (γ = \(Self.number(g)))"
        case .instanceNoise(let s): return "instance noise (σ = \(Self.number(s)))"
        case .r1(let g): return "R1 (γ = \(Self.number(g)))"
        case .nonSaturatingR1(let g): return "non-saturating + R1 (γ = \(Self.number(g)))"
        }
    }

    /// The objective of the GAN library whose losses this method uses.
    var objective: GANObjective {
        switch self {
        case .gan, .consensus, .instanceNoise, .r1: return .minimax
        case .nonSaturating, .nonSaturatingR1: return .nonSaturating
        case .wgan, .wganGP: return .wasserstein
        }
    }

    /// f′(0) and f″(0) of the method's f: 1/2 and −1/4 for f(t) = −log(1 + e^(−t)) (f′ = σ(−t),
    /// f″ = −σ(t)σ(−t)); 1 and 0 for WGAN's f(t) = t.
    var fDerivativesAtZero: (first: Double, second: Double) {
        objective == .wasserstein ? (1, 0) : (0.5, -0.25)
    }

    /// 0.3, 1, 0.7 (no trailing ".0").
    static func number(_ x: Float) -> String {
        x == x.rounded() && Swift.abs(x) < 1e6 ? String(Int(x)) : "\(x)"
    }
}
