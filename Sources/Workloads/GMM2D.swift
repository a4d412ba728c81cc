import Foundation
import NN

/// W1 `gmm2d` (peer: `gmm2d.py`): a GAN on a ring of 8 Gaussians (radius 2, σ 0.02), MLPs
/// 2-128-128-2 (G) and 2-128-128-1 (D) with ReLU, non-saturating BCE, Adam(1e-4, 0.5,
/// 0.999) for both, batch 512. Per step: real points sampled; z ~ N(0, I₂); fake = G(z)
/// once; D update on D(real) → 1 and D(fake, no graph to G) → 0; G update on D(fake)
/// through the already-updated D.
public final class GMM2D: Workload {
    public static let name = "gmm2d"
    public static let defaultBatch = 512
    public static let defaultSteps = 3000
    static let latent = 2, hidden = 128

    public static func flopsPerStep(batch: Int) -> Int {
        let fwdG = 2 * batch * (latent * hidden + hidden * hidden + hidden * 2)
        let fwdD = 2 * batch * (2 * hidden + hidden * hidden + hidden * 1)
        return 3 * fwdG + 9 * fwdD
    }

    let batch: Int
    var rng: RandomGenerator
    let g: Sequential, d: Sequential
    let game: NonSaturatingStep
    let centres: [(Float, Float)]
    let context = Context(.training)

    public init(batch: Int, seed: UInt64) {
        self.batch = batch
        rng = RandomGenerator(seed: seed)
        let h = Self.hidden
        g = Sequential(Linear(Self.latent, h, using: &rng), ReLU(), Linear(h, h, using: &rng), ReLU(), Linear(h, 2, using: &rng))
        d = Sequential(Linear(2, h, using: &rng), ReLU(), Linear(h, h, using: &rng), ReLU(), Linear(h, 1, using: &rng))
        centres = (0..<8).map { k in
            let a = 2 * Double.pi * Double(k) / 8
            return (2 * Float(cos(a)), 2 * Float(sin(a)))
        }
        game = NonSaturatingStep(batch: batch, adam: Adam(learningRate: 1e-4, beta1: 0.5, beta2: 0.999))
    }

    /// `batch` points: centre k ~ U{0..7}, plus 0.02·N(0, I₂).
    func sampleReal() -> Tensor {
        let noise = Tensor.randomNormal([batch, 2], std: 0.02, using: &rng)
        let real = Storage(uninitialized: batch * 2)
        let n = noise.storage.pointer, r = real.pointer
        for i in 0..<batch {
            let c = centres[rng.nextInt(below: 8)]
            r[2 * i] = c.0 + n[2 * i]
            r[2 * i + 1] = c.1 + n[2 * i + 1]
        }
        return Tensor(storage: real, shape: [batch, 2])
    }

    public var generator: Sequential { g }
    public var discriminator: Sequential { d }

    public func step() -> (lossD: Float, lossG: Float) {
        let real = sampleReal()
        let z = Tensor.randomNormal([batch, Self.latent], using: &rng)
        return game(g: g, d: d, real: real, z: z, context: context)
    }
}
