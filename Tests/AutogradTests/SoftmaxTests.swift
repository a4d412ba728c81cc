import Autograd
import TestFixtures
import Foundation
import Testing

@Suite("Softmax and log-softmax")
struct SoftmaxTests {
    @Test func softmax() throws { try checkOpFixture("softmax", inputs: ["x"]) { $0[0].softmax(axis: -1) } }
    @Test func logSoftmax() throws { try checkOpFixture("log_softmax", inputs: ["x"]) { $0[0].logSoftmax() } }
    @Test func softmax3D() throws {
        let fx = try Fixture("softmax_3d")
        let dim = (fx.params["dim"] as! NSNumber).intValue
        #expect(dim == 1)
        try checkOpFixture("softmax_3d", inputs: ["x"]) { $0[0].softmax(axis: dim) }
    }
    @Test func logSoftmax3D() throws {
        try checkOpFixture("log_softmax_3d", inputs: ["x"]) { $0[0].logSoftmax(axis: 1) }
    }

    @Test func finiteDifferences() {
        var rng = RandomGenerator(seed: 13)
        let x = Tensor.randomNormal([2, 3, 4], using: &rng)
        for axis in [0, 1, 2, -1] {
            checkGradients("softmax axis \(axis)", inputs: [x]) { $0[0].softmax(axis: axis) }
            checkGradients("log softmax axis \(axis)", inputs: [x]) { $0[0].logSoftmax(axis: axis) }
        }
        // A nonlinear function of the output, so that second order sees a varying gy.
        checkGradients("softmax squared", inputs: [x]) { $0[0].softmax(axis: 1).square() }
        checkGradients("log softmax * softmax", inputs: [x]) { $0[0].logSoftmax() * $0[0].softmax() }
    }

    @Test func stableForLargeValuesAndMatchesDefinition() {
        let x = Tensor([1000, 1001, -1000, 0, 0, 0, 3, 1, -2, 0.5, 7, -4], shape: [3, 4])
        let y = x.softmax()
        let l = x.logSoftmax()
        #expect(y.toArray().allSatisfy { $0.isFinite } && l.toArray().allSatisfy { $0.isFinite })
        let e1 = Float(1 / (1 + Foundation.exp(1.0)))
        let want0: [Float] = [e1, 1 - e1, 0, 0]
        for (g, w) in zip(y.toArray().prefix(4), want0) { #expect(Swift.abs(g - w) < 1e-6) }
        let lse = 1001 + Foundation.log(1 + Foundation.exp(-1.0))
        #expect(Swift.abs(l.toArray()[2] - Float(-1000 - lse)) < 1e-3)
        #expect(Swift.abs(l.toArray()[1] - Float(1001 - lse)) < 1e-4)
        // Rows sum to 1, and exp(logSoftmax) = softmax, along a middle axis as well.
        let x3 = x.reshaped([1, 3, 4])
        for axis in [1, 2] {
            let s = x3.softmax(axis: axis)
            for v in s.sum(axes: [axis]).toArray() { #expect(Swift.abs(v - 1) < 1e-6) }
            let d = (x3.logSoftmax(axis: axis).exp() - s).abs().max().scalarValue
            #expect(d < 1e-6)
        }
        // Column softmax of the 2-D matrix against a direct computation: column 0 is
        // (1000, 0, -2), column 2 is (-1000, 3, 7).
        let c = x.softmax(axis: 0).toArray()
        #expect(c[0] == 1 && c[4] == 0 && c[8] == 0)
        let d2 = Foundation.exp(3.0) + Foundation.exp(7.0)
        #expect(c[2] == 0)
        #expect(Swift.abs(c[6] - Float(Foundation.exp(3.0) / d2)) < 1e-6)
        #expect(Swift.abs(c[10] - Float(Foundation.exp(7.0) / d2)) < 1e-6)
    }

    @Test func axisOutOfRangeIsReported() async {
        await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = Tensor(zeros: [2, 3]).softmax(axis: 2)
        }.map { result in
            let text = String(decoding: result.standardErrorContent, as: UTF8.self)
            #expect(text.contains("softmax: axis 2 is out of range for rank 2"))
        }
    }
}
