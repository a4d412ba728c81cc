import NN

/// W3 `dcgan_mnist` (peer: `dcgan_mnist.py`, the seed-001 DCGAN on 1×28×28), NCHW, train
/// mode (batch statistics, dropout active):
///
///     G: Linear(100, 12544, no bias), BatchNorm1d, LReLU(0.2), reshape 256×7×7,
///        ConvT(256→128, 5, s1, p2, no bias), BN, LReLU, ConvT(128→64, 5, s2, p2, op1, no bias),
///        BN, LReLU, ConvT(64→1, 5, s2, p2, op1, no bias), Tanh
///     D: Conv(1→64, 5, s2, p2), LReLU, Dropout(0.3), Conv(64→128, 5, s2, p2), LReLU,
///        Dropout(0.3), Flatten, Linear(6272, 1)
///
/// Non-saturating BCE, Adam(1e-4, 0.5, 0.999) for both, data a U(−1, 1) pool of 60,000
/// images; the step order of W1 (one G forward; D on real and detached fake; G through the
/// updated D).
public final class DCGANMNIST: Workload {
    public static let name = "dcgan_mnist"
    public static let defaultBatch = 64
    public static let defaultSteps = 30
    static let latent = 100

    public static func flopsPerStep(batch: Int) -> Int {
        let gMACs = 100 * 12544 + 7 * 7 * 256 * 128 * 25 + 7 * 7 * 128 * 64 * 25 + 14 * 14 * 64 * 1 * 25
        let dMACs = 14 * 14 * 1 * 64 * 25 + 7 * 7 * 64 * 128 * 25 + 6272
        return 3 * (2 * batch * gMACs) + 9 * (2 * batch * dMACs)
    }

    let batch: Int
    var rng: RandomGenerator
    let g: Sequential, d: Sequential
    let game: NonSaturatingStep
    var pool: RandomPool
    let context: Context

    public init(batch: Int, seed: UInt64) {
        self.batch = batch
        rng = RandomGenerator(seed: seed)
        pool = RandomPool(count: 60_000, sample: [1, 28, 28], batch: batch, using: &rng)
        (g, d) = Self.players(using: &rng)
        game = NonSaturatingStep(batch: batch, adam: Adam(learningRate: 1e-4, beta1: 0.5, beta2: 0.999))
        context = Context(.training, rng: RandomGenerator(seed: seed &+ 1))
    }

    /// W3's generator and discriminator, initialized from `rng` (PyTorch's default
    /// initialization, as the peer script leaves it).
    public static func players(using rng: inout RandomGenerator) -> (generator: Sequential, discriminator: Sequential) {
        let g = Sequential(
            Linear(latent, 7 * 7 * 256, bias: false, using: &rng), BatchNorm1d(7 * 7 * 256), LeakyReLU(0.2),
            Reshape([256, 7, 7]),
            ConvTranspose2d(256, 128, kernelSize: 5, stride: 1, padding: 2, bias: false, using: &rng),
            BatchNorm2d(128), LeakyReLU(0.2),
            ConvTranspose2d(128, 64, kernelSize: 5, stride: 2, padding: 2, outputPadding: 1, bias: false, using: &rng),
            BatchNorm2d(64), LeakyReLU(0.2),
            ConvTranspose2d(64, 1, kernelSize: 5, stride: 2, padding: 2, outputPadding: 1, bias: false, using: &rng),
            Tanh())
        let d = Sequential(
            Conv2d(1, 64, kernelSize: 5, stride: 2, padding: 2, using: &rng), LeakyReLU(0.2), Dropout(0.3),
            Conv2d(64, 128, kernelSize: 5, stride: 2, padding: 2, using: &rng), LeakyReLU(0.2), Dropout(0.3),
            Flatten(), Linear(7 * 7 * 128, 1, using: &rng))
        return (g, d)
    }

    public var generator: Sequential { g }
    public var discriminator: Sequential { d }

    public func step() -> (lossD: Float, lossG: Float) {
        let real = pool.next()
        let z = Tensor.randomNormal([batch, Self.latent], using: &rng)
        return game(g: g, d: d, real: real, z: z, context: context)
    }
}
