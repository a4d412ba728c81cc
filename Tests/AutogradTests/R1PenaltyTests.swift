import Autograd
import TestFixtures
import Testing

/// The R1 penalty of a small conv critic (fixture `r1_penalty_conv`): double backward
/// through conv2d, leaky relu, flatten and a matrix product, compared with PyTorch.
@Suite("R1 penalty through a conv critic")
struct R1PenaltyTests {
    @Test func matchesPyTorch() throws {
        let fx = try Fixture("r1_penalty_conv")
        let gamma: Float = 10
        let x = fx.input("x").requiringGradient()
        let wc = fx.input("Wc").requiringGradient(), bc = fx.input("bc").requiringGradient()
        let wl = fx.input("Wl").requiringGradient(), bl = fx.input("bl").requiringGradient()
        func critic(_ v: Tensor) -> Tensor {
            let h = Tensor.conv2d(v, weight: wc, bias: bc, stride: 2, padding: 1).leakyRelu(0.2)
            return h.flattened().matmul(wl, transposeB: true) + bl
        }
        let d = critic(x)
        expectClose(d, fx.output("D_x"), "D(x)")
        let gradX = gradients(of: d.sum(), wrt: [x], createGraph: true)[0]
        expectClose(gradX, fx.output("grad_x"), "grad_x")
        let r1 = gradX.flattened().square().sum(axes: [1]).mean() * (gamma / 2)
        expectClose(r1, fx.output("r1"), "r1")
        let g = gradients(of: r1, wrt: [wc, bc, wl, bl])
        for (name, grad) in zip(["Wc", "bc", "Wl", "bl"], g) {
            expectClose(grad, fx.grad(name), "d r1 / d \(name)")
        }
    }
}
