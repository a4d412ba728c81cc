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
    ]

    public static func named(_ name: String) throws -> Preset {
        guard let p = all.first(where: { $0.name == name }) else {
            throw ConfigError("unknown preset '\(name)'; bundled presets: \(all.map(\.name).joined(separator: ", "))")
        }
        return p
    }
}
