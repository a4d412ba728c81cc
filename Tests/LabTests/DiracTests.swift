import Artifacts
import Autograd
import Foundation
import Lab
import Testing

/// The whole table, computed once (500 steps per trajectory, as `swiftgan lab dirac`).
private let table: [DiracResult] = DiracExperiment.results()

private func row(_ method: DiracMethod) -> DiracResult {
    table.first { $0.method == method }!
}

private func verdict(_ method: DiracMethod, _ scheme: DiracScheme) -> DiracVerdict {
    row(method).trajectories.first { $0.scheme == scheme }!.verdict
}

@Suite("Dirac-GAN spectrum")
struct DiracSpectrumTests {
    /// The engine's Jacobian at (0, 0) (double backward through the GAN library's losses
    /// and penalties, Float32) has the closed-form eigenvalues to 1e-6 for every method.
    /// Why Float32 suffices: at the equilibrium the entries are f′(0) = σ(0) = ½, f″(0)-terms
    /// −¼·(…), γ and σ² sums, each exact or within a few ulps (≤ 1e-7) in Float32, and the
    /// eigenvalues of a 2×2 matrix move by at most about that much, except at the double root
    /// of the critical R1 (γ = 1), where an error ε in the entries moves them by √ε. There
    /// the entries are exactly representable (½, −1) and the engine computes them exactly,
    /// which the test checks directly (discriminant exactly 0).
    @Test func eigenvaluesMatchClosedForms() {
        for method in DiracMethod.paperSet {
            let j = DiracGame(method).jacobian()
            guard let closed = DiracSpectrum.closedForm(method) else {
                #expect(method == .wganGP(gamma: 0.7, target: 1), "only WGAN-GP has no closed form")
                continue
            }
            let computed = DiracSpectrum.eigenvalues(j)
            for (c, e) in zip(computed, closed) {
                #expect(c.distance(to: e) <= 1e-6, "\(method.id): computed \(c), closed form \(e), Jacobian \(j)")
            }
        }
    }

    /// The Jacobians themselves, entry by entry, where they are simple: the standard GAN's
    /// [[0, −½], [½, 0]], WGAN's [[0, −1], [1, 0]], R1's [[0, −½], [½, −γ]] (exact in Float32),
    /// and consensus [[−¼, −½], [½, −¼]] (v′ − γv′ᵀv′).
    @Test func jacobianEntries() {
        #expect(DiracGame(.gan).jacobian() == [[0, -0.5], [0.5, 0]])
        #expect(DiracGame(.nonSaturating).jacobian() == [[0, -0.5], [0.5, 0]])
        #expect(DiracGame(.wgan(clip: 1)).jacobian() == [[0, -1], [1, 0]])
        #expect(DiracGame(.r1(gamma: 1)).jacobian() == [[0, -0.5], [0.5, -1]])
        #expect(DiracGame(.consensus(gamma: 1)).jacobian() == [[-0.25, -0.5], [0.5, -0.25]])
        let noise = DiracGame(.instanceNoise(sigma: 0.7)).jacobian()
        // Instance noise: sums over 16 weighted nodes, so within a few Float32 ulps.
        for (got, expected) in zip(noise.joined(), [0, -0.5, 0.5, 2 * -0.25 * 0.49]) {  // 2f″(0)σ²
            #expect(Swift.abs(got - expected) < 2e-7, "\(noise)")
        }
    }

    /// Eigenvalues from trace and determinant: complex pairs, distinct reals, a double root.
    @Test func twoByTwoEigenvalues() {
        #expect(DiracSpectrum.eigenvalues([[0, -2], [2, 0]]) == [Complex(0, 2), Complex(0, -2)])
        #expect(DiracSpectrum.eigenvalues([[3, 0], [0, -1]]) == [Complex(3), Complex(-1)])
        #expect(DiracSpectrum.eigenvalues([[-0.5, 1], [0, -0.5]]) == [Complex(-0.5), Complex(-0.5)])
        #expect(DiracSpectrum.describe([Complex(0, 0.5), Complex(0, -0.5)]) == "±0.5000i")
        #expect(DiracSpectrum.describe([Complex(-0.15, 0.477), Complex(-0.15, -0.477)]) == "−0.1500 ± 0.4770i")
        #expect(DiracSpectrum.describe([Complex(-0.5), Complex(-0.5)]) == "−0.5000 (double)")
    }
}

@Suite("Dirac-GAN vector field")
struct DiracFieldTests {
    static let points: [(Float, Float)] = [(1, 1), (-0.7, 0.4), (0.3, -1.2), (1.5, 0.8)]

    /// v = (−∂L_G/∂θ, −∂L_D/∂ψ) against central differences of the players' losses (both
    /// evaluated by the engine in Float32: step 1e-2, tolerance 2e-3 covers the O(h²) error
    /// and the rounding of Float32 losses divided by 2h).
    @Test func fieldIsMinusTheGradientOfEachPlayersLoss() {
        let h: Float = 1e-2
        for method in DiracMethod.paperSet {
            if case .consensus = method { continue }  // below
            let game = DiracGame(method)
            for (t, p) in Self.points {
                let v = game.vectorField(theta: t, psi: p)
                let dG = (game.playerLosses(theta: t + h, psi: p).generator - game.playerLosses(theta: t - h, psi: p).generator) / (2 * h)
                let dD = (game.playerLosses(theta: t, psi: p + h).discriminator - game.playerLosses(theta: t, psi: p - h).discriminator) / (2 * h)
                #expect(Swift.abs(v.theta + dG) < 2e-3, "\(method.id) at (\(t), \(p)): v_θ \(v.theta), −∂L_G/∂θ \(-dG)")
                #expect(Swift.abs(v.psi + dD) < 2e-3, "\(method.id) at (\(t), \(p)): v_ψ \(v.psi), −∂L_D/∂ψ \(-dD)")
            }
        }
    }

    /// Consensus: v_γ = v − γ∇(½‖v‖²) with v the standard GAN's field, the gradient by
    /// central differences of ½‖v‖².
    @Test func consensusFieldSubtractsTheGradientOfHalfTheSquaredField() {
        let gan = DiracGame(.gan), consensus = DiracGame(.consensus(gamma: 1))
        let h: Float = 1e-2
        func half(_ t: Float, _ p: Float) -> Float { let v = gan.vectorField(theta: t, psi: p); return (v.theta * v.theta + v.psi * v.psi) / 2 }
        for (t, p) in Self.points {
            let v = gan.vectorField(theta: t, psi: p), vc = consensus.vectorField(theta: t, psi: p)
            let gt = (half(t + h, p) - half(t - h, p)) / (2 * h), gp = (half(t, p + h) - half(t, p - h)) / (2 * h)
            #expect(Swift.abs(vc.theta - (v.theta - gt)) < 2e-3, "at (\(t), \(p))")
            #expect(Swift.abs(vc.psi - (v.psi - gp)) < 2e-3, "at (\(t), \(p))")
        }
    }

    /// The paper's formulas, written out in Double (σ the logistic function, f′(t) = σ(−t)):
    /// GAN (−ψf′(ψθ), θf′(ψθ)); NS-GAN (−ψf′(−ψθ), θf′(ψθ)); WGAN (−ψ, θ);
    /// WGAN-GP (−ψ, θ − γ(|ψ| − g₀)·sign ψ); R1 (−ψf′(ψθ), θf′(ψθ) − γψ); instance noise.
    @Test func fieldMatchesThePapersFormulas() {
        func fp(_ t: Double) -> Double { 1 / (1 + exp(t)) }
        let cases: [(DiracMethod, (Double, Double) -> (Double, Double))] = [
            (.gan, { t, p in (-p * fp(p * t), t * fp(p * t)) }),
            (.nonSaturating, { t, p in (-p * fp(-p * t), t * fp(p * t)) }),
            (.wgan(clip: 1), { t, p in (-p, t) }),
            (.wganGP(gamma: 0.7, target: 1), { t, p in (-p, t - 0.7 * (Swift.abs(p) - 1) * (p > 0 ? 1 : -1)) }),
            (.r1(gamma: 0.3), { t, p in (-p * fp(p * t), t * fp(p * t) - 0.3 * p) }),
            (.nonSaturatingR1(gamma: 0.3), { t, p in (-p * fp(-p * t), t * fp(p * t) - 0.3 * p) }),
        ]
        // Instance noise: the notebook's GAN_InstNoise field with the expectation over the same
        // Gauss–Hermite nodes, v = (−E ψf′(ψ(θ + ε)), E[(θ + ε)f′(ψ(θ + ε)) − εf′(−εψ)]).
        let rule = GaussHermite(points: 16)
        let noise: (Double, Double) -> (Double, Double) = { t, p in
            var v = (0.0, 0.0)
            for (x, w) in zip(rule.nodes, rule.weights) {
                let e = 0.7 * x
                v.0 += w * -p * fp(p * (t + e))
                v.1 += w * ((t + e) * fp(p * (t + e)) - e * fp(-e * p))
            }
            return v
        }
        for (method, formula) in cases + [(.instanceNoise(sigma: 0.7), noise)] {
            let game = DiracGame(method)
            for (t, p) in Self.points {
                let v = game.vectorField(theta: t, psi: p), e = formula(Double(t), Double(p))
                #expect(Swift.abs(Double(v.theta) - e.0) < 1e-6 && Swift.abs(Double(v.psi) - e.1) < 1e-6,
                        "\(method.id) at (\(t), \(p)): engine \(v), formula \(e)")
            }
        }
    }

    /// Gauss–Hermite moments of N(0, 1): 1, 0, 1, 0, 3, 15 (exact for degree < 32).
    @Test func quadratureMoments() {
        let rule = GaussHermite(points: 16)
        func moment(_ k: Int) -> Double { zip(rule.nodes, rule.weights).reduce(0) { $0 + $1.1 * pow($1.0, Double(k)) } }
        #expect(rule.nodes.count == 16)
        for (k, expected) in [(0, 1.0), (1, 0), (2, 1), (3, 0), (4, 3), (6, 15), (8, 105)] {
            #expect(Swift.abs(moment(k) - expected) < 1e-10 * Swift.max(1, expected), "E[ε^\(k)] = \(moment(k))")
        }
    }

    /// WGAN's clipping keeps ψ in [−1, 1].
    @Test func wganClipsPsi() {
        let game = DiracGame(.wgan(clip: 1))
        #expect(game.constrain(psi: 1.7) == 1 && game.constrain(psi: -3) == -1 && game.constrain(psi: 0.25) == 0.25)
        let t = DiracTrajectory(game: game, scheme: .simultaneous, steps: 50)
        #expect(t.psis.allSatisfy { Swift.abs($0) <= 1 })
    }
}

@Suite("Dirac-GAN verdicts")
struct DiracVerdictTests {
    /// The rule on made-up distance sequences.
    @Test func ruleOnSyntheticSequences() {
        let n = 500
        func seq(_ f: (Int) -> Double) -> [Double] { (0...n).map(f) }
        #expect(DiracVerdict.judge(distances: seq { 1.4 * pow(0.97, Double($0)) }) == .converges)
        #expect(DiracVerdict.judge(distances: seq { 1.4 * pow(1.003, Double($0)) }) == .diverges)
        #expect(DiracVerdict.judge(distances: seq { 1.4 + 0.2 * sin(Double($0) / 5) }) == .cycles)
        #expect(DiracVerdict.judge(distances: seq { 1.4 / (1 + Double($0) / 20).squareRoot() }) == .convergesSlowly)
        #expect(DiracVerdict.judge(distances: seq { $0 == 300 ? .nan : 1 }) == .diverges)
        // Shrunk a lot but settled on a smaller cycle: cycles, not slow convergence.
        #expect(DiracVerdict.judge(distances: seq { $0 < 100 ? 1.4 : 0.6 }) == .cycles)
    }

    /// Too short a trajectory for the rule's three windows stops with a message.
    @Test func tooFewStepsStopWithAMessage() async {
        await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = DiracVerdict.judge(distances: [1.4, 1.3, 1.2])
        }.map { r in
            #expect(String(decoding: r.standardErrorContent, as: UTF8.self)
                .contains("DiracVerdict.judge: 2 steps; needs at least 300"))
        }
    }

    /// The claims of Mescheder et al. 2018 (§2.2–3, Figure 3): the unregularized GAN does not
    /// converge (simultaneous GD spirals outwards, Lemma 2.3; alternating GD cycles), neither
    /// do the non-saturating GAN, WGAN and WGAN-GP with finitely many critic steps; consensus
    /// optimization, instance noise and the zero-centred penalty R1 (also on the non-
    /// saturating GAN, also at the critical γ = 1) converge.
    @Test func verdictsMatchThePaper() {
        #expect(verdict(.gan, .simultaneous) == .diverges)
        #expect(verdict(.gan, .alternating) == .cycles)
        for scheme in DiracScheme.allCases {
            for method in [DiracMethod.gan, .nonSaturating, .wgan(clip: 1), .wganGP(gamma: 0.7, target: 1)] {
                #expect(verdict(method, scheme) != .converges, "\(method.id), \(scheme.id)")
            }
        }
        for method in [DiracMethod.wgan(clip: 1), .wganGP(gamma: 0.7, target: 1)] {
            for scheme in DiracScheme.allCases { #expect(verdict(method, scheme) == .cycles, "\(method.id), \(scheme.id)") }
        }
        for method in [DiracMethod.consensus(gamma: 1), .instanceNoise(sigma: 0.7), .r1(gamma: 0.3), .r1(gamma: 1), .nonSaturatingR1(gamma: 0.3)] {
            for scheme in [DiracScheme.simultaneous, .alternating] {
                #expect(verdict(method, scheme) == .converges, "\(method.id), \(scheme.id)")
            }
        }
    }

    /// Our own measurements beyond the paper's figure (see the README's notes): with 5 D steps
    /// per G step the penalties and instance noise still converge, consensus optimization
    /// diverges (ψ runs into the saturated region where ‖v‖ is small), and the non-saturating
    /// GAN shrinks slowly under alternating updates but settles on a cycle under simultaneous ones.
    @Test func measuredVerdictsBeyondThePaper() {
        for method in [DiracMethod.instanceNoise(sigma: 0.7), .r1(gamma: 0.3), .r1(gamma: 1), .nonSaturatingR1(gamma: 0.3)] {
            #expect(verdict(method, .alternating5) == .converges, "\(method.id)")
        }
        #expect(verdict(.consensus(gamma: 1), .alternating5) == .diverges)
        #expect(verdict(.nonSaturating, .simultaneous) == .cycles)
        #expect(verdict(.nonSaturating, .alternating) == .convergesSlowly)
        // Converging runs end near the equilibrium, cycling runs do not.
        #expect(row(.r1(gamma: 1)).trajectories.allSatisfy { $0.finalDistance < 1e-6 })
        #expect(row(.gan).trajectories.allSatisfy { $0.finalDistance > 1 })
    }
}

@Suite("swiftgan lab dirac outputs")
struct DiracOutputTests {
    /// The JSON table holds every (method, scheme) with its eigenvalues, closed form,
    /// distance and verdict, and reads back with the project's JSON parser.
    @Test func jsonHasEveryMethodAndScheme() throws {
        let text = JSONLines.serialize(DiracExperiment.json(table))
        let record = try JSONLines.parseRecord(text)
        #expect(record["experiment"]?.stringValue == "dirac")
        let rows = try #require(record["rows"]?.arrayValue).compactMap(\.objectValue)
        #expect(rows.count == DiracMethod.paperSet.count * DiracScheme.allCases.count)
        for method in DiracMethod.paperSet {
            for scheme in DiracScheme.allCases {
                let r = rows.first { $0["method"]?.stringValue == method.id && $0["scheme"]?.stringValue == scheme.id }
                #expect(r != nil, "\(method.id), \(scheme.id)")
                guard let r else { continue }
                #expect(["converges", "converges slowly", "cycles", "diverges"].contains(r["verdict"]?.stringValue ?? ""))
                #expect(r["final_distance"]?.doubleValue != nil)
                if case .wganGP = method {
                    #expect(r["eigenvalues"] == .null && r["closed_form"] == .null)
                } else {
                    #expect(r["eigenvalues"]?.arrayValue?.count == 2 && r["closed_form"]?.arrayValue?.count == 2)
                    #expect((r["eigenvalue_error"]?.doubleValue ?? 1) <= 1e-6)
                }
            }
        }
        let ids = Set(rows.compactMap { $0["method"]?.stringValue })
        #expect(ids == ["gan", "ns-gan", "wgan", "wgan-gp", "consensus", "instance-noise", "r1-0.3", "r1-1", "ns-gan-r1-0.3"])
    }

    /// The Markdown table has a row per method, and WGAN-GP prints no eigenvalue.
    @Test func markdownTable() {
        let md = DiracExperiment.markdown(table, wallSeconds: 1.5)
        for method in DiracMethod.paperSet { #expect(md.contains("| \(method.title) |"), "\(method.title)") }
        let gp = md.split(separator: "\n").first { $0.hasPrefix("| WGAN-GP") }!
        #expect(gp.contains("| — |") && gp.contains("no linearisation"))
        #expect(md.contains("Wall time: 1.50 s"))
    }

    /// The picture: the requested size, the start (1, 1) drawn as a black dot, and each
    /// scheme's colour present.
    @Test func pictureShowsStartAndTrajectories() throws {
        let image = DiracPlot.render(row(.gan), size: 200)
        #expect(image.width == 200 && image.height == 200 && image.channels == 3)
        var colors = Set<[UInt8]>()
        for i in 0..<(200 * 200) { colors.insert(Array(image.pixels[(3 * i)..<(3 * i + 3)])) }
        for scheme in DiracScheme.allCases {
            let c = DiracPlot.color(scheme)
            #expect(colors.contains([c.r, c.g, c.b]), "\(scheme.id)")
        }
        // (1, 1) maps to pixel 12 + 0.75·175 across and 12 + 0.25·175 down (margin 12).
        let x = 12 + Int((0.75 * 175).rounded()), y = 12 + Int((0.25 * 175).rounded())
        #expect(image[x: x, y: y, c: 0] == 0 && image[x: x, y: y, c: 1] == 0 && image[x: x, y: y, c: 2] == 0)
        #expect(try PNG.decode(PNG.encode(image)) == image)
    }

    /// The registry finds the experiment by name, any letter case.
    @Test func registry() {
        #expect(LabExperiments.named("dirac") != nil)
        #expect(LabExperiments.named("DIRAC") != nil)
        #expect(LabExperiments.named("pacgan-table1") == nil)
        #expect(LabExperiments.names.contains("dirac"))
    }
}
