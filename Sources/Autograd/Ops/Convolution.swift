import TensorCore

// 2-D convolution (cross-correlation), its transpose, and its weight gradient: three linear
// ops, each computed by im2col + one batch-wide sgemm (`ConvKernels`), whose backward rules
// are written with the other two, so that gradients of any order work.
//
//   conv2d(x, w)               backward: x ← convTranspose2d(gy, w), w ← weightGrad(x, gy)
//   convTranspose2d(x, w)      backward: x ← conv2d(gy, w),          w ← weightGrad(gy, x)
//   weightGrad(x, gy) = ĝw     backward: x ← convTranspose2d(gy, ĝ), gy ← conv2d(x, ĝ)

extension Tensor {
    /// 2-D convolution of an NCHW batch (a cross-correlation, as in PyTorch):
    /// `y[n, o, oh, ow] = b[o] + Σ_{c,i,j} w[o, c, i, j] · x[n, c, oh·s − p + i, ow·s − p + j]`,
    /// reading zeros outside the image.
    ///
    /// - `x`: `[N, C, H, W]`; `weight`: `[O, C, kh, kw]`; `bias`: `[O]` or nil.
    /// - Output `[N, O, OH, OW]` with `OH = (H + 2p − kh) / s + 1` (floor), likewise OW.
    /// - Gradients: input ← `convTranspose2d(gy, weight)` (sized back to H × W), weight ←
    ///   `conv2dWeightGradient(x, gy)`, bias ← `gy` summed over N, H, W. The op is linear in
    ///   each argument, so there are no kinks.
    public static func conv2d(_ x: Tensor, weight: Tensor, bias: Tensor? = nil,
                              stride: Int = 1, padding: Int = 0) -> Tensor {
        conv2d(x, weight: weight, bias: bias, stride: (stride, stride), padding: (padding, padding))
    }

    /// `conv2d` with separate (height, width) strides and paddings.
    public static func conv2d(_ x: Tensor, weight: Tensor, bias: Tensor?,
                              stride: (Int, Int), padding: (Int, Int)) -> Tensor {
        require(x.rank == 4, "conv2d: input \(Shape.describe(x.shape)) is not NCHW (rank 4)")
        require(weight.rank == 4,
                     "conv2d: weight \(Shape.describe(weight.shape)) is not [out, in, kh, kw] (rank 4)")
        let (n, c, h, w) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let (o, kh, kw) = (weight.shape[0], weight.shape[2], weight.shape[3])
        require(weight.shape[1] == c,
                     "conv2d: input \(Shape.describe(x.shape)) has \(c) channels but weight \(Shape.describe(weight.shape)) expects \(weight.shape[1])")
        checkBias(bias, channels: o, op: "conv2d", weight: weight)
        checkStridePadding(stride, padding, op: "conv2d")
        require(kh >= 1 && kw >= 1, "conv2d: weight \(Shape.describe(weight.shape)) has an empty kernel")
        require(h + 2 * padding.0 >= kh && w + 2 * padding.1 >= kw,
                     "conv2d: kernel \(kh)x\(kw) is larger than the padded input \(Shape.describe(x.shape)) (padding \(padding.0), \(padding.1))")
        let oh = ConvGeometry.outputSize(h, kernel: kh, stride: stride.0, padding: padding.0)
        let ow = ConvGeometry.outputSize(w, kernel: kw, stride: stride.1, padding: padding.1)
        let g = ConvGeometry(batch: n, channels: c, height: h, width: w, kernelH: kh, kernelW: kw,
                             strideH: stride.0, strideW: stride.1, padH: padding.0, padW: padding.1,
                             outH: oh, outW: ow)
        let out = Storage(uninitialized: n * o * oh * ow)
        ConvKernels.convolve(x.storage.pointer, weight: weight.storage.pointer, bias: bias?.storage.pointer,
                             g, outChannels: o, out.pointer)
        let inputs = bias.map { [x, weight, $0] } ?? [x, weight]
        return record("conv2d", out, shape: [n, o, oh, ow], inputs: inputs,
                      rule: conv2dRule(imageSize: (h, w), kernel: (kh, kw), stride: stride, padding: padding))
    }

    /// 2-D transposed convolution of an NCHW batch (PyTorch's `conv_transpose2d`): the
    /// adjoint of `conv2d` with the same weight, plus a bias,
    /// `y[n, o, ih·s − p + i, iw·s − p + j] += x[n, c, ih, iw] · w[c, o, i, j]`.
    ///
    /// - `x`: `[N, Cin, H, W]`; `weight`: `[Cin, Cout, kh, kw]`; `bias`: `[Cout]` or nil.
    /// - Output `[N, Cout, OH, OW]`, `OH = (H − 1)·s − 2p + kh + outputPadding`, likewise OW;
    ///   `outputPadding < stride` adds rows/columns at the bottom/right (which receive only
    ///   the bias).
    /// - Gradients: input ← `conv2d(gy, weight)`, weight ← `conv2dWeightGradient(gy, x)`,
    ///   bias ← `gy` summed over N, H, W. Linear in each argument: no kinks.
    public static func convTranspose2d(_ x: Tensor, weight: Tensor, bias: Tensor? = nil, stride: Int = 1,
                                       padding: Int = 0, outputPadding: Int = 0) -> Tensor {
        convTranspose2d(x, weight: weight, bias: bias, stride: (stride, stride), padding: (padding, padding),
                        outputPadding: (outputPadding, outputPadding))
    }

    /// `convTranspose2d` with separate (height, width) strides, paddings and output paddings.
    public static func convTranspose2d(_ x: Tensor, weight: Tensor, bias: Tensor?, stride: (Int, Int),
                                       padding: (Int, Int), outputPadding: (Int, Int)) -> Tensor {
        require(x.rank == 4 && weight.rank == 4,
                     "convTranspose2d: input \(Shape.describe(x.shape)) and weight \(Shape.describe(weight.shape)) must both have rank 4 (NCHW, [in, out, kh, kw])")
        checkStridePadding(stride, padding, op: "convTranspose2d")
        require(outputPadding.0 >= 0 && outputPadding.1 >= 0 &&
                     outputPadding.0 < stride.0 && outputPadding.1 < stride.1,
                     "convTranspose2d: output padding (\(outputPadding.0), \(outputPadding.1)) must be >= 0 and smaller than the stride (\(stride.0), \(stride.1))")
        let oh = (x.shape[2] - 1) * stride.0 - 2 * padding.0 + weight.shape[2] + outputPadding.0
        let ow = (x.shape[3] - 1) * stride.1 - 2 * padding.1 + weight.shape[3] + outputPadding.1
        require(oh > 0 && ow > 0,
                     "convTranspose2d: input \(Shape.describe(x.shape)) with weight \(Shape.describe(weight.shape)), stride (\(stride.0), \(stride.1)), padding (\(padding.0), \(padding.1)) gives an empty output \(oh)x\(ow)")
        return convTranspose2d(x, weight: weight, bias: bias, stride: stride, padding: padding, outputSize: (oh, ow))
    }

    /// `convTranspose2d` with the output's (height, width) given instead of an output
    /// padding: any size whose `conv2d` (same kernel, stride, padding) has the input's size,
    /// i.e. `(H − 1)·s − 2p + kh ≤ OH < (H − 1)·s − 2p + kh + s`. This is the input gradient
    /// of a `conv2d` whose `(in + 2p − k)` is not a multiple of the stride.
    public static func convTranspose2d(_ x: Tensor, weight: Tensor, bias: Tensor?, stride: (Int, Int),
                                       padding: (Int, Int), outputSize: (Int, Int)) -> Tensor {
        require(x.rank == 4 && weight.rank == 4,
                     "convTranspose2d: input \(Shape.describe(x.shape)) and weight \(Shape.describe(weight.shape)) must both have rank 4 (NCHW, [in, out, kh, kw])")
        let (n, cin, h, w) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let (cout, kh, kw) = (weight.shape[1], weight.shape[2], weight.shape[3])
        require(weight.shape[0] == cin,
                     "convTranspose2d: input \(Shape.describe(x.shape)) has \(cin) channels but weight \(Shape.describe(weight.shape)) expects \(weight.shape[0])")
        checkBias(bias, channels: cout, op: "convTranspose2d", weight: weight)
        checkStridePadding(stride, padding, op: "convTranspose2d")
        let (oh, ow) = outputSize
        require(kh >= 1 && kw >= 1 && oh + 2 * padding.0 >= kh && ow + 2 * padding.1 >= kw &&
                     ConvGeometry.outputSize(oh, kernel: kh, stride: stride.0, padding: padding.0) == h &&
                     ConvGeometry.outputSize(ow, kernel: kw, stride: stride.1, padding: padding.1) == w,
                     "convTranspose2d: output size \(oh)x\(ow) does not match input \(Shape.describe(x.shape)) with weight \(Shape.describe(weight.shape)), stride (\(stride.0), \(stride.1)), padding (\(padding.0), \(padding.1))")
        let g = ConvGeometry(batch: n, channels: cout, height: oh, width: ow, kernelH: kh, kernelW: kw,
                             strideH: stride.0, strideW: stride.1, padH: padding.0, padW: padding.1,
                             outH: h, outW: w)
        let out = Storage(uninitialized: n * cout * oh * ow)
        ConvKernels.convolveTransposed(x.storage.pointer, weight: weight.storage.pointer,
                                       bias: bias?.storage.pointer, g, outChannels: cin, out.pointer)
        let inputs = bias.map { [x, weight, $0] } ?? [x, weight]
        return record("conv_transpose2d", out, shape: [n, cout, oh, ow], inputs: inputs,
                      rule: convTranspose2dRule(kernel: (kh, kw), stride: stride, padding: padding))
    }

    /// The weight gradient of `conv2d` as an op of its own:
    /// `gw[o, c, i, j] = Σ_{n,oh,ow} gy[n, o, oh, ow] · x[n, c, oh·s − p + i, ow·s − p + j]`.
    ///
    /// - `x`: `[N, C, H, W]`; `gy`: `[N, O, OH, OW]` (the conv2d output size); result
    ///   `[O, C, kh, kw]`.
    /// - Bilinear in (x, gy). Gradients, given ĝ of the result's shape:
    ///   x ← `convTranspose2d(gy, ĝ)` (sized to H × W), gy ← `conv2d(x, ĝ)`.
    public static func conv2dWeightGradient(_ x: Tensor, _ gy: Tensor, kernelSize: (Int, Int),
                                            stride: (Int, Int), padding: (Int, Int)) -> Tensor {
        require(x.rank == 4 && gy.rank == 4,
                     "conv2dWeightGradient: input \(Shape.describe(x.shape)) and output gradient \(Shape.describe(gy.shape)) must both be NCHW")
        checkStridePadding(stride, padding, op: "conv2dWeightGradient")
        let (n, c, h, w) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let (kh, kw) = kernelSize
        let o = gy.shape[1]
        require(kh >= 1 && kw >= 1 && h + 2 * padding.0 >= kh && w + 2 * padding.1 >= kw,
                     "conv2dWeightGradient: kernel \(kh)x\(kw) does not fit input \(Shape.describe(x.shape)) with padding (\(padding.0), \(padding.1))")
        let oh = ConvGeometry.outputSize(h, kernel: kh, stride: stride.0, padding: padding.0)
        let ow = ConvGeometry.outputSize(w, kernel: kw, stride: stride.1, padding: padding.1)
        require(gy.shape[0] == n && gy.shape[2] == oh && gy.shape[3] == ow,
                     "conv2dWeightGradient: output gradient \(Shape.describe(gy.shape)) does not match input \(Shape.describe(x.shape)) with kernel \(kh)x\(kw) (expected [\(n), *, \(oh), \(ow)])")
        let g = ConvGeometry(batch: n, channels: c, height: h, width: w, kernelH: kh, kernelW: kw,
                             strideH: stride.0, strideW: stride.1, padH: padding.0, padW: padding.1,
                             outH: oh, outW: ow)
        let out = Storage(uninitialized: o * c * kh * kw)
        ConvKernels.weightGradient(x.storage.pointer, gy.storage.pointer, g, outChannels: o, out.pointer)
        return record("conv2d_weight_grad", out, shape: [o, c, kh, kw], inputs: [x, gy],
                      rule: weightGradientRule(imageSize: (h, w), stride: stride, padding: padding))
    }

    // MARK: backward rules

    /// conv2d: x ← convTranspose2d(gy, w), w ← weightGrad(x, gy), b ← Σ gy. When both x and
    /// w need gradients they are computed together (sharing gy's reordering) and recorded
    /// as those same two ops.
    private static func conv2dRule(imageSize: (Int, Int), kernel: (Int, Int), stride: (Int, Int),
                                   padding: (Int, Int)) -> BackwardRule {
        { gy, ctx in
            let ins = ctx.node.inputs
            var gx: Tensor? = nil, gw: Tensor? = nil
            if ctx.needsGradient(0) && ctx.needsGradient(1) {
                let x = ctx.input(0), w = ctx.input(1)
                let o = w.shape[0]
                let g = ConvGeometry(batch: x.shape[0], channels: x.shape[1], height: x.shape[2], width: x.shape[3],
                                     kernelH: kernel.0, kernelW: kernel.1, strideH: stride.0, strideW: stride.1,
                                     padH: padding.0, padW: padding.1, outH: gy.shape[2], outW: gy.shape[3])
                let gxs = Storage(uninitialized: x.count), gws = Storage(uninitialized: w.count)
                ConvKernels.convolutionBackward(x.storage.pointer, weight: w.storage.pointer,
                                                gradient: gy.storage.pointer, outChannels: o, g,
                                                gx: gxs.pointer, gw: gws.pointer)
                gx = record("conv_transpose2d", gxs, shape: x.shape, inputs: [gy, w],
                            rule: convTranspose2dRule(kernel: kernel, stride: stride, padding: padding))
                gw = record("conv2d_weight_grad", gws, shape: w.shape, inputs: [x, gy],
                            rule: weightGradientRule(imageSize: imageSize, stride: stride, padding: padding))
            } else if ctx.needsGradient(0) {
                gx = convTranspose2d(gy, weight: ctx.input(1), bias: nil, stride: stride, padding: padding,
                                     outputSize: imageSize)
            } else if ctx.needsGradient(1) {
                gw = conv2dWeightGradient(ctx.input(0), gy, kernelSize: kernel, stride: stride, padding: padding)
            }
            if ins.count == 2 { return [gx, gw] }
            return [gx, gw, ctx.needsGradient(2) ? channelSums(gy) : nil]
        }
    }

    /// conv_transpose2d: x ← conv2d(gy, w), w ← weightGrad(gy, x), b ← Σ gy. When both x and
    /// w need gradients they are computed together (sharing gy's column matrix) and recorded
    /// as those same two ops.
    private static func convTranspose2dRule(kernel: (Int, Int), stride: (Int, Int),
                                            padding: (Int, Int)) -> BackwardRule {
        { gy, ctx in
            let ins = ctx.node.inputs
            var gx: Tensor? = nil, gw: Tensor? = nil
            if ctx.needsGradient(0) && ctx.needsGradient(1) {
                let x = ctx.input(0), w = ctx.input(1)
                let cin = w.shape[0]
                let g = ConvGeometry(batch: gy.shape[0], channels: gy.shape[1], height: gy.shape[2], width: gy.shape[3],
                                     kernelH: kernel.0, kernelW: kernel.1, strideH: stride.0, strideW: stride.1,
                                     padH: padding.0, padW: padding.1, outH: x.shape[2], outW: x.shape[3])
                let gxs = Storage(uninitialized: x.count), gws = Storage(uninitialized: w.count)
                ConvKernels.convolveAndWeightGradient(gy.storage.pointer, weight: w.storage.pointer, outChannels: cin,
                                                      gradient: x.storage.pointer, gradientChannels: cin, g,
                                                      y: gxs.pointer, gw: gws.pointer)
                gx = record("conv2d", gxs, shape: x.shape, inputs: [gy, w],
                            rule: conv2dRule(imageSize: (gy.shape[2], gy.shape[3]), kernel: kernel,
                                             stride: stride, padding: padding))
                gw = record("conv2d_weight_grad", gws, shape: w.shape, inputs: [gy, x],
                            rule: weightGradientRule(imageSize: (gy.shape[2], gy.shape[3]), stride: stride,
                                                     padding: padding))
            } else if ctx.needsGradient(0) {
                gx = conv2d(gy, weight: ctx.input(1), bias: nil, stride: stride, padding: padding)
            } else if ctx.needsGradient(1) {
                gw = conv2dWeightGradient(gy, ctx.input(0), kernelSize: kernel, stride: stride, padding: padding)
            }
            if ins.count == 2 { return [gx, gw] }
            return [gx, gw, ctx.needsGradient(2) ? channelSums(gy) : nil]
        }
    }

    /// conv2d_weight_grad(x, gy), given ĝ: x ← convTranspose2d(gy, ĝ), gy ← conv2d(x, ĝ).
    private static func weightGradientRule(imageSize: (Int, Int), stride: (Int, Int),
                                           padding: (Int, Int)) -> BackwardRule {
        { gg, ctx in
            let gx = ctx.needsGradient(0)
                ? convTranspose2d(ctx.input(1), weight: gg, bias: nil, stride: stride, padding: padding,
                                  outputSize: imageSize)
                : nil
            let ggy = ctx.needsGradient(1)
                ? conv2d(ctx.input(0), weight: gg, bias: nil, stride: stride, padding: padding)
                : nil
            return [gx, ggy]
        }
    }

    /// Σ over N, H, W of an NCHW tensor: `[C]` (a bias gradient).
    static func channelSums(_ t: Tensor) -> Tensor {
        t.reshaped([t.shape[0], t.shape[1], t.shape[2] * t.shape[3]]).sum(axes: [0, 2])
    }

    private static func checkBias(_ bias: Tensor?, channels: Int, op: String, weight: Tensor) {
        guard let bias else { return }
        require(bias.shape == [channels],
                     "\(op): bias \(Shape.describe(bias.shape)) does not match weight \(Shape.describe(weight.shape)) (expected [\(channels)])")
    }

    private static func checkStridePadding(_ stride: (Int, Int), _ padding: (Int, Int), op: String) {
        require(stride.0 >= 1 && stride.1 >= 1,
                     "\(op): stride (\(stride.0), \(stride.1)) must be at least 1")
        require(padding.0 >= 0 && padding.1 >= 0,
                     "\(op): padding (\(padding.0), \(padding.1)) must not be negative")
    }
}
