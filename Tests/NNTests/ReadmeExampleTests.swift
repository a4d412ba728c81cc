import Artifacts
import Foundation
import NN
import Testing

/// The README's "Layers, optimizers, checkpoints" example, kept compiling and working.
@Suite("README example")
struct ReadmeExampleTests {
    @Test func layersOptimizersCheckpoints() throws {
        var rng = RandomGenerator(seed: 0)
        let real = Tensor.randomUniform([8, 784], low: -1, high: 1, using: &rng)
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("readme-\(UInt32.random(in: 0...UInt32.max)).safetensors")
        defer { try? FileManager.default.removeItem(at: url) }

        let critic = Sequential(Linear(784, 256, using: &rng), LeakyReLU(0.2), Linear(256, 1, using: &rng))
        let adam = Adam(learningRate: 1e-4, beta1: 0, beta2: 0.9)
        var state = OptimizerState()

        let loss = critic(real, in: Context(.training)).mean()
        let grads = gradients(of: loss, wrt: critic.parameters())
        let (params, newState) = adam.update(critic.parameters(), grads, state)
        critic.update(parameters: params); state = newState

        try Checkpoint(tensors: critic.parameters()).write(to: url)
        try critic.load(try Checkpoint(contentsOf: url).tensors())
        #expect(state.step == 1)
        #expect(critic(real, in: .evaluation).mean().scalarValue < loss.scalarValue)
    }
}
