import NN

/// The step W1 and W3 share (BENCHMARKS.md, "Step order for W1 and W3"): fake = G(z) once;
/// D update on D(real) → 1 and D(fake, no graph to G) → 0 with non-saturating BCE; then the
/// G update on D(fake) → 1 through the already-updated D. Adam with the workload's settings
/// for both players; the optimizer states live here.
final class NonSaturatingStep {
    let adam: Adam
    var stateG = OptimizerState(), stateD = OptimizerState()
    let ones: Tensor, zeros: Tensor

    init(batch: Int, adam: Adam) {
        self.adam = adam
        ones = Tensor(ones: [batch, 1])
        zeros = Tensor(zeros: [batch, 1])
    }

    func callAsFunction(g: Sequential, d: Sequential, real: Tensor, z: Tensor, context: Context) -> (lossD: Float, lossG: Float) {
        let fake = g(z, in: context)

        let dParams = d.parameters()
        let lossD = Tensor.binaryCrossEntropyWithLogits(d(real, in: context), ones)
            + Tensor.binaryCrossEntropyWithLogits(d(fake.detached(), in: context), zeros)
        let (newD, sD) = adam.update(dParams, gradients(of: lossD, wrt: dParams), stateD)
        d.update(parameters: newD)
        stateD = sD

        let gParams = g.parameters()
        let lossG = Tensor.binaryCrossEntropyWithLogits(d(fake, in: context), ones)
        let (newG, sG) = adam.update(gParams, gradients(of: lossG, wrt: gParams), stateG)
        g.update(parameters: newG)
        stateG = sG
        return (lossD.scalarValue, lossG.scalarValue)
    }
}
