import Foundation
import NN

/// W1 `gmm2d` of BENCHMARKS.md, step for step as the peer script `gmm2d.py` does it: a GAN
/// on a ring of 8 Gaussians (radius 2, σ 0.02), MLPs 2-128-128-2 and 2-128-128-1 with ReLU,
/// non-saturating BCE, Adam(1e-4, 0.5, 0.999), batch 512. Per step: z ~ N(0, I); fake = G(z)
/// once; D update on D(real) → 1 and D(fake, no graph to G) → 0; G update on D(fake)
/// through the updated D. Prints `RESULT workload=gmm2d steps_per_s=... ms_per_step=...`.
func benchGMM2D(steps: Int, batch: Int = 512, seed: UInt64 = 0) {
    var rng = RandomGenerator(seed: seed)
    let g = Sequential(Linear(2, 128, using: &rng), ReLU(), Linear(128, 128, using: &rng), ReLU(), Linear(128, 2, using: &rng))
    let d = Sequential(Linear(2, 128, using: &rng), ReLU(), Linear(128, 128, using: &rng), ReLU(), Linear(128, 1, using: &rng))
    let adam = Adam(learningRate: 1e-4, beta1: 0.5, beta2: 0.999)
    var stateG = OptimizerState(), stateD = OptimizerState()
    let centres = (0..<8).map { k -> [Float] in
        let a = 2 * Double.pi * Double(k) / 8
        return [2 * Float(cos(a)), 2 * Float(sin(a))]
    }
    let ones = Tensor(ones: [batch, 1]), zeros = Tensor(zeros: [batch, 1])
    let context = Context(.training)
    var lossD: Float = 0, lossG: Float = 0

    func step() {
        let noise = Tensor.randomNormal([batch, 2], std: 0.02, using: &rng)
        let real = Storage(uninitialized: batch * 2)
        for i in 0..<batch {
            let c = centres[rng.nextInt(below: 8)]
            real.pointer[2 * i] = c[0] + noise.storage.pointer[2 * i]
            real.pointer[2 * i + 1] = c[1] + noise.storage.pointer[2 * i + 1]
        }
        let z = Tensor.randomNormal([batch, 2], using: &rng)
        let fake = g(z, in: context)

        let dParams = d.parameters()
        let ld = Tensor.binaryCrossEntropyWithLogits(d(Tensor(storage: real, shape: [batch, 2]), in: context), ones)
            + Tensor.binaryCrossEntropyWithLogits(d(fake.detached(), in: context), zeros)
        let (newD, sD) = adam.update(dParams, gradients(of: ld, wrt: dParams), stateD)
        d.update(parameters: newD)
        stateD = sD

        let gParams = g.parameters()
        let lg = Tensor.binaryCrossEntropyWithLogits(d(fake, in: context), ones)
        let (newG, sG) = adam.update(gParams, gradients(of: lg, wrt: gParams), stateG)
        g.update(parameters: newG)
        stateG = sG
        lossD = ld.scalarValue
        lossG = lg.scalarValue
    }

    print("CONFIG workload=gmm2d batch=\(batch) threads=\(BLAS.maxThreads) steps=\(steps) warmup=10 seed=\(seed) impl=swiftgan")
    for _ in 0..<10 { step() }
    let t0 = Timer.now()
    for _ in 0..<steps { step() }
    let elapsed = Double(Timer.now() - t0) / 1e9
    let sps = Double(steps) / elapsed
    print(String(format: "INFO elapsed_s=%.3f final_loss_d=%.4f final_loss_g=%.4f", elapsed, lossD, lossG))
    print(String(format: "RESULT workload=gmm2d steps_per_s=%.4f ms_per_step=%.4f", sps, 1000 / sps))
}
