/// The shapes of one 2-D convolution, seen from the image side: an NCHW image
/// `[batch, channels, height, width]` is read through a `kernelH x kernelW` window moved by
/// `strideH, strideW` over the image zero-padded by `padH, padW` on each side, giving an
/// `outH x outW` grid of window positions (dilation 1).
///
/// The same geometry serves a convolution (image = its input) and a transposed convolution
/// (image = its output, the grid = its input).
public struct ConvGeometry: Equatable, Sendable {
    public let batch: Int, channels: Int, height: Int, width: Int
    public let kernelH: Int, kernelW: Int
    public let strideH: Int, strideW: Int
    public let padH: Int, padW: Int
    public let outH: Int, outW: Int

    public init(batch: Int, channels: Int, height: Int, width: Int,
                kernelH: Int, kernelW: Int, strideH: Int, strideW: Int,
                padH: Int, padW: Int, outH: Int, outW: Int) {
        precondition(batch >= 0 && channels >= 0 && height >= 0 && width >= 0 && outH >= 0 && outW >= 0,
                     "ConvGeometry: negative size")
        precondition(kernelH >= 1 && kernelW >= 1 && strideH >= 1 && strideW >= 1 && padH >= 0 && padW >= 0,
                     "ConvGeometry: kernel \(kernelH)x\(kernelW), stride \(strideH)x\(strideW), padding \(padH)x\(padW) is invalid")
        // Every window must lie inside the padded image.
        precondition(outH == 0 || (outH - 1) * strideH + kernelH <= height + 2 * padH,
                     "ConvGeometry: \(outH) rows of windows do not fit an image of height \(height)")
        precondition(outW == 0 || (outW - 1) * strideW + kernelW <= width + 2 * padW,
                     "ConvGeometry: \(outW) columns of windows do not fit an image of width \(width)")
        self.batch = batch; self.channels = channels; self.height = height; self.width = width
        self.kernelH = kernelH; self.kernelW = kernelW
        self.strideH = strideH; self.strideW = strideW
        self.padH = padH; self.padW = padW
        self.outH = outH; self.outW = outW
    }

    /// The window grid size of a convolution: `(in + 2·pad − kernel) / stride + 1`
    /// (floor), or 0 when the kernel does not fit.
    public static func outputSize(_ input: Int, kernel: Int, stride: Int, padding: Int) -> Int {
        let span = input + 2 * padding - kernel
        return span < 0 ? 0 : span / stride + 1
    }

    /// Rows of the column matrix: `channels · kernelH · kernelW`.
    public var columnRows: Int { channels * kernelH * kernelW }
    /// Columns of the column matrix: `batch · outH · outW`.
    public var columnCount: Int { batch * outH * outW }
    public var imageCount: Int { batch * channels * height * width }
}

/// im2col / col2im for NCHW images, and the axis swap that goes with them.
///
/// The column matrix has shape `[C·kh·kw, N·OH·OW]` (row-major): row `(c, i, j)` holds, for
/// every image `n` and window position `(oh, ow)`, the pixel
/// `x[n, c, oh·sh − ph + i, ow·sw − pw + j]` (0 outside the image). With it a whole batch's
/// convolution is ONE matrix product, `Y[O, N·OH·OW] = W[O, C·kh·kw] · cols`, whose result is
/// in `[O, N, OH·OW]` order; `swapAxes01` turns it into NCHW (contiguous blocks of OH·OW
/// floats, cheap next to the product).
public enum Im2col {
    @inline(__always)
    static func ceilDiv(_ a: Int, _ b: Int) -> Int { a >= 0 ? (a + b - 1) / b : -((-a) / b) }

    /// For kernel column `j`: the window columns `lo..<hi` whose pixel
    /// `ow·sw − pw + j` lies inside the image (those outside read zero padding).
    @inline(__always)
    static func validRange(_ j: Int, size: Int, stride: Int, pad: Int, count: Int) -> (Int, Int) {
        let lo = min(max(ceilDiv(pad - j, stride), 0), count)
        let hi = min(max(ceilDiv(size + pad - j, stride), lo), count)
        return (lo, hi)
    }

    /// Fills `cols` (`[C·kh·kw, N·OH·OW]`, every element written) from the NCHW image `x`.
    public static func im2col(_ x: UnsafePointer<Float>, _ g: ConvGeometry,
                              _ cols: UnsafeMutablePointer<Float>) {
        let N = g.batch, C = g.channels, H = g.height, W = g.width
        let kh = g.kernelH, kw = g.kernelW, sh = g.strideH, sw = g.strideW
        let ph = g.padH, pw = g.padW, OH = g.outH, OW = g.outW
        let ohw = OH * OW, np = N * ohw, hw = H * W
        if np == 0 { return }
        var rangeLo = [Int](repeating: 0, count: kw), rangeHi = [Int](repeating: 0, count: kw)
        for j in 0..<kw { (rangeLo[j], rangeHi[j]) = validRange(j, size: W, stride: sw, pad: pw, count: OW) }
        rangeLo.withUnsafeBufferPointer { los in
        rangeHi.withUnsafeBufferPointer { his in
            for n in 0..<N {
                for c in 0..<C {
                    let plane = x + (n * C + c) * hw
                    for i in 0..<kh {
                        for j in 0..<kw {
                            var dst = cols + ((c * kh + i) * kw + j) * np + n * ohw
                            let lo = los[j], hi = his[j]
                            for oh in 0..<OH {
                                let ih = oh * sh - ph + i
                                if ih < 0 || ih >= H {
                                    dst.update(repeating: 0, count: OW)
                                } else {
                                    for ow in 0..<lo { dst[ow] = 0 }
                                    if hi > lo {
                                        let src = plane + ih * W + (lo * sw - pw + j)
                                        let d = dst + lo
                                        if sw == 1 {
                                            d.update(from: src, count: hi - lo)
                                        } else {
                                            for t in 0..<(hi - lo) { d[t] = src[t * sw] }
                                        }
                                    }
                                    for ow in hi..<OW { dst[ow] = 0 }
                                }
                                dst += OW
                            }
                        }
                    }
                }
            }
        }
        }
    }

    /// The adjoint of `im2col`: writes the NCHW image `x` (every element) as the sum of the
    /// column entries that read each pixel. Each channel plane starts from `bias[c]` when a
    /// bias is given, else from 0.
    public static func col2im(_ cols: UnsafePointer<Float>, _ g: ConvGeometry,
                              _ x: UnsafeMutablePointer<Float>, bias: UnsafePointer<Float>? = nil) {
        let N = g.batch, C = g.channels, H = g.height, W = g.width
        let kh = g.kernelH, kw = g.kernelW, sh = g.strideH, sw = g.strideW
        let ph = g.padH, pw = g.padW, OH = g.outH, OW = g.outW
        let ohw = OH * OW, np = N * ohw, hw = H * W
        var rangeLo = [Int](repeating: 0, count: kw), rangeHi = [Int](repeating: 0, count: kw)
        for j in 0..<kw { (rangeLo[j], rangeHi[j]) = validRange(j, size: W, stride: sw, pad: pw, count: OW) }
        // Rows of windows whose kernel row i lands inside the image, per i.
        var rowLo = [Int](repeating: 0, count: kh), rowHi = [Int](repeating: 0, count: kh)
        for i in 0..<kh { (rowLo[i], rowHi[i]) = validRange(i, size: H, stride: sh, pad: ph, count: OH) }
        rangeLo.withUnsafeBufferPointer { los in
        rangeHi.withUnsafeBufferPointer { his in
            for n in 0..<N {
                for c in 0..<C {
                    let plane = x + (n * C + c) * hw
                    plane.update(repeating: bias.map { $0[c] } ?? 0, count: hw)
                    for i in 0..<kh {
                        let ohLo = rowLo[i], ohHi = rowHi[i]
                        for j in 0..<kw {
                            let row = cols + ((c * kh + i) * kw + j) * np + n * ohw
                            let lo = los[j], hi = his[j]
                            if hi <= lo { continue }
                            for oh in ohLo..<ohHi {
                                let ih = oh * sh - ph + i
                                let src = row + oh * OW + lo
                                let d = plane + ih * W + (lo * sw - pw + j)
                                if sw == 1 {
                                    for t in 0..<(hi - lo) { d[t] += src[t] }
                                } else {
                                    for t in 0..<(hi - lo) { d[t * sw] += src[t] }
                                }
                            }
                        }
                    }
                }
            }
        }
        }
    }

    /// `dst[j, i, :] = src[i, j, :] (+ bias[i])` for `src` of shape `[a, b, inner]`:
    /// swaps the two leading axes (NCHW ↔ CNHW). With `bias` (a values, indexed by the
    /// first axis of `src`), adds it to each copied block.
    public static func swapAxes01(_ src: UnsafePointer<Float>, _ a: Int, _ b: Int, inner: Int,
                                  _ dst: UnsafeMutablePointer<Float>, bias: UnsafePointer<Float>? = nil) {
        if inner == 1 && bias == nil {
            for i in 0..<a { for j in 0..<b { dst[j * a + i] = src[i * b + j] } }
            return
        }
        for i in 0..<a {
            let s = src + i * b * inner
            if let bias {
                let v = bias[i]
                for j in 0..<b {
                    let sp = s + j * inner, dp = dst + (j * a + i) * inner
                    for t in 0..<inner { dp[t] = sp[t] + v }
                }
            } else {
                for j in 0..<b {
                    (dst + (j * a + i) * inner).update(from: s + j * inner, count: inner)
                }
            }
        }
    }
}

/// Whole-batch convolution kernels built on `Im2col` and one `BLAS.sgemm` each.
///
/// Layouts: images NCHW; a weight is `[O, C, kh, kw]` (= `[O, C·kh·kw]` row-major), where
/// `C` is the channel count of the image side of `g` and `O` that of the window grid side.
/// A transposed convolution's weight `[in, out, kh, kw]` is the same array for the
/// convolution it is the adjoint of (grid channels `in`, image channels `out`).
public enum ConvKernels {
    @inline(__always)
    static func withScratch<R>(_ count: Int, _ body: (UnsafeMutablePointer<Float>) -> R) -> R {
        let p = UnsafeMutablePointer<Float>.allocate(capacity: Swift.max(count, 1))
        defer { p.deallocate() }
        return body(p)
    }

    /// `y[n, o, oh, ow] = bias[o] + Σ_{c,i,j} w[o, c, i, j] · x[n, c, oh·sh − ph + i, ow·sw − pw + j]`
    /// (cross-correlation, zero padding). `x` is `[N, C, H, W]`, `y` is `[N, O, OH, OW]`.
    public static func convolve(_ x: UnsafePointer<Float>, weight w: UnsafePointer<Float>,
                                bias: UnsafePointer<Float>?, _ g: ConvGeometry, outChannels O: Int,
                                _ y: UnsafeMutablePointer<Float>) {
        let K = g.columnRows, P = g.columnCount, ohw = g.outH * g.outW
        if P == 0 || O == 0 { return }
        withScratch(K * P) { cols in
            Im2col.im2col(x, g, cols)
            if g.batch == 1 {
                // [O, OH·OW] is already NCHW.
                if let bias { for o in 0..<O { (y + o * ohw).update(repeating: bias[o], count: ohw) } }
                BLAS.sgemm(transA: false, transB: false, m: O, n: P, k: K, a: w, lda: K, b: cols, ldb: P,
                           beta: bias == nil ? 0 : 1, c: y, ldc: P)
                return
            }
            withScratch(O * P) { yc in
                BLAS.sgemm(transA: false, transB: false, m: O, n: P, k: K, a: w, lda: K, b: cols, ldb: P,
                           c: yc, ldc: P)
                Im2col.swapAxes01(yc, O, g.batch, inner: ohw, y, bias: bias)
            }
        }
    }

    /// The adjoint of `convolve` in its image: `x = col2im(wᵀ · gy)` (+ `bias[c]` per image
    /// channel). `gy` is `[N, O, OH, OW]`, `x` is `[N, C, H, W]`. This is a conv2d's input
    /// gradient and a transposed convolution's forward pass.
    public static func convolveTransposed(_ gy: UnsafePointer<Float>, weight w: UnsafePointer<Float>,
                                          bias: UnsafePointer<Float>?, _ g: ConvGeometry, outChannels O: Int,
                                          _ x: UnsafeMutablePointer<Float>) {
        let K = g.columnRows, P = g.columnCount, ohw = g.outH * g.outW
        if P == 0 || O == 0 || K == 0 {
            for c in 0..<g.batch * g.channels {
                (x + c * g.height * g.width).update(repeating: bias.map { $0[c % g.channels] } ?? 0,
                                                    count: g.height * g.width)
            }
            return
        }
        withScratch(K * P) { cols in
            if g.batch == 1 {
                BLAS.sgemm(transA: true, transB: false, m: K, n: P, k: O, a: w, lda: K, b: gy, ldb: P,
                           c: cols, ldc: P)
            } else {
                withScratch(O * P) { gc in
                    Im2col.swapAxes01(gy, g.batch, O, inner: ohw, gc)
                    BLAS.sgemm(transA: true, transB: false, m: K, n: P, k: O, a: w, lda: K, b: gc, ldb: P,
                               c: cols, ldc: P)
                }
            }
            Im2col.col2im(cols, g, x, bias: bias)
        }
    }

    /// The gradient of `convolve` with respect to its weight:
    /// `gw[o, c, i, j] = Σ_{n,oh,ow} gy[n, o, oh, ow] · x[n, c, oh·sh − ph + i, ow·sw − pw + j]`,
    /// i.e. `gw = gy · colsᵀ`. `x` is `[N, C, H, W]`, `gy` `[N, O, OH, OW]`, `gw` `[O, C, kh, kw]`.
    public static func weightGradient(_ x: UnsafePointer<Float>, _ gy: UnsafePointer<Float>,
                                      _ g: ConvGeometry, outChannels O: Int,
                                      _ gw: UnsafeMutablePointer<Float>) {
        let K = g.columnRows, P = g.columnCount, ohw = g.outH * g.outW
        if P == 0 { gw.update(repeating: 0, count: O * K); return }
        withScratch(K * P) { cols in
            Im2col.im2col(x, g, cols)
            if g.batch == 1 {
                BLAS.sgemm(transA: false, transB: true, m: O, n: K, k: P, a: gy, lda: P, b: cols, ldb: P,
                           c: gw, ldc: K)
                return
            }
            withScratch(O * P) { gc in
                Im2col.swapAxes01(gy, g.batch, O, inner: ohw, gc)
                BLAS.sgemm(transA: false, transB: true, m: O, n: K, k: P, a: gc, lda: P, b: cols, ldb: P,
                           c: gw, ldc: K)
            }
        }
    }
}
