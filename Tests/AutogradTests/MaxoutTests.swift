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

    @Test(arguments: 2...7)
    func tiesGoToTheFirstPieceAndNaNWins(pieces: Int) {
        // Per group: a tie at the top, a NaN in second place, a NaN last, and a maximum last.
        var v = [Float]()
        v += [3, 3] + [Float](repeating: 1, count: pieces - 2)
        v += [1, .nan] + [Float](repeating: 5, count: pieces - 2)
        v += [Float](repeating: 2, count: pieces - 1) + [.nan]
        v += (0..<pieces).map { Float($0) }
        let x = Tensor(v, shape: [4, pieces]).requiringGradient()
        let y = x.maxout(pieces: pieces).toArray()
        #expect(y[0] == 3 && y[1].isNaN && y[2].isNaN && y[3] == Float(pieces - 1))
        let g = gradients(of: x.maxout(pieces: pieces), wrt: [x], seed: Tensor([1, 2, 3, 4], shape: [4, 1]))[0].toArray()
        var want = [Float](repeating: 0, count: 4 * pieces)
        want[0] = 1; want[pieces + 1] = 2; want[2 * pieces + pieces - 1] = 3; want[4 * pieces - 1] = 4
        #expect(g == want)
    }

    @Test func aLargeTensorSplitOverThreadsMatchesAPlainLoop() {
        // 300,000 groups: enough work for every kernel, the gather included, to be cut into
        // chunks (Parallel.minWorkPerThread), which run on several threads where there are.
        var rng = RandomGenerator(seed: 11)
        let (groups, pieces) = (300_000, 5)
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
