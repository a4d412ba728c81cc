import Foundation
import GAN
import NN
import TestFixtures
import Testing

/// The objectives' formulas, written out in Double from the papers (probabilities and
/// logarithms directly, not the stable softplus forms the library uses), for moderate scores.
enum Reference {
    static func sigmoid(_ x: Double) -> Double { 1 / (1 + Foundation.exp(-x)) }
    static func mean(_ v: [Double]) -> Double { v.reduce(0, +) / Double(v.count) }
    /// −[t log σ(x) + (1 − t) log(1 − σ(x))].
    static func bce(_ x: Double, _ t: Double) -> Double {
        -(t * Foundation.log(sigmoid(x)) + (1 - t) * Foundation.log(1 - sigmoid(x)))
    }

    static func discriminator(_ o: GANObjective, _ r: [Double], _ f: [Double], smoothing s: Double = 0) -> Double {
        switch o {
        case .minimax, .nonSaturating:
            return mean(r.map { bce($0, 1 - s) }) + mean(f.map { bce($0, 0) })
        case .wasserstein:
            return mean(f) - mean(r)
        case .leastSquares(let a, let b, _):
            return 0.5 * mean(r.map { ($0 - Double(b)) * ($0 - Double(b)) })
                 + 0.5 * mean(f.map { ($0 - Double(a)) * ($0 - Double(a)) })
        case .hinge:
            return mean(r.map { Swift.max(0, 1 - $0) }) + mean(f.map { Swift.max(0, 1 + $0) })
        case .relativisticAverage:
            let mr = mean(r), mf = mean(f)
            return mean(r.map { bce($0 - mf, 1 - s) }) + mean(f.map { bce($0 - mr, 0) })
        }
    }

    static func generator(_ o: GANObjective, _ r: [Double], _ f: [Double]) -> Double {
        switch o {
        case .minimax: return mean(f.map { Foundation.log(1 - sigmoid($0)) })
        case .nonSaturating: return -mean(f.map { Foundation.log(sigmoid($0)) })
        case .wasserstein, .hinge: return -mean(f)
        case .leastSquares(_, _, let c): return 0.5 * mean(f.map { ($0 - Double(c)) * ($0 - Double(c)) })
        case .relativisticAverage:
            let mr = mean(r), mf = mean(f)
            return -mean(f.map { Foundation.log(sigmoid($0 - mr)) }) - mean(r.map { Foundation.log(1 - sigmoid($0 - mf)) })
        }
    }

    /// Central differences of a Double function of (real, fake) scores (h = 1e-6: the
    /// error, O(h²) plus rounding, is far below Float32 precision).
    static func gradient(_ loss: ([Double], [Double]) -> Double, _ r: [Double], _ f: [Double]) -> (real: [Double], fake: [Double]) {
        let h = 1e-6
        func d(_ which: Int, _ i: Int) -> Double {
            var rp = r, rm = r, fp = f, fm = f
            if which == 0 { rp[i] += h; rm[i] -= h } else { fp[i] += h; fm[i] -= h }
            return (loss(rp, fp) - loss(rm, fm)) / (2 * h)
        }
        return (r.indices.map { d(0, $0) }, f.indices.map { d(1, $0) })
    }
}

/// Nested fixture tensors (`inputs.G.W1`).
func fixtureTensors(_ any: Any?, _ what: String) -> [String: Tensor] {
    guard let dict = any as? [String: Any] else { fatalError("fixture: \(what) is not a dictionary") }
    var out: [String: Tensor] = [:]
    for (k, v) in dict { out[k] = Fixture.tensor(v, "\(what).\(k)") }
    return out
}

func doubles(_ t: Tensor) -> [Double] { t.toArray().map(Double.init) }
func tensor(_ v: [Double], _ shape: [Int]) -> Tensor { Tensor(v.map { Float($0) }, shape: shape) }

@Suite("GAN objectives")
struct ObjectiveTests {
    // Scores away from the hinge's kinks at ±1; real and fake batches of different sizes.
    static let realScores: [Double] = [1.3, -0.4, 2.1, 0.2]
    static let fakeScores: [Double] = [-1.1, 0.7, -2.5]

    static let all: [GANObjective] = [.minimax, .nonSaturating, .wasserstein, .leastSquares(),
                                      .leastSquares(a: -1, b: 1, c: 0), .hinge, .relativisticAverage]

    /// Value and gradients with respect to the real and the fake scores of both losses,
    /// for every objective, against the formulas in Double.
    @Test(arguments: ObjectiveTests.all)
    func valuesAndGradients(objective: GANObjective) {
        let r = Self.realScores, f = Self.fakeScores
        let real = tensor(r, [4, 1]).requiringGradient(), fake = tensor(f, [3, 1]).requiringGradient()

        let lossD = objective.discriminatorLoss(real: real, fake: fake)
        #expect(lossD.shape == [])
        let wantD = Reference.discriminator(objective, r, f)
        expectClose(lossD, Tensor(scalar: Float(wantD)), "\(objective.name) L_D")
        let gD = gradients(of: lossD, wrt: [real, fake])
        let refD = Reference.gradient({ Reference.discriminator(objective, $0, $1) }, r, f)
        expectClose(gD[0], tensor(refD.real, [4, 1]), "\(objective.name) dL_D/dreal")
        expectClose(gD[1], tensor(refD.fake, [3, 1]), "\(objective.name) dL_D/dfake")

        let lossG = objective.generatorLoss(real: real, fake: fake)
        expectClose(lossG, Tensor(scalar: Float(Reference.generator(objective, r, f))), "\(objective.name) L_G")
        let gG = gradients(of: lossG, wrt: [real, fake])
        let refG = Reference.gradient({ Reference.generator(objective, $0, $1) }, r, f)
        expectClose(gG[0], tensor(refG.real, [4, 1]), "\(objective.name) dL_G/dreal")
        expectClose(gG[1], tensor(refG.fake, [3, 1]), "\(objective.name) dL_G/dfake")
        if !objective.generatorNeedsRealScores {
            #expect(gG[0].toArray().allSatisfy { $0 == 0 }, "\(objective.name): L_G must not depend on real scores")
            // ...and the real scores may be left out.
            expectClose(objective.generatorLoss(fake: fake), lossG, "\(objective.name) L_G without real")
        }

        // Scores of shape [N] give the same losses as [N, 1].
        expectClose(objective.discriminatorLoss(real: tensor(r, [4]), fake: tensor(f, [3])), lossD, "\(objective.name) L_D on [N]")
    }

    /// One-sided label smoothing: the real target is 1 − s (fakes keep target 0), for the
    /// three cross-entropy objectives.
    @Test(arguments: [GANObjective.minimax, .nonSaturating, .relativisticAverage])
    func labelSmoothing(objective: GANObjective) {
        let r = Self.realScores, f = Self.fakeScores, s = 0.1
        let real = tensor(r, [4, 1]).requiringGradient(), fake = tensor(f, [3, 1]).requiringGradient()
        let loss = objective.discriminatorLoss(real: real, fake: fake, labelSmoothing: Float(s))
        expectClose(loss, Tensor(scalar: Float(Reference.discriminator(objective, r, f, smoothing: s))), "smoothed L_D")
        let g = gradients(of: loss, wrt: [real, fake])
        let ref = Reference.gradient({ Reference.discriminator(objective, $0, $1, smoothing: s) }, r, f)
        expectClose(g[0], tensor(ref.real, [4, 1]), "smoothed dL_D/dreal")
        expectClose(g[1], tensor(ref.fake, [3, 1]), "smoothed dL_D/dfake")
        // With smoothing, a real score of +∞ is no longer optimal: the gradient at a very
        // confident real score pushes it back down (for the plain BCE objectives).
        if objective != .relativisticAverage {
            let confident = Tensor([8], shape: [1, 1]).requiringGradient()
            let gc = gradients(of: objective.discriminatorLoss(real: confident, fake: Tensor([-8], shape: [1, 1]),
                                                               labelSmoothing: Float(s)), wrt: [confident])[0]
            #expect(gc.scalarValue > 0.09)  // σ(8) − 0.9 ≈ 0.0997
        }
    }

    /// The seeds' central point: at the start of training D rejects the fakes confidently
    /// (D(G(z)) ≈ 0, a very negative logit), and the original, saturating generator loss
    /// log(1 − D(G(z))) then gives the generator almost no gradient, while the
    /// non-saturating −log D(G(z)) gives about 1/N per sample.
    @Test func saturatingGradientVanishes() {
        let n = 4
        let logits = Tensor([-10, -11, -9.5, -12], shape: [n, 1]).requiringGradient()
        #expect(logits.sigmoid().toArray().allSatisfy { $0 < 1e-4 })  // D(G(z)) ≈ 0
        let saturating = gradients(of: GANObjective.minimax.generatorLoss(fake: logits), wrt: [logits])[0].toArray()
        let nonSaturating = gradients(of: GANObjective.nonSaturating.generatorLoss(fake: logits), wrt: [logits])[0].toArray()
        for i in 0..<n {
            let s = Double(logits.toArray()[i])
            // ∂/∂s of (1/N) log(1 − σ(s)) = −σ(s)/N; of −(1/N) log σ(s): −σ(−s)/N.
            #expect(Swift.abs(Double(saturating[i]) + Reference.sigmoid(s) / Double(n)) < 1e-9)
            #expect(Swift.abs(saturating[i]) < 2e-5, "saturating gradient \(saturating[i]) should vanish")
            #expect(Swift.abs(nonSaturating[i] + 1 / Float(n)) < 1e-4, "non-saturating gradient \(nonSaturating[i]) ≈ −1/N")
            #expect(Swift.abs(nonSaturating[i]) > 1e4 * Swift.abs(saturating[i]))
        }
        // Both losses push the logit up (negative gradient: descending raises D(G(z))), and
        // where D is undecided (D(G(z)) = 1/2) the two gradients are equal.
        #expect(saturating.allSatisfy { $0 < 0 } && nonSaturating.allSatisfy { $0 < 0 })
        let undecided = Tensor(zeros: [n, 1]).requiringGradient()
        let a = gradients(of: GANObjective.minimax.generatorLoss(fake: undecided), wrt: [undecided])[0]
        let b = gradients(of: GANObjective.nonSaturating.generatorLoss(fake: undecided), wrt: [undecided])[0]
        expectClose(a, b, "gradients at D = 1/2")
        expectClose(a, Tensor(repeating: -0.5 / Float(n), shape: [n, 1]), "−σ(0)/N")

        // The same through a generator: fake = θ + z, scored by a fixed discriminator that
        // rejects it. The generator's parameter gets a vanishing gradient from the saturating loss.
        let theta = Tensor([0.5, -0.5], shape: [2]).requiringGradient()
        let z = Tensor([0.1, 0.2, -0.3, 0.0, 0.4, -0.1, 0.2, 0.3], shape: [n, 2])
        let w = Tensor([3, -3], shape: [2, 1])
        let scores = (z + theta).matmul(w) - 12
        let gSat = gradients(of: GANObjective.minimax.generatorLoss(fake: scores), wrt: [theta])[0].toArray()
        let gNS = gradients(of: GANObjective.nonSaturating.generatorLoss(fake: scores), wrt: [theta])[0].toArray()
        #expect(gSat.allSatisfy { Swift.abs($0) < 1e-3 })
        #expect(gNS.allSatisfy { Swift.abs($0) > 2 })  // ≈ ∓3
    }

    /// The non-saturating losses of one D step and one G step against PyTorch (fixture
    /// `gan_iteration_nonsaturating`): the same losses and gradients, and after Adam steps
    /// on both, the same parameters.
    @Test func ganIterationNonSaturating() throws {
        let fx = try Fixture("gan_iteration_nonsaturating")
        let inputs = fx.section("inputs")
        let g0 = fixtureTensors(inputs["G"], "G").mapValues { $0.requiringGradient() }
        let d0 = fixtureTensors(inputs["D"], "D").mapValues { $0.requiringGradient() }
        let adam = Adam(learningRate: 0.01, beta1: 0.5, beta2: 0.999, epsilon: 1e-8)
        func generator(_ z: Tensor, _ p: [String: Tensor]) -> Tensor {
            (z.matmul(p["W1"]!, transposeB: true) + p["b1"]!).relu().matmul(p["W2"]!, transposeB: true) + p["b2"]!
        }
        func critic(_ v: Tensor, _ p: [String: Tensor]) -> Tensor {
            (v.matmul(p["W1"]!, transposeB: true) + p["b1"]!).leakyRelu(0.2).matmul(p["W2"]!, transposeB: true) + p["b2"]!
        }
        let objective = GANObjective(name: "non-saturating")!
        let grads = fx.section("grads")

        let fake1 = generator(fx.input("z1"), g0.mapValues { $0.detached() })
        let lossD = objective.discriminatorLoss(real: critic(fx.input("x_real"), d0), fake: critic(fake1, d0))
        expectClose(lossD, fx.output("lossD"), "lossD")
        let gD = gradients(of: lossD, wrt: d0)
        let wantGD = fixtureTensors(grads["D_step"], "grads.D_step")
        for (k, want) in wantGD { expectClose(gD[k]!, want, "D step grad \(k)") }
        let (d1, _) = adam.update(d0, gD, OptimizerState())

        let fake2 = generator(fx.input("z2"), g0)
        let lossG = objective.generatorLoss(fake: critic(fake2, d1.mapValues { $0.detached() }))
        expectClose(lossG, fx.output("lossG"), "lossG")
        let gG = gradients(of: lossG, wrt: g0)
        let wantGG = fixtureTensors(grads["G_step"], "grads.G_step")
        for (k, want) in wantGG { expectClose(gG[k]!, want, "G step grad \(k)") }
        let (g1, _) = adam.update(g0, gG, OptimizerState())

        for (k, want) in fixtureTensors(fx.section("outputs")["G"], "outputs.G") { expectClose(g1[k]!, want, "G after: \(k)") }
        for (k, want) in fixtureTensors(fx.section("outputs")["D"], "outputs.D") { expectClose(d1[k]!, want, "D after: \(k)") }
    }

    /// Losses stay finite and exact far out in the tails, where a naive log(sigmoid) would
    /// round to log(0).
    @Test func stableAtExtremeScores() {
        let real = Tensor([200, -200], shape: [2, 1]), fake = Tensor([-200, 200], shape: [2, 1])
        for o in [GANObjective.minimax, .nonSaturating, .relativisticAverage] {
            let d = o.discriminatorLoss(real: real, fake: fake).scalarValue
            let g = o.generatorLoss(real: real, fake: fake).scalarValue
            #expect(d.isFinite && g.isFinite, "\(o.name): \(d), \(g)")
        }
        // Half the samples are wrong by a logit of 200: the BCE is (0 + 200)/2 per term.
        #expect(Swift.abs(GANObjective.nonSaturating.discriminatorLoss(real: real, fake: fake).scalarValue - 200) < 1e-3)
        #expect(Swift.abs(GANObjective.minimax.generatorLoss(fake: fake).scalarValue + 100) < 1e-3)
    }

    /// Second derivatives of every loss (consensus optimization and gradient penalties
    /// differentiate these again), against finite differences.
    @Test(arguments: ObjectiveTests.all)
    func twiceDifferentiable(objective: GANObjective) {
        let real = tensor(Self.realScores, [4, 1]), fake = tensor(Self.fakeScores, [3, 1])
        checkGradients("\(objective.name) L_D", inputs: [real, fake], tolerance: 1e-2, h: 1e-2) { v in
            objective.discriminatorLoss(real: v[0], fake: v[1])
        }
        checkGradients("\(objective.name) L_G", inputs: [real, fake], tolerance: 1e-2, h: 1e-2) { v in
            objective.generatorLoss(real: v[0], fake: v[1])
        }
    }

    @Test func names() throws {
        for name in GANObjective.validNames {
            let o = try #require(GANObjective(name: name))
            #expect(o.name == name)
            #expect(try GANObjective(parsing: name) == o)
        }
        #expect(GANObjective(name: "WGAN") == .wasserstein)
        #expect(GANObjective(name: "lsgan") == .leastSquares(a: 0, b: 1, c: 1))
        #expect(GANObjective(name: "ragan") == .relativisticAverage)
        #expect(GANObjective(name: "vanilla") == nil)
        #expect(GANObjective.leastSquares(a: -1, b: 1, c: 0).name == "lsgan")
        #expect(throws: GANObjective.UnknownName(name: "wgangp")) { try GANObjective(parsing: "wgangp") }
        do {
            _ = try GANObjective(parsing: "wgangp")
        } catch {
            #expect("\(error)" == "unknown GAN objective \"wgangp\"; valid names: minimax, non-saturating, wgan, lsgan, hinge, ragan")
        }
        #expect(GANObjective.nonSaturating.isCrossEntropy && !GANObjective.hinge.isCrossEntropy)
    }

    @Test func misuseStops() async {
        await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = GANObjective.wasserstein.discriminatorLoss(real: Tensor(zeros: [2, 1]), fake: Tensor(zeros: [2, 1]),
                                                           labelSmoothing: 0.1)
        }.map { result in
            let text = String(decoding: result.standardErrorContent, as: UTF8.self)
            #expect(text.contains("label smoothing applies to the cross-entropy objectives (minimax, non-saturating, ragan), not to wgan"))
        }
        await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = GANObjective.relativisticAverage.generatorLoss(fake: Tensor(zeros: [2, 1]))
        }.map { result in
            let text = String(decoding: result.standardErrorContent, as: UTF8.self)
            #expect(text.contains("ragan compares fakes with reals and needs the real scores"))
        }
    }
}
