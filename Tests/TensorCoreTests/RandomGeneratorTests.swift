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

@Suite struct FastMathTests {
    @Test func sqrtIsWithinOneUlp() {
        var x: Float = 1e-44
        while x < 1e38 {
            let got = FastMath.sqrt(x), want = x.squareRoot()
            #expect(abs(got - want) <= want.ulp, "sqrt(\(x)) = \(got), want \(want)")
            x *= 1.37
        }
        #expect(FastMath.sqrt(0) == 0)
        #expect(FastMath.sqrt(.infinity) == .infinity)
        #expect(FastMath.sqrt(-1).isNaN)
        #expect(FastMath.sqrt(4) == 2)
    }

    @Test func sigmoidTanhSoftplusAreStable() {
        for x: Float in [-100, -30, -10, -1, -1e-3, 0, 1e-3, 1, 10, 30, 100] {
            let d = Double(x)
            #expect(abs(Double(FastMath.sigmoid(x)) - 1 / (1 + Foundation.exp(-d))) < 1e-7)
            #expect(abs(Double(FastMath.tanh(x)) - Foundation.tanh(d)) < 2e-7)
            let sp = d > 30 ? d : Foundation.log1p(Foundation.exp(d))
            #expect(abs(Double(FastMath.softplus(x)) - sp) <= 2e-7 * max(1, sp))
        }
    }
}
