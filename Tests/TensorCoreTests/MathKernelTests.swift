import Foundation
import Testing
import TensorCore

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

/// The C kernels (the clone picked for this CPU) against libm in Double.
@Suite struct VectorMathTests {
    static let sweep: [Float] = (0..<4001).map { Float($0 - 2000) * 0.05 } + [1e-30, -1e-30, 1e-40, 88, -88, 100, -100]

    func check(_ name: String, _ kernel: (UnsafePointer<Float>, UnsafeMutablePointer<Float>, Int) -> Void,
               inputs: [Float], tolerance: Double, _ reference: (Double) -> Double) {
        var out = [Float](repeating: 0, count: inputs.count)
        inputs.withUnsafeBufferPointer { a in out.withUnsafeMutableBufferPointer { kernel(a.baseAddress!, $0.baseAddress!, inputs.count) } }
        for (x, y) in zip(inputs, out) {
            let want = reference(Double(x))
            let err = abs(Double(y) - want) / max(1, abs(want))
            #expect(err <= tolerance, "\(name)(\(x)) = \(y), want \(want)")
        }
    }

    @Test func matchLibm() {
        let positive = VectorMathTests.sweep.map { abs($0) + 1e-6 } + [1e-40, 3e38]
        let moderate = VectorMathTests.sweep.filter { $0 < 88 }
        check("exp", VectorMath.exp, inputs: moderate, tolerance: 4e-7) { Foundation.exp($0) }
        check("log", VectorMath.log, inputs: positive, tolerance: 3e-7) { Foundation.log($0) }
        check("sqrt", VectorMath.sqrt, inputs: positive, tolerance: 1e-7) { $0.squareRoot() }
        check("tanh", VectorMath.tanh, inputs: VectorMathTests.sweep, tolerance: 3e-7) { Foundation.tanh($0) }
        check("sigmoid", VectorMath.sigmoid, inputs: VectorMathTests.sweep, tolerance: 3e-7) { 1 / (1 + Foundation.exp(-$0)) }
        check("softplus", VectorMath.softplus, inputs: VectorMathTests.sweep, tolerance: 3e-7) {
            $0 > 30 ? $0 : Foundation.log1p(Foundation.exp($0))
        }
        check("logSigmoid", VectorMath.logSigmoid, inputs: VectorMathTests.sweep, tolerance: 3e-7) {
            $0 < -30 ? $0 : -Foundation.log1p(Foundation.exp(-$0))
        }
    }

    @Test func specialValues() {
        func run(_ k: (UnsafePointer<Float>, UnsafeMutablePointer<Float>, Int) -> Void, _ x: [Float]) -> [Float] {
            var out = [Float](repeating: 0, count: x.count)
            x.withUnsafeBufferPointer { a in out.withUnsafeMutableBufferPointer { k(a.baseAddress!, $0.baseAddress!, x.count) } }
            return out
        }
        let l = run(VectorMath.log, [0, -1, .infinity, .nan])
        #expect(l[0] == -.infinity && l[1].isNaN && l[2] == .infinity && l[3].isNaN)
        let e = run(VectorMath.exp, [-200, .nan, 0])
        #expect(e[0] == 0 && e[1].isNaN && e[2] == 1)
        let s = run(VectorMath.sqrt, [0, 4, .infinity, -1])
        #expect(s[0] == 0 && s[1] == 2 && s[2] == .infinity && s[3].isNaN)
        let t = run(VectorMath.tanh, [0, 1e4, -1e4])
        #expect(t == [0, 1, -1])
    }
}

/// The C arithmetic kernels, on a buffer long enough to be split over threads (and of odd
/// length, so the chunks and the vector tails are uneven), against plain Swift loops.
@Suite struct ElementwiseKernelTests {
    @Test func matchPlainLoopsAcrossThreadChunks() {
        let n = (1 << 20) + 3
        var rng = RandomGenerator(seed: 1)
        var a = [Float](repeating: 0, count: n), b = a, out = a
        a.withUnsafeMutableBufferPointer { rng.fillNormal($0) }
        b.withUnsafeMutableBufferPointer { rng.fillUniform($0, low: 0.5, high: 2) }
        func run(_ k: (UnsafePointer<Float>, UnsafePointer<Float>, UnsafeMutablePointer<Float>, Int) -> Void) -> [Float] {
            a.withUnsafeBufferPointer { pa in b.withUnsafeBufferPointer { pb in
                out.withUnsafeMutableBufferPointer { k(pa.baseAddress!, pb.baseAddress!, $0.baseAddress!, n) } } }
            return out
        }
        #expect(run(VectorMath.add) == zip(a, b).map { $0 + $1 })
        #expect(run(VectorMath.sub) == zip(a, b).map { $0 - $1 })
        #expect(run(VectorMath.mul) == zip(a, b).map { $0 * $1 })
        #expect(run(VectorMath.div) == zip(a, b).map { $0 / $1 })
        #expect(run { x, _, o, n in VectorMath.addScalar(x, 1.5, o, n) } == a.map { $0 + 1.5 })
        #expect(run { x, _, o, n in VectorMath.mulScalar(x, -3, o, n) } == a.map { $0 * -3 })
        #expect(run { x, _, o, n in VectorMath.leakyRelu(x, slope: 0.2, o, n) } == a.map { $0 > 0 ? $0 : $0 * 0.2 })
        #expect(run { x, _, o, n in VectorMath.leakyRelu(x, slope: 0, o, n) } == a.map { $0 > 0 ? $0 : 0 })
    }
}
