import Autograd
import Datasets
import Evaluation
import Foundation
import Testing

@Suite("Gaussian mixtures and mode coverage")
struct MixtureTests {
    @Test func pacganRingAndGridGeometry() {
        let ring = GaussianMixture.ring()
        #expect(ring.modeCount == 8 && ring.std == 0.01)
        #expect(abs(ring.centers[2][0]) < 1e-6 && abs(ring.centers[2][1] - 1) < 1e-6)
        #expect(ring.centers.allSatisfy { abs(($0[0] * $0[0] + $0[1] * $0[1]).squareRoot() - 1) < 1e-6 })
        let grid = GaussianMixture.grid()
        #expect(grid.modeCount == 25 && grid.std == 0.05)
        #expect(Set(grid.centers.map { $0[0] }) == [-4, -2, 0, 2, 4])
    }

    @Test func samplesHaveTheMixtureStatistics() {
        var rng = RandomGenerator(seed: 1)
        let ring = GaussianMixture.ring()
        let (x, modes) = ring.sample(40_000, using: &rng)
        #expect(x.shape == [40_000, 2])
        let counts = (0..<8).map { m in modes.filter { $0 == m }.count }
        #expect(counts.allSatisfy { abs($0 - 5_000) < 300 })
        let p = x.toArray()
        var sq = 0.0
        for i in 0..<40_000 {
            let c = ring.centers[modes[i]]
            sq += Double((p[2 * i] - c[0]) * (p[2 * i] - c[0]) + (p[2 * i + 1] - c[1]) * (p[2 * i + 1] - c[1]))
        }
        #expect(abs((sq / 80_000).squareRoot() - 0.01) < 3e-4)
        var again = RandomGenerator(seed: 1)
        #expect(ring.sample(40_000, using: &again).points.toArray() == p)
    }

    @Test func weightedAndInvalidMixtures() throws {
        let m = try GaussianMixture(centers: [[0], [10]], weights: [3, 1], std: 0.5)
        #expect(m.weights == [0.75, 0.25])
        var rng = RandomGenerator(seed: 2)
        let modes = m.sample(20_000, using: &rng).modes
        #expect(abs(Double(modes.filter { $0 == 0 }.count) / 20_000 - 0.75) < 0.02)
        #expect(throws: MixtureError.self) { try GaussianMixture(centers: [[0, 0], [1]], std: 1) }
        do { _ = try GaussianMixture(centers: [[0]], weights: [1, 2], std: 1) } catch {
            #expect("\(error)" == "Gaussian mixture: 2 weights for 1 centres")
        }
        #expect(throws: MixtureError.self) { try GaussianMixture(centers: [[0]], std: 0) }
    }

    @Test func modeCoverageOfPerfectCollapsedAndPoorSamples() {
        var rng = RandomGenerator(seed: 3)
        let ring = GaussianMixture.ring()
        let perfect = ModeCoverage(samples: ring.sample(2_500, using: &rng).points, mixture: ring)
        #expect(perfect.modesCovered == 8)
        #expect(perfect.highQualityPercent > 98)
        #expect(perfect.reverseKL < 0.01)
        // All on mode 0: one mode, KL = log 8.
        let one = try! GaussianMixture(centers: [ring.centers[0]], std: 0.01)
        let collapsed = ModeCoverage(samples: one.sample(2_500, using: &rng).points, mixture: ring)
        #expect(collapsed.modesCovered == 1 && abs(collapsed.reverseKL - log(8)) < 1e-9)
        // Samples at the origin are 100σ from every mode: none is high quality.
        let poor = ModeCoverage(samples: Tensor(zeros: [100, 2]), mixture: ring)
        #expect(poor.highQualityCount == 0 && poor.modesCovered == 0 && poor.reverseKL == .infinity)
        // Exactly at 2.9σ counts, at 3.1σ does not.
        let edge = Tensor([1 + 0.029, 0, 1 + 0.031, 0], shape: [2, 2])
        #expect(ModeCoverage(samples: edge, mixture: ring).histogram[0] == 1)
    }

    @Test func minibatchesCoverAnEpochWithoutRepeats() {
        let data = Tensor((0..<20).map(Float.init), shape: [10, 2])
        var sampler = MinibatchSampler(data, batchSize: 3)
        var rng = RandomGenerator(seed: 4)
        var firstColumn: [Float] = []
        for _ in 0..<sampler.batchesPerEpoch {
            let b = sampler.next(using: &rng)
            #expect(b.shape == [3, 2])
            let v = b.toArray()
            for r in 0..<3 { #expect(v[2 * r + 1] == v[2 * r] + 1); firstColumn.append(v[2 * r]) }
        }
        #expect(Set(firstColumn).count == 9)  // 3 batches of 3 distinct rows; row 10 dropped this epoch
    }
}
