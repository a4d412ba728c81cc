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

    /// The mask as the documented generator defines it, computed here in plain Swift: per
    /// block of 65,536 elements, eight xoshiro256** lanes seeded by 32 draws (word k of lane
    /// l is draw 8k + l); each round gives 16 elements, lanes' high 24 bits then bits 16-39.
    static func referenceMask(_ n: Int, p: Float, using rng: inout RandomGenerator) -> [Float] {
        func rotl(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 - k)) }
        let t = UInt64((Double(p) * 16_777_216).rounded(.up)), scale = 1 / (1 - p)
        let block = 1 << 16, blocks = (n + block - 1) / block
        let seeds = (0..<(32 * blocks)).map { _ in rng.next() }
        var mask: [Float] = []
        for b in 0..<blocks {
            var s = Array(seeds[(32 * b)..<(32 * b + 32)])
            let length = Swift.min(block, n - b * block)
            var done = 0
            while done < length {
                var round = [Float](repeating: 0, count: 16)
                for l in 0..<8 {
                    let r = rotl(s[8 + l] &* 5, 7) &* 9
                    let shifted = s[8 + l] << 17
                    s[16 + l] ^= s[l]; s[24 + l] ^= s[8 + l]; s[8 + l] ^= s[16 + l]; s[l] ^= s[24 + l]
                    s[16 + l] ^= shifted; s[24 + l] = rotl(s[24 + l], 45)
                    round[l] = r >> 40 >= t ? scale : 0
                    round[8 + l] = (r >> 16) & 0xFF_FFFF >= t ? scale : 0
                }
                mask += round.prefix(Swift.min(16, length - done))
                done += 16
            }
        }
        return mask
    }

    @Test func maskIsTheDocumentedGeneratorsAtAnyThreadCount() {
        // 8 blocks and a partial one: enough work that the blocks are shared out over the
        // pool's threads; the result must still be the sequential reference, bit for bit.
        let n = 8 * (1 << 16) + 100
        var r1 = RandomGenerator(seed: 37), r2 = RandomGenerator(seed: 37)
        let y = Tensor(ones: [n]).dropout(p: 0.3, training: true, using: &r1).toArray()
        #expect(y == Self.referenceMask(n, p: 0.3, using: &r2))
        #expect(r1 == r2)
        // No elements: nothing drawn.
        let before = r1
        #expect(Tensor(zeros: [0]).dropout(p: 0.3, training: true, using: &r1).count == 0)
        #expect(r1 == before)
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
