import Artifacts
import Foundation
import NN
import Testing
import TestFixtures

/// Weights saved by PyTorch (`safetensors.torch.save_file` of `state_dict()`, made by
/// scripts/make-interop-reference.py) load into SwiftGAN's layers under the same names and
/// give PyTorch's outputs.
@Suite("PyTorch interoperability")
struct PyTorchInteropTests {
    static func file(_ name: String) throws -> Checkpoint {
        try Checkpoint(contentsOf: Fixture.directory.appendingPathComponent("interop/\(name).safetensors"))
    }

    /// Loads a PyTorch state dict: F32 tensors, plus I64 `num_batches_tracked` counters.
    static func load(_ model: ParameterContainer, from name: String) throws {
        let ckpt = try file(name)
        var values = try ckpt.tensors()
        for n in ckpt.names where n.hasSuffix("num_batches_tracked") {
            values[n] = Tensor(scalar: Float(try ckpt.int64(named: n)))
        }
        try model.load(values, includingBuffers: true)
    }

    @Test func seed002ModelsGivePyTorchOutputs() throws {
        var rng = RandomGenerator(seed: 0)
        let g = Sequential(Linear(100, 256, using: &rng), LeakyReLU(0.2), Linear(256, 784, using: &rng), Tanh())
        let d = Sequential(Linear(784, 256, using: &rng), LeakyReLU(0.2), Linear(256, 1, using: &rng))
        try PyTorchInteropTests.load(g, from: "seed002_generator")
        try PyTorchInteropTests.load(d, from: "seed002_critic")
        let ref = try PyTorchInteropTests.file("reference")
        expectClose(g(try ref.tensor(named: "z"), in: .evaluation), try ref.tensor(named: "g002_z"), "G(z)")
        expectClose(d(try ref.tensor(named: "x"), in: .evaluation), try ref.tensor(named: "d002_x"), "D(x)")
    }

    @Test func dcganGeneratorWithBatchNormBuffersGivesPyTorchOutputs() throws {
        var rng = RandomGenerator(seed: 0)
        let g = Sequential(
            Linear(100, 7 * 7 * 16, bias: false, using: &rng), BatchNorm1d(7 * 7 * 16), LeakyReLU(0.2),
            Reshape([16, 7, 7]),
            ConvTranspose2d(16, 8, kernelSize: 5, stride: 1, padding: 2, bias: false, using: &rng), BatchNorm2d(8), LeakyReLU(0.2),
            ConvTranspose2d(8, 4, kernelSize: 5, stride: 2, padding: 2, outputPadding: 1, bias: false, using: &rng),
            BatchNorm2d(4), LeakyReLU(0.2),
            ConvTranspose2d(4, 1, kernelSize: 5, stride: 2, padding: 2, outputPadding: 1, bias: false, using: &rng), Tanh())
        try PyTorchInteropTests.load(g, from: "seed001_generator")
        #expect((g.layers[1] as! BatchNorm).batchesTracked.scalarValue == 2)
        let ref = try PyTorchInteropTests.file("reference")
        let y = g(try ref.tensor(named: "z001"), in: .evaluation)
        #expect(y.shape == [3, 1, 28, 28])
        expectClose(y, try ref.tensor(named: "g001_z001"), "DCGAN G(z) in evaluation mode")
    }

    @Test func aWrongModelIsRefusedWithEveryProblemNamed() throws {
        var rng = RandomGenerator(seed: 0)
        let g = Sequential(Linear(100, 128, using: &rng), LeakyReLU(0.2), Linear(128, 784, using: &rng))
        do {
            try PyTorchInteropTests.load(g, from: "seed002_generator")
            Issue.record("a mismatched model loaded")
        } catch {
            let text = "\(error)"
            #expect(text.contains("0.weight: expected shape [128, 100], got [256, 100]"))
            #expect(text.contains("2.weight: expected shape [784, 128], got [784, 256]"))
        }
    }
}
