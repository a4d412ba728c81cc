import NN
import Testing
import TestFixtures

@Suite("Conv and batch-norm layers")
struct ConvAndNormLayerTests {
    @Test func convLayersMatchTheFixtures() throws {
        var rng = RandomGenerator(seed: 0)
        let fx = try Fixture("conv2d")
        let conv = Conv2d(3, 4, kernelSize: 5, stride: 2, padding: 2, using: &rng)
        try conv.load(["weight": fx.input("W"), "bias": fx.input("b")])
        expectClose(conv(fx.input("x"), in: .evaluation), fx.output("y"), "Conv2d layer")

        let ft = try Fixture("conv_transpose2d")
        let convT = ConvTranspose2d(4, 3, kernelSize: 5, stride: 2, padding: 2, outputPadding: 1, using: &rng)
        try convT.load(["weight": ft.input("W"), "bias": ft.input("b")])
        expectClose(convT(ft.input("x"), in: .evaluation), ft.output("y"), "ConvTranspose2d layer")
        #expect(convT.namedParameters().map(\.0) == ["weight", "bias"])
    }

    @Test func batchNormLayerUpdatesItsBuffersInTrainingOnly() throws {
        let fx = try Fixture("batchnorm2d_train")
        let bn = BatchNorm2d(3)
        try bn.load(["weight": fx.input("gamma"), "bias": fx.input("beta"),
                     "running_mean": fx.input("running_mean"), "running_var": fx.input("running_var"),
                     "num_batches_tracked": Tensor(scalar: 0)],
                    includingBuffers: true)
        let y = bn(fx.input("x"), in: Context(.training))
        expectClose(y, fx.output("y"), "BatchNorm2d training output")
        expectClose(bn.runningMean, fx.output("running_mean"), "running mean")
        expectClose(bn.runningVar, fx.output("running_var"), "running var")
        #expect(Set(bn.buffers().keys) == ["running_mean", "running_var", "num_batches_tracked"])
        #expect(bn.batchesTracked.scalarValue == 1)
        let before = bn.runningMean.toArray()
        _ = bn(fx.input("x"), in: .evaluation)
        #expect(bn.runningMean.toArray() == before)
    }

    @Test func pytorchDefaultInitBounds() {
        var rng = RandomGenerator(seed: 3)
        let conv = Conv2d(8, 16, kernelSize: 3, using: &rng)
        let bound: Float = 1 / (8 * 9 as Float).squareRoot()
        #expect(conv.weight.toArray().allSatisfy { abs($0) <= bound })
        #expect(conv.weight.toArray().max()! > bound * 0.9)
        let convT = ConvTranspose2d(8, 4, kernelSize: 4, using: &rng)
        let boundT: Float = 1 / (4 * 16 as Float).squareRoot()
        #expect(convT.weight.shape == [8, 4, 4, 4])
        #expect(convT.weight.toArray().allSatisfy { abs($0) <= boundT })
    }

    @Test func initializersHaveTheirStatistics() {
        var rng = RandomGenerator(seed: 4)
        func std(_ t: Tensor) -> Float { t.variance().scalarValue.squareRoot() }
        let shape = [256, 128, 3, 3]  // fanIn 1152, fanOut 2304
        let xn = Initializer.xavierNormal(shape, using: &rng)
        #expect(abs(std(xn) - (2.0 / 3456.0 as Float).squareRoot()) < 2e-4)
        let ku = Initializer.kaimingUniform(shape, a: 0.2, using: &rng)
        let b = Initializer.leakyReluGain(0.2) * (3.0 / 1152.0 as Float).squareRoot()
        #expect(ku.toArray().allSatisfy { abs($0) <= b } && ku.toArray().max()! > 0.99 * b)
        let kn = Initializer.kaimingNormal(shape, mode: .fanOut, using: &rng)
        #expect(abs(std(kn) - (2.0 / 2304.0 as Float).squareRoot()) < 2e-4)
        let dc = Initializer.normal([100_000], std: 0.02, using: &rng)
        #expect(abs(std(dc) - 0.02) < 3e-4)
    }

    @Test func orthogonalIsOrthogonal() {
        var rng = RandomGenerator(seed: 5)
        for shape in [[6, 4], [4, 6], [5, 2, 2]] {
            let w = Initializer.orthogonal(shape, gain: 2, using: &rng).reshaped([shape[0], -1])
            let small = w.shape[0] <= w.shape[1]
            let gram = small ? w.matmul(w, transposeB: true) : w.matmul(w, transposeA: true)
            let n = gram.shape[0]
            for i in 0..<n { for j in 0..<n {
                let want: Float = i == j ? 4 : 0
                #expect(abs(gram.toArray()[i * n + j] - want) < 1e-4, "\(shape): gram[\(i),\(j)]")
            } }
        }
    }

    @Test func dcganInitReachesEveryLayer() {
        var rng = RandomGenerator(seed: 6)
        let model = Sequential(Linear(10, 64, using: &rng), BatchNorm1d(64), LeakyReLU(0.2),
                               Reshape([4, 4, 4]), ConvTranspose2d(4, 2, kernelSize: 4, stride: 2, padding: 1, using: &rng))
        #expect(model.namedLayers().map(\.0) == ["", "0", "1", "2", "3", "4"])
        Initializer.applyDCGAN(to: model, using: &rng)
        let p = model.parameters()
        func std(_ t: Tensor) -> Float { t.variance().scalarValue.squareRoot() }
        #expect(abs(std(p["0.weight"]!) - 0.02) < 0.003)
        #expect(p["0.bias"]!.toArray().allSatisfy { $0 == 0 })
        #expect(abs(p["1.weight"]!.mean().scalarValue - 1) < 0.01)
        #expect(abs(std(p["4.weight"]!) - 0.02) < 0.006)
        #expect(p.values.allSatisfy { $0.isTracked })
        let y = model(Tensor(ones: [3, 10]), in: Context(.training))
        #expect(y.shape == [3, 2, 8, 8])
    }
}
