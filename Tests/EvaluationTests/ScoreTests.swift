import Autograd
import Evaluation
import Foundation
import Testing

/// Samples [n, d] of N(mean, diag(std²)) rotated by `rotation` (row-major d×d; nil: identity).
func gaussianSamples(_ n: Int, mean: [Float], std: [Float], rotation: [Float]? = nil, seed: UInt64) -> Tensor {
    let d = mean.count
    var rng = RandomGenerator(seed: seed)
    let z = Tensor.randomNormal([n, d], using: &rng).toArray()
    var out = [Float](repeating: 0, count: n * d)
    for i in 0..<n {
        for r in 0..<d {
            var v: Float = 0
            for c in 0..<d {
                let rot = rotation.map { $0[r * d + c] } ?? (r == c ? 1 : 0)
                v += rot * std[c] * z[i * d + c]
            }
            out[i * d + r] = v + mean[r]
        }
    }
    return Tensor(out, shape: [n, d])
}

@Suite("Scores on features and probabilities")
struct ScoreTests {
    @Test func symmetricEigenReconstructsAndOrders() {
        // A = [[2, 1], [1, 2]]: eigenvalues 1 and 3.
        let e = SymmetricEigen([2, 1, 1, 2], dimension: 2)
        #expect(abs(e.values[0] - 1) < 1e-12 && abs(e.values[1] - 3) < 1e-12)
        let back = e.reconstructed { $0 }
        for (x, y) in zip(back, [2.0, 1, 1, 2]) { #expect(abs(x - y) < 1e-12) }
        // Its square root squared is A again.
        let root = e.reconstructed { $0.squareRoot() }
        var sq = [Double](repeating: 0, count: 4)
        DoubleMatrix.gemm(transA: false, transB: false, m: 2, n: 2, k: 2, a: root, b: root, c: &sq)
        for (x, y) in zip(sq, [2.0, 1, 1, 2]) { #expect(abs(x - y) < 1e-12) }
    }

    @Test func fidOfASetWithItselfIsZero() throws {
        let x = gaussianSamples(2_000, mean: [1, -2, 0, 3, 0.5, 0, 0, 1], std: [1, 2, 0.5, 1, 1, 3, 0.1, 1], seed: 1)
        let fid = try FrechetDistance.between(x, x)
        #expect(fid >= 0 && fid < 1e-8)
    }

    @Test func fidMatchesTheClosedFormForNonCommutingCovariances() {
        // For 2×2 SPD matrices, tr (Σ₁Σ₂)^½ = √(tr Σ₁Σ₂ + 2 √(det Σ₁ det Σ₂)).
        let s1: [Double] = [2, 0.5, 0.5, 1], s2: [Double] = [1, -0.3, -0.3, 3]
        let m1: [Double] = [0, 1], m2: [Double] = [2, -1]
        let trProduct = s1[0] * s2[0] + s1[1] * s2[2] + s1[2] * s2[1] + s1[3] * s2[3]
        let det1 = s1[0] * s1[3] - s1[1] * s1[2], det2 = s2[0] * s2[3] - s2[1] * s2[2]
        let expected = 4 + 4 + (2 + 1) + (1 + 3) - 2 * (trProduct + 2 * (det1 * det2).squareRoot()).squareRoot()
        let fid = FrechetDistance.between(FeatureStatistics(count: 100, mean: m1, covariance: s1),
                                          FeatureStatistics(count: 100, mean: m2, covariance: s2))
        #expect(abs(fid - expected) < 1e-10)
        // Symmetric in its arguments.
        let back = FrechetDistance.between(FeatureStatistics(count: 100, mean: m2, covariance: s2),
                                           FeatureStatistics(count: 100, mean: m1, covariance: s1))
        #expect(abs(back - expected) < 1e-10)
    }

    @Test func fidFromSamplesOfTwoGaussiansApproachesTheClosedForm() throws {
        // N(μ₁, diag σ₁²) and N(μ₂, diag σ₂²): FID = ‖μ₁ − μ₂‖² + Σ (σ₁ − σ₂)².
        let m1: [Float] = [0, 0, 0, 0], m2: [Float] = [1, 0, -1, 0.5]
        let s1: [Float] = [1, 1, 2, 0.5], s2: [Float] = [2, 1, 1, 0.5]
        let a = gaussianSamples(40_000, mean: m1, std: s1, seed: 2)
        let b = gaussianSamples(40_000, mean: m2, std: s2, seed: 3)
        let expected = zip(m1, m2).reduce(0.0) { $0 + Double(($1.0 - $1.1) * ($1.0 - $1.1)) }
            + zip(s1, s2).reduce(0.0) { $0 + Double(($1.0 - $1.1) * ($1.0 - $1.1)) }
        let fid = try FrechetDistance.between(a, b)
        #expect(abs(fid - expected) < 0.05 * expected, "FID \(fid), closed form \(expected)")
    }

    @Test func tooFewSamplesForTheDimensionIsAnErrorNamingTheCounts() {
        let x = gaussianSamples(16, mean: [Float](repeating: 0, count: 16), std: [Float](repeating: 1, count: 16), seed: 4)
        #expect {
            _ = try FeatureStatistics(features: x)
        } throws: { error in
            let text = String(describing: error)
            return text.contains("16 samples") && text.contains("16-dimensional") && text.contains("at least 17")
        }
    }

    @Test func nonFiniteFeaturesAreAnError() {
        var values = [Float](repeating: 1, count: 20 * 2)
        values[7] = .nan
        #expect(throws: ScoreError.self) { _ = try FeatureStatistics(features: Tensor(values, shape: [20, 2])) }
    }

    @Test func kidIsNearZeroForOneDistributionAndPositiveForTwo() {
        let a = gaussianSamples(1_000, mean: [0, 0, 0, 0], std: [1, 1, 1, 1], seed: 5)
        let b = gaussianSamples(1_000, mean: [0, 0, 0, 0], std: [1, 1, 1, 1], seed: 6)
        let c = gaussianSamples(1_000, mean: [1, 0, 0, 0], std: [1, 1, 1, 1], seed: 7)
        let same = KernelDistance(a, b, subsets: 10, subsetSize: 500)
        let different = KernelDistance(a, c, subsets: 10, subsetSize: 500)
        #expect(abs(same.mean) < 0.01, "KID of one distribution: \(same)")
        #expect(different.mean > 0.1 && different.mean > 10 * abs(same.mean), "KID of shifted means: \(different)")
    }

    @Test func kidIsTheUnbiasedMMDWithTheCubicKernel() {
        // One subset holding every row: the estimate no longer depends on the draw.
        let x: [[Float]] = [[0, 1], [1, 1], [2, -1]], y: [[Float]] = [[1, 0], [0, 0], [-1, 2]]
        func k(_ a: [Float], _ b: [Float]) -> Double { let t = Double(a[0] * b[0] + a[1] * b[1]) / 2 + 1; return t * t * t }
        var xx = 0.0, yy = 0.0, xy = 0.0
        for i in 0..<3 { for j in 0..<3 {
            if i != j { xx += k(x[i], x[j]); yy += k(y[i], y[j]) }
            xy += k(x[i], y[j])
        } }
        let expected = (xx + yy) / 6 - 2 * xy / 9
        let kid = KernelDistance(Tensor(x.flatMap { $0 }, shape: [3, 2]), Tensor(y.flatMap { $0 }, shape: [3, 2]),
                                 subsets: 3, subsetSize: 3)
        #expect(abs(kid.mean - expected) < 1e-5 && kid.std < 1e-5)
    }

    @Test func classifierScoreOfConfidentBalancedAndOfIdenticalPredictions() {
        // 100 one-hot predictions, 10 of each class in every split of 10 rows: score 10.
        var confident = [Float](repeating: 0, count: 100 * 10)
        for i in 0..<100 { confident[i * 10 + i % 10] = 1 }
        let best = ClassifierScore(probabilities: Tensor(confident, shape: [100, 10]))
        #expect(abs(best.mean - 10) < 1e-9 && best.std < 1e-9)
        // Every sample predicted the same (even a spread distribution): score 1.
        let row: [Float] = [0.5, 0.2, 0.1, 0.1, 0.1]
        let same = ClassifierScore(probabilities: Tensor(Array((0..<50).map { _ in row }.joined()), shape: [50, 5]), splits: 5)
        #expect(abs(same.mean - 1) < 1e-6 && same.std < 1e-6)
        // Confident but only two classes: score 2.
        var two = [Float](repeating: 0, count: 40 * 10)
        for i in 0..<40 { two[i * 10 + i % 2] = 1 }
        #expect(abs(ClassifierScore(probabilities: Tensor(two, shape: [40, 10]), splits: 4).mean - 2) < 1e-9)
    }

    @Test func precisionAndRecallOnConstructedSets() {
        // Real: 100 points spaced 1 apart on a line (3rd-neighbour radius 2 inside, 3 at the
        // ends). Generated: 50 points just beside real points 0...49, inside the real manifold,
        // whose last one (radius 3) covers real points up to 52; and 50 points far off the line.
        var real: [Float] = [], generated: [Float] = []
        for i in 0..<100 { real += [Float(i), 0, 0] }
        for i in 0..<50 { generated += [Float(i) + 0.25, 0, 0] }
        for i in 0..<50 { generated += [Float(i), 50, 0] }
        let pr = PrecisionRecall(real: Tensor(real, shape: [100, 3]), generated: Tensor(generated, shape: [100, 3]), k: 3)
        #expect(pr.precision == 0.5)
        #expect(pr.recall == 0.53)
        let radii = ManifoldEstimate(Tensor(real, shape: [100, 3]), k: 3).squaredRadii
        #expect(abs(radii[0] - 9) < 1e-3 && abs(radii[99] - 9) < 1e-3)
        #expect(radii[1..<99].allSatisfy { abs($0 - 4) < 1e-3 })
    }

    @Test func classHistogramAndStackedModes() {
        let h = ClassHistogram(labels: [0, 0, 1, 3], classCount: 4)
        #expect(h.counts == [2, 1, 0, 1] && h.classesCovered == 3 && h.sampleCount == 4)
        let expected = 0.5 * log(0.5 * 4) + 2 * 0.25 * log(0.25 * 4)
        #expect(abs(h.klToUniform - expected) < 1e-12)
        #expect(ClassHistogram(labels: Array(0..<10), classCount: 10).klToUniform == 0)
        #expect(abs(ClassHistogram(labels: [7, 7, 7], classCount: 10).klToUniform - log(10)) < 1e-12)
        let modes = ClassHistogram.stackedModes(channelDigits: [1, 2, 3, 1, 2, 3, 9, 0, 0])
        #expect(modes.classCount == 1_000 && modes.classesCovered == 2 && modes.counts[123] == 2 && modes.counts[900] == 1)
        let probs = Tensor([0.1, 0.7, 0.2, 0.5, 0.2, 0.3], shape: [2, 3])
        #expect(probs.argmaxRows() == [1, 0])
    }
}
