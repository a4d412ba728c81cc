import Autograd
import TestFixtures
import Foundation
import Testing

/// conv2d by its definition, one output element at a time, in Double.
private func naiveConv2d(_ x: Tensor, _ w: Tensor, _ b: Tensor?, stride: (Int, Int), padding: (Int, Int)) -> Tensor {
    let (n, c, h, wd) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
    let (o, kh, kw) = (w.shape[0], w.shape[2], w.shape[3])
    let oh = (h + 2 * padding.0 - kh) / stride.0 + 1, ow = (wd + 2 * padding.1 - kw) / stride.1 + 1
    let xs = x.toArray(), ws = w.toArray(), bs = b?.toArray()
    var out = [Float](repeating: 0, count: n * o * oh * ow)
    for ni in 0..<n { for oi in 0..<o { for a in 0..<oh { for bb in 0..<ow {
        var acc = Double(bs?[oi] ?? 0)
        for ci in 0..<c { for i in 0..<kh { for j in 0..<kw {
            let ih = a * stride.0 - padding.0 + i, iw = bb * stride.1 - padding.1 + j
            if ih < 0 || ih >= h || iw < 0 || iw >= wd { continue }
            acc += Double(xs[((ni * c + ci) * h + ih) * wd + iw]) * Double(ws[((oi * c + ci) * kh + i) * kw + j])
        } } }
        out[((ni * o + oi) * oh + a) * ow + bb] = Float(acc)
    } } } }
    return Tensor(out, shape: [n, o, oh, ow])
}

/// conv_transpose2d by its definition (each input pixel scatters a weighted kernel), in Double.
private func naiveConvTranspose2d(_ x: Tensor, _ w: Tensor, _ b: Tensor?, stride: Int, padding: Int,
                                  outputPadding: Int) -> Tensor {
    let (n, cin, h, wd) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
    let (cout, kh, kw) = (w.shape[1], w.shape[2], w.shape[3])
    let oh = (h - 1) * stride - 2 * padding + kh + outputPadding
    let ow = (wd - 1) * stride - 2 * padding + kw + outputPadding
    let xs = x.toArray(), ws = w.toArray(), bs = b?.toArray()
    var out = [Double](repeating: 0, count: n * cout * oh * ow)
    for ni in 0..<n { for co in 0..<cout { for p in 0..<(oh * ow) { out[(ni * cout + co) * oh * ow + p] = Double(bs?[co] ?? 0) } } }
    for ni in 0..<n { for ci in 0..<cin { for a in 0..<h { for bb in 0..<wd {
        let v = Double(xs[((ni * cin + ci) * h + a) * wd + bb])
        for co in 0..<cout { for i in 0..<kh { for j in 0..<kw {
            let y = a * stride - padding + i, z = bb * stride - padding + j
            if y < 0 || y >= oh || z < 0 || z >= ow { continue }
            out[((ni * cout + co) * oh + y) * ow + z] += v * Double(ws[((ci * cout + co) * kh + i) * kw + j])
        } } }
    } } } }
    return Tensor(out.map { Float($0) }, shape: [n, cout, oh, ow])
}

@Suite("Convolution")
struct ConvolutionTests {
    // MARK: PyTorch fixtures (forward, first and second order)

    @Test func conv2dFixture() throws {
        try checkOpFixture("conv2d", inputs: ["x", "W", "b"]) { t in
            Tensor.conv2d(t[0], weight: t[1], bias: t[2], stride: 2, padding: 2)
        }
    }

    @Test func conv2dNoBiasFixture() throws {
        try checkOpFixture("conv2d_nobias", inputs: ["x", "W"]) { t in
            Tensor.conv2d(t[0], weight: t[1], stride: 1, padding: 1)
        }
    }

    @Test func convTranspose2dFixture() throws {
        try checkOpFixture("conv_transpose2d", inputs: ["x", "W", "b"]) { t in
            Tensor.convTranspose2d(t[0], weight: t[1], bias: t[2], stride: 2, padding: 2, outputPadding: 1)
        }
    }

    @Test func convTranspose2dNoBiasFixture() throws {
        try checkOpFixture("conv_transpose2d_nobias", inputs: ["x", "W"]) { t in
            Tensor.convTranspose2d(t[0], weight: t[1], stride: 1, padding: 1)
        }
    }

    // MARK: against a direct loop

    @Test func conv2dMatchesNaiveLoops() {
        var rng = RandomGenerator(seed: 11)
        // (x shape, weight shape, stride, padding)
        let cases: [([Int], [Int], (Int, Int), (Int, Int))] = [
            ([2, 3, 9, 7], [4, 3, 3, 3], (1, 1), (1, 1)),
            ([3, 2, 11, 8], [5, 2, 5, 5], (2, 2), (2, 2)),
            ([1, 4, 6, 6], [3, 4, 1, 1], (1, 1), (0, 0)),
            ([2, 1, 7, 10], [2, 1, 2, 3], (2, 3), (0, 1)),
            ([2, 3, 5, 5], [2, 3, 5, 5], (1, 1), (0, 0)),
            ([1, 2, 8, 9], [3, 2, 2, 2], (3, 3), (1, 0)),
            // rows longer than one 16-float vector (the AVX-512 im2col loops over them)
            ([1, 2, 6, 40], [2, 2, 3, 3], (1, 2), (1, 1)),
            ([1, 1, 5, 37], [2, 1, 3, 5], (1, 1), (1, 2)),
            // batches past one block of 16 interleaved images (Im2col.blockImages): a whole
            // block, then a part block; stride 1, 2 and mixed
            ([17, 3, 6, 5], [2, 3, 3, 3], (1, 1), (1, 1)),
            ([19, 2, 9, 8], [3, 2, 5, 5], (2, 2), (2, 2)),
            ([33, 1, 7, 6], [2, 1, 3, 2], (2, 1), (1, 0)),
            // planes too large to interleave (blocks of 1 image)
            ([3, 2, 48, 47], [3, 2, 3, 3], (2, 2), (1, 1)),
        ]
        for (xs, ws, s, p) in cases {
            let x = Tensor.randomNormal(xs, using: &rng)
            let w = Tensor.randomNormal(ws, using: &rng)
            let b = Tensor.randomNormal([ws[0]], using: &rng)
            let got = Tensor.conv2d(x, weight: w, bias: b, stride: s, padding: p)
            expectClose(got, naiveConv2d(x, w, b, stride: s, padding: p), "conv2d \(xs) * \(ws) s\(s) p\(p)")
            if s.0 == s.1 && p.0 == p.1 {
                let got2 = Tensor.conv2d(x, weight: w, stride: s.0, padding: p.0)
                expectClose(got2, naiveConv2d(x, w, nil, stride: s, padding: p), "conv2d no bias \(xs) * \(ws)")
            }
        }
    }

    @Test func convTranspose2dMatchesNaiveLoops() {
        var rng = RandomGenerator(seed: 12)
        // (x shape, weight shape, stride, padding, output padding)
        let cases: [([Int], [Int], Int, Int, Int)] = [
            ([2, 4, 4, 3], [4, 3, 5, 5], 2, 2, 1),
            ([3, 2, 3, 5], [2, 2, 3, 3], 1, 1, 0),
            ([1, 3, 4, 4], [3, 2, 4, 4], 2, 1, 0),
            ([2, 2, 2, 3], [2, 1, 1, 1], 3, 0, 2),
            // grid rows longer than one vector (col2im adds 8 floats at a time at stride 2)
            ([1, 2, 3, 19], [2, 2, 5, 5], 2, 2, 1),
            ([1, 2, 2, 21], [2, 1, 3, 3], 1, 1, 0),
            ([18, 3, 4, 3], [3, 2, 5, 5], 2, 2, 1),
            ([16, 2, 3, 4], [2, 3, 3, 3], 1, 1, 0),
            ([3, 2, 24, 24], [2, 3, 4, 4], 2, 1, 0),  // a 48×48 output: blocks of 1 image
        ]
        for (xs, ws, s, p, op) in cases {
            let x = Tensor.randomNormal(xs, using: &rng)
            let w = Tensor.randomNormal(ws, using: &rng)
            let b = Tensor.randomNormal([ws[1]], using: &rng)
            let got = Tensor.convTranspose2d(x, weight: w, bias: b, stride: s, padding: p, outputPadding: op)
            expectClose(got, naiveConvTranspose2d(x, w, b, stride: s, padding: p, outputPadding: op),
                        "convTranspose2d \(xs) * \(ws) s\(s) p\(p) op\(op)")
        }
    }

    /// A batch whose column matrix exceeds `ConvKernels.columnBudget` runs in chunks of
    /// images; every output, and the weight gradients summed over chunks, must equal the
    /// same ops run one image at a time.
    @Test func batchesLargerThanOneChunkMatchImageByImage() {
        var rng = RandomGenerator(seed: 14)
        // conv2d: K = 8·5·5 = 200 rows, 20·20 windows per image: 26 images fit the budget,
        // rounded to 32 (two blocks of 16 interleaved images) per chunk; 48 make two chunks.
        let n = 48
        let x = Tensor.randomNormal([n, 8, 20, 20], using: &rng).requiringGradient()
        let w = Tensor.randomNormal([6, 8, 5, 5], using: &rng).requiringGradient()
        #expect(200 * 400 * n > 3 * ConvKernels.columnBudget / 2, "the batch must span several chunks")
        let y = Tensor.conv2d(x, weight: w, stride: 1, padding: 2)
        let v = Tensor.randomNormal(y.shape, using: &rng)
        let g = gradients(of: (y * v).sum(), wrt: [x, w])
        var gwSum = Tensor(zeros: w.shape)
        for i in [0, 17, 31, 32, 47] {  // images in both blocks of the first chunk and in the last
            let xi = x.detached().slice(axis: 0, range: i..<(i + 1)).requiringGradient(), vi = v.slice(axis: 0, range: i..<(i + 1))
            let yi = Tensor.conv2d(xi, weight: w, stride: 1, padding: 2)
            expectClose(y.slice(axis: 0, range: i..<(i + 1)), yi, "conv2d image \(i)")
            let gi = gradients(of: (yi * vi).sum(), wrt: [xi])[0]
            expectClose(g[0].slice(axis: 0, range: i..<(i + 1)), gi, "conv2d input gradient image \(i)")
        }
        for i in 0..<n {
            gwSum = gwSum + Tensor.conv2dWeightGradient(x.detached().slice(axis: 0, range: i..<(i + 1)), v.slice(axis: 0, range: i..<(i + 1)), kernelSize: (5, 5),
                                                       stride: (1, 1), padding: (2, 2))
        }
        // Sums of ~10⁴ products of magnitude ~100: rounding differs with the order.
        expectClose(g[1], gwSum, atol: 2e-3, "conv2d weight gradient over chunks")

        // convTranspose2d, stride 2: K = 6·5·5 = 150 rows, 20·20 grid points per image: 34
        // images fit, rounded to 32 per chunk.
        let wt = Tensor.randomNormal([8, 6, 5, 5], using: &rng).requiringGradient()
        let yt = Tensor.convTranspose2d(x, weight: wt, stride: 2, padding: 2, outputPadding: 1)
        let vt = Tensor.randomNormal(yt.shape, using: &rng)
        let gt = gradients(of: (yt * vt).sum(), wrt: [x, wt])
        var gwtSum = Tensor(zeros: wt.shape)
        for i in 0..<n {
            let xi = x.detached().slice(axis: 0, range: i..<(i + 1)).requiringGradient(), wi = wt.detached().requiringGradient()
            let yi = Tensor.convTranspose2d(xi, weight: wi, stride: 2, padding: 2, outputPadding: 1)
            let gi = gradients(of: (yi * vt.slice(axis: 0, range: i..<(i + 1))).sum(), wrt: [xi, wi])
            if i % 7 == 0 || i == n - 1 {
                expectClose(yt.slice(axis: 0, range: i..<(i + 1)), yi, "convTranspose2d image \(i)")
                expectClose(gt[0].slice(axis: 0, range: i..<(i + 1)), gi[0], "convTranspose2d input gradient image \(i)")
            }
            gwtSum = gwtSum + gi[1]
        }
        expectClose(gt[1], gwtSum, atol: 2e-3, "convTranspose2d weight gradient over chunks")
    }

    /// conv_transpose2d is the adjoint of conv2d: <conv(x), y> = <x, convT(y)>, including the
    /// sizes where (in + 2p − k) is not a multiple of the stride.
    @Test func transposeIsAdjoint() {
        var rng = RandomGenerator(seed: 13)
        let x = Tensor.randomNormal([2, 3, 8, 7], using: &rng)
        let w = Tensor.randomNormal([4, 3, 3, 3], using: &rng)
        let y = Tensor.conv2d(x, weight: w, stride: 2, padding: 1)  // 8 → 4 (remainder 1), 7 → 4
        let v = Tensor.randomNormal(y.shape, using: &rng)
        let back = Tensor.convTranspose2d(v, weight: w, bias: nil, stride: (2, 2), padding: (1, 1), outputSize: (8, 7))
        #expect(back.shape == x.shape)
        let lhs = (y * v).sum().scalarValue, rhs = (x * back).sum().scalarValue
        #expect(Swift.abs(lhs - rhs) < 1e-3 * Swift.max(1, Swift.abs(lhs)))
    }

    // MARK: finite differences, first and second order

    @Test func conv2dFiniteDifferences() {
        var rng = RandomGenerator(seed: 21)
        // Non-square, stride 2 with (6 + 2 − 3) % 2 = 1, batch 3, bias.
        let x = Tensor.randomNormal([3, 2, 6, 5], using: &rng)
        let w = Tensor.randomNormal([2, 2, 3, 3], using: &rng)
        let b = Tensor.randomNormal([2], using: &rng)
        checkGradients("conv2d s2 p1 batch 3", inputs: [x, w, b]) { t in
            Tensor.conv2d(t[0], weight: t[1], bias: t[2], stride: 2, padding: 1)
        }
        // Padding 0, 1x1 kernel.
        let x1 = Tensor.randomNormal([3, 3, 2, 3], using: &rng)
        let w1 = Tensor.randomNormal([2, 3, 1, 1], using: &rng)
        checkGradients("conv2d 1x1", inputs: [x1, w1]) { t in Tensor.conv2d(t[0], weight: t[1]) }
        // Batch 1, non-square kernel, separate strides and paddings, (7 + 0 − 2) % 2 = 1.
        let x2 = Tensor.randomNormal([1, 2, 7, 5], using: &rng)
        let w2 = Tensor.randomNormal([3, 2, 2, 3], using: &rng)
        let b2 = Tensor.randomNormal([3], using: &rng)
        checkGradients("conv2d batch 1 s(2,1) p(0,1)", inputs: [x2, w2, b2]) { t in
            Tensor.conv2d(t[0], weight: t[1], bias: t[2], stride: (2, 1), padding: (0, 1))
        }
        // Stride larger than the kernel: some pixels are read by no window.
        let x3 = Tensor.randomNormal([2, 1, 7, 6], using: &rng)
        let w3 = Tensor.randomNormal([2, 1, 2, 2], using: &rng)
        checkGradients("conv2d s3 k2", inputs: [x3, w3]) { t in Tensor.conv2d(t[0], weight: t[1], stride: 3) }
    }

    @Test func convTranspose2dFiniteDifferences() {
        var rng = RandomGenerator(seed: 22)
        // Output padding, stride 2, bias, batch 1, non-square.
        let x = Tensor.randomNormal([1, 3, 3, 2], using: &rng)
        let w = Tensor.randomNormal([3, 2, 3, 3], using: &rng)
        let b = Tensor.randomNormal([2], using: &rng)
        checkGradients("convT s2 p1 op1", inputs: [x, w, b]) { t in
            Tensor.convTranspose2d(t[0], weight: t[1], bias: t[2], stride: 2, padding: 1, outputPadding: 1)
        }
        // Batch 3, stride 1, padding 0, no bias.
        let x1 = Tensor.randomNormal([3, 2, 2, 3], using: &rng)
        let w1 = Tensor.randomNormal([2, 2, 2, 2], using: &rng)
        checkGradients("convT s1 p0 batch 3", inputs: [x1, w1]) { t in Tensor.convTranspose2d(t[0], weight: t[1]) }
        // 1x1 kernel with stride 2 and output padding (the output has gaps), separate (h, w).
        let x2 = Tensor.randomNormal([2, 2, 2, 3], using: &rng)
        let w2 = Tensor.randomNormal([2, 3, 1, 1], using: &rng)
        checkGradients("convT 1x1 s(2,3) op(1,2)", inputs: [x2, w2]) { t in
            Tensor.convTranspose2d(t[0], weight: t[1], bias: nil, stride: (2, 3), padding: (0, 0), outputPadding: (1, 2))
        }
    }

    @Test func weightGradientOpFiniteDifferences() {
        var rng = RandomGenerator(seed: 23)
        let x = Tensor.randomNormal([2, 2, 5, 4], using: &rng)
        let gy = Tensor.randomNormal([2, 3, 3, 2], using: &rng)  // conv k3 s2 p1: 5 → 3, 4 → 2
        checkGradients("conv2dWeightGradient", inputs: [x, gy]) { t in
            Tensor.conv2dWeightGradient(t[0], t[1], kernelSize: (3, 3), stride: (2, 2), padding: (1, 1))
        }
    }

    /// A chain with a nonlinearity between convolutions: second order goes through every
    /// op's backward and the backward of those backwards.
    @Test func chainSecondOrder() {
        var rng = RandomGenerator(seed: 24)
        let x = Tensor.randomNormal([2, 1, 5, 5], using: &rng)
        let w1 = Tensor.randomNormal([2, 1, 3, 3], using: &rng) * 0.5
        let w2 = Tensor.randomNormal([2, 1, 3, 3], using: &rng) * 0.5
        checkGradients("conv → square → convT", inputs: [x, w1, w2]) { t in
            Tensor.convTranspose2d(Tensor.conv2d(t[0], weight: t[1], stride: 2, padding: 1).square(),
                                   weight: t[2], stride: 2, padding: 1)
        }
    }

    /// With only one of input and weight differentiated, the backward rules take their
    /// unfused paths; check those at first and second order too.
    @Test func singleArgumentGradients() {
        var rng = RandomGenerator(seed: 26)
        let x = Tensor.randomNormal([2, 2, 5, 4], using: &rng)
        let w = Tensor.randomNormal([3, 2, 3, 2], using: &rng)
        checkGradients("conv2d wrt x", inputs: [x]) { t in Tensor.conv2d(t[0], weight: w, stride: 2, padding: 1) }
        checkGradients("conv2d wrt w", inputs: [w]) { t in Tensor.conv2d(x, weight: t[0], stride: 2, padding: 1) }
        let xt = Tensor.randomNormal([2, 3, 3, 2], using: &rng)
        checkGradients("convT wrt x", inputs: [xt]) { t in
            Tensor.convTranspose2d(t[0], weight: w, stride: 2, padding: 1, outputPadding: 1)
        }
        checkGradients("convT wrt w", inputs: [w]) { t in
            Tensor.convTranspose2d(xt, weight: t[0], stride: 2, padding: 1, outputPadding: 1)
        }
    }

    @Test func gradientOnlyForTrackedInputs() {
        var rng = RandomGenerator(seed: 25)
        let x = Tensor.randomNormal([2, 2, 4, 4], using: &rng)  // data: untracked
        let w = Tensor.randomNormal([3, 2, 3, 3], using: &rng).requiringGradient()
        let y = Tensor.conv2d(x, weight: w, padding: 1)
        let g = gradients(of: y.sum(), wrt: [w])[0]
        let ref = Tensor.conv2dWeightGradient(x, Tensor(ones: y.shape), kernelSize: (3, 3), stride: (1, 1), padding: (1, 1))
        expectClose(g, ref, "weight gradient")
    }

    @Test func channelMismatchNamesShapes() async {
        await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = Tensor.conv2d(Tensor(zeros: [2, 3, 9, 9]), weight: Tensor(zeros: [4, 2, 5, 5]))
        }.map { result in
            let text = String(decoding: result.standardErrorContent, as: UTF8.self)
            #expect(text.contains("conv2d: input [2, 3, 9, 9] has 3 channels but weight [4, 2, 5, 5] expects 2"))
        }
    }

    @Test func badOutputPaddingIsRejected() async {
        await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = Tensor.convTranspose2d(Tensor(zeros: [1, 2, 3, 3]), weight: Tensor(zeros: [2, 1, 3, 3]),
                                       stride: 2, outputPadding: 2)
        }.map { result in
            let text = String(decoding: result.standardErrorContent, as: UTF8.self)
            #expect(text.contains("convTranspose2d: output padding (2, 2) must be >= 0 and smaller than the stride (2, 2)"))
        }
    }
}
