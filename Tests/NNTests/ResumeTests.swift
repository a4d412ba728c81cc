import Artifacts
import Foundation
import NN
import Testing

/// A training run saved to a safetensors checkpoint (parameters, buffers, optimizer state,
/// generator state, step) and resumed continues exactly as the uninterrupted run.
@Suite("Checkpoint and resume")
struct ResumeTests {
    final class Run {
        let model: Sequential
        let optimizer = Adam(learningRate: 1e-2, beta1: 0.5, beta2: 0.999)
        var state = OptimizerState()
        var rng: RandomGenerator
        var step = 0

        init(seed: UInt64) {
            var init_ = RandomGenerator(seed: seed)
            model = Sequential(Linear(3, 8, using: &init_), BatchNorm1d(8), LeakyReLU(0.2),
                               Dropout(0.2), Linear(8, 1, using: &init_))
            rng = RandomGenerator(seed: seed &+ 1)
        }

        func train(steps: Int) {
            for _ in 0..<steps {
                let x = Tensor.randomNormal([16, 3], using: &rng)
                let target = x.sum(axes: [1], keepDims: true).tanh()
                let context = Context(.training, rng: rng)
                let loss = (model(x, in: context) - target).square().mean()
                rng = context.rng  // dropout's draws advance the run's generator
                let (params, newState) = optimizer.update(model.parameters(), gradients(of: loss, wrt: model.parameters()), state)
                model.update(parameters: params)
                state = newState
                step += 1
            }
        }

        func checkpoint() -> Checkpoint {
            var tensors = model.parameters().merging(model.buffers()) { a, _ in a }
            for (k, v) in state.flattened() { tensors["optimizer." + k] = v }
            var c = Checkpoint(tensors: tensors, metadata: ["format": "swiftgan-test"])
            c.setGenerator(rng, named: "rng")
            c.setInt64(Int64(step), named: "step")
            return c
        }

        func restore(_ c: Checkpoint) throws {
            let all = try c.tensors()
            try model.load(all.filter { !$0.key.hasPrefix("optimizer.") }, includingBuffers: true)
            let flat = Dictionary(uniqueKeysWithValues: all.filter { $0.key.hasPrefix("optimizer.") }
                .map { (String($0.key.dropFirst("optimizer.".count)), $0.value) })
            state = try optimizer.state(fromFlattened: flat, parameters: model.parameters())
            rng = try c.generator(named: "rng")
            step = Int(try c.int64(named: "step"))
        }

        var bits: [UInt32] {
            model.parameters().merging(model.buffers()) { a, _ in a }.sorted { $0.key < $1.key }
                .flatMap { $0.value.toArray().map(\.bitPattern) }
        }
    }

    @Test func resumedRunIsBitIdenticalToAnUninterruptedOne() throws {
        let straight = Run(seed: 3)
        straight.train(steps: 12)

        let first = Run(seed: 3)
        first.train(steps: 5)
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("resume-\(UInt32.random(in: 0...UInt32.max)).safetensors")
        defer { try? FileManager.default.removeItem(at: url) }
        try first.checkpoint().write(to: url)

        let resumed = Run(seed: 99)  // different initial weights: everything must come from the file
        try resumed.restore(try Checkpoint(contentsOf: url))
        #expect(resumed.step == 5)
        resumed.train(steps: 7)
        #expect(resumed.bits == straight.bits)
        #expect(resumed.bits != Run(seed: 3).bits)
    }
}
