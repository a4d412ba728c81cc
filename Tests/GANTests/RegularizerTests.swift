import Foundation
import GAN
import NN
import TestFixtures
import Testing

/// Row norms of a [N, F] array in Double.
private func rowNorms(_ x: [Double], _ n: Int) -> [Double] {
    let f = x.count / n
    return (0..<n).map { i in (0..<f).reduce(0.0) { $0 + x[i * f + $1] * x[i * f + $1] }.squareRoot() }
}

@Suite("Gradient penalties")
struct GradientPenaltyTests {
    /// WGAN-GP through `gradientPenalty` against PyTorch (fixture `wgan_gp_penalty`, with
    /// its ε): the penalty and its gradients with respect to the critic's weights.
    @Test func wganGPFixture() throws {
        let fx = try Fixture("wgan_gp_penalty")
        let names = ["W1", "b1", "W2", "b2"]
        let p = Dictionary(uniqueKeysWithValues: names.map { ($0, fx.input($0).requiringGradient()) })
        func critic(_ v: Tensor) -> Tensor {
            (v.matmul(p["W1"]!, transposeB: true) + p["b1"]!).leakyRelu(0.2).matmul(p["W2"]!, transposeB: true) + p["b2"]!
        }
        let eps = fx.input("eps")
        #expect(eps.shape == [4, 1])
        let gp = gradientPenalty(critic: critic, real: fx.input("real"), fake: fx.input("fake"), epsilon: eps)
        expectClose(gp, fx.output("gp"), "gp")
        let grads = gradients(of: gp, wrt: p)
        for name in names { expectClose(grads[name]!, fx.grad(name), "d gp / d \(name)") }
        #expect(grads["b2"]!.toArray() == [0])
        // ε of shape [N] is the same weights.
        let flat = gradientPenalty(critic: critic, real: fx.input("real"), fake: fx.input("fake"), epsilon: eps.reshaped([4]))
        #expect(flat.scalarValue == gp.scalarValue)
        // A tracked fake (still attached to a generator's graph) gets no gradient.
        let fake = fx.input("fake").requiringGradient()
        let gpTracked = gradientPenalty(critic: critic, real: fx.input("real"), fake: fake, epsilon: eps)
        #expect(gradients(of: gpTracked, wrt: [fake])[0].toArray().allSatisfy { $0 == 0 })
    }

    /// R1 through `r1Penalty` against PyTorch (fixture `r1_penalty_conv`: conv2d, leaky
    /// relu, flatten, linear; γ = 10).
    @Test func r1Fixture() throws {
        let fx = try Fixture("r1_penalty_conv")
        let gamma = Float((fx.params["gamma"] as! NSNumber).doubleValue)
        #expect(gamma == 10)
        let names = ["Wc", "bc", "Wl", "bl"]
        let p = Dictionary(uniqueKeysWithValues: names.map { ($0, fx.input($0).requiringGradient()) })
        func critic(_ v: Tensor) -> Tensor {
            let h = Tensor.conv2d(v, weight: p["Wc"]!, bias: p["bc"]!, stride: 2, padding: 1).leakyRelu(0.2)
            return h.flattened().matmul(p["Wl"]!, transposeB: true) + p["bl"]!
        }
        let r1 = r1Penalty(critic: critic, real: fx.input("x"), gamma: gamma)
        expectClose(r1, fx.output("r1"), "r1")
        let grads = gradients(of: r1, wrt: p)
        for name in names { expectClose(grads[name]!, fx.grad(name), "d r1 / d \(name)") }
    }

    /// A quadratic critic D(x) = a·Σⱼ xⱼ², whose input gradient 2a·x is known: every
    /// penalty's value and its derivative with respect to `a`, in closed form.
    static let xs: [Double] = [0.3, -0.4, 0.5, 0.1, 0.9, -0.2, -0.6, 0.2, 0.3]  // [3, 3]
    static let ys: [Double] = [-0.1, 0.2, 0.4, 0.7, -0.5, 0.3, 0.2, 0.2, -0.8]
    static let epsilons: [Double] = [0.25, 0.5, 0.9]

    static func quadratic(_ a: Tensor) -> (Tensor) -> Tensor { { x in (x.square().sum(axes: [1], keepDims: true)) * a } }

    @Test func gradientPenaltyClosedForm() {
        let aValue = 1.1
        let a = Tensor([Float(aValue)], shape: [1]).requiringGradient()
        let n = 3
        let mixed: [Double] = (0..<9).map { (i: Int) -> Double in
            let e: Double = Self.epsilons[i / 3]
            return e * Self.xs[i] + (1 - e) * Self.ys[i]
        }
        let norms = rowNorms(mixed, n).map { 2 * aValue * $0 }  // ‖∇‖ = 2a‖x̂‖
        for (target, oneSided) in [(1.0, false), (1.0, true), (0.95, false), (0.95, true)] {
            let gp = gradientPenalty(critic: Self.quadratic(a), real: tensor(Self.xs, [3, 3]), fake: tensor(Self.ys, [3, 3]),
                                     epsilon: tensor(Self.epsilons, [3, 1]), target: Float(target), oneSided: oneSided)
            let excess = norms.map { oneSided ? Swift.max(0, $0 - target) : $0 - target }
            let want = excess.map { $0 * $0 }.reduce(0, +) / Double(n)
            // d/da (‖∇ᵢ‖ − t)² = 2(‖∇ᵢ‖ − t)·‖∇ᵢ‖/a.
            let terms: [Double] = zip(excess, norms).map { (e: Double, g: Double) -> Double in 2 * e * g / aValue }
            let wantGrad: Double = terms.reduce(0, +) / Double(n)
            expectClose(gp, Tensor(scalar: Float(want)), "gp target \(target) oneSided \(oneSided)")
            expectClose(gradients(of: gp, wrt: [a])[0], Tensor([Float(wantGrad)], shape: [1]), "dgp/da target \(target) oneSided \(oneSided)")
        }
        // The test is meaningful: some norms are above the targets and some below.
        #expect(norms.contains { $0 > 1 } && norms.contains { $0 < 0.95 })
    }

    /// One-sided GP is zero, with zero gradient, when every norm is ≤ the target; the
    /// two-sided one is not.
    @Test func oneSidedZeroBelowTarget() {
        // A linear critic x·w + b: ∇x = w for every sample, ‖w‖ = 0.5.
        let w = Tensor([0.3, -0.4], shape: [2, 1]).requiringGradient()
        let b = Tensor([0.7], shape: [1]).requiringGradient()
        let critic: (Tensor) -> Tensor = { $0.matmul(w) + b }
        var rng = RandomGenerator(seed: 3)
        let real = Tensor.randomNormal([5, 2], using: &rng), fake = Tensor.randomNormal([5, 2], using: &rng)
        let eps = Tensor.randomUniform([5, 1], using: &rng)
        let one = gradientPenalty(critic: critic, real: real, fake: fake, epsilon: eps, oneSided: true)
        #expect(one.scalarValue == 0)
        #expect(gradients(of: one, wrt: [w, b]).allSatisfy { $0.toArray().allSatisfy { $0 == 0 } })
        let two = gradientPenalty(critic: critic, real: real, fake: fake, epsilon: eps)
        expectClose(two, Tensor(scalar: 0.25), "(‖w‖ − 1)²")
        // d/dw (‖w‖ − 1)² = 2(‖w‖ − 1)·w/‖w‖ = 2·(−0.5)·w/0.5 = −2w.
        expectClose(gradients(of: two, wrt: [w])[0], Tensor([-0.6, 0.8], shape: [2, 1]), "d/dw")
    }

    @Test func r1AndR2ClosedForm() {
        let aValue = 0.7, gamma = 10.0
        let a = Tensor([Float(aValue)], shape: [1]).requiringGradient()
        for (which, data) in [("r1", Self.xs), ("r2", Self.ys)] {
            let x = tensor(data, [3, 3])
            let penalty = which == "r1" ? r1Penalty(critic: Self.quadratic(a), real: x, gamma: Float(gamma))
                                        : r2Penalty(critic: Self.quadratic(a), fake: x, gamma: Float(gamma))
            let sq = rowNorms(data, 3).map { $0 * $0 }
            // γ/2 · mean 4a²‖x‖², derivative γ/2 · mean 8a‖x‖².
            let want = gamma / 2 * sq.map { 4 * aValue * aValue * $0 }.reduce(0, +) / 3
            let wantGrad = gamma / 2 * sq.map { 8 * aValue * $0 }.reduce(0, +) / 3
            expectClose(penalty, Tensor(scalar: Float(want)), which)
            expectClose(gradients(of: penalty, wrt: [a])[0], Tensor([Float(wantGrad)], shape: [1]), "d\(which)/da")
        }
        // At a zero gradient (a flat critic) R1 and its gradient are 0, not NaN.
        let zero = Tensor([0], shape: [1]).requiringGradient()
        let r1 = r1Penalty(critic: Self.quadratic(zero), real: tensor(Self.xs, [3, 3]), gamma: 10)
        #expect(r1.scalarValue == 0 && gradients(of: r1, wrt: [zero])[0].toArray() == [0])
    }

    /// DRAGAN on a linear critic (∇ = w everywhere, whatever the perturbation) and on the
    /// quadratic critic (∇ = 2a·x̃ at the perturbed point x̃ = x + √c·noise).
    @Test func draganClosedForm() {
        let w = Tensor([1.2, -0.9, 0.4], shape: [3, 1]).requiringGradient()
        let b = Tensor([0.3], shape: [1]).requiringGradient()
        var rng = RandomGenerator(seed: 11)
        let noise = Tensor.randomNormal([3, 3], using: &rng)
        let linear = dragan(critic: { $0.matmul(w) + b }, real: tensor(Self.xs, [3, 3]), noise: noise, lambda: 10, k: 1, c: 10)
        let wNorm = (1.44 + 0.81 + 0.16).squareRoot()
        expectClose(linear, Tensor(scalar: Float(10 * (wNorm - 1) * (wNorm - 1))), "λ(‖w‖ − k)²")
        let g = gradients(of: linear, wrt: [w, b])
        let scale = Float(2 * 10 * (wNorm - 1) / wNorm)
        expectClose(g[0], Tensor([1.2 * scale, -0.9 * scale, 0.4 * scale], shape: [3, 1]), "dDRAGAN/dw")
        #expect(g[1].toArray() == [0])

        let aValue = 0.8, c = 0.09, lambda = 10.0, k = 1.0
        let a = Tensor([Float(aValue)], shape: [1]).requiringGradient()
        let noiseValues = doubles(noise)
        let perturbed = (0..<9).map { Self.xs[$0] + c.squareRoot() * noiseValues[$0] }
        let norms = rowNorms(perturbed, 3).map { 2 * aValue * $0 }
        let quad = dragan(critic: Self.quadratic(a), real: tensor(Self.xs, [3, 3]), noise: noise,
                          lambda: Float(lambda), k: Float(k), c: Float(c))
        let want = lambda * norms.map { ($0 - k) * ($0 - k) }.reduce(0, +) / 3
        let wantGrad = lambda * norms.map { 2 * ($0 - k) * $0 / aValue }.reduce(0, +) / 3
        expectClose(quad, Tensor(scalar: Float(want)), "DRAGAN quadratic")
        expectClose(gradients(of: quad, wrt: [a])[0], Tensor([Float(wantGrad)], shape: [1]), "dDRAGAN/da")
        #expect(quad.scalarValue.isFinite && want > 0.1)

        // c = 1 adds the given perturbation as is (the authors' code's variant passes its own).
        let asIs = dragan(critic: Self.quadratic(a), real: tensor(Self.xs, [3, 3]), noise: noise * 0.3, lambda: Float(lambda), c: 1)
        expectClose(asIs, quad, "noise·0.3 with c = 1 equals noise with c = 0.09")
    }

    /// Second derivatives of the penalties with respect to a smooth critic's weights, by
    /// finite differences (a training step differentiates the penalty once more).
    @Test func penaltiesDifferentiateAgain() {
        var rng = RandomGenerator(seed: 5)
        let x = Tensor.randomNormal([3, 4], using: &rng), y = Tensor.randomNormal([3, 4], using: &rng)
        let eps = Tensor.randomUniform([3, 1], using: &rng), noise = Tensor.randomNormal([3, 4], using: &rng)
        let w = Tensor.randomNormal([4, 5], std: 0.6, using: &rng)
        func critic(_ w: Tensor) -> (Tensor) -> Tensor { { $0.matmul(w).tanh().sum(axes: [1], keepDims: true) } }
        checkGradients("gp", inputs: [w]) { v in gradientPenalty(critic: critic(v[0]), real: x, fake: y, epsilon: eps) }
        checkGradients("r1", inputs: [w]) { v in r1Penalty(critic: critic(v[0]), real: x, gamma: 1) }
        checkGradients("dragan", inputs: [w]) { v in dragan(critic: critic(v[0]), real: x, noise: noise, lambda: 1, c: 0.25) }
    }

    @Test func misuseStops() async {
        await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = gradientPenalty(critic: { $0.sum(axes: [1]) }, real: Tensor(zeros: [4, 3]), fake: Tensor(zeros: [4, 3]),
                                epsilon: Tensor(zeros: [3, 1]))
        }.map { result in
            let text = String(decoding: result.standardErrorContent, as: UTF8.self)
            #expect(text.contains("gradientPenalty: epsilon of shape [3, 1] must hold one weight per sample (4)"))
        }
    }
}

@Suite("Consensus optimization")
struct ConsensusTests {
    /// A Dirac-like WGAN: critic D(x) = x·w + b, generator G(z) = z + θ. Then
    /// ∇w L_D = θ + z̄ − x̄, ∇b L_D = 0, ∇θ L_G = −w, so the regularizer is
    /// γ/2 (‖θ + z̄ − x̄‖² + ‖w‖²) with gradients γw (w), γ(θ + z̄ − x̄) (θ) and 0 (b).
    @Test func closedFormWasserstein() {
        let gamma = 10.0
        let wv: [Double] = [0.5, -1.5], thetav: [Double] = [0.3, 0.8]
        let zv: [Double] = [0.1, -0.2, 0.4, 0.0, -0.3, 0.5], xv: [Double] = [1.0, 2.0, -0.5, 1.5, 0.2, 0.1, 0.9, 0.6]
        let w = tensor(wv, [2, 1]).requiringGradient(), b = Tensor([0.2], shape: [1]).requiringGradient()
        let theta = tensor(thetav, [2]).requiringGradient()
        let z = tensor(zv, [3, 2]), real = tensor(xv, [4, 2])
        let critic: (Tensor) -> Tensor = { $0.matmul(w) + b }
        let fake = z + theta  // tracked through the generator: not detached
        let objective = GANObjective.wasserstein
        let lossD = objective.discriminatorLoss(real: critic(real), fake: critic(fake))
        let lossG = objective.generatorLoss(fake: critic(fake))
        let reg = consensusRegularizer(discriminatorLoss: lossD, discriminatorParameters: ["w": w, "b": b],
                                       generatorLoss: lossG, generatorParameters: ["theta": theta], gamma: Float(gamma))
        func columnMean(_ v: [Double], rows: Int, _ j: Int) -> Double {
            var s = 0.0
            for i in 0..<rows { s += v[i * 2 + j] }
            return s / Double(rows)
        }
        let gap: [Double] = [0, 1].map { (j: Int) -> Double in thetav[j] + columnMean(zv, rows: 3, j) - columnMean(xv, rows: 4, j) }
        let gapSq: Double = gap[0] * gap[0] + gap[1] * gap[1]
        let wSq: Double = wv[0] * wv[0] + wv[1] * wv[1]
        let want: Double = gamma / 2 * (gapSq + wSq)
        expectClose(reg, Tensor(scalar: Float(want)), "γ/2‖v‖²")
        let g = gradients(of: reg, wrt: [w, b, theta])
        expectClose(g[0], tensor(wv.map { gamma * $0 }, [2, 1]), "d/dw")
        expectClose(g[1], Tensor([0], shape: [1]), "d/db")
        expectClose(g[2], tensor(gap.map { gamma * $0 }, [2]), "d/dθ")

        // How a trainer uses it: the same term added to both losses.
        let gD = gradients(of: lossD + reg, wrt: [w])[0], gG = gradients(of: lossG + reg, wrt: [theta])[0]
        let wantGD: [Double] = [0, 1].map { (j: Int) -> Double in gap[j] + gamma * wv[j] }
        let wantGG: [Double] = [0, 1].map { (j: Int) -> Double in gamma * gap[j] - wv[j] }
        expectClose(gD, tensor(wantGD, [2, 1]), "regularized D gradient")
        expectClose(gG, tensor(wantGG, [2]), "regularized G gradient")
    }

    /// With the non-saturating objective and an MLP critic: finite, its gradients reach
    /// both players, and they match finite differences.
    @Test func nonSaturatingReachesBothPlayers() {
        var rng = RandomGenerator(seed: 21)
        let real = Tensor.randomNormal([4, 2], using: &rng), z = Tensor.randomNormal([4, 2], using: &rng)
        let w1 = Tensor.randomNormal([2, 3], std: 0.8, using: &rng), w2 = Tensor.randomNormal([3, 1], using: &rng)
        let a = Tensor.randomNormal([2, 2], std: 0.8, using: &rng)
        func reg(_ inputs: [Tensor]) -> Tensor {
            // (checkGradients first calls this with untracked inputs to learn the output shape.)
            let v = inputs.map { $0.isTracked ? $0 : $0.requiringGradient() }
            let critic: (Tensor) -> Tensor = { $0.matmul(v[0]).tanh().matmul(v[1]) }
            let fake = z.matmul(v[2])
            let o = GANObjective.nonSaturating
            return consensusRegularizer(discriminatorLoss: o.discriminatorLoss(real: critic(real), fake: critic(fake)),
                                        discriminatorParameters: ["w1": v[0], "w2": v[1]],
                                        generatorLoss: o.generatorLoss(fake: critic(fake)),
                                        generatorParameters: ["a": v[2]], gamma: 1)
        }
        let params = [w1, w2, a].map { $0.requiringGradient() }
        let value = reg(params)
        #expect(value.scalarValue.isFinite && value.scalarValue > 0)
        for g in gradients(of: value, wrt: params) {
            #expect(g.toArray().allSatisfy(\.isFinite) && g.toArray().contains { $0 != 0 })
        }
        checkGradients("consensus", inputs: [w1, w2, a], secondOrder: false) { reg($0) }
    }
}

@Suite("Instance noise")
struct InstanceNoiseTests {
    @Test func statistics() {
        var rng = RandomGenerator(seed: 42)
        let x = Tensor(repeating: 2, shape: [4000, 8])
        let noisy = addInstanceNoise(x, sigma: 0.5, using: &rng)
        let d = doubles(noisy).map { $0 - 2 }
        let mean = d.reduce(0, +) / Double(d.count)
        let std = (d.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(d.count)).squareRoot()
        #expect(Swift.abs(mean) < 0.01, "mean \(mean)")  // 4σ/√n ≈ 0.011
        #expect(Swift.abs(std - 0.5) < 0.01, "std \(std)")
        // Explicit randomness: the same seed gives the same noise, another seed other noise.
        var same = RandomGenerator(seed: 42), other = RandomGenerator(seed: 43)
        #expect(addInstanceNoise(x, sigma: 0.5, using: &same).toArray() == noisy.toArray())
        #expect(addInstanceNoise(x, sigma: 0.5, using: &other).toArray() != noisy.toArray())
        // σ = 0: x itself, and nothing is drawn.
        var r0 = RandomGenerator(seed: 1), r1 = RandomGenerator(seed: 1)
        #expect(addInstanceNoise(x, sigma: 0, using: &r0).storage.isSame(as: x.storage))
        #expect(r0.next() == r1.next())
    }

    @Test func gradientPassesThrough() {
        var rng = RandomGenerator(seed: 2)
        let x = Tensor.randomNormal([3, 2], using: &rng).requiringGradient()
        let noisy = InstanceNoise.constant(0.3).apply(x, step: 7, using: &rng)
        let g = gradients(of: (noisy * 2).sum(), wrt: [x])[0]
        #expect(g.toArray() == [Float](repeating: 2, count: 6))
    }

    @Test func schedules() {
        let constant = InstanceNoise.constant(0.3)
        #expect([0, 1, 1000, 1_000_000].allSatisfy { constant.sigma(at: $0) == 0.3 })
        let linear = InstanceNoise.linear(from: 1, steps: 100)
        #expect(linear.sigma(at: 0) == 1)
        #expect(Swift.abs(linear.sigma(at: 25) - 0.75) < 1e-7)
        #expect(Swift.abs(linear.sigma(at: 50) - 0.5) < 1e-7)
        #expect(Swift.abs(linear.sigma(at: 99) - 0.01) < 1e-7)
        #expect(linear.sigma(at: 100) == 0 && linear.sigma(at: 5000) == 0)
        let sigmas = (0...120).map { linear.sigma(at: $0) }
        #expect(zip(sigmas, sigmas.dropFirst()).allSatisfy { $0 >= $1 })
        // After annealing, apply is the identity.
        var rng = RandomGenerator(seed: 9)
        let x = Tensor([1, 2, 3])
        #expect(linear.apply(x, step: 100, using: &rng).toArray() == [1, 2, 3])
        #expect(linear.apply(x, step: 10, using: &rng).toArray() != [1, 2, 3])
        #expect(InstanceNoise(.linear(initial: 0.2, steps: 10)) == .linear(from: 0.2, steps: 10))
    }
}

@Suite("PacGAN packing")
struct PackingTests {
    @Test func featureVectors() {
        let x = Tensor((0..<12).map(Float.init), shape: [6, 2])
        let packed = pack(x, degree: 3)
        #expect(packed.shape == [2, 6])
        // Packed row j = samples 3j, 3j+1, 3j+2 concatenated.
        #expect(packed.toArray() == [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11])
        #expect(pack(x, degree: 1).shape == [6, 2])
        #expect(pack(x, degree: 6).shape == [1, 12])
    }

    @Test func images() {
        let (n, c, h, w, m) = (4, 2, 2, 3, 2)
        let x = Tensor((0..<(n * c * h * w)).map(Float.init), shape: [n, c, h, w])
        let packed = pack(x, degree: m)
        #expect(packed.shape == [n / m, m * c, h, w])
        let pv = packed.toArray(), xv = x.toArray()
        // packed[j, k·C + ch, y, x] = x[m·j + k, ch, y, x]
        for j in 0..<(n / m) { for k in 0..<m { for ch in 0..<c { for yy in 0..<h { for xx in 0..<w {
            let p = ((j * m * c + k * c + ch) * h + yy) * w + xx
            let s = (((j * m + k) * c + ch) * h + yy) * w + xx
            #expect(pv[p] == xv[s])
        } } } } }
        // The gradient goes back to each sample unchanged.
        let leaf = x.requiringGradient()
        let weights = Tensor((0..<(n * c * h * w)).map { Float($0 % 7) }, shape: packed.shape)
        let g = gradients(of: (pack(leaf, degree: m) * weights).sum(), wrt: [leaf])[0]
        #expect(g.shape == x.shape && g.toArray() == weights.toArray())
    }

    @Test func indivisibleBatchStops() async {
        await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = pack(Tensor(zeros: [10, 4]), degree: 3)
        }.map { result in
            let text = String(decoding: result.standardErrorContent, as: UTF8.self)
            #expect(text.contains("pack: batch of 10 samples (shape [10, 4]) is not divisible by the packing degree 3"))
        }
    }
}
