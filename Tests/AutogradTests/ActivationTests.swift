import Autograd
import TestFixtures
import Foundation
import Testing

/// Random test inputs kept at least `margin` away from the kinks of piecewise ops, so that
/// finite differences (step 1e-2) never straddle one.
enum KinkFree {
    static func uniform(_ shape: [Int], low: Float, high: Float, avoiding kinks: [Float],
                        margin: Float = 0.05, using rng: inout RandomGenerator) -> Tensor {
        var values: [Float] = []
        values.reserveCapacity(Shape.count(shape))
        while values.count < Shape.count(shape) {
            let v = low + (high - low) * rng.nextUniform()
            if kinks.allSatisfy({ Swift.abs(v - $0) >= margin }) { values.append(v) }
        }
        return Tensor(values, shape: shape)
    }
}

@Suite("Activations")
struct ActivationTests {
    @Test func relu() throws { try checkOpFixture("unary_relu", inputs: ["x"]) { $0[0].relu() } }
    @Test func leakyRelu() throws { try checkOpFixture("unary_leaky_relu", inputs: ["x"]) { $0[0].leakyRelu(0.2) } }
    @Test func elu() throws { try checkOpFixture("unary_elu", inputs: ["x"]) { $0[0].elu(alpha: 1) } }
    @Test func tanh() throws { try checkOpFixture("unary_tanh", inputs: ["x"]) { $0[0].tanh() } }
    @Test func sigmoid() throws { try checkOpFixture("unary_sigmoid", inputs: ["x"]) { $0[0].sigmoid() } }
    @Test func softplus() throws { try checkOpFixture("unary_softplus", inputs: ["x"]) { $0[0].softplus() } }
    @Test func logSigmoid() throws { try checkOpFixture("unary_logsigmoid", inputs: ["x"]) { $0[0].logSigmoid() } }

    @Test func linearLeakyRelu() throws {
        let fx = try Fixture("linear_leakyrelu")
        let slope = Float((fx.params["negative_slope"] as! NSNumber).doubleValue)
        try checkOpFixture("linear_leakyrelu", inputs: ["x", "W", "b"]) { v in
            (v[0].matmul(v[1], transposeB: true) + v[2]).leakyRelu(slope)
        }
    }

    @Test func finiteDifferences() {
        var rng = RandomGenerator(seed: 11)
        let x = KinkFree.uniform([3, 5], low: -2, high: 2, avoiding: [0], using: &rng)
        let wide = Tensor.randomNormal([3, 5], std: 2, using: &rng)
        checkGradients("relu", inputs: [x]) { $0[0].relu() }
        checkGradients("leaky relu", inputs: [x]) { $0[0].leakyRelu(0.2) }
        checkGradients("leaky relu 0.01", inputs: [x]) { $0[0].leakyRelu(0.01) }
        checkGradients("elu", inputs: [x]) { $0[0].elu() }
        checkGradients("elu alpha 0.5", inputs: [x]) { $0[0].elu(alpha: 0.5) }
        checkGradients("tanh", inputs: [wide]) { $0[0].tanh() }
        checkGradients("sigmoid", inputs: [wide]) { $0[0].sigmoid() }
        checkGradients("softplus", inputs: [wide]) { $0[0].softplus() }
        checkGradients("log sigmoid", inputs: [wide]) { $0[0].logSigmoid() }
        // Chains, so that second order also meets nonlinear gy.
        checkGradients("tanh of leaky relu squared", inputs: [x]) { ($0[0].leakyRelu(0.2).square()).tanh() }
        checkGradients("sigmoid * softplus", inputs: [wide]) { $0[0].sigmoid() * $0[0].softplus() }
        checkGradients("elu of elu", inputs: [x]) { $0[0].elu().elu() * 2 }
    }

    @Test func valuesAtExtremesAndKinks() {
        let x = Tensor([-100, -30, -1, 0, 1, 30, 100])
        let sp = x.softplus().toArray()
        #expect(sp[0] == 0 && sp[6] == 100 && sp[5] == 30)
        #expect(Swift.abs(sp[3] - Float(Foundation.log(2.0))) < 1e-6)
        let ls = x.logSigmoid().toArray()
        #expect(ls[0] == -100 && ls[6] == 0 && ls.allSatisfy { $0.isFinite })
        let s = x.sigmoid().toArray()
        #expect(s[3] == 0.5 && s[6] == 1 && s[0] >= 0 && s[0] < 1e-30)
        let t = x.tanh().toArray()
        #expect(t[0] == -1 && t[6] == 1 && t[3] == 0)
        #expect(x.relu().toArray() == [0, 0, 0, 0, 1, 30, 100])
        #expect(x.leakyRelu(0.5).toArray() == [-50, -15, -0.5, 0, 1, 30, 100])
        let e = x.elu(alpha: 2).toArray()
        #expect(e[0] == -2 && e[3] == 0 && e[4] == 1 && Swift.abs(e[2] - 2 * Float(Foundation.exp(-1.0) - 1)) < 1e-6)

        // elu is accurate near 0 (eˣ − 1 without cancellation) and saturates at −alpha.
        for v in [-1e-3, -1e-5, -3e-8, -0.3, -20, -200] as [Double] {
            let got = Tensor([Float(v)]).elu().scalarValue
            let want = Foundation.expm1(Double(Float(v)))
            #expect(Swift.abs(Double(got) - want) <= 3e-7 * Swift.abs(want), "elu(\(v)) = \(got), want \(want)")
        }
        // Gradients at the kink x = 0: relu 0, leaky relu its slope, elu alpha.
        let z = Tensor([0]).requiringGradient()
        #expect(gradients(of: z.relu().sum(), wrt: [z])[0].toArray() == [0])
        #expect(gradients(of: z.leakyRelu(0.2).sum(), wrt: [z])[0].toArray() == [0.2])
        #expect(gradients(of: z.elu(alpha: 2).sum(), wrt: [z])[0].toArray() == [2])
        // Saturated logistic gradients are 0, not NaN.
        let big = Tensor([-100, 100]).requiringGradient()
        for g in [gradients(of: big.sigmoid().sum(), wrt: [big])[0], gradients(of: big.tanh().sum(), wrt: [big])[0]] {
            #expect(g.toArray().allSatisfy { $0 == 0 })
        }
    }

    @Test func smoothActivationsMatchDoublePrecision() {
        // A sweep over [-40, 40]: softplus, log-sigmoid and elu against libm in Double.
        let values = (0...8000).map { Float($0 - 4000) * 0.01 }
        let x = Tensor(values)
        let sp = x.softplus().toArray(), ls = x.logSigmoid().toArray(), el = x.elu().toArray()
        for (i, v) in values.enumerated() {
            let d = Double(v)
            let softplus = Swift.max(d, 0) + Foundation.log1p(Foundation.exp(-Swift.abs(d)))
            #expect(Swift.abs(Double(sp[i]) - softplus) <= 4e-7 * softplus + 1e-37, "softplus(\(v)) = \(sp[i]), want \(softplus)")
            let logSig = -(Swift.max(-d, 0) + Foundation.log1p(Foundation.exp(-Swift.abs(d))))
            #expect(Swift.abs(Double(ls[i]) - logSig) <= 4e-7 * Swift.abs(logSig) + 1e-37, "logSigmoid(\(v)) = \(ls[i]), want \(logSig)")
            let elu = d > 0 ? d : Foundation.expm1(d)
            #expect(Swift.abs(Double(el[i]) - elu) <= 4e-7 * Swift.abs(elu), "elu(\(v)) = \(el[i]), want \(elu)")
        }
    }

    @Test func leakyReluGradientOfGradientIsZeroInX() {
        // d/dx of (d leaky/dx · gy) is 0 (piecewise linear), and d/dgy is the slope mask.
        let x = Tensor([-1.5, 0.7]).requiringGradient()
        let gy = Tensor([2, 3]).requiringGradient()
        let g = gradients(of: x.leakyRelu(0.2), wrt: [x], seed: gy, createGraph: true)[0]
        #expect(g.toArray() == [0.4, 3])
        let second = gradients(of: g.sum(), wrt: [x, gy])
        #expect(second[0].toArray() == [0, 0])
        #expect(second[1].toArray() == [0.2, 1])
    }
}

@Suite("NaN propagation")
struct NaNPropagationTests {
    @Test func activationsKeepNaN() {
        let x = Tensor([.nan, 1, -1])
        #expect(x.relu().toArray()[0].isNaN)
        #expect(x.leakyRelu(0.2).toArray()[0].isNaN)
        #expect(x.tanh().toArray()[0].isNaN && x.sigmoid().toArray()[0].isNaN)
        #expect(x.relu().toArray()[1...] == [1, 0])
    }
}
