import Autograd
import TestFixtures
import Foundation
import Testing

@Suite("Pooling, upsampling, padding")
struct PoolingTests {
    // MARK: PyTorch fixtures (forward, first and second order)

    @Test func avgPoolFixture() throws {
        try checkOpFixture("avg_pool2d", inputs: ["x"]) { $0[0].avgPool2d(kernel: 2) }
    }

    @Test func avgPoolOverlapFixture() throws {
        try checkOpFixture("avg_pool2d_overlap", inputs: ["x"]) { $0[0].avgPool2d(kernel: 3, stride: 2) }
    }

    @Test func upsampleFixture() throws {
        try checkOpFixture("upsample_nearest2x", inputs: ["x"]) { $0[0].upsampleNearest2x() }
    }

    @Test func padFixture() throws {
        try checkOpFixture("pad2d", inputs: ["x"]) { $0[0].padded2d(left: 1, right: 2, top: 0, bottom: 1) }
    }

    // MARK: values

    @Test func values() {
        let x = Tensor([1, 2, 3, 4, 5, 6], shape: [1, 1, 2, 3])
        #expect(x.upsampleNearest2x().toArray() == [1, 1, 2, 2, 3, 3,
                                                    1, 1, 2, 2, 3, 3,
                                                    4, 4, 5, 5, 6, 6,
                                                    4, 4, 5, 5, 6, 6])
        #expect(x.padded2d(left: 1, right: 0, top: 1, bottom: 1).toArray() == [0, 0, 0, 0,
                                                                               0, 1, 2, 3,
                                                                               0, 4, 5, 6,
                                                                               0, 0, 0, 0])
        #expect(x.padded2d(left: -1, right: 1, top: 0, bottom: -1).toArray() == [2, 3, 0])
        #expect(x.avgPool2d(kernel: 2, stride: 1).toArray() == [3, 4])
        #expect(x.upsampleNearest2x().avgPool2d(kernel: 2).toArray() == x.toArray())
        let z = Tensor(Array(stride(from: Float(0), to: 25, by: 1)), shape: [1, 1, 5, 5])
        #expect(z.avgPool2d(kernel: 2).toArray() == [3, 5, 13, 15])  // the last row and column are dropped
    }

    // MARK: finite differences, first and second order

    @Test func avgPoolFiniteDifferences() {
        var rng = RandomGenerator(seed: 31)
        let x = Tensor.randomNormal([3, 2, 5, 7], using: &rng)
        checkGradients("avgPool k2 (floor)", inputs: [x]) { $0[0].avgPool2d(kernel: 2) }
        checkGradients("avgPool k3 s1 (overlap)", inputs: [x]) { $0[0].avgPool2d(kernel: 3, stride: 1) }
        checkGradients("avgPool k2 s3 (gaps)", inputs: [x]) { $0[0].avgPool2d(kernel: 2, stride: 3) }
        let x1 = Tensor.randomNormal([1, 1, 6, 4], using: &rng)
        checkGradients("avgPool k3 batch 1", inputs: [x1]) { $0[0].avgPool2d(kernel: 3) }
    }

    @Test func upsampleFiniteDifferences() {
        var rng = RandomGenerator(seed: 32)
        let x = Tensor.randomNormal([3, 2, 2, 3], using: &rng)
        checkGradients("upsample", inputs: [x]) { $0[0].upsampleNearest2x() }
        // Through a nonlinearity, so that second order is not trivially zero.
        checkGradients("upsample → square → avgPool", inputs: [x]) {
            $0[0].upsampleNearest2x().square().avgPool2d(kernel: 3, stride: 2)
        }
    }

    @Test func padFiniteDifferences() {
        var rng = RandomGenerator(seed: 33)
        let x = Tensor.randomNormal([3, 2, 3, 4], using: &rng)
        checkGradients("pad", inputs: [x]) { $0[0].padded2d(left: 2, right: 0, top: 1, bottom: 3) }
        checkGradients("pad and crop", inputs: [x]) { $0[0].padded2d(left: -1, right: 1, top: 2, bottom: -2) }
        let x1 = Tensor.randomNormal([1, 1, 2, 5], using: &rng)
        checkGradients("pad → square", inputs: [x1]) { $0[0].padded2d(left: 1, right: 1, top: 1, bottom: 0).square() }
    }

    @Test func windowLargerThanInputIsRejected() async {
        await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = Tensor(zeros: [1, 1, 2, 3]).avgPool2d(kernel: 3)
        }.map { result in
            let text = String(decoding: result.standardErrorContent, as: UTF8.self)
            #expect(text.contains("avgPool2d: input [1, 1, 2, 3] is smaller than the 3x3 window"))
        }
    }
}
