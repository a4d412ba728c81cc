import Autograd
import Foundation

/// How the two players take their steps (the authors' notebook, `diracgan/simulate.py`).
public enum DiracScheme: Sendable, Equatable, CaseIterable {
    /// Both players step from the same point: (θ, ψ) ← (θ, ψ) + h·v(θ, ψ).
    case simultaneous
    /// One generator step, then one discriminator step at the new θ.
    case alternating
    /// One generator step, then 5 discriminator steps (the n_critic = 5 that WGAN and
    /// WGAN-GP train with).
    case alternating5

    /// Discriminator steps per generator step (alternating schemes).
    public var discriminatorSteps: Int {
        switch self {
        case .simultaneous, .alternating: return 1
        case .alternating5: return 5
        }
    }

    public var id: String {
        switch self {
        case .simultaneous: return "simultaneous"
        case .alternating: return "alternating"
        case .alternating5: return "alternating-5:1"
        }
    }

    public var title: String {
        switch self {
        case .simultaneous: return "simultaneous"
        case .alternating: return "alternating 1:1"
        case .alternating5: return "alternating 5 D : 1 G"
        }
    }
}

/// The outcome of a trajectory, by the rule of `DiracVerdict.judge`.
public enum DiracVerdict: String, Sendable, Equatable {
    case converges
    /// The orbit still shrinks at the end but is far from the equilibrium: convergence
    /// slower than exponential (the non-saturating GAN under alternating updates, whose field
    /// has damping terms of third order only).
    case convergesSlowly = "converges slowly"
    case cycles
    case diverges

    /// Steps in each window of the rule below.
    public static let window = 100

    /// The verdict from the distances d₀, d₁, …, d_T of the iterates to the equilibrium
    /// (T ≥ 3 windows of 100 steps). With E_first, E_prev, E_last the largest distance in
    /// steps 1–100, in the next-to-last and in the last 100 steps (maxima over a window
    /// span at least one turn around the equilibrium, so they measure the orbit's size):
    ///
    /// - diverges: a non-finite distance, or E_last > 1.25·E_first (the orbit grew by a
    ///   quarter or more);
    /// - converges: E_last ≤ 0.01·d₀ (the whole last window within 1 % of the start's
    ///   distance);
    /// - converges slowly: E_last ≤ 0.5·E_first and E_last ≤ 0.95·E_prev (the orbit has
    ///   halved and is still shrinking by 5 % or more per window);
    /// - cycles: otherwise (a bounded orbit that neither reaches the equilibrium nor grows).
    public static func judge(distances d: [Double]) -> DiracVerdict {
        let w = window
        require(d.count >= 3 * w + 1, "DiracVerdict.judge: \(d.count - 1) steps; needs at least \(3 * w)")
        if d.contains(where: { !$0.isFinite }) { return .diverges }
        let first = d[1...w].max()!
        let previous = d[(d.count - 2 * w)..<(d.count - w)].max()!
        let last = d[(d.count - w)...].max()!
        if last > 1.25 * first { return .diverges }
        if last <= 0.01 * d[0] { return .converges }
        if last <= 0.5 * first && last <= 0.95 * previous { return .convergesSlowly }
        return .cycles
    }
}

/// A trajectory of the Dirac-GAN from (θ₀, ψ₀): the points after each outer step (one
/// generator step and its discriminator steps), starting with the start point.
public struct DiracTrajectory: Sendable {
    public let scheme: DiracScheme
    public let thetas: [Float]
    public let psis: [Float]

    /// Runs `steps` outer steps of gradient descent with step size `h` on the game's field,
    /// applying the method's constraint on ψ (WGAN's clipping) after every ψ update, in the
    /// notebook's order (generator first, then the discriminator's steps).
    public init(game: DiracGame, scheme: DiracScheme, start: (theta: Float, psi: Float) = (1, 1),
                stepSize h: Float = 0.2, steps: Int = 500) {
        var theta = start.theta, psi = game.constrain(psi: start.psi)
        var thetas = [theta], psis = [psi]
        thetas.reserveCapacity(steps + 1); psis.reserveCapacity(steps + 1)
        for _ in 0..<steps {
            switch scheme {
            case .simultaneous:
                let v = game.vectorField(theta: theta, psi: psi)
                theta += h * v.theta
                psi = game.constrain(psi: psi + h * v.psi)
            case .alternating, .alternating5:
                theta += h * game.vectorField(theta: theta, psi: psi).theta
                for _ in 0..<scheme.discriminatorSteps {
                    psi = game.constrain(psi: psi + h * game.vectorField(theta: theta, psi: psi).psi)
                }
            }
            thetas.append(theta); psis.append(psi)
            if !theta.isFinite || !psi.isFinite { break }
        }
        self.scheme = scheme
        self.thetas = thetas
        self.psis = psis
    }

    /// ‖(θ_k, ψ_k)‖ for every point: the distance to the equilibrium (0, 0).
    public var distances: [Double] { zip(thetas, psis).map { hypot(Double($0), Double($1)) } }

    public var finalDistance: Double { distances.last! }

    public var verdict: DiracVerdict {
        var d = distances
        // A run stopped early by a non-finite value: pad so the rule sees it.
        if d.count < 3 * DiracVerdict.window + 1 { d += Array(repeating: .infinity, count: 3 * DiracVerdict.window + 1 - d.count) }
        return DiracVerdict.judge(distances: d)
    }
}
