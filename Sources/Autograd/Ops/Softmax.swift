import TensorCore

// Softmax and log-softmax along any axis, with the maximum subtracted first so that large
// logits neither overflow nor lose their differences. A tensor is seen as [outer, n, inner]
// around the axis (as in `Reduce`); the last axis (inner = 1) runs over contiguous rows.

extension Tensor {
    /// softmax(x)ᵢ = e^(xᵢ − m) / Σⱼ e^(xⱼ − m) along `axis`, m the maximum along it.
    /// Gradient: y · (gy − Σ(gy · y)) with the sum along `axis`.
    public func softmax(axis: Int = -1) -> Tensor {
        let ax = Shape.normalizeAxis(axis, rank: rank, op: "softmax")
        let out = Tensor.softmaxForward(self, axis: ax, log: false)
        return Tensor.record("softmax", out, shape: shape, inputs: [self], savesOutput: true) { gy, ctx in
            let y = ctx.output
            if ctx.createGraph { return [y * (gy - (gy * y).sum(axes: [ax], keepDims: true))] }
            return [Tensor.softmaxBackward(gy, y, axis: ax, log: false)]
        }
    }

    /// log softmax(x)ᵢ = xᵢ − m − log Σⱼ e^(xⱼ − m) along `axis`, m the maximum along it.
    /// Gradient: gy − e^y · Σ gy with the sum along `axis`.
    public func logSoftmax(axis: Int = -1) -> Tensor {
        let ax = Shape.normalizeAxis(axis, rank: rank, op: "logSoftmax")
        let out = Tensor.softmaxForward(self, axis: ax, log: true)
        return Tensor.record("log_softmax", out, shape: shape, inputs: [self], savesOutput: true) { gy, ctx in
            let y = ctx.output
            if ctx.createGraph { return [gy - y.exp() * gy.sum(axes: [ax], keepDims: true)] }
            return [Tensor.softmaxBackward(gy, y, axis: ax, log: true)]
        }
    }

    /// The forward kernel of both ops.
    private static func softmaxForward(_ x: Tensor, axis: Int, log: Bool) -> Storage {
        let (outer, n, inner) = Reduce.split(x.shape, axis: axis)
        let out = Storage(uninitialized: x.count)
        let src = x.storage.pointer, dst = out.pointer
        if n == 0 { return out }
        if inner == 1 {
            for o in 0..<outer {
                let xr = src + o * n, yr = dst + o * n
                var m = xr[0]
                for j in 1..<n { m = Swift.max(m, xr[j]) }
                var s: Float = 0
                for j in 0..<n {
                    let e = FastMath.exp(xr[j] - m)
                    yr[j] = e
                    s += e
                }
                if log {
                    // (x − m) − log s: x − m is exact for nearby values, so large logits
                    // keep their small differences.
                    let ls = FastMath.log(s)
                    for j in 0..<n { yr[j] = (xr[j] - m) - ls }
                } else {
                    let r = 1 / s
                    for j in 0..<n { yr[j] *= r }
                }
            }
            return out
        }
        // Strided axis: keep a running max / sum per inner position, loop inner fastest.
        let m = Storage(uninitialized: inner), s = Storage(uninitialized: inner)
        let mp = m.pointer, sp = s.pointer
        for o in 0..<outer {
            let xb = src + o * n * inner, yb = dst + o * n * inner
            mp.update(from: xb, count: inner)
            for j in 1..<n {
                let xr = xb + j * inner
                for i in 0..<inner { mp[i] = Swift.max(mp[i], xr[i]) }
            }
            sp.update(repeating: 0, count: inner)
            for j in 0..<n {
                let xr = xb + j * inner, yr = yb + j * inner
                for i in 0..<inner {
                    let e = FastMath.exp(xr[i] - mp[i])
                    yr[i] = e
                    sp[i] += e
                }
            }
            if log {
                for i in 0..<inner { sp[i] = FastMath.log(sp[i]) }
                for j in 0..<n {
                    let xr = xb + j * inner, yr = yb + j * inner
                    for i in 0..<inner { yr[i] = (xr[i] - mp[i]) - sp[i] }
                }
            } else {
                for i in 0..<inner { sp[i] = 1 / sp[i] }
                for j in 0..<n {
                    let yr = yb + j * inner
                    for i in 0..<inner { yr[i] *= sp[i] }
                }
            }
        }
        return out
    }

    /// The fused first-order backward (no graph): softmax `y (gy − Σ gy y)`, log-softmax
    /// `gy − e^y Σ gy`, sums along the axis.
    private static func softmaxBackward(_ gy: Tensor, _ y: Tensor, axis: Int, log: Bool) -> Tensor {
        let (outer, n, inner) = Reduce.split(y.shape, axis: axis)
        let out = Storage(uninitialized: y.count)
        let g = gy.storage.pointer, yp = y.storage.pointer, dst = out.pointer
        if inner == 1 {
            for o in 0..<outer {
                let gr = g + o * n, yr = yp + o * n, dr = dst + o * n
                var a: Float = 0
                if log {
                    for j in 0..<n { a += gr[j] }
                    for j in 0..<n { dr[j] = gr[j] - FastMath.exp(yr[j]) * a }
                } else {
                    for j in 0..<n { a += gr[j] * yr[j] }
                    for j in 0..<n { dr[j] = yr[j] * (gr[j] - a) }
                }
            }
            return Tensor(storage: out, shape: y.shape)
        }
        let acc = Storage(uninitialized: inner)
        let ap = acc.pointer
        for o in 0..<outer {
            let base = o * n * inner
            ap.update(repeating: 0, count: inner)
            for j in 0..<n {
                let gr = g + base + j * inner, yr = yp + base + j * inner
                if log {
                    for i in 0..<inner { ap[i] += gr[i] }
                } else {
                    for i in 0..<inner { ap[i] += gr[i] * yr[i] }
                }
            }
            for j in 0..<n {
                let gr = g + base + j * inner, yr = yp + base + j * inner, dr = dst + base + j * inner
                if log {
                    for i in 0..<inner { dr[i] = gr[i] - FastMath.exp(yr[i]) * ap[i] }
                } else {
                    for i in 0..<inner { dr[i] = yr[i] * (gr[i] - ap[i]) }
                }
            }
        }
        return Tensor(storage: out, shape: y.shape)
    }
}
