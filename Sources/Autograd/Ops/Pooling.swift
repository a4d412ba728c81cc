import TensorCore

// Image ops on the last two axes (H, W) of NCHW tensors: average pooling, nearest-neighbour
// upsampling by 2 and zero padding. All three are linear; each backward is another op of the
// same family, so gradients of any order work:
//
//   avgPool2d (window sum · 1/k²)  ↔  its scatter (each window's value spread back, · 1/k²)
//   upsampleNearest2x (a 2x2 scatter)  ↔  2x2 sum pooling
//   padded2d(l, r, t, b)  ↔  padded2d(−l, −r, −t, −b) (a crop)

extension Tensor {
    /// Average pooling over `kernel x kernel` windows moved by `stride` (default `kernel`), no
    /// padding, floor mode: `y[n, c, oh, ow] = mean_{i,j<k} x[n, c, oh·s + i, ow·s + j]`.
    ///
    /// - `x`: `[..., H, W]` (NCHW usually); output `[..., (H − k)/s + 1, (W − k)/s + 1]`.
    ///   Windows may overlap (`stride < kernel`); rows/columns no window reaches get no
    ///   gradient.
    /// - Gradient: each `gy` value spread evenly over its window (an op whose own gradient is
    ///   this average pooling again). Linear: no kinks.
    public func avgPool2d(kernel: Int, stride: Int? = nil) -> Tensor {
        let s = stride ?? kernel
        require(kernel >= 1 && s >= 1, "avgPool2d: kernel \(kernel) and stride \(s) must be at least 1")
        require(rank >= 2 && shape[rank - 2] >= kernel && shape[rank - 1] >= kernel,
                     "avgPool2d: input \(Shape.describe(shape)) is smaller than the \(kernel)x\(kernel) window")
        return Tensor.windowSum(self, kernel: kernel, stride: s, scale: 1 / Float(kernel * kernel),
                                op: "avg_pool2d", backOp: "avg_pool2d_backward")
    }

    /// Nearest-neighbour upsampling by 2 in H and W: `y[..., i, j] = x[..., i/2, j/2]`
    /// (`[..., H, W]` → `[..., 2H, 2W]`).
    ///
    /// Gradient: `gy` summed over each 2x2 block (sum pooling, whose own gradient is this
    /// upsampling). Linear: no kinks.
    public func upsampleNearest2x() -> Tensor {
        require(rank >= 2, "upsampleNearest2x: input \(Shape.describe(shape)) has fewer than 2 axes")
        return Tensor.windowScatter(self, kernel: 2, stride: 2, scale: 1,
                                    size: (2 * shape[rank - 2], 2 * shape[rank - 1]),
                                    op: "upsample_nearest2x", backOp: "sum_pool2x2")
    }

    /// Zero padding of the last two axes, in PyTorch's `F.pad` order: `left`/`right` columns
    /// of W, `top`/`bottom` rows of H: `[..., H, W]` → `[..., H + top + bottom, W + left + right]`,
    /// `y[..., i, j] = x[..., i − top, j − left]` (0 outside x).
    ///
    /// A negative amount crops instead (as in PyTorch). Gradient: the matching crop,
    /// `gy.padded2d(−left, −right, −top, −bottom)`. Linear: no kinks.
    public func padded2d(left: Int, right: Int, top: Int, bottom: Int) -> Tensor {
        require(rank >= 2, "padded2d: input \(Shape.describe(shape)) has fewer than 2 axes")
        let h = shape[rank - 2], w = shape[rank - 1]
        let oh = h + top + bottom, ow = w + left + right
        require(oh >= 0 && ow >= 0,
                     "padded2d: padding [left \(left), right \(right), top \(top), bottom \(bottom)] of \(Shape.describe(shape)) leaves a negative size \(oh)x\(ow)")
        if left == 0 && right == 0 && top == 0 && bottom == 0 { return self }
        let planes = Shape.count(Array(shape.dropLast(2)))
        let outShape = Array(shape.dropLast(2)) + [oh, ow]
        let out = Storage(uninitialized: planes * oh * ow)
        let src = storage.pointer, dst = out.pointer
        // Output columns j with 0 <= j - left < w are copied; the rest are zero.
        let jLo = Swift.min(Swift.max(left, 0), ow), jHi = Swift.max(Swift.min(w + left, ow), jLo)
        for p in 0..<planes {
            let sp = src + p * h * w, dp = dst + p * oh * ow
            for i in 0..<oh {
                let row = dp + i * ow
                let si = i - top
                if si < 0 || si >= h || jHi == jLo {
                    row.update(repeating: 0, count: ow)
                    continue
                }
                for j in 0..<jLo { row[j] = 0 }
                (row + jLo).update(from: sp + si * w + (jLo - left), count: jHi - jLo)
                for j in jHi..<ow { row[j] = 0 }
            }
        }
        return Tensor.record("pad2d", out, shape: outShape, inputs: [self]) { gy, _ in
            [gy.padded2d(left: -left, right: -right, top: -top, bottom: -bottom)]
        }
    }

    // MARK: window sums and their adjoint

    /// `y[..., oh, ow] = scale · Σ_{i,j<k} x[..., oh·s + i, ow·s + j]`, no padding, floor mode.
    static func windowSum(_ x: Tensor, kernel k: Int, stride s: Int, scale: Float,
                          op: String, backOp: String) -> Tensor {
        let r = x.rank
        let h = x.shape[r - 2], w = x.shape[r - 1]
        let oh = (h - k) / s + 1, ow = (w - k) / s + 1
        let planes = Shape.count(Array(x.shape.dropLast(2)))
        let out = Storage(uninitialized: planes * oh * ow)
        let src = x.storage.pointer, dst = out.pointer
        for p in 0..<planes {
            let sp = src + p * h * w, dp = dst + p * oh * ow
            if k == 2 && s == 2 {
                for a in 0..<oh {
                    let r0 = sp + 2 * a * w, r1 = r0 + w, d = dp + a * ow
                    for b in 0..<ow { d[b] = ((r0[2 * b] + r0[2 * b + 1]) + (r1[2 * b] + r1[2 * b + 1])) * scale }
                }
                continue
            }
            for a in 0..<oh {
                let d = dp + a * ow
                d.update(repeating: 0, count: ow)
                for i in 0..<k {
                    let row = sp + (a * s + i) * w
                    for b in 0..<ow {
                        var acc: Float = 0
                        for j in 0..<k { acc += row[b * s + j] }
                        d[b] += acc
                    }
                }
                for b in 0..<ow { d[b] *= scale }
            }
        }
        let outShape = Array(x.shape.dropLast(2)) + [oh, ow]
        return record(op, out, shape: outShape, inputs: [x]) { gy, _ in
            [windowScatter(gy, kernel: k, stride: s, scale: scale, size: (h, w), op: backOp, backOp: op)]
        }
    }

    /// The adjoint of `windowSum`: an `[..., size.0, size.1]` image where each pixel is
    /// `scale ·` the sum of the `y` values of the windows covering it (0 if none does).
    static func windowScatter(_ y: Tensor, kernel k: Int, stride s: Int, scale: Float, size: (Int, Int),
                              op: String, backOp: String) -> Tensor {
        let r = y.rank
        let oh = y.shape[r - 2], ow = y.shape[r - 1]
        let (h, w) = size
        require((h - k) / s + 1 == oh && (w - k) / s + 1 == ow && h >= k && w >= k,
                     "\(op): gradient \(Shape.describe(y.shape)) does not match a \(h)x\(w) image pooled by \(k)x\(k) windows with stride \(s)")
        let planes = Shape.count(Array(y.shape.dropLast(2)))
        let out = Storage(uninitialized: planes * h * w)
        let src = y.storage.pointer, dst = out.pointer
        for p in 0..<planes {
            let sp = src + p * oh * ow, dp = dst + p * h * w
            if k == s {
                // Disjoint windows: each pixel is written once.
                for a in 0..<oh {
                    let yr = sp + a * ow
                    for i in 0..<k {
                        let d = dp + (a * k + i) * w
                        if k == 2 {
                            for b in 0..<ow { let v = yr[b] * scale; d[2 * b] = v; d[2 * b + 1] = v }
                        } else {
                            for b in 0..<ow {
                                let v = yr[b] * scale
                                for j in 0..<k { d[b * k + j] = v }
                            }
                        }
                        for j in (ow * k)..<w { d[j] = 0 }
                    }
                }
                (dp + oh * k * w).update(repeating: 0, count: (h - oh * k) * w)
                continue
            }
            dp.update(repeating: 0, count: h * w)
            for a in 0..<oh {
                let yr = sp + a * ow
                for i in 0..<k {
                    let d = dp + (a * s + i) * w
                    for b in 0..<ow {
                        let v = yr[b] * scale
                        for j in 0..<k { d[b * s + j] += v }
                    }
                }
            }
        }
        let outShape = Array(y.shape.dropLast(2)) + [h, w]
        return record(op, out, shape: outShape, inputs: [y]) { g, _ in
            [windowSum(g, kernel: k, stride: s, scale: scale, op: backOp, backOp: op)]
        }
    }
}
