import Autograd
import TestFixtures
import Foundation
import Testing

@Suite("Losses and row norms")
struct LossTests {
    /// Three scalar losses (all-ones, all-zeros and soft targets) with their gradients, and
    /// a second-order block for the soft target: S = Σ ∇(loss_soft)·probe, dS/dlogits.
    @Test func bceWithLogits() throws {
        let fx = try Fixture("bce_with_logits")
        let logits = fx.input("logits").requiringGradient()
        let soft = fx.input("target_soft")
        let targets: [(String, Tensor)] = [
            ("ones", Tensor(ones: logits.shape)), ("zeros", Tensor(zeros: logits.shape)), ("soft", soft),
        ]
        for (name, t) in targets {
            let loss = Tensor.binaryCrossEntropyWithLogits(logits, t)
            #expect(loss.shape == [])
            expectClose(loss, fx.output("loss_\(name)"), "bce loss_\(name)")
            // First order without a graph (the fused path) and with one (the op path).
            let plain = gradients(of: loss, wrt: [logits])[0]
            expectClose(plain, fx.grad("logits_\(name)"), "bce grad logits_\(name)")
            let graphed = gradients(of: loss, wrt: [logits], createGraph: true)[0]
            expectClose(graphed, fx.grad("logits_\(name)"), "bce grad logits_\(name) (create graph)")
        }
        let loss = Tensor.binaryCrossEntropyWithLogits(logits, soft)
        let g = gradients(of: loss, wrt: [logits], createGraph: true)[0]
        let s = (g * fx.probe("logits")!).sum()
        let second = gradients(of: s, wrt: [logits])[0]
        expectClose(second, fx.secondGrad("logits"), atol: 1e-4, rtol: 1e-3, "bce second order d/dlogits")
    }

    @Test func l2NormRows() throws { try checkOpFixture("l2norm_rows", inputs: ["x"]) { $0[0].l2NormRows() } }

    @Test func l2NormRowsZeroRow() throws {
        try checkOpFixture("l2norm_rows_zero", inputs: ["x"]) { $0[0].l2NormRows() }
        // The zero row's gradient is exactly 0 (not NaN), in both backward forms.
        let fx = try Fixture("l2norm_rows_zero")
        let x = fx.input("x").requiringGradient()
        for createGraph in [false, true] {
            let g = gradients(of: x.l2NormRows(), wrt: [x], seed: fx.input("gy"), createGraph: createGraph)[0].toArray()
            #expect(g[4..<8].allSatisfy { $0 == 0 }, "createGraph \(createGraph): \(g)")
            #expect(g.allSatisfy { $0.isFinite })
        }
        // A second walk stays finite too (its value at the zero row is a convention).
        let g = gradients(of: x.l2NormRows().sum(), wrt: [x], createGraph: true)[0]
        let h = gradients(of: g.square().sum(), wrt: [x])[0]
        #expect(h.toArray().allSatisfy { $0.isFinite })
    }

    @Test func finiteDifferences() {
        var rng = RandomGenerator(seed: 14)
        let logits = Tensor.randomNormal([3, 5], std: 2, using: &rng)
        let targets = Tensor.randomUniform([3, 5], using: &rng)
        // Scaled by the element count (a sum, not a mean), so that per-element second
        // derivatives are O(1) and an error in them stands out of the tolerance.
        let n = Float(logits.count)
        checkGradients("bce with logits", inputs: [logits]) { Tensor.binaryCrossEntropyWithLogits($0[0], targets) * n }
        checkGradients("bce with logits, targets differentiated", inputs: [logits, targets]) {
            Tensor.binaryCrossEntropyWithLogits($0[0], $0[1]) * n
        }
        checkGradients("bce of a product", inputs: [logits, targets]) {
            Tensor.binaryCrossEntropyWithLogits($0[0] * $0[1], $0[1]) * n
        }
        let x = Tensor.randomNormal([4, 6], using: &rng)
        checkGradients("l2 norm rows", inputs: [x]) { $0[0].l2NormRows() }
        checkGradients("l2 norm rows, rank 3", inputs: [x.reshaped([4, 2, 3])]) { $0[0].l2NormRows() }
        checkGradients("penalty shape", inputs: [x]) { ($0[0].l2NormRows() - 1).square().mean() }
    }

    @Test func bceValuesAndTargetGradient() {
        let x = Tensor([0, 2, -3, 50]).requiringGradient()
        let t = Tensor([1, 0, 0.25, 1]).requiringGradient()
        let loss = Tensor.binaryCrossEntropyWithLogits(x, t)
        func sp(_ v: Double) -> Double { Foundation.log(1 + Foundation.exp(v)) }
        let want = (sp(-0) + sp(2) + (0.25 * sp(3) + 0.75 * sp(-3)) + sp(-50)) / 4
        #expect(Swift.abs(Double(loss.scalarValue) - want) < 1e-6)
        for createGraph in [false, true] {
            let g = gradients(of: loss, wrt: [x, t], createGraph: createGraph)
            let sig = { (v: Double) in 1 / (1 + Foundation.exp(-v)) }
            let wantX = [sig(0) - 1, sig(2), sig(-3) - 0.25, sig(50) - 1].map { Float($0 / 4) }
            for (a, b) in zip(g[0].toArray(), wantX) { #expect(Swift.abs(a - b) < 1e-7) }
            #expect(g[1].toArray() == [0, -0.5, 0.75, -12.5])
        }
    }

    @Test func bceShapeMismatchIsReported() async {
        await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = Tensor.binaryCrossEntropyWithLogits(Tensor(zeros: [2, 3]), Tensor(zeros: [3, 2]))
        }.map { result in
            let text = String(decoding: result.standardErrorContent, as: UTF8.self)
            #expect(text.contains("binaryCrossEntropyWithLogits: logits [2, 3] and targets [3, 2] differ in shape"))
        }
    }
}
