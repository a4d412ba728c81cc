import Autograd
import TestFixtures
import Foundation
import Testing

@Suite("Clamp, minimum, maximum, where, comparisons")
struct ComparisonTests {
    @Test func clamp() throws {
        let fx = try Fixture("unary_clamp")
        let lo = Float((fx.params["min"] as! NSNumber).doubleValue), hi = Float((fx.params["max"] as! NSNumber).doubleValue)
        #expect(lo == -0.5 && hi == 1)
        try checkOpFixture("unary_clamp", inputs: ["x"]) { $0[0].clamp(min: lo, max: hi) }
    }
    @Test func minimum() throws { try checkOpFixture("broadcast_minimum", inputs: ["a", "b"]) { Tensor.minimum($0[0], $0[1]) } }
    @Test func maximum() throws { try checkOpFixture("broadcast_maximum", inputs: ["a", "b"]) { Tensor.maximum($0[0], $0[1]) } }
    @Test func whereMask() throws {
        try checkOpFixture("where", inputs: ["mask", "a", "b"], constant: ["mask"]) { Tensor.where($0[0], $0[1], $0[2]) }
    }

    @Test func finiteDifferences() {
        var rng = RandomGenerator(seed: 12)
        let x = KinkFree.uniform([3, 5], low: -1.5, high: 2, avoiding: [-0.5, 1], using: &rng)
        checkGradients("clamp", inputs: [x]) { $0[0].clamp(min: -0.5, max: 1) }
        checkGradients("clamp min only", inputs: [x]) { $0[0].clamp(min: -0.5) }
        checkGradients("clamp max only", inputs: [x]) { $0[0].clamp(max: 1) }
        checkGradients("clamp then square", inputs: [x]) { $0[0].clamp(min: -0.5, max: 1).square() }

        // a [3, 4] against b [4], every pair at least 0.1 apart.
        let b = Tensor([0.3, -0.7, 1.1, -0.2])
        var av: [Float] = []
        for _ in 0..<3 {
            for j in 0..<4 {
                let sign: Float = rng.nextUniform() < 0.5 ? -1 : 1
                av.append(b.toArray()[j] + sign * (0.1 + rng.nextUniform()))
            }
        }
        let a = Tensor(av, shape: [3, 4])
        checkGradients("minimum", inputs: [a, b]) { Tensor.minimum($0[0], $0[1]) }
        checkGradients("maximum", inputs: [a, b]) { Tensor.maximum($0[0], $0[1]) }
        checkGradients("maximum * minimum", inputs: [a, b]) { Tensor.maximum($0[0], $0[1]) * Tensor.minimum($0[0], $0[1]) }

        let mask = Tensor.randomBernoulli([3, 4], p: 0.5, using: &rng)
        let c = Tensor.randomNormal([3, 1], using: &rng)
        checkGradients("where", inputs: [a, c]) { Tensor.where(mask, $0[0], $0[1]) }
        checkGradients("where of products", inputs: [a, c]) { Tensor.where(mask, $0[0] * $0[0], $0[0] * $0[1]) }
    }

    @Test func selectionValuesAndTies() {
        let a = Tensor([1, 5, 3, 3], shape: [2, 2]).requiringGradient()
        let b = Tensor([2, 3]).requiringGradient()
        let mn = Tensor.minimum(a, b), mx = Tensor.maximum(a, b)
        #expect(mn.toArray() == [1, 3, 2, 3])
        #expect(mx.toArray() == [2, 5, 3, 3])
        // Ties (a[1,1] == b[1] == 3) send the gradient to a.
        let gMin = gradients(of: mn.sum(), wrt: [a, b])
        #expect(gMin[0].toArray() == [1, 0, 0, 1])
        #expect(gMin[1].toArray() == [1, 1])
        let gMax = gradients(of: (mx * Tensor([1, 2, 3, 4], shape: [2, 2])).sum(), wrt: [a, b])
        #expect(gMax[0].toArray() == [0, 2, 3, 4])
        #expect(gMax[1].toArray() == [1, 0])

        let x = Tensor([-2, -0.5, 0.25, 1, 3]).requiringGradient()
        let c = x.clamp(min: -0.5, max: 1)
        #expect(c.toArray() == [-0.5, -0.5, 0.25, 1, 1])
        // Bounds are inside (gradient 1), as PyTorch.
        #expect(gradients(of: c.sum(), wrt: [x])[0].toArray() == [0, 1, 1, 1, 0])
        #expect(x.clamp(min: 0).toArray() == [0, 0, 0.25, 1, 3])
        #expect(x.clamp(max: 0).toArray() == [-2, -0.5, 0, 0, 0])

        // where broadcasts all three operands; a nonzero mask value selects a.
        let w = Tensor.where(Tensor([1, 0, 2], shape: [3, 1]), Tensor([10, 20]), Tensor(scalar: -1))
        #expect(w.shape == [3, 2])
        #expect(w.toArray() == [10, 20, -1, -1, 10, 20])
        let wa = Tensor([10, 20]).requiringGradient(), wb = Tensor(scalar: -1).requiringGradient()
        let wg = gradients(of: Tensor.where(Tensor([1, 0, 2], shape: [3, 1]), wa, wb).sum(), wrt: [wa, wb])
        #expect(wg[0].toArray() == [2, 2])
        #expect(wg[1].toArray() == [2])
    }

    @Test func comparisonsAreConstantMasks() {
        let x = Tensor([1, 2, 3, 4], shape: [2, 2]).requiringGradient()
        let y = Tensor([2, 3])
        #expect(x.greater(than: y).toArray() == [0, 0, 1, 1])
        #expect(x.greaterOrEqual(to: y).toArray() == [0, 0, 1, 1])
        #expect(x.less(than: y).toArray() == [1, 1, 0, 0])
        #expect(x.lessOrEqual(to: Tensor([1, 3])).toArray() == [1, 1, 0, 0])
        #expect(x.equal(to: Tensor([2, 3], shape: [2, 1])).toArray() == [0, 1, 1, 0])
        #expect(x.greater(than: 2).toArray() == [0, 0, 1, 1])
        #expect(x.greaterOrEqual(to: 2).toArray() == [0, 1, 1, 1])
        #expect(x.less(than: 2).toArray() == [1, 0, 0, 0])
        #expect(x.lessOrEqual(to: 2).toArray() == [1, 1, 0, 0])
        #expect(!x.greater(than: 2).isTracked)
        #expect(!x.less(than: y).isTracked)
    }

    @Test func whereShapeMismatchNamesAllShapes() async {
        await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = Tensor.where(Tensor(zeros: [3, 1]), Tensor(zeros: [2, 4]), Tensor(zeros: [4]))
        }.map { result in
            let text = String(decoding: result.standardErrorContent, as: UTF8.self)
            #expect(text.contains("where: mask [3, 1], a [2, 4] and b [4] cannot be broadcast together"))
        }
    }
}
