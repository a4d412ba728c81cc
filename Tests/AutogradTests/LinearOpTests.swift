import Autograd
import TestFixtures
import Testing

@Suite("Fused linear op")
struct LinearOpTests {
    func random(_ shape: [Int], _ seed: UInt64) -> Tensor {
        var rng = RandomGenerator(seed: seed)
        return Tensor.randomNormal(shape, using: &rng)
    }

    @Test func equalsTheProductPlusTheBiasWithTheSameGradients() throws {
        let x = random([37, 19], 1).requiringGradient(), w = random([23, 19], 2).requiringGradient()
        let b = random([23], 3).requiringGradient(), gy = random([37, 23], 4)
        let fused = Tensor.linear(x, weight: w, bias: b)
        let plain = x.matmul(w, transposeB: true) + b
        #expect(fused.shape == [37, 23])
        expectClose(fused, plain, atol: 1e-5, rtol: 1e-5, "values")
        let gf = gradients(of: fused, wrt: [x, w, b], seed: gy)
        let gp = gradients(of: plain, wrt: [x, w, b], seed: gy)
        for (name, (a, e)) in zip(["x", "weight", "bias"], zip(gf, gp)) {
            #expect(a.shape == e.shape)
            expectClose(a, e, atol: 1e-4, rtol: 1e-5, "d/d\(name)")
        }
        // Without a bias it is the product; a leading batch of axes is kept.
        expectClose(Tensor.linear(x, weight: w, bias: nil), x.matmul(w, transposeB: true), atol: 0, rtol: 0, "no bias")
        let x3 = random([2, 5, 19], 5).requiringGradient(), gy3 = random([2, 5, 23], 6)
        let y3 = Tensor.linear(x3, weight: w, bias: b), plain3 = x3.matmul(w, transposeB: true) + b
        #expect(y3.shape == [2, 5, 23])
        expectClose(y3, plain3, atol: 1e-5, rtol: 1e-5, "rank 3")
        let g3 = gradients(of: y3, wrt: [x3, w, b], seed: gy3), p3 = gradients(of: plain3, wrt: [x3, w, b], seed: gy3)
        for (name, (a, e)) in zip(["x", "weight", "bias"], zip(g3, p3)) {
            expectClose(a, e, atol: 1e-4, rtol: 1e-5, "rank 3 d/d\(name)")
        }
    }

    @Test func firstAndSecondDerivativesMatchFiniteDifferences() {
        // tanh after the product, so that the second derivatives are not all zero.
        checkGradients("linear", inputs: [random([4, 3], 6), random([5, 3], 7), random([5], 8)]) {
            Tensor.linear($0[0], weight: $0[1], bias: $0[2]).tanh()
        }
    }
}
