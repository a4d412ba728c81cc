import TensorCore

// Batch normalization over [N, C] or [N, C, H, W] (any rank ≥ 2; the channel axis is 1 and
// statistics are taken over all other axes). Functional: the running statistics go in and
// the updated ones come out; the training flag is explicit.

extension Tensor {
    /// Batch normalization, `y = gamma · (x − m) / sqrt(v + eps) + beta` per channel (axis 1).
    ///
    /// - `training: true`: `m` and `v` are the batch mean and the biased batch variance over
    ///   all axes but 1 (at least 2 values per channel are needed). The running statistics
    ///   are returned updated as in PyTorch: `running = (1 − momentum)·running +
    ///   momentum·stat`, with the unbiased variance (`v·n/(n − 1)`) for `runningVar`.
    /// - `training: false`: `m` and `v` are `runningMean` and `runningVar` (constants), which
    ///   are returned unchanged.
    ///
    /// `gamma` and `beta` are `[C]` (nil: 1 and 0); the running statistics are `[C]` and are
    /// returned untracked. The output is differentiable (to any order) with respect to `x`,
    /// `gamma` and `beta`; in training the gradient flows through the batch statistics too.
    /// The forward is one fused kernel. The backward is written with differentiable ops when
    /// a graph of the gradients is being built (`createGraph`); otherwise, when its result
    /// will never be differentiated, it runs as a fused two-pass kernel giving the same values.
    public static func batchNorm(_ x: Tensor, gamma: Tensor?, beta: Tensor?,
                                 runningMean: Tensor, runningVar: Tensor, training: Bool,
                                 momentum: Float = 0.1, eps: Float = 1e-5)
        -> (output: Tensor, runningMean: Tensor, runningVar: Tensor) {
        precondition(x.rank >= 2, "batchNorm: input of shape \(Shape.describe(x.shape)) needs at least 2 axes ([N, C, ...])")
        let c = x.shape[1]
        for (name, t) in [("gamma", gamma), ("beta", beta), ("runningMean", runningMean), ("runningVar", runningVar)] {
            if let t {
                precondition(t.shape == [c], "batchNorm: \(name) of shape \(Shape.describe(t.shape)) does not match the \(c) channels of input \(Shape.describe(x.shape))")
            }
        }
        precondition(eps >= 0, "batchNorm: eps \(eps) is negative")
        let outer = x.shape[0]
        let inner = x.shape[2...].reduce(1, *)
        let perChannel = outer * inner
        let xp = x.storage.pointer

        var mean = [Float](repeating: 0, count: c)
        var invstd = [Float](repeating: 0, count: c)
        var newMean = runningMean.detached(), newVar = runningVar.detached()
        if training {
            precondition(perChannel > 1, "batchNorm: training needs more than 1 value per channel, input has shape \(Shape.describe(x.shape))")
            var sum = [Double](repeating: 0, count: c)
            for n in 0..<outer {
                for ch in 0..<c { sum[ch] += BatchNormKernels.rowSum(xp + (n * c + ch) * inner, inner, shift: 0) }
            }
            for ch in 0..<c { mean[ch] = Float(sum[ch] / Double(perChannel)) }
            var sq = [Double](repeating: 0, count: c)
            for n in 0..<outer {
                for ch in 0..<c { sq[ch] += BatchNormKernels.rowSquares(xp + (n * c + ch) * inner, inner, shift: mean[ch]) }
            }
            let rm = runningMean.storage.pointer, rv = runningVar.storage.pointer
            let nm = Storage(uninitialized: c), nv = Storage(uninitialized: c)
            for ch in 0..<c {
                let v = sq[ch] / Double(perChannel)
                invstd[ch] = Float(1 / (v + Double(eps)).squareRoot())
                let unbiased = sq[ch] / Double(perChannel - 1)
                nm.pointer[ch] = Float((1 - Double(momentum)) * Double(rm[ch]) + Double(momentum) * Double(mean[ch]))
                nv.pointer[ch] = Float((1 - Double(momentum)) * Double(rv[ch]) + Double(momentum) * unbiased)
            }
            newMean = Tensor(storage: nm, shape: [c])
            newVar = Tensor(storage: nv, shape: [c])
        } else {
            for ch in 0..<c {
                mean[ch] = runningMean.storage.pointer[ch]
                let v = runningVar.storage.pointer[ch]
                precondition(v + eps > 0, "batchNorm: running variance \(v) + eps \(eps) of channel \(ch) is not positive")
                invstd[ch] = Float(1 / (Double(v) + Double(eps)).squareRoot())
            }
        }

        // y = (x − m) · (gamma · invstd) + beta
        let out = Storage(uninitialized: x.count)
        for ch in 0..<c {
            let scale = invstd[ch] * (gamma.map { $0.storage.pointer[ch] } ?? 1)
            let shift = beta.map { $0.storage.pointer[ch] } ?? 0
            let m = mean[ch]
            for n in 0..<outer {
                let src = xp + (n * c + ch) * inner, dst = out.pointer + (n * c + ch) * inner
                for i in 0..<inner { dst[i] = (src[i] - m) * scale + shift }
            }
        }

        var inputs = [x]
        let gammaIndex = gamma.map { inputs.append($0); return inputs.count - 1 }
        let betaIndex = beta.map { inputs.append($0); return inputs.count - 1 }
        let axes = [0] + Array(2..<x.rank)
        var bshape = [Int](repeating: 1, count: x.rank)
        bshape[1] = c
        let meanC = mean, invstdC = invstd

        let y = record("batchnorm", out, shape: x.shape, inputs: inputs) { gy, ctx in
            var grads = [Tensor?](repeating: nil, count: ctx.node.inputs.count)
            let gammaT = gammaIndex.map { ctx.input($0) }
            if training && !ctx.createGraph {
                let (gx, gg, gb) = BatchNormKernels.trainingBackward(
                    x: ctx.input(0), gy: gy, gamma: gammaT, mean: meanC, invstd: invstdC,
                    outer: outer, channels: c, inner: inner)
                grads[0] = gx
                if let gi = gammaIndex { grads[gi] = gg }
                if let bi = betaIndex { grads[bi] = gb }
                return grads
            }
            let x = ctx.input(0)
            let xhat: Tensor, invstdT: Tensor
            if training {
                // The batch statistics as functions of x, so that this gradient differentiates again.
                let centered = x - x.mean(axes: axes, keepDims: true)
                invstdT = 1 / ((centered * centered).mean(axes: axes, keepDims: true) + eps).sqrt()
                xhat = centered * invstdT
            } else {
                invstdT = Tensor(invstdC, shape: bshape)
                xhat = (x - Tensor(meanC, shape: bshape)) * invstdT
            }
            let g = gammaT.map { gy * $0.reshaped(bshape) } ?? gy  // dL/dxhat
            if training {
                grads[0] = invstdT * (g - g.mean(axes: axes, keepDims: true)
                                      - xhat * (g * xhat).mean(axes: axes, keepDims: true))
            } else {
                grads[0] = g * invstdT
            }
            if let gi = gammaIndex { grads[gi] = (gy * xhat).sum(axes: axes) }
            if let bi = betaIndex { grads[bi] = gy.sum(axes: axes) }
            return grads
        }
        return (y, newMean, newVar)
    }
}

private enum BatchNormKernels {
    /// Σ (p[i] − shift), in Float with four partial sums, returned as Double.
    @inline(__always)
    static func rowSum(_ p: UnsafePointer<Float>, _ n: Int, shift: Float) -> Double {
        var s0: Float = 0, s1: Float = 0, s2: Float = 0, s3: Float = 0
        var j = 0
        while j + 4 <= n {
            s0 += p[j] - shift; s1 += p[j + 1] - shift; s2 += p[j + 2] - shift; s3 += p[j + 3] - shift
            j += 4
        }
        while j < n { s0 += p[j] - shift; j += 1 }
        return Double((s0 + s1) + (s2 + s3))
    }

    /// Σ (p[i] − shift)².
    @inline(__always)
    static func rowSquares(_ p: UnsafePointer<Float>, _ n: Int, shift: Float) -> Double {
        var s0: Float = 0, s1: Float = 0, s2: Float = 0, s3: Float = 0
        var j = 0
        while j + 4 <= n {
            let a = p[j] - shift, b = p[j + 1] - shift, c = p[j + 2] - shift, d = p[j + 3] - shift
            s0 += a * a; s1 += b * b; s2 += c * c; s3 += d * d
            j += 4
        }
        while j < n { let a = p[j] - shift; s0 += a * a; j += 1 }
        return Double((s0 + s1) + (s2 + s3))
    }

    /// First-order gradients of training-mode batch norm (not differentiable again; used only
    /// when no graph of the gradients is built). With x̂ = (x − m)·invstd:
    /// dbeta = Σ gy, dgamma = Σ gy·x̂, dx = gamma·invstd·(gy − mean(gy) − x̂·mean(gy·x̂)).
    static func trainingBackward(x: Tensor, gy: Tensor, gamma: Tensor?, mean: [Float], invstd: [Float],
                                 outer: Int, channels c: Int, inner: Int) -> (Tensor, Tensor, Tensor) {
        let xp = x.storage.pointer, gp = gy.storage.pointer
        let gg = Storage(uninitialized: c), gb = Storage(uninitialized: c)
        let gx = Storage(uninitialized: x.count)
        let count = Float(outer * inner)
        for ch in 0..<c {
            let m = mean[ch], s = invstd[ch]
            var sumG = 0.0, sumGX = 0.0
            for n in 0..<outer {
                let off = (n * c + ch) * inner
                let xr = xp + off, gr = gp + off
                var a0: Float = 0, a1: Float = 0, b0: Float = 0, b1: Float = 0
                var j = 0
                while j + 2 <= inner {
                    a0 += gr[j]; a1 += gr[j + 1]
                    b0 += gr[j] * (xr[j] - m); b1 += gr[j + 1] * (xr[j + 1] - m)
                    j += 2
                }
                if j < inner { a0 += gr[j]; b0 += gr[j] * (xr[j] - m) }
                sumG += Double(a0 + a1)
                sumGX += Double(b0 + b1)
            }
            let dBeta = Float(sumG), dGamma = Float(sumGX * Double(s))
            gb.pointer[ch] = dBeta
            gg.pointer[ch] = dGamma
            let k = s * (gamma.map { $0.storage.pointer[ch] } ?? 1)
            let meanG = dBeta / count, meanGX = dGamma / count
            for n in 0..<outer {
                let off = (n * c + ch) * inner
                let xr = xp + off, gr = gp + off, dst = gx.pointer + off
                for j in 0..<inner { dst[j] = k * (gr[j] - meanG - (xr[j] - m) * s * meanGX) }
            }
        }
        return (Tensor(storage: gx, shape: x.shape), Tensor(storage: gg, shape: [c]), Tensor(storage: gb, shape: [c]))
    }
}
