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
    ///
    /// `replicas` (synchronized batch norm, training only): the batch statistics are taken
    /// over the batches of all replicas of a data-parallel run, as if one process held the
    /// global batch; the backward sums its per-channel terms over the replicas too, so that
    /// each replica's input gradient includes what its samples did to the others' statistics.
    public static func batchNorm(_ x: Tensor, gamma: Tensor?, beta: Tensor?,
                                 runningMean: Tensor, runningVar: Tensor, training: Bool,
                                 momentum: Float = 0.1, eps: Float = 1e-5,
                                 replicas: (any ReplicaSum)? = nil)
        -> (output: Tensor, runningMean: Tensor, runningVar: Tensor) {
        require(x.rank >= 2, "batchNorm: input of shape \(Shape.describe(x.shape)) needs at least 2 axes ([N, C, ...])")
        let c = x.shape[1]
        for (name, t) in [("gamma", gamma), ("beta", beta), ("runningMean", runningMean), ("runningVar", runningVar)] {
            if let t {
                require(t.shape == [c], "batchNorm: \(name) of shape \(Shape.describe(t.shape)) does not match the \(c) channels of input \(Shape.describe(x.shape))")
            }
        }
        require(eps >= 0, "batchNorm: eps \(eps) is negative")
        let outer = x.shape[0]
        let inner = x.shape[2...].reduce(1, *)
        var perChannel = outer * inner
        let xp = x.storage.pointer
        let sync = training ? replicas : nil

        var mean = [Float](repeating: 0, count: c)
        var invstd = [Float](repeating: 0, count: c)
        var newMean = runningMean.detached(), newVar = runningVar.detached()
        if training {
            let zero = [Float](repeating: 0, count: c)
            var sum = BatchNormKernels.channelSums(xp, outer: outer, channels: c, inner: inner, shift: zero, squares: false)
            if let sync {
                // Sums and counts over all replicas' batches; then squares about the global mean.
                sum.append(Double(perChannel))
                sync.sum(&sum)
                perChannel = Int(sum.removeLast())
            }
            require(perChannel > 1, "batchNorm: training needs more than 1 value per channel, input has shape \(Shape.describe(x.shape))")
            for ch in 0..<c { mean[ch] = Float(sum[ch] / Double(perChannel)) }
            var sq = BatchNormKernels.channelSums(xp, outer: outer, channels: c, inner: inner, shift: mean, squares: true)
            sync?.sum(&sq)
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
                require(v + eps > 0, "batchNorm: running variance \(v) + eps \(eps) of channel \(ch) is not positive")
                invstd[ch] = Float(1 / (Double(v) + Double(eps)).squareRoot())
            }
        }

        // y = (x − m) · (gamma · invstd) + beta
        let out = Storage(uninitialized: x.count)
        var scale = [Float](repeating: 0, count: c), shift = [Float](repeating: 0, count: c)
        for ch in 0..<c {
            scale[ch] = invstd[ch] * (gamma.map { $0.storage.pointer[ch] } ?? 1)
            shift[ch] = beta.map { $0.storage.pointer[ch] } ?? 0
        }
        BatchNormKernels.affine(xp, nil, out.pointer, outer: outer, channels: c, inner: inner,
                                center: mean, a: scale, b: scale, d: shift)

        var inputs = [x]
        let gammaIndex = gamma.map { inputs.append($0); return inputs.count - 1 }
        let betaIndex = beta.map { inputs.append($0); return inputs.count - 1 }
        let axes = [0] + Array(2..<x.rank)
        var bshape = [Int](repeating: 1, count: x.rank)
        bshape[1] = c
        let meanC = mean, invstdC = invstd, count = perChannel

        let y = record("batchnorm", out, shape: x.shape, inputs: inputs) { gy, ctx in
            var grads = [Tensor?](repeating: nil, count: ctx.node.inputs.count)
            let gammaT = gammaIndex.map { ctx.input($0) }
            if training && !ctx.createGraph {
                let (gx, gg, gb) = BatchNormKernels.trainingBackward(
                    x: ctx.input(0), gy: gy, gamma: gammaT, mean: meanC, invstd: invstdC,
                    outer: outer, channels: c, inner: inner, sync: sync, count: count)
                grads[0] = gx
                if let gi = gammaIndex { grads[gi] = gg }
                if let bi = betaIndex { grads[bi] = gb }
                return grads
            }
            let x = ctx.input(0)
            let xhat: Tensor, invstdT: Tensor
            // Per-channel means over the batch (over all replicas' batches when synchronized).
            func batchMean(_ t: Tensor) -> Tensor {
                guard let sync else { return t.mean(axes: axes, keepDims: true) }
                return t.sum(axes: axes, keepDims: true).summedOverReplicas(sync) * (1 / Float(count))
            }
            if training {
                // The batch statistics as functions of x, so that this gradient differentiates again.
                let centered = x - batchMean(x)
                invstdT = 1 / (batchMean(centered * centered) + eps).sqrt()
                xhat = centered * invstdT
            } else {
                invstdT = Tensor(invstdC, shape: bshape)
                xhat = (x - Tensor(meanC, shape: bshape)) * invstdT
            }
            let g = gammaT.map { gy * $0.reshaped(bshape) } ?? gy  // dL/dxhat
            if training {
                grads[0] = invstdT * (g - batchMean(g) - xhat * batchMean(g * xhat))
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

/// Kernels over a tensor seen as [outer, C, inner] (channel axis in the middle), walked in
/// memory order; per-channel sums are accumulated in Double across rows.
private enum BatchNormKernels {
    @inline(__always)
    static func load8(_ p: UnsafePointer<Float>) -> SIMD8<Float> {
        UnsafeRawPointer(p).loadUnaligned(as: SIMD8<Float>.self)
    }

    /// Per channel: Σ (x − shift_c), or Σ (x − shift_c)² when `squares`.
    static func channelSums(_ x: UnsafePointer<Float>, outer: Int, channels c: Int, inner: Int,
                            shift: [Float], squares: Bool) -> [Double] {
        var acc = [Double](repeating: 0, count: c)
        if inner == 1 {
            acc.withUnsafeMutableBufferPointer { a in
                shift.withUnsafeBufferPointer { m in
                    for n in 0..<outer {
                        let row = x + n * c
                        if squares {
                            for ch in 0..<c { let d = row[ch] - m[ch]; a[ch] += Double(d * d) }
                        } else {
                            for ch in 0..<c { a[ch] += Double(row[ch] - m[ch]) }
                        }
                    }
                }
            }
            return acc
        }
        for n in 0..<outer {
            for ch in 0..<c {
                let p = x + (n * c + ch) * inner
                let m = shift[ch]
                var v = SIMD8<Float>(repeating: 0)
                let mv = SIMD8<Float>(repeating: m)
                var j = 0
                var tail: Float = 0
                if squares {
                    while j + 8 <= inner { let d = load8(p + j) - mv; v += d * d; j += 8 }
                    while j < inner { let d = p[j] - m; tail += d * d; j += 1 }
                } else {
                    while j + 8 <= inner { v += load8(p + j) - mv; j += 8 }
                    while j < inner { tail += p[j] - m; j += 1 }
                }
                acc[ch] += Double(v.sum() + tail)
            }
        }
        return acc
    }

    /// Per channel: (Σ g, Σ g·(x − center_c)).
    static func gradSums(_ x: UnsafePointer<Float>, _ g: UnsafePointer<Float>, outer: Int, channels c: Int,
                         inner: Int, center: [Float]) -> ([Double], [Double]) {
        var sg = [Double](repeating: 0, count: c), sgx = [Double](repeating: 0, count: c)
        if inner == 1 {
            for n in 0..<outer {
                let xr = x + n * c, gr = g + n * c
                for ch in 0..<c {
                    sg[ch] += Double(gr[ch])
                    sgx[ch] += Double(gr[ch] * (xr[ch] - center[ch]))
                }
            }
            return (sg, sgx)
        }
        for n in 0..<outer {
            for ch in 0..<c {
                let off = (n * c + ch) * inner
                let xr = x + off, gr = g + off
                let m = center[ch]
                let mv = SIMD8<Float>(repeating: m)
                var a = SIMD8<Float>(repeating: 0), b = SIMD8<Float>(repeating: 0)
                var ta: Float = 0, tb: Float = 0
                var j = 0
                while j + 8 <= inner {
                    let gv = load8(gr + j)
                    a += gv
                    b += gv * (load8(xr + j) - mv)
                    j += 8
                }
                while j < inner { ta += gr[j]; tb += gr[j] * (xr[j] - m); j += 1 }
                sg[ch] += Double(a.sum() + ta)
                sgx[ch] += Double(b.sum() + tb)
            }
        }
        return (sg, sgx)
    }

    /// out = (x − center_c)·a_c + d_c, plus g·b_c when `g` is given.
    static func affine(_ x: UnsafePointer<Float>, _ g: UnsafePointer<Float>?, _ out: UnsafeMutablePointer<Float>,
                       outer: Int, channels c: Int, inner: Int,
                       center: [Float], a: [Float], b: [Float], d: [Float]) {
        center.withUnsafeBufferPointer { m in
        a.withUnsafeBufferPointer { a in
        b.withUnsafeBufferPointer { b in
        d.withUnsafeBufferPointer { d in
            if inner == 1 {
                for n in 0..<outer {
                    let xr = x + n * c, dst = out + n * c
                    if let g {
                        let gr = g + n * c
                        for ch in 0..<c { dst[ch] = (xr[ch] - m[ch]) * a[ch] + gr[ch] * b[ch] + d[ch] }
                    } else {
                        for ch in 0..<c { dst[ch] = (xr[ch] - m[ch]) * a[ch] + d[ch] }
                    }
                }
                return
            }
            for n in 0..<outer {
                for ch in 0..<c {
                    let off = (n * c + ch) * inner
                    let xr = x + off, dst = out + off
                    let mc = m[ch], ac = a[ch], dc = d[ch]
                    if let g {
                        let gr = g + off, bc = b[ch]
                        for i in 0..<inner { dst[i] = (xr[i] - mc) * ac + gr[i] * bc + dc }
                    } else {
                        for i in 0..<inner { dst[i] = (xr[i] - mc) * ac + dc }
                    }
                }
            }
        }}}}
    }

    /// First-order gradients of training-mode batch norm (not differentiable again; used only
    /// when no graph of the gradients is built). With x̂ = (x − m)·invstd:
    /// dbeta = Σ gy, dgamma = Σ gy·x̂, dx = gamma·invstd·(gy − mean(gy) − x̂·mean(gy·x̂)).
    /// With `sync`, the means of gy and gy·x̂ are over all replicas (`count` values per channel);
    /// dgamma and dbeta stay this replica's own sums.
    static func trainingBackward(x: Tensor, gy: Tensor, gamma: Tensor?, mean: [Float], invstd: [Float],
                                 outer: Int, channels c: Int, inner: Int,
                                 sync: (any ReplicaSum)?, count globalCount: Int) -> (Tensor, Tensor, Tensor) {
        let (localG, localGX) = gradSums(x.storage.pointer, gy.storage.pointer, outer: outer, channels: c,
                                         inner: inner, center: mean)
        var sg = localG, sgx = localGX
        if let sync {
            var both = localG + localGX
            sync.sum(&both)
            sg = Array(both[0..<c]); sgx = Array(both[c...])
        }
        let gg = Storage(uninitialized: c), gb = Storage(uninitialized: c)
        let count = Double(globalCount)
        var a = [Float](repeating: 0, count: c), b = a, d = a
        for ch in 0..<c {
            let s = Double(invstd[ch])
            gb.pointer[ch] = Float(localG[ch])
            gg.pointer[ch] = Float(localGX[ch] * s)
            // dx = k·gy − k·mean(gy) − (x − m)·k·s·mean(gy·x̂), k = gamma·invstd
            let k = s * Double(gamma.map { $0.storage.pointer[ch] } ?? 1)
            b[ch] = Float(k)
            d[ch] = Float(-k * sg[ch] / count)
            a[ch] = Float(-k * s * (sgx[ch] * s) / count)
        }
        let gx = Storage(uninitialized: x.count)
        affine(x.storage.pointer, gy.storage.pointer, gx.pointer, outer: outer, channels: c, inner: inner,
               center: mean, a: a, b: b, d: d)
        return (Tensor(storage: gx, shape: x.shape), Tensor(storage: gg, shape: [c]), Tensor(storage: gb, shape: [c]))
    }
}
