import NN

/// W2 `mnist_mlp_wgangp` (peer: `mnist_mlp_wgangp.py`, the seed-002 MLP WGAN-GP): G
/// 100-256-784 (LeakyReLU 0.2, Tanh), D 784-256-1 (LeakyReLU 0.2), Adam(1e-4, 0, 0.9) for
/// both, batch 64, data a U(−1, 1) pool of 60,000 × 784. One step = 5 critic updates, each
/// on a fresh real batch and fresh z with fake = G(z) without a graph,
/// L_D = mean D(fake) − mean D(real) + 10·mean((‖∇x̂ D(x̂)‖₂ − 1)²), x̂ = ε·real + (1−ε)·fake
/// (ε ~ U(0, 1) per sample; double backward); then one generator update on L_G = −mean D(G(z)).
public final class MNISTMLPWGANGP: Workload {
    public static let name = "mnist_mlp_wgangp"
    public static let defaultBatch = 64
    public static let defaultSteps = 300
    static let latent = 100, hidden = 256, image = 784, nCritic = 5
    static let lambdaGP: Float = 10

    public static func flopsPerStep(batch: Int) -> Int {
        let fwdG = 2 * batch * (latent * hidden + hidden * image)
        let fwdD = 2 * batch * (image * hidden + hidden * 1)
        return nCritic * (10 * fwdD + fwdG) + 3 * fwdG + 3 * fwdD
    }

    let batch: Int
    var rng: RandomGenerator
    let g: Sequential, d: Sequential
    let adam = Adam(learningRate: 1e-4, beta1: 0, beta2: 0.9)
    var stateG = OptimizerState(), stateD = OptimizerState()
    var pool: RandomPool
    let context = Context(.training)

    public init(batch: Int, seed: UInt64) {
        self.batch = batch
        rng = RandomGenerator(seed: seed)
        pool = RandomPool(count: 60_000, sample: [Self.image], batch: batch, using: &rng)
        g = Sequential(Linear(Self.latent, Self.hidden, using: &rng), LeakyReLU(0.2),
                       Linear(Self.hidden, Self.image, using: &rng), Tanh())
        d = Sequential(Linear(Self.image, Self.hidden, using: &rng), LeakyReLU(0.2), Linear(Self.hidden, 1, using: &rng))
    }

    func criticUpdate() -> Float {
        let real = pool.next()
        let z = Tensor.randomNormal([batch, Self.latent], using: &rng)
        let fake = g(z, in: context).detached()
        let dParams = d.parameters()
        let dReal = d(real, in: context)
        let dFake = d(fake, in: context)
        let eps = Tensor.randomUniform([batch, 1], using: &rng)
        let xHat = (eps * real + (1 - eps) * fake).requiringGradient()
        let dHat = d(xHat, in: context)
        let grad = gradients(of: dHat, wrt: [xHat], seed: Tensor(ones: dHat.shape), createGraph: true)[0]
        let gp = (grad.l2NormRows() - 1).square().mean()
        let loss = dFake.mean() - dReal.mean() + Self.lambdaGP * gp
        let (newD, s) = adam.update(dParams, gradients(of: loss, wrt: dParams), stateD)
        d.update(parameters: newD)
        stateD = s
        return loss.scalarValue
    }

    func generatorUpdate() -> Float {
        let z = Tensor.randomNormal([batch, Self.latent], using: &rng)
        let gParams = g.parameters()
        let loss = -d(g(z, in: context), in: context).mean()
        let (newG, s) = adam.update(gParams, gradients(of: loss, wrt: gParams), stateG)
        g.update(parameters: newG)
        stateG = s
        return loss.scalarValue
    }

    public var generator: Sequential { g }
    public var discriminator: Sequential { d }

    public func step() -> (lossD: Float, lossG: Float) {
        var lossD: Float = 0
        for _ in 0..<Self.nCritic { lossD = criticUpdate() }
        return (lossD, generatorUpdate())
    }
}
