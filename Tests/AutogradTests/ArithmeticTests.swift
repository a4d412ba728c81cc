import Autograd
import TestFixtures
import Foundation
import Testing

@Suite("Arithmetic and broadcasting")
struct ArithmeticTests {
    @Test func broadcastAdd() throws { try checkOpFixture("broadcast_add", inputs: ["a", "b"]) { $0[0] + $0[1] } }
    @Test func broadcastSub() throws { try checkOpFixture("broadcast_sub", inputs: ["a", "b"]) { $0[0] - $0[1] } }
    @Test func broadcastMul() throws { try checkOpFixture("broadcast_mul", inputs: ["a", "b"]) { $0[0] * $0[1] } }
    @Test func broadcastDiv() throws { try checkOpFixture("broadcast_div", inputs: ["a", "b"]) { $0[0] / $0[1] } }
    @Test func broadcastChain() throws {
        try checkOpFixture("broadcast_chain", inputs: ["a", "b", "c", "d"]) { x in
            ((x[0] - x[1]) * x[2] / x[3]).mean(axes: [1])
        }
    }
    @Test func neg() throws { try checkOpFixture("unary_neg", inputs: ["x"]) { -$0[0] } }

    @Test func finiteDifferences() {
        var rng = RandomGenerator(seed: 1)
        let a = Tensor.randomNormal([2, 3, 4], using: &rng)
        let b = Tensor.randomNormal([3, 1], using: &rng)
        let c = Tensor.randomUniform([1, 4], low: 0.5, high: 2, using: &rng)
        checkGradients("add", inputs: [a, b]) { $0[0] + $0[1] }
        checkGradients("sub", inputs: [a, b]) { $0[0] - $0[1] }
        checkGradients("mul", inputs: [a, b]) { $0[0] * $0[1] }
        checkGradients("div", inputs: [a, c]) { $0[0] / $0[1] }
        checkGradients("scalar ops", inputs: [c]) { x in (2 - x[0]) * 3 + 1 / x[0] - x[0] / 4 }
    }

    @Test func scalarBroadcastAndValues() {
        let a = Tensor([1, 2, 3, 4, 5, 6], shape: [2, 3])
        #expect((a + Tensor([10, 20, 30])).toArray() == [11, 22, 33, 14, 25, 36])
        #expect((a * Tensor([2, 3], shape: [2, 1])).toArray() == [2, 4, 6, 12, 15, 18])
        #expect((Tensor(scalar: 1) - a).toArray() == [0, -1, -2, -3, -4, -5])
        #expect((a / 2).toArray() == [0.5, 1, 1.5, 2, 2.5, 3])
    }

    @Test func broadcastMismatchNamesOpAndShapes() async {
        await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = Tensor(zeros: [2, 3]) + Tensor(zeros: [4])
        }.map { result in
            let text = String(decoding: result.standardErrorContent, as: UTF8.self)
            #expect(text.contains("add: shapes [2, 3] and [4] cannot be broadcast together"))
        }
    }
}

@Suite("Reductions")
struct ReductionTests {
    @Test func sumAxes() throws { try checkOpFixture("reduce_sum_axes", inputs: ["x"]) { $0[0].sum(axes: [0, 2]) } }
    @Test func sumAll() throws { try checkOpFixture("reduce_sum_all", inputs: ["x"]) { $0[0].sum() } }
    @Test func meanKeepDims() throws {
        try checkOpFixture("reduce_mean_axis_keepdim", inputs: ["x"]) { $0[0].mean(axes: [1], keepDims: true) }
    }
    @Test func meanAll() throws { try checkOpFixture("reduce_mean_all", inputs: ["x"]) { $0[0].mean() } }
    @Test func varianceUnbiased() throws {
        try checkOpFixture("reduce_var_unbiased", inputs: ["x"]) { $0[0].variance(axes: [1], unbiased: true) }
    }
    @Test func varianceBiased() throws {
        try checkOpFixture("reduce_var_biased", inputs: ["x"]) { $0[0].variance(axes: [0, 2]) }
    }
    @Test func maxAxis() throws { try checkOpFixture("reduce_max_axis", inputs: ["x"]) { $0[0].max(axes: [1]) } }
    @Test func maxAll() throws { try checkOpFixture("reduce_max_all", inputs: ["x"]) { $0[0].max() } }

    @Test func finiteDifferences() {
        var rng = RandomGenerator(seed: 2)
        let x = Tensor.randomNormal([3, 4, 5], using: &rng)
        checkGradients("sum", inputs: [x]) { $0[0].sum(axes: [0, 2], keepDims: true) }
        checkGradients("mean", inputs: [x]) { $0[0].mean(axes: [-1]) }
        checkGradients("variance", inputs: [x]) { $0[0].variance(axes: [1], unbiased: true) }
        checkGradients("max", inputs: [x]) { $0[0].max(axes: [0, 1]) }
    }

    @Test func maxOverMiddleAxisPicksTheRightElements() {
        let x = Tensor([1, 9, 3, 4, 5, 6, 7, 8, 2, 0, 11, 12], shape: [2, 3, 2])
        let m = x.max(axes: [1])
        #expect(m.toArray() == [5, 9, 11, 12])
        let xv = x.requiringGradient()
        let g = gradients(of: xv.max(axes: [1]).sum(), wrt: [xv])[0]
        #expect(g.toArray() == [0, 1, 0, 0, 1, 0, 0, 0, 0, 0, 1, 1])
    }
}

@Suite("Matrix products")
struct MatMulTests {
    @Test func nn() throws { try checkOpFixture("matmul_nn", inputs: ["A", "B"]) { $0[0].matmul($0[1]) } }
    @Test func nt() throws { try checkOpFixture("matmul_nt", inputs: ["A", "B"]) { $0[0].matmul($0[1], transposeB: true) } }
    @Test func tn() throws { try checkOpFixture("matmul_tn", inputs: ["A", "B"]) { $0[0].matmul($0[1], transposeA: true) } }
    @Test func tt() throws {
        try checkOpFixture("matmul_tt", inputs: ["A", "B"]) { $0[0].matmul($0[1], transposeA: true, transposeB: true) }
    }
    @Test func bmm() throws { try checkOpFixture("bmm", inputs: ["A", "B"]) { $0[0].matmul($0[1]) } }
    @Test func bmmNT() throws { try checkOpFixture("bmm_nt", inputs: ["A", "B"]) { $0[0].matmul($0[1], transposeB: true) } }

    @Test func finiteDifferences() {
        var rng = RandomGenerator(seed: 3)
        let a = Tensor.randomNormal([2, 3, 4], using: &rng)
        let b = Tensor.randomNormal([2, 5, 4], using: &rng)
        checkGradients("bmm nt", inputs: [a, b]) { $0[0].matmul($0[1], transposeB: true) }
        let c = Tensor.randomNormal([2, 3, 5], using: &rng)
        checkGradients("bmm tn", inputs: [b, a]) { $0[0].matmul(Tensor(ones: [2, 5, 2]), transposeA: true) * $0[1].sum() }
        checkGradients("bmm tt", inputs: [b, c]) { $0[0].matmul($0[1], transposeA: true, transposeB: true) }
        let w = Tensor.randomNormal([4, 6], using: &rng)
        checkGradients("rank-3 x rank-2", inputs: [a, w]) { $0[0].matmul($0[1]) }
    }

    @Test func shapeMismatchNamesBothShapes() async {
        await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = Tensor(zeros: [2, 3]).matmul(Tensor(zeros: [4, 5]))
        }.map { result in
            let text = String(decoding: result.standardErrorContent, as: UTF8.self)
            #expect(text.contains("matmul: shapes [2, 3] and [4, 5] do not multiply"))
        }
    }
}

@Suite("Unary functions")
struct UnaryTests {
    @Test func exp() throws { try checkOpFixture("unary_exp", inputs: ["x"]) { $0[0].exp() } }
    @Test func log() throws { try checkOpFixture("unary_log", inputs: ["x"]) { $0[0].log() } }
    @Test func sqrt() throws { try checkOpFixture("unary_sqrt", inputs: ["x"]) { $0[0].sqrt() } }
    @Test func pow() throws { try checkOpFixture("unary_pow", inputs: ["x"]) { $0[0].pow(2.5) } }
    @Test func powInt() throws { try checkOpFixture("unary_pow_int", inputs: ["x"]) { $0[0].pow(3) } }
    @Test func abs() throws { try checkOpFixture("unary_abs", inputs: ["x"]) { $0[0].abs() } }
    @Test func square() throws { try checkOpFixture("unary_square", inputs: ["x"]) { $0[0].square() } }

    @Test func finiteDifferences() {
        var rng = RandomGenerator(seed: 4)
        let x = Tensor.randomNormal([3, 4], using: &rng)
        let pos = Tensor.randomUniform([3, 4], low: 0.5, high: 2, using: &rng)
        checkGradients("exp", inputs: [x]) { $0[0].exp() }
        checkGradients("log", inputs: [pos]) { $0[0].log() }
        checkGradients("sqrt", inputs: [pos]) { $0[0].sqrt() }
        checkGradients("pow 2.5", inputs: [pos]) { $0[0].pow(2.5) }
        checkGradients("pow -2", inputs: [pos]) { $0[0].pow(-2) }
        checkGradients("square", inputs: [x]) { $0[0].square() }
        checkGradients("abs", inputs: [pos - 1.25]) { $0[0].abs() }
    }

    @Test func fastMathMatchesLibm() {
        for i in 0..<20_001 {
            let x = Float(i - 10_000) * 0.0087
            let e = FastMath.exp(x), ref = Float(Foundation.exp(Double(x)))
            #expect(Swift.abs(e - ref) <= 4e-7 * ref, "exp(\(x)) = \(e), libm \(ref)")
            let y = Swift.abs(x) + 1e-6
            let l = FastMath.log(y), lref = Float(Foundation.log(Double(y)))
            #expect(Swift.abs(l - lref) <= 2e-7 * Swift.max(1, Swift.abs(lref)), "log(\(y)) = \(l), libm \(lref)")
        }
        #expect(FastMath.log(0) == -.infinity)
        #expect(FastMath.log(-1).isNaN)
        #expect(FastMath.exp(-200) == 0)
        #expect(FastMath.exp(.nan).isNaN)
        #expect(Swift.abs(FastMath.log(1e-40) - Float(Foundation.log(1e-40))) < 1e-5)
    }
}

@Suite("Broadcast and view ops")
struct BroadcastOpTests {
    @Test func finiteDifferences() {
        var rng = RandomGenerator(seed: 12)
        let x = Tensor.randomNormal([3, 1, 4], using: &rng)
        checkGradients("expanded", inputs: [x]) { $0[0].expanded(to: [2, 3, 5, 4]) }
        let big = Tensor.randomNormal([2, 3, 5, 4], using: &rng)
        checkGradients("sum(toShape:)", inputs: [big]) { $0[0].sum(toShape: [3, 1, 4]) }
        checkGradients("reshaped", inputs: [big]) { $0[0].reshaped([6, -1]).square() }
        checkGradients("flattened", inputs: [big]) { $0[0].flattened(from: 2).exp() }
    }

    @Test func reshapeIsAViewAndChecksCounts() async {
        let x = Tensor([1, 2, 3, 4, 5, 6], shape: [2, 3])
        let y = x.reshaped([3, -1])
        #expect(y.shape == [3, 2])
        #expect(y.storage.isSame(as: x.storage))
        await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = Tensor(zeros: [2, 3]).reshaped([4, 2])
        }.map { r in
            #expect(String(decoding: r.standardErrorContent, as: UTF8.self)
                .contains("reshape: shape [2, 3] (6 elements) cannot become [4, 2]"))
        }
    }
}
