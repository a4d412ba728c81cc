import Autograd
import TestFixtures
import Foundation
import Testing

@Suite("Shape ops")
struct ShapeOpsTests {
    // MARK: fixtures

    @Test func reshape() throws { try checkOpFixture("reshape", inputs: ["x"]) { $0[0].reshaped([4, 6]) } }
    @Test func permute() throws { try checkOpFixture("permute", inputs: ["x"]) { $0[0].permuted([0, 2, 3, 1]) } }
    @Test func concat() throws {
        try checkOpFixture("concat", inputs: ["a", "b", "c"]) { Tensor.concat($0, axis: 1) }
    }
    @Test func slice() throws {
        try checkOpFixture("slice", inputs: ["x"]) { $0[0].sliced([0..<2, 1..<3, 0..<3, 2..<5]) }
    }
    @Test func gather() throws {
        try checkOpFixture("gather", inputs: ["x", "index"], constant: ["index"]) { $0[0].gather(axis: 1, indices: $0[1]) }
    }

    // MARK: finite differences

    @Test func finiteDifferences() {
        var rng = RandomGenerator(seed: 11)
        let x3 = Tensor.randomNormal([2, 3, 4], using: &rng)
        checkGradients("permute 3-D", inputs: [x3]) { $0[0].permuted([2, 0, 1]) }
        checkGradients("transpose", inputs: [x3]) { $0[0].transposed() }
        let a = Tensor.randomNormal([2, 3], using: &rng), b = Tensor.randomNormal([1, 3], using: &rng)
        let c = Tensor.randomNormal([2, 2], using: &rng)
        checkGradients("concat axis 0", inputs: [a, b]) { Tensor.concat($0, axis: 0) }
        checkGradients("concat last axis", inputs: [a, c]) { Tensor.concat($0, axis: -1) }
        checkGradients("concat of a product", inputs: [a, b]) { x in Tensor.concat([x[0] * x[0], x[1]], axis: 0) }
        checkGradients("stack", inputs: [a, a * 2]) { Tensor.stack($0, axis: 1) }
        checkGradients("slice", inputs: [x3]) { $0[0].sliced([1..<2, 0..<3, 1..<3]) }
        checkGradients("slice axis", inputs: [x3]) { $0[0].slice(axis: 2, range: 1..<4) }
        checkGradients("zero pad", inputs: [a]) { $0[0].zeroPadded(to: [4, 5], offsets: [1, 2]) }
        // gather along axis 0 with repeats and a smaller index tensor; squared so the
        // second order is not zero.
        let idx = Tensor([2, 0, 1, 2, 2, 0], shape: [2, 3])
        let sq = Tensor.randomNormal([3, 3], using: &rng)
        checkGradients("gather axis 0", inputs: [sq]) { $0[0].gather(axis: 0, indices: idx).square() }
        checkGradients("gather last axis", inputs: [x3]) { x in
            x[0].gather(axis: 2, indices: Tensor([3, 3, 0, 1, 2, 1, 0, 0], shape: [2, 2, 2])).square()
        }
        checkGradients("scatterAdd", inputs: [a]) { $0[0].scatterAdd(axis: 1, indices: Tensor([0, 0, 3, 1, 2, 1], shape: [2, 3]), shape: [2, 4]).square() }
    }

    // MARK: values

    @Test func permuteMatchesNaiveIndexing() {
        // Several layouts: runs along the last axis, tiled transposes, size-1 axes.
        var rng = RandomGenerator(seed: 12)
        let shapes: [([Int], [Int])] = [
            ([3, 4, 5], [0, 2, 1]), ([3, 4, 5], [2, 1, 0]), ([3, 4, 5], [1, 0, 2]), ([37, 70], [1, 0]),
            ([2, 1, 3, 5], [3, 0, 2, 1]), ([5, 1], [1, 0]), ([2, 33, 40], [0, 2, 1]), ([4, 3, 2, 2], [0, 2, 3, 1]),
        ]
        for (shape, perm) in shapes {
            let x = Tensor.randomNormal(shape, using: &rng)
            let y = x.permuted(perm)
            #expect(y.shape == perm.map { shape[$0] })
            let xs = Shape.strides(shape), ys = Shape.strides(y.shape)
            let xv = x.toArray(), yv = y.toArray()
            var ok = true
            for i in 0..<x.count {
                var rem = i
                var yIndex = 0
                for d in 0..<shape.count {
                    let coord = rem / xs[d]
                    rem %= xs[d]
                    yIndex += coord * ys[perm.firstIndex(of: d)!]
                }
                if yv[yIndex] != xv[i] { ok = false }
            }
            #expect(ok, "permute \(shape) by \(perm)")
            #expect(y.permuted(perm.indices.map { perm.firstIndex(of: $0)! }).toArray() == xv)
        }
        let m = Tensor([1, 2, 3, 4, 5, 6], shape: [2, 3])
        #expect(m.transposed().toArray() == [1, 4, 2, 5, 3, 6])
        #expect(m.transposed().shape == [3, 2])
    }

    @Test func concatStackSliceValues() {
        let a = Tensor([1, 2, 3, 4], shape: [2, 2]), b = Tensor([5, 6], shape: [2, 1])
        #expect(Tensor.concat([a, b], axis: 1).toArray() == [1, 2, 5, 3, 4, 6])
        #expect(Tensor.concat([a, a], axis: 0).toArray() == [1, 2, 3, 4, 1, 2, 3, 4])
        let s = Tensor.stack([a, a * 10], axis: 1)
        #expect(s.shape == [2, 2, 2])
        #expect(s.toArray() == [1, 2, 10, 20, 3, 4, 30, 40])
        #expect(Tensor.stack([Tensor([1, 2]), Tensor([3, 4])]).shape == [2, 2])
        let x = Tensor((0..<24).map(Float.init), shape: [2, 3, 4])
        #expect(x.sliced([1..<2, 1..<3]).toArray() == [16, 17, 18, 19, 20, 21, 22, 23])
        #expect(x.slice(axis: 2, range: 1..<3).toArray() == [1, 2, 5, 6, 9, 10, 13, 14, 17, 18, 21, 22])
        #expect(x.slice(axis: 1, range: 1..<1).shape == [2, 0, 4])
        let p = Tensor([1, 2], shape: [1, 2]).zeroPadded(to: [2, 3], offsets: [1, 1])
        #expect(p.toArray() == [0, 0, 0, 0, 1, 2])
    }

    @Test func gatherAndScatterAccumulateRepeats() {
        let x = Tensor([10, 11, 12, 20, 21, 22], shape: [2, 3])
        let idx = Tensor([2, 2, 0, 1], shape: [2, 2])
        #expect(x.gather(axis: 1, indices: idx).toArray() == [12, 12, 20, 21])
        #expect(x.gather(axis: 0, indices: Tensor([1, 0, 1], shape: [1, 3])).toArray() == [20, 11, 22])
        let xv = x.requiringGradient()
        let g = gradients(of: xv.gather(axis: 1, indices: idx).sum(), wrt: [xv])[0]
        #expect(g.toArray() == [0, 0, 2, 1, 1, 0])
    }

    @Test func oneHot() {
        let t = Tensor.oneHot([2, 0, 1], classes: 3)
        #expect(t.shape == [3, 3])
        #expect(t.toArray() == [0, 0, 1, 1, 0, 0, 0, 1, 0])
        #expect(!t.isTracked)
    }

    @Test func concatMismatchNamesShapes() async {
        await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = Tensor.concat([Tensor(zeros: [2, 3]), Tensor(zeros: [3, 3])], axis: 1)
        }.map { result in
            let text = String(decoding: result.standardErrorContent, as: UTF8.self)
            #expect(text.contains("concat: tensor 1 of shape [3, 3] does not match tensor 0 of shape [2, 3] outside axis 1"))
        }
    }

    @Test func gatherIndexOutOfRangeFails() async {
        await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = Tensor(zeros: [2, 3]).gather(axis: 1, indices: Tensor([0, 3], shape: [2, 1]))
        }.map { result in
            let text = String(decoding: result.standardErrorContent, as: UTF8.self)
            #expect(text.contains("gather: index 3.0 at position 1 is not an integer in 0..<3"))
        }
    }
}
