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
                let m = rowMax(xr, n)
                for j in 0..<n { yr[j] = FastMath.exp(xr[j] - m) }
                let s = rowSum(yr, n)
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
                if log {
                    let a = rowSum(gr, n)
                    for j in 0..<n { dr[j] = gr[j] - FastMath.exp(yr[j]) * a }
                } else {
                    let a = rowDot(gr, yr, n)
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

    // MARK: row reductions with independent partial results (they pipeline and vectorize,
    // where one running accumulator would serialize the loop)

    /// The largest of p[0..<n] (n ≥ 1).
    @inline(__always)
    static func rowMax(_ p: UnsafePointer<Float>, _ n: Int) -> Float {
        var m0 = p[0], m1 = p[0], m2 = p[0], m3 = p[0]
        var j = 0
        while j + 4 <= n {
            m0 = Swift.max(m0, p[j]); m1 = Swift.max(m1, p[j + 1])
            m2 = Swift.max(m2, p[j + 2]); m3 = Swift.max(m3, p[j + 3])
            j += 4
        }
        while j < n { m0 = Swift.max(m0, p[j]); j += 1 }
        return Swift.max(Swift.max(m0, m1), Swift.max(m2, m3))
    }

    /// Σ p[0..<n], with eight partial sums.
    @inline(__always)
    static func rowSum(_ p: UnsafePointer<Float>, _ n: Int) -> Float {
        var s = (Float(0), Float(0), Float(0), Float(0), Float(0), Float(0), Float(0), Float(0))
        var j = 0
        while j + 8 <= n {
            s.0 += p[j]; s.1 += p[j + 1]; s.2 += p[j + 2]; s.3 += p[j + 3]
            s.4 += p[j + 4]; s.5 += p[j + 5]; s.6 += p[j + 6]; s.7 += p[j + 7]
            j += 8
        }
        while j < n { s.0 += p[j]; j += 1 }
        return ((s.0 + s.1) + (s.2 + s.3)) + ((s.4 + s.5) + (s.6 + s.7))
    }

    /// Σ a[j]·b[j] over j < n, with eight partial sums.
    @inline(__always)
    static func rowDot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ n: Int) -> Float {
        var s = (Float(0), Float(0), Float(0), Float(0), Float(0), Float(0), Float(0), Float(0))
        var j = 0
        while j + 8 <= n {
            s.0 += a[j] * b[j]; s.1 += a[j + 1] * b[j + 1]; s.2 += a[j + 2] * b[j + 2]; s.3 += a[j + 3] * b[j + 3]
            s.4 += a[j + 4] * b[j + 4]; s.5 += a[j + 5] * b[j + 5]; s.6 += a[j + 6] * b[j + 6]; s.7 += a[j + 7] * b[j + 7]
            j += 8
        }
        while j < n { s.0 += a[j] * b[j]; j += 1 }
        return ((s.0 + s.1) + (s.2 + s.3)) + ((s.4 + s.5) + (s.6 + s.7))
    }
}
