import Autograd
import TestFixtures
import Foundation
import Testing

/// WGAN-GP gradient penalties: double backward through an MLP critic, against PyTorch.
@Suite("Gradient penalties")
struct PenaltyTests {
    /// The MLP critic `leaky_relu(v W1ᵀ + b1, 0.2) W2ᵀ + b2`; `p` = [W1, b1, W2, b2].
    static func critic(_ v: Tensor, _ p: [Tensor]) -> Tensor {
        (v.matmul(p[0], transposeB: true) + p[1]).leakyRelu(0.2).matmul(p[2], transposeB: true) + p[3]
    }

    /// x̂ = ε·real + (1 − ε)·fake (ε one value per row), and ∇x̂ Σ D(x̂) built with a graph.
    static func penaltyParts(real: Tensor, fake: Tensor, eps: Tensor, critic params: [Tensor])
        -> (xHat: Tensor, dXHat: Tensor, grad: Tensor, norm: Tensor, gp: Tensor) {
        let xHat = (eps * real + (1 - eps) * fake).detached().requiringGradient()
        let d = critic(xHat, params)
        let grad = gradients(of: d.sum(), wrt: [xHat], createGraph: true)[0]
        let norm = grad.l2NormRows()
        let gp = (norm - 1).square().mean()
        return (xHat, d, grad, norm, gp)
    }

    @Test func wganGPPenalty() throws {
        let fx = try Fixture("wgan_gp_penalty")
        let names = ["W1", "b1", "W2", "b2"]
        let params = names.map { fx.input($0).requiringGradient() }
        let p = Self.penaltyParts(real: fx.input("real"), fake: fx.input("fake"), eps: fx.input("eps"), critic: params)
        expectClose(p.xHat, fx.output("x_hat"), "x_hat")
        expectClose(p.dXHat, fx.output("D_x_hat"), "D_x_hat")
        expectClose(p.grad, fx.output("grad_x_hat"), "grad_x_hat")
        expectClose(p.norm, fx.output("grad_norm"), "grad_norm")
        expectClose(p.gp, fx.output("gp"), "gp")
        let grads = gradients(of: p.gp, wrt: params)
        for (name, g) in zip(names, grads) { expectClose(g, fx.grad(name), "d gp / d \(name)") }
        // b2 does not reach the penalty: its gradient is exactly zero.
        #expect(grads[3].toArray() == [0])
        #expect(grads[0].toArray().contains { $0 != 0 })
    }

    @Test func seed002CriticStep() throws {
        let fx = try Fixture("seed002_wgangp_critic_step")
        let inputs = fx.section("inputs")
        func nested(_ group: String, _ key: String) -> Tensor {
            Fixture.tensor((inputs[group] as? [String: Any])?[key], "seed002.inputs.\(group).\(key)")
        }
        let slope = Float(((fx.params["negative_slope"] as? NSNumber) ?? 0.2).doubleValue)
        let lambda = Float(((fx.params["lambda"] as? NSNumber) ?? 10).doubleValue)
        #expect(slope == 0.2 && lambda == 10)

        // Generator (no gradient): tanh(leaky_relu(z W1ᵀ + b1) W2ᵀ + b2).
        let gen = ["W1", "b1", "W2", "b2"].map { nested("G", $0) }
        let h = (fx.input("z").matmul(gen[0], transposeB: true) + gen[1]).leakyRelu(slope)
        let fake = (h.matmul(gen[2], transposeB: true) + gen[3]).tanh()
        expectClose(fake, fx.output("fake"), "fake")
        #expect(!fake.isTracked)

        let names = ["W1", "b1", "W2", "b2"]
        let params = names.map { nested("D", $0).requiringGradient() }
        let real = fx.input("real")
        let dReal = Self.critic(real, params), dFake = Self.critic(fake, params)
        expectClose(dReal, fx.output("D_real"), "D_real")
        expectClose(dFake, fx.output("D_fake"), "D_fake")

        let p = Self.penaltyParts(real: real, fake: fake, eps: fx.input("eps"), critic: params)
        expectClose(p.xHat, fx.output("x_hat"), "x_hat")
        expectClose(p.dXHat, fx.output("D_x_hat"), "D_x_hat")
        expectClose(p.grad, fx.output("grad_x_hat"), "grad_x_hat")
        expectClose(p.norm, fx.output("grad_norm"), "grad_norm")
        expectClose(p.gp, fx.output("gp"), "gp")

        let lossD = dFake.mean() - dReal.mean() + lambda * p.gp
        expectClose(lossD, fx.output("loss_D"), "loss_D")
        let grads = gradients(of: lossD, wrt: params)
        for (name, g) in zip(names, grads) { expectClose(g, fx.grad(name), "d loss_D / d \(name)") }
        // (The case's `adam_update` block is for the optimizer tests.)
    }

    @Test func penaltyFiniteDifferences() {
        // The whole penalty as a function of the critic weights and of x̂: third derivatives
        // of the critic are taken by the second-order check (gradients of a gradient of a
        // gradient), which is what a training step of the critic differentiates.
        var rng = RandomGenerator(seed: 15)
        let x = Tensor.randomNormal([3, 4], using: &rng)
        let w1 = Tensor.randomNormal([5, 4], std: 0.7, using: &rng)
        let b1 = Tensor.randomNormal([5], std: 0.1, using: &rng)
        let w2 = Tensor.randomNormal([1, 5], using: &rng)
        // Keep the hidden pre-activations away from the leaky relu's kink.
        let pre = (x.matmul(w1, transposeB: true) + b1).toArray()
        let minDistance = pre.map { Swift.abs($0) }.min()!
        #expect(minDistance > 0.05, "pre-activations too close to 0: \(minDistance)")
        checkGradients("gp wrt critic weights", inputs: [w1, b1, w2]) { v in
            let xh = x.requiringGradient()
            let d = (xh.matmul(v[0], transposeB: true) + v[1]).leakyRelu(0.2).matmul(v[2], transposeB: true)
            let g = gradients(of: d.sum(), wrt: [xh], createGraph: true)[0]
            return (g.l2NormRows() - 1).square().mean()
        }
        checkGradients("gp of a smooth critic wrt x and weights", inputs: [x, w1]) { v in
            let xh = v[0].isTracked ? v[0] : v[0].requiringGradient()
            let d = xh.matmul(v[1], transposeB: true).tanh().sum(axes: [1])
            let g = gradients(of: d.sum(), wrt: [xh], createGraph: true)[0]
            return (g.l2NormRows() - 1).square().mean()
        }
    }
}
