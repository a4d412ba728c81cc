/// The bundled configurations, as YAML (what `swiftgan presets` lists).
public enum Presets {
    public struct Preset: Sendable {
        public let name: String
        public let summary: String
        public let yaml: String
    }

    public static let all: [Preset] = [
        Preset(name: "ring8", summary: "2-D ring of 8 Gaussians (PacGAN), non-saturating GAN: watch it collapse", yaml: """
            description: >-
              ring of 8 Gaussians, non-saturating GAN (Goodfellow et al. 2014, section 3). It shows
              mode collapse: measured 3/8 modes at step 1,500 and the samples bunched beside one
              mode at step 3,000 (samples/); compare ring8-wgan-gp.
            data: {name: ring8}
            model: {latent: 2, hidden: 128, layers: 2}
            game: {objective: non-saturating, batch_size: 256}
            optim: {lr_g: 0.001, lr_d: 0.001, beta1: 0.5, beta2: 0.999}
            train: {steps: 3000, seed: 0, log_every: 10, checkpoint_every: 500, sample_every: 500}
            """),
        Preset(name: "ring8-wgan-gp", summary: "2-D ring of 8 Gaussians, WGAN-GP (λ 0.1, n_critic 5)", yaml: """
            description: >-
              ring of 8 Gaussians, WGAN-GP (Gulrajani et al. 2017) with 5 critic steps per G step.
              λ = 0.1, not the seeds' 10: on a ring of radius 1 with σ = 0.01, λ = 10 holds D's slope
              too tightly for G to find the modes in 1,500 steps (measured: 0/8 modes; λ = 1: 7/8).
            data: {name: ring8}
            model: {latent: 2, hidden: 128, layers: 2}
            game: {objective: wgan, penalty: gp, penalty_weight: 0.1, critic_steps: 5, batch_size: 256}
            optim: {lr_g: 0.001, lr_d: 0.001, beta1: 0.5, beta2: 0.9}
            train: {steps: 1500, seed: 0, log_every: 10, checkpoint_every: 500, sample_every: 500}
            """),
        Preset(name: "grid25", summary: "2-D grid of 25 Gaussians (PacGAN), WGAN-GP", yaml: """
            description: >-
              PacGAN's grid of 25 Gaussians at {-4, -2, 0, 2, 4}² (σ = 0.05), WGAN-GP with 5 critic
              steps; harder than the ring: measured at 3,000 steps, samples touch 23/25 modes but
              only 12 % are high quality (they fill the square between the modes).
            data: {name: grid25}
            model: {latent: 2, hidden: 128, layers: 2}
            game: {objective: wgan, penalty: gp, penalty_weight: 0.1, critic_steps: 5, batch_size: 256}
            optim: {lr_g: 0.001, lr_d: 0.001, beta1: 0.5, beta2: 0.9}
            train: {steps: 3000, seed: 0, log_every: 10, checkpoint_every: 500, sample_every: 500}
            """),
        Preset(name: "seed-000-mlp", summary: "MNIST, seed 000's Keras MLP GAN (z 100, BCE, Adam 2e-4, β1 0.5)", yaml: """
            description: >-
              seed 000: the Keras MLP GAN on MNIST (the layers of Keras-GAN's gan.py, which the
              seed's skeleton follows): G 100 → 256 → 512 → 1024 → 784 with LeakyReLU(0.2) and batch
              norm, tanh; D 784 → 512 → 256 → 1 with LeakyReLU(0.2); binary cross-entropy with G
              trained toward "real" (the non-saturating loss of Keras' combined model); Adam 2e-4,
              β1 0.5 for both.
            data: {name: mnist}
            model: {arch: keras-mlp, latent: 100, width: 256}
            game: {objective: non-saturating, batch_size: 64}
            optim: {lr_g: 0.0002, lr_d: 0.0002, beta1: 0.5, beta2: 0.999}
            train: {steps: 10000, seed: 0, log_every: 50, checkpoint_every: 1000, sample_every: 500}
            """),
        Preset(name: "mnist-demo", summary: "MNIST in a few minutes on 2 cores: seed-000-mlp, 4,000 steps, G's moving average", yaml: """
            description: >-
              the demo (scripts/demo.sh): seed-000-mlp for 4,000 steps, sampled from the moving
              average of G's weights (decay 0.999), which removes most of the speckle single
              weights show at this stage. Measured on 2 idle cores: 4,000 steps in 69 s, classifier
              score 8.25, FID 266, recall 0.35, all 10 digits (2,000 steps: 7.09, 848, 0.09); on 2
              cores shared with other work 2,000 steps took 1.5 to 3.7 minutes.
              Chosen over a small DCGAN (width 16), which ran 3 steps/s against the MLP's 10 to 16
              and still drew blobs after 600 steps; and over a narrower MLP (width 128), whose
              digits at 3,000 steps were blurrier and less varied.
            data: {name: mnist}
            model: {arch: keras-mlp, latent: 100, width: 256}
            game: {objective: non-saturating, batch_size: 64, ema_decay: 0.999}
            optim: {lr_g: 0.0002, lr_d: 0.0002, beta1: 0.5, beta2: 0.999}
            train: {steps: 4000, seed: 0, log_every: 50, checkpoint_every: 1000, sample_every: 500}
            """),
        Preset(name: "seed-001-dcgan", summary: "MNIST, seed 001's TensorFlow DCGAN, its three defects fixed", yaml: """
            description: >-
              seed 001: the TensorFlow DCGAN on MNIST (Dense 7·7·256 → BN → LeakyReLU → ConvT 128 5x5
              s1 → ConvT 64 5x5 s2 → ConvT 5x5 s2 → tanh; D Conv 64 s2, Conv 128 s2, Dropout 0.3,
              Dense 1; Adam 1e-4, β1 0.5), with the seed's three defects fixed. (1) G's last layer
              has one output channel, not three: MNIST is grey, and D's real input has one channel.
              (2) G's loss is BCE of the fake logits against ONES (the non-saturating loss); the seed
              compared them with zeros, which rewards G for looking fake, i.e. trains it the wrong
              way. (3) Every step draws a fresh batch of noise (and of real images): the seed used
              one noise vector per step for a single fake image and always the same 128 real
              images, so D saw one sample of G and G never saw its whole latent space.
            data: {name: mnist}
            model: {arch: dcgan, latent: 100, width: 64, dropout: 0.3}
            game: {objective: non-saturating, batch_size: 128}
            optim: {lr_g: 0.0001, lr_d: 0.0001, beta1: 0.5, beta2: 0.999}
            train: {steps: 3000, seed: 0, log_every: 10, checkpoint_every: 250, sample_every: 250}
            """),
        Preset(name: "seed-002-wgan-gp", summary: "MNIST, seed 002's MLP WGAN-GP (λ 10, n_critic 5, Adam 1e-4, β (0, 0.9))", yaml: """
            description: >-
              seed 002: the PyTorch WGAN-GP MLP on MNIST: G 100 → 256 (LeakyReLU 0.2) → 784 → tanh;
              critic 784 → 256 (LeakyReLU 0.2) → 1; gradient penalty λ = 10 at random interpolates
              of real and fake; 5 critic steps per G step; Adam 1e-4, β = (0, 0.9) for both.
            data: {name: mnist}
            model: {arch: mlp, latent: 100, hidden: 256, layers: 1, g_activation: leaky-relu, g_output: tanh, d_activation: leaky-relu}
            game: {objective: wgan, penalty: gp, penalty_weight: 10, critic_steps: 5, batch_size: 64}
            optim: {lr_g: 0.0001, lr_d: 0.0001, beta1: 0.0, beta2: 0.9}
            train: {steps: 10000, seed: 0, log_every: 50, checkpoint_every: 1000, sample_every: 500}
            """),
        Preset(name: "stacked-mnist-dcgan", summary: "Stacked MNIST (1,000 modes), DCGAN in PacGAN's Table 2 setting", yaml: """
            description: >-
              Stacked MNIST in PacGAN's setting (Lin et al. 2018, Table 2, after VEEGAN): 128,000
              images whose three channels are random MNIST training digits, z ~ U[-1, 1]^100, Adam
              2e-4, β1 0.5, batch 64, two G updates per D update. The players are the seed-001 DCGAN
              with three channels and no dropout (PacGAN's exact DCGAN differs in widths and
              kernels). Published over 10 runs: 78.9 ± 6.5 modes of 1,000, KL 4.50 ± 0.13.
            data: {name: stacked-mnist, stacked_count: 128000}
            model: {arch: dcgan, noise: uniform, latent: 100, width: 64, dropout: 0.0}
            game: {objective: non-saturating, batch_size: 64, generator_steps: 2}
            optim: {lr_g: 0.0002, lr_d: 0.0002, beta1: 0.5, beta2: 0.999}
            train: {steps: 10000, seed: 0, log_every: 20, checkpoint_every: 500, sample_every: 500}
            """),
        Preset(name: "stacked-mnist-pacdcgan2", summary: "Stacked MNIST, PacDCGAN2: the DCGAN with D judging pairs", yaml: """
            description: >-
              stacked-mnist-dcgan with packing 2 (PacDCGAN2): D sees two samples at once, stacked
              along the channel axis (6 input channels), which penalizes a G that repeats itself.
              Published (PacGAN, Table 2, 10 runs): 1000 modes of 1,000, KL 0.06.
            data: {name: stacked-mnist, stacked_count: 128000}
            model: {arch: dcgan, noise: uniform, latent: 100, width: 64, dropout: 0.0}
            game: {objective: non-saturating, batch_size: 64, generator_steps: 2, packing: 2}
            optim: {lr_g: 0.0002, lr_d: 0.0002, beta1: 0.5, beta2: 0.999}
            train: {steps: 10000, seed: 0, log_every: 20, checkpoint_every: 500, sample_every: 500}
            """),
    ]

    public static func named(_ name: String) throws -> Preset {
        guard let p = all.first(where: { $0.name == name }) else {
            throw ConfigError("unknown preset '\(name)'; bundled presets: \(all.map(\.name).joined(separator: ", "))")
        }
        return p
    }
}
