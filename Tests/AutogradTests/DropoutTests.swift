import Autograd
import TestFixtures
import Foundation
import Testing

@Suite("Dropout")
struct DropoutTests {
    @Test func keptFractionAndScaling() {
        var rng = RandomGenerator(seed: 31)
        let n = 100_000
        for p: Float in [0.1, 0.3, 0.75] {
            let x = Tensor(ones: [n])
            let y = x.dropout(p: p, training: true, using: &rng).toArray()
            let kept = y.filter { $0 != 0 }
            let fraction = Double(kept.count) / Double(n)
            // 5 standard deviations of a binomial fraction.
            let sd = (Double(p) * Double(1 - p) / Double(n)).squareRoot()
            #expect(Swift.abs(fraction - Double(1 - p)) < 5 * sd, "p \(p): kept \(fraction)")
            #expect(kept.allSatisfy { Swift.abs($0 - 1 / (1 - p)) < 1e-6 }, "p \(p): survivors are scaled by 1/(1-p)")
        }
    }

    @Test func blocksDrawTheirOwnMasks() {
        // The mask is drawn in blocks of 65,536 elements, each from its own generators: the
        // blocks must differ, and a partial last block is drawn too.
        var rng = RandomGenerator(seed: 36)
        let block = 1 << 16
        let y = Tensor(ones: [2 * block + 100]).dropout(p: 0.5, training: true, using: &rng).toArray()
        #expect(Array(y[0..<block]) != Array(y[block..<(2 * block)]))
        let tail = y[(2 * block)...]
        #expect(tail.contains(0) && tail.contains(2))
        let kept = Double(y.filter { $0 != 0 }.count) / Double(y.count)
        #expect(Swift.abs(kept - 0.5) < 5 * (0.25 / Double(y.count)).squareRoot())
    }

    @Test func identityWhenNotTrainingOrZeroP() {
        var rng = RandomGenerator(seed: 32)
        let x = Tensor.randomNormal([4, 5], using: &rng).requiringGradient()
        let before = rng
        let e = x.dropout(p: 0.5, training: false, using: &rng)
        #expect(e.toArray() == x.toArray())
        #expect(rng == before)  // nothing drawn
        #expect(x.dropout(p: 0, training: true, using: &rng).toArray() == x.toArray())
        let g = gradients(of: e.sum(), wrt: [x])[0]
        #expect(g.toArray() == [Float](repeating: 1, count: 20))
    }

    @Test func pOneGivesZeros() {
        var rng = RandomGenerator(seed: 33)
        let x = Tensor.randomNormal([3, 4], using: &rng).requiringGradient()
        let y = x.dropout(p: 1, training: true, using: &rng)
        #expect(y.toArray() == [Float](repeating: 0, count: 12))
        #expect(gradients(of: y.sum(), wrt: [x])[0].toArray() == [Float](repeating: 0, count: 12))
    }

    @Test func sameSeedSameMaskAndGradientIsMask() {
        let x = Tensor(ones: [10, 10]).requiringGradient()
        var r1 = RandomGenerator(seed: 34), r2 = RandomGenerator(seed: 34)
        let y1 = x.dropout(p: 0.4, training: true, using: &r1)
        let y2 = x.dropout(p: 0.4, training: true, using: &r2)
        #expect(y1.toArray() == y2.toArray())
        #expect(r1 == r2)
        let y3 = x.dropout(p: 0.4, training: true, using: &r1)
        #expect(y3.toArray() != y1.toArray())  // the generator moved on
        // With x = 1 the output is the mask / (1 - p); the gradient of Σ y·gy is gy · that.
        var rg = RandomGenerator(seed: 35)
        let gy = Tensor.randomNormal([10, 10], using: &rg)
        let g = gradients(of: y1, wrt: [x], seed: gy)[0].toArray()
        let m = y1.toArray(), gv = gy.toArray()
        for i in 0..<100 { #expect(g[i] == gv[i] * m[i]) }
        #expect(m.allSatisfy { $0 == 0 || Swift.abs($0 - 1 / 0.6) < 1e-6 })
    }

    @Test func finiteDifferences() {
        var rng = RandomGenerator(seed: 36)
        let x = Tensor.randomNormal([3, 4], using: &rng)
        checkGradients("dropout", inputs: [x]) { xs in
            var r = RandomGenerator(seed: 37)  // the same mask at every evaluation
            return xs[0].square().dropout(p: 0.3, training: true, using: &r)
        }
    }

    @Test func probabilityOutOfRangeFails() async {
        await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            var rng = RandomGenerator(seed: 1)
            _ = Tensor(zeros: [2]).dropout(p: 1.5, training: true, using: &rng)
        }.map { result in
            let text = String(decoding: result.standardErrorContent, as: UTF8.self)
            #expect(text.contains("dropout: probability 1.5 is outside [0, 1]"))
        }
    }
}
