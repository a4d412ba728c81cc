import Autograd
import TestFixtures
import Testing

@Suite("Maxout")
struct MaxoutTests {
    @Test func takesTheMaximumOfEachGroupOfPieces() {
        let x = Tensor([1, 5, 2, -3, -1, -2, 0, 0, 7, 4, 9, 8], shape: [2, 6])
        let y = x.maxout(pieces: 3)
        #expect(y.shape == [2, 2])
        #expect(y.toArray() == [5, -1, 7, 9])
        // pieces = 1 is the identity; pieces = 6 the row maximum.
        #expect(x.maxout(pieces: 1).toArray() == x.toArray())
        #expect(x.maxout(pieces: 6).toArray() == [5, 9])
    }

    @Test func gradientGoesToTheWinningPiece() {
        let x = Tensor([1, 5, 2, -3, -1, -2], shape: [1, 6]).requiringGradient()
        let g = gradients(of: (x.maxout(pieces: 3) * Tensor([2, 3], shape: [1, 2])).sum(), wrt: [x])[0]
        #expect(g.toArray() == [0, 2, 0, 0, 3, 0])
    }

    @Test func tiesGoToTheFirstPieceAndNaNWins() {
        let x = Tensor([3, 3, 1, .nan, 5, 2, 1, .nan, 2, 4, 4, 4], shape: [4, 3]).requiringGradient()
        let y = x.maxout(pieces: 3)
        let v = y.toArray()
        #expect(v[0] == 3 && v[1].isNaN && v[2].isNaN && v[3] == 4)
        let g = gradients(of: y, wrt: [x], seed: Tensor([1, 2, 3, 4], shape: [4, 1]))[0]
        #expect(g.toArray() == [1, 0, 0, 2, 0, 0, 0, 3, 0, 4, 0, 0])
    }

    @Test func aLargeTensorSplitOverThreadsMatchesAPlainLoop() {
        // 60,000 groups: long enough for the kernels to run on several threads.
        var rng = RandomGenerator(seed: 11)
        let (groups, pieces) = (60_000, 5)
        let x = Tensor.randomNormal([groups / 100, 100 * pieces], using: &rng).requiringGradient()
        let gy = Tensor.randomNormal([groups / 100, 100], using: &rng)
        let y = x.maxout(pieces: pieces)
        let g = gradients(of: y, wrt: [x], seed: gy)[0].toArray()
        let xs = x.toArray(), ys = y.toArray(), gys = gy.toArray()
        var wrong = 0
        for i in 0..<groups {
            let group = xs[(i * pieces)..<((i + 1) * pieces)]
            let best = group.max()!, arg = group.firstIndex(of: best)! - i * pieces
            if ys[i] != best { wrong += 1 }
            for p in 0..<pieces where g[i * pieces + p] != (p == arg ? gys[i] : 0) { wrong += 1 }
        }
        #expect(wrong == 0)
        // The gradient's own gradient (a penalty through maxout) is the gather of the winners.
        let seed = gy.requiringGradient()
        let gx = gradients(of: y, wrt: [x], seed: seed, createGraph: true)[0]
        let probe = Tensor.randomNormal(x.shape, using: &rng)
        let back = gradients(of: (gx * probe).sum(), wrt: [x, seed])
        #expect(back[0].toArray().allSatisfy { $0 == 0 })
        let ps = probe.toArray(), gathered = back[1].toArray()
        #expect((0..<groups).allSatisfy { i in
            let group = xs[(i * pieces)..<((i + 1) * pieces)]
            return gathered[i] == ps[group.firstIndex(of: group.max()!)!]
        })
    }

    @Test func finiteDifferencesOfFirstAndSecondOrder() {
        // Distinct values at least 0.1 apart, so the step of 1e-2 never changes a winner.
        var rng = RandomGenerator(seed: 3)
        var values = (0..<40).map { Float($0) * 0.1 - 2 }
        for i in stride(from: values.count - 1, to: 0, by: -1) { values.swapAt(i, rng.nextInt(below: i + 1)) }
        let x = Tensor(values, shape: [2, 4, 5])
        // Squared, so the second derivative is not zero.
        checkGradients("maxout", inputs: [x]) { xs in xs[0].maxout(pieces: 5).square() }
    }

    @Test func rejectsALastAxisThatDoesNotSplitIntoPieces() async {
        await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = Tensor(zeros: [2, 7]).maxout(pieces: 3)
        }.map { r in
            #expect(String(decoding: r.standardErrorContent, as: UTF8.self).contains("not divisible into groups of 3 pieces"))
        }
    }
}
