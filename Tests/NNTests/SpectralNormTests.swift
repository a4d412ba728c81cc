import NN
import Testing
import TestFixtures

@Suite("Spectral normalization")
struct SpectralNormTests {
    func check(_ name: String) throws {
        let fx = try Fixture(name)
        let w = fx.input("W").requiringGradient()
        let rows = w.shape[0]
        let step = Tensor.spectralNormalized(w, u: fx.input("u"), v: Tensor(zeros: [w.count / rows]))
        expectClose(step.v, fx.output("v"), "\(name) v")
        expectClose(step.u, fx.output("u_next"), "\(name) u")
        expectClose(Tensor(scalar: step.sigma), fx.output("sigma"), "\(name) sigma")
        expectClose(step.normalized, fx.output("W_sn"), "\(name) W_sn")
        let g = gradients(of: step.normalized, wrt: [w], seed: fx.input("gy"))[0]
        expectClose(g, fx.grad("W"), "\(name) dL/dW")
    }

    @Test func matrixMatchesPyTorch() throws { try check("spectral_norm") }
    @Test func convWeightMatchesPyTorch() throws { try check("spectral_norm_conv") }

    @Test func wrapperNamesTensorsLikePyTorchAndConverges() {
        var rng = RandomGenerator(seed: 8)
        let sn = SpectralNorm(Linear(6, 4, using: &rng), using: &rng)
        let model = Sequential(sn, ReLU())
        #expect(Set(model.parameters().keys) == ["0.weight_orig", "0.bias"])
        #expect(Set(model.buffers().keys) == ["0.weight_u", "0.weight_v"])
        let x = Tensor(ones: [2, 6])
        for _ in 0..<50 { _ = model(x, in: Context(.training)) }
        // After many power iterations σ is the largest singular value: ‖W/σ‖₂ = 1, so the
        // normalized weight's σ estimate is 1.
        let again = Tensor.spectralNormalized(sn.layer.weight, u: sn.u, v: sn.v, powerIterations: 20)
        #expect(abs(again.sigma - 1) < 1e-3)
        // Evaluation does not move u.
        let u = sn.u.toArray()
        _ = model(x, in: .evaluation)
        #expect(sn.u.toArray() == u)
        // Gradients reach weight_orig through W / σ.
        let p = model.parameters()
        let g = gradients(of: model(x, in: Context(.training)).sum(), wrt: p)
        #expect(g["0.weight_orig"]!.abs().sum().scalarValue > 0)
    }

    @Test func transposedConvUsesDimOne() {
        var rng = RandomGenerator(seed: 9)
        let sn = SpectralNorm(ConvTranspose2d(3, 5, kernelSize: 2, using: &rng), using: &rng)
        #expect(sn.u.shape == [5] && sn.v.shape == [12])
        let y = sn(Tensor(ones: [1, 3, 4, 4]), in: Context(.training))
        #expect(y.shape == [1, 5, 5, 5])
    }
}
