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
