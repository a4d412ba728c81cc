import Testing
import Autograd

/// `BackwardContext.needsGradient`: a rule learns which inputs the walk uses, so that it can
/// skip the rest (a matmul whose weight is not asked for computes one product, not two).
@Suite struct NeededGradientTests {
    /// An identity-like op on two inputs that records what its rule was told.
    final class Probe: @unchecked Sendable { var needed: [[Bool]] = [] }

    func probed(_ a: Tensor, _ b: Tensor, _ probe: Probe) -> Tensor {
        let out = Storage(uninitialized: a.count)
        for i in 0..<a.count { out.pointer[i] = a.storage.pointer[i] * b.storage.pointer[i] }
        return Tensor.record("probe", out, shape: a.shape, inputs: [a, b]) { gy, ctx in
            probe.needed.append([ctx.needsGradient(0), ctx.needsGradient(1)])
            return [ctx.needsGradient(0) ? gy * ctx.input(1) : nil, ctx.needsGradient(1) ? gy * ctx.input(0) : nil]
        }
    }

    @Test func theRuleIsToldWhichInputsTheWalkUses() {
        let x = Tensor([1, 2, 3]).requiringGradient(), w = Tensor([4, 5, 6]).requiringGradient()
        let data = Tensor([7, 8, 9])
        let probe = Probe()
        _ = gradients(of: probed(x, w, probe).sum(), wrt: [x])
        _ = gradients(of: probed(x, w, probe).sum(), wrt: [w])
        _ = gradients(of: probed(x, w, probe).sum(), wrt: [x, w])
        _ = gradients(of: probed(data, w, probe).sum(), wrt: [w])
        // Through an intermediate: x → x·2 → probe; asking for x needs input 0.
        _ = gradients(of: probed(x * 2, w, probe).sum(), wrt: [x])
        #expect(probe.needed == [[true, false], [false, true], [true, true], [false, true], [true, false]])
    }

    /// Skipping a product changes no value: each gradient alone equals the one from a walk
    /// that asks for both, for matmul (both transposes), broadcasting add/sub/mul and conv.
    @Test func gradientsAskedAloneEqualGradientsAskedTogether() {
        var rng = RandomGenerator(seed: 5)
        let a = Tensor.randomNormal([3, 4], using: &rng).requiringGradient()
        let b = Tensor.randomNormal([5, 4], using: &rng).requiringGradient()
        let bias = Tensor.randomNormal([5], using: &rng).requiringGradient()
        let loss = ((a.matmul(b, transposeB: true) + bias) * bias - bias).tanh().sum()
        let both = gradients(of: loss, wrt: [a, b, bias])
        #expect(gradients(of: loss, wrt: [a])[0].toArray() == both[0].toArray())
        #expect(gradients(of: loss, wrt: [b])[0].toArray() == both[1].toArray())
        #expect(gradients(of: loss, wrt: [bias])[0].toArray() == both[2].toArray())

        let x = Tensor.randomNormal([2, 2, 5, 5], using: &rng).requiringGradient()
        let w = Tensor.randomNormal([3, 2, 3, 3], using: &rng).requiringGradient()
        let wt = Tensor.randomNormal([3, 2, 3, 3], using: &rng).requiringGradient()
        let y = Tensor.convTranspose2d(Tensor.conv2d(x, weight: w, stride: 2, padding: 1), weight: wt, stride: 2, padding: 1)
        let l2 = y.square().sum()
        let all = gradients(of: l2, wrt: [x, w, wt])
        #expect(gradients(of: l2, wrt: [x])[0].toArray() == all[0].toArray())
        #expect(gradients(of: l2, wrt: [w])[0].toArray() == all[1].toArray())
        #expect(gradients(of: l2, wrt: [wt])[0].toArray() == all[2].toArray())
    }
}
