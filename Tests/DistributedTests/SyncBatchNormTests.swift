import Distributed
import NN
import Testing

/// Synchronized batch norm over two ranks (threads) holding the halves of a batch must
/// behave as plain batch norm over the whole batch: outputs, input gradients, parameter
/// gradients (summed over ranks) and running statistics.
@Suite("Synchronized batch norm")
struct SyncBatchNormTests {
    static func rows(_ x: Tensor, _ range: Range<Int>) -> Tensor {
        let row = x.count / x.shape[0]
        return Tensor(Array(x.toArray()[(range.lowerBound * row)..<(range.upperBound * row)]),
                      shape: [range.count] + Array(x.shape.dropFirst()))
    }

    struct Result: Sendable {
        var y: [Float], gx: [Float], gGamma: [Float], gBeta: [Float], runningMean: [Float], runningVar: [Float]
    }

    /// BN (fresh, affine with fixed non-trivial γ, β) on `x` with loss Σ y·w; gradients with
    /// or without a graph of the gradients (the two backward paths).
    static func run(_ x: Tensor, _ w: Tensor, sync: (any Communicator)?, createGraph: Bool) -> Result {
        let bn = BatchNorm(x.shape[1], rank: x.rank)
        bn.weight = Tensor((0..<x.shape[1]).map { 1 + 0.25 * Float($0) }).requiringGradient()
        bn.bias = Tensor((0..<x.shape[1]).map { 0.1 * Float($0) }).requiringGradient()
        if let sync { synchronizeBatchNorm(in: bn, over: sync) }
        let xt = x.requiringGradient()
        let y = bn(xt, in: Context(.training))
        let g = gradients(of: (y * w).sum(), wrt: [xt, bn.weight!, bn.bias!], createGraph: createGraph)
        return Result(y: y.toArray(), gx: g[0].toArray(), gGamma: g[1].toArray(), gBeta: g[2].toArray(),
                      runningMean: bn.runningMean.toArray(), runningVar: bn.runningVar.toArray())
    }

    static func close(_ a: [Float], _ b: [Float], _ tol: Float = 2e-5) -> Bool {
        a.count == b.count && zip(a, b).allSatisfy { abs($0 - $1) <= tol * max(1, abs($1)) }
    }

    @Test(arguments: [[8, 3], [4, 2, 3, 3]], [false, true])
    func twoHalvesEqualTheWholeBatch(shape: [Int], createGraph: Bool) {
        var rng = RandomGenerator(seed: 11)
        let x = Tensor.randomNormal(shape, mean: 0.5, std: 2, using: &rng)
        let w = Tensor.randomNormal(shape, using: &rng)
        let whole = Self.run(x, w, sync: nil, createGraph: createGraph)
        let half = shape[0] / 2
        let parts = LocalGroup.run(size: 2) { c in
            let range = c.rank == 0 ? 0..<half : half..<shape[0]
            return Self.run(Self.rows(x, range), Self.rows(w, range), sync: c, createGraph: createGraph)
        }
        #expect(Self.close(parts[0].y + parts[1].y, whole.y))
        #expect(Self.close(parts[0].gx + parts[1].gx, whole.gx))
        #expect(Self.close(zip(parts[0].gGamma, parts[1].gGamma).map { $0 + $1 }, whole.gGamma))
        #expect(Self.close(zip(parts[0].gBeta, parts[1].gBeta).map { $0 + $1 }, whole.gBeta))
        for p in parts {
            #expect(Self.close(p.runningMean, whole.runningMean))
            #expect(Self.close(p.runningVar, whole.runningVar))
        }
        // Unsynchronized halves see different statistics (so the test can tell).
        let plain = Self.run(Self.rows(x, 0..<half), Self.rows(w, 0..<half), sync: nil, createGraph: createGraph)
        #expect(!Self.close(plain.y, parts[0].y))
    }

    @Test func inAWorldOfOneItIsPlainBatchNorm() {
        var rng = RandomGenerator(seed: 3)
        let x = Tensor.randomNormal([6, 4], using: &rng), w = Tensor.randomNormal([6, 4], using: &rng)
        let a = Self.run(x, w, sync: nil, createGraph: false), b = Self.run(x, w, sync: SingleProcess(), createGraph: false)
        #expect(a.y == b.y && a.gx == b.gx && a.runningVar == b.runningVar)
    }
}
