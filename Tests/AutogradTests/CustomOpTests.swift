import Autograd
import TestFixtures
import Testing

extension Tensor {
    /// x³, written as a user would add an op: a kernel loop, then `record` with a backward
    /// rule in Tensor ops (so it differentiates again).
    fileprivate func cube() -> Tensor {
        let out = Storage(uninitialized: count)
        for i in 0..<count { let v = storage.pointer[i]; out.pointer[i] = v * v * v }
        return Tensor.record("cube", out, shape: shape, inputs: [self]) { gy, ctx in
            [gy * ctx.input(0).square() * 3]
        }
    }

    /// x³ again, but with a gradient computed by a raw loop: first order is right, and
    /// asking for second order must stop loudly instead of returning zeros.
    fileprivate func cubeWithRawGradient() -> Tensor {
        let out = Storage(uninitialized: count)
        for i in 0..<count { let v = storage.pointer[i]; out.pointer[i] = v * v * v }
        return Tensor.record("cube_raw", out, shape: shape, inputs: [self]) { gy, ctx in
            let x = ctx.input(0)
            let g = Storage(uninitialized: x.count)
            for i in 0..<x.count { g.pointer[i] = 3 * x.storage.pointer[i] * x.storage.pointer[i] * gy.storage.pointer[i] }
            return [Tensor.notTwiceDifferentiable(Tensor(storage: g, shape: x.shape), op: "cube_raw backward", inputs: [x, gy])]
        }
    }
}

@Suite("User-defined ops")
struct CustomOpTests {
    @Test func recordedOpDifferentiatesTwice() {
        var rng = RandomGenerator(seed: 13)
        checkGradients("cube", inputs: [Tensor.randomNormal([3, 4], using: &rng)]) { $0[0].cube() }
    }

    @Test func rawGradientIsRightAtFirstOrder() {
        let x = Tensor([1, -2, 0.5]).requiringGradient()
        let g = gradients(of: x.cubeWithRawGradient().sum(), wrt: [x])[0]
        #expect(g.toArray() == [3, 12, 0.75])
    }

    @Test func secondOrderThroughARawGradientFailsLoudly() async {
        await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            let x = Tensor([1, -2, 0.5]).requiringGradient()
            let g = gradients(of: x.cubeWithRawGradient().sum(), wrt: [x], createGraph: true)[0]
            _ = gradients(of: g.sum(), wrt: [x])
        }.map { r in
            #expect(String(decoding: r.standardErrorContent, as: UTF8.self)
                .contains("cube_raw backward: this op's gradient cannot be differentiated again"))
        }
    }
}
