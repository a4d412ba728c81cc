import Foundation
import Testing
import TensorCore

@Suite struct RandomGeneratorTests {
    @Test func sameSeedSameSequence() {
        var a = RandomGenerator(seed: 42), b = RandomGenerator(seed: 42), c = RandomGenerator(seed: 43)
        let sa = (0..<100).map { _ in a.next() }
        #expect(sa == (0..<100).map { _ in b.next() })
        #expect(sa != (0..<100).map { _ in c.next() })
    }

    @Test func stateRoundTripResumesTheSequence() {
        var a = RandomGenerator(seed: 5)
        _ = a.next()
        var b = RandomGenerator(state: a.state)
        #expect(a.next() == b.next())
    }

    @Test func distributionsHaveTheRightMoments() {
        var rng = RandomGenerator(seed: 9)
        let n = 200_000
        var buf = [Float](repeating: 0, count: n)
        buf.withUnsafeMutableBufferPointer { rng.fillNormal($0, mean: 1, std: 2) }
        let mean = buf.reduce(0.0) { $0 + Double($1) } / Double(n)
        let variance = buf.reduce(0.0) { $0 + (Double($1) - mean) * (Double($1) - mean) } / Double(n)
        #expect(abs(mean - 1) < 0.02)
        #expect(abs(variance - 4) < 0.06)
        buf.withUnsafeMutableBufferPointer { rng.fillUniform($0, low: -1, high: 3) }
        #expect(buf.allSatisfy { $0 >= -1 && $0 < 3 })
        let umean = buf.reduce(0.0) { $0 + Double($1) } / Double(n)
        #expect(abs(umean - 1) < 0.02)
        buf.withUnsafeMutableBufferPointer { rng.fillBernoulli($0, p: 0.3) }
        let ones = buf.filter { $0 == 1 }.count
        #expect(buf.allSatisfy { $0 == 0 || $0 == 1 })
        #expect(abs(Double(ones) / Double(n) - 0.3) < 0.01)
    }

    @Test func boundedIntegersAreUniform() {
        var rng = RandomGenerator(seed: 3)
        var counts = [Int](repeating: 0, count: 7)
        for _ in 0..<70_000 { counts[rng.nextInt(below: 7)] += 1 }
        #expect(counts.allSatisfy { abs($0 - 10_000) < 500 })
        #expect(rng.permutation(10).sorted() == Array(0..<10))
    }
}
