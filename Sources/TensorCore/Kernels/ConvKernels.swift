/// Convolution kernels built on `Im2col` and `BLAS.sgemm`.
///
/// Layouts: images NCHW; a weight is `[O, C, kh, kw]` (= `[O, C·kh·kw]` row-major), where
/// `C` is the channel count of the image side of `g` and `O` that of the window grid side.
/// A transposed convolution's weight `[in, out, kh, kw]` is the same array for the
/// convolution it is the adjoint of (grid channels `in`, image channels `out`).
///
/// A batch is processed in chunks of images whose column matrix holds at most
/// `columnBudget` floats, one im2col/col2im and one sgemm per chunk. A whole-batch column
/// matrix of a DCGAN layer is 20-40 MB: written, then read back by the product, it lives in
/// DRAM, and the copies cost as much as a third of the product (W3 profile: im2col and
/// col2im 15-18 % of the step). A chunk's stays in the cache between the two, and products
/// over a chunk's ~600+ columns run as fast as over the batch's (measured with OpenBLAS on
/// W3's shapes). Weight gradients sum the chunks' products in order, so a result depends on
/// the shapes and `columnBudget` alone, not on the thread count.
public enum ConvKernels {
    /// The most floats of column matrix one chunk holds (8 MB): it stays in the L3 cache.
    public static let columnBudget = 1 << 21

    /// Calls `body(images, chunkGeometry, isFirst)` for consecutive chunks of the batch
    /// (always at least once, so an empty batch still reaches the whole-batch kernel).
    @inline(__always)
    static func forEachChunk(_ g: ConvGeometry, _ body: (Range<Int>, ConvGeometry, Bool) -> Void) {
        let perImage = Swift.max(1, g.columnRows * g.outH * g.outW)
        var per = Swift.max(1, columnBudget / perImage)
        // Whole blocks of interleaved images: the nearest multiple (up to 1.5x the budget;
        // 2x when only 8 images fit).
        let block = Im2col.blockImages(g)
        if block > 1 && per >= block / 2 { per = Swift.max(block, (per + block / 2) / block * block) }
        per = Swift.min(g.batch, per)
        if per >= g.batch { body(0..<g.batch, g, true); return }
        var n0 = 0
        while n0 < g.batch {
            let n1 = Swift.min(g.batch, n0 + per)
            body(n0..<n1, g.withBatch(n1 - n0), n0 == 0)
            n0 = n1
        }
    }

    @inline(__always)
    static func withScratch<R>(_ count: Int, _ body: (UnsafeMutablePointer<Float>) -> R) -> R {
        ScratchPool.with(count, body)
    }

    /// `y[n, o, oh, ow] = bias[o] + Σ_{c,i,j} w[o, c, i, j] · x[n, c, oh·sh − ph + i, ow·sw − pw + j]`
    /// (cross-correlation, zero padding). `x` is `[N, C, H, W]`, `y` is `[N, O, OH, OW]`.
    public static func convolve(_ x: UnsafePointer<Float>, weight w: UnsafePointer<Float>,
                                bias: UnsafePointer<Float>?, _ g: ConvGeometry, outChannels O: Int,
                                _ y: UnsafeMutablePointer<Float>) {
        let xImage = g.channels * g.height * g.width, yImage = O * g.outH * g.outW
        forEachChunk(g) { images, gc, _ in
            Whole.convolve(x + images.lowerBound * xImage, weight: w, bias: bias, gc, outChannels: O,
                           y + images.lowerBound * yImage)
        }
    }

    /// The adjoint of `convolve` in its image: `x = col2im(wᵀ · gy)` (+ `bias[c]` per image
    /// channel). `gy` is `[N, O, OH, OW]`, `x` is `[N, C, H, W]`. This is a conv2d's input
    /// gradient and a transposed convolution's forward pass.
    public static func convolveTransposed(_ gy: UnsafePointer<Float>, weight w: UnsafePointer<Float>,
                                          bias: UnsafePointer<Float>?, _ g: ConvGeometry, outChannels O: Int,
                                          _ x: UnsafeMutablePointer<Float>) {
        let xImage = g.channels * g.height * g.width, yImage = O * g.outH * g.outW
        forEachChunk(g) { images, gc, _ in
            Whole.convolveTransposed(gy + images.lowerBound * yImage, weight: w, bias: bias, gc, outChannels: O,
                                     x + images.lowerBound * xImage)
        }
    }

    /// The gradient of `convolve` with respect to its weight:
    /// `gw[o, c, i, j] = Σ_{n,oh,ow} gy[n, o, oh, ow] · x[n, c, oh·sh − ph + i, ow·sw − pw + j]`,
    /// i.e. `gw = gy · colsᵀ`. `x` is `[N, C, H, W]`, `gy` `[N, O, OH, OW]`, `gw` `[O, C, kh, kw]`.
    public static func weightGradient(_ x: UnsafePointer<Float>, _ gy: UnsafePointer<Float>,
                                      _ g: ConvGeometry, outChannels O: Int,
                                      _ gw: UnsafeMutablePointer<Float>) {
        let xImage = g.channels * g.height * g.width, yImage = O * g.outH * g.outW
        forEachChunk(g) { images, gc, first in
            Whole.weightGradient(x + images.lowerBound * xImage, gy + images.lowerBound * yImage, gc,
                                 outChannels: O, gw, accumulate: !first)
        }
    }

    /// `convolve` (without bias) and `weightGradient` of the same image at once, sharing its
    /// column matrix: `y = W · cols(x)` and `gw = g · cols(x)ᵀ`, where `g` is `[N, O', OH, OW]`.
    /// (A transposed convolution's backward pass needs exactly these two.) `weight` is
    /// `[O, C·kh·kw]`, `y` `[N, O, OH, OW]`, `gw` `[O', C·kh·kw]`.
    public static func convolveAndWeightGradient(_ x: UnsafePointer<Float>, weight w: UnsafePointer<Float>,
                                                 outChannels O: Int, gradient gy: UnsafePointer<Float>,
                                                 gradientChannels O2: Int, _ g: ConvGeometry,
                                                 y: UnsafeMutablePointer<Float>, gw: UnsafeMutablePointer<Float>) {
        let xImage = g.channels * g.height * g.width, ohw = g.outH * g.outW
        forEachChunk(g) { images, gc, first in
            let n0 = images.lowerBound
            Whole.convolveAndWeightGradient(x + n0 * xImage, weight: w, outChannels: O, gradient: gy + n0 * O2 * ohw,
                                            gradientChannels: O2, gc, y: y + n0 * O * ohw, gw: gw,
                                            accumulate: !first)
        }
    }

    /// `convolveTransposed` (without bias) of `gy` and `weightGradient(x, gy)` at once,
    /// sharing `gy` in `[O, N·OH·OW]` order: a convolution's backward pass. `x` is
    /// `[N, C, H, W]`, `gy` `[N, O, OH, OW]`, `weight` `[O, C·kh·kw]`; writes `gx` (like `x`)
    /// and `gw` (like `weight`).
    public static func convolutionBackward(_ x: UnsafePointer<Float>, weight w: UnsafePointer<Float>,
                                           gradient gy: UnsafePointer<Float>, outChannels O: Int,
                                           _ g: ConvGeometry,
                                           gx: UnsafeMutablePointer<Float>, gw: UnsafeMutablePointer<Float>) {
        let xImage = g.channels * g.height * g.width, yImage = O * g.outH * g.outW
        forEachChunk(g) { images, gc, first in
            let n0 = images.lowerBound
            Whole.convolutionBackward(x + n0 * xImage, weight: w, gradient: gy + n0 * yImage, outChannels: O, gc,
                                      gx: gx + n0 * xImage, gw: gw, accumulate: !first)
        }
    }

    /// The same kernels over all the images of `g` at once: one im2col/col2im and one sgemm
    /// per product. `accumulate` adds the weight gradient to `gw` instead of overwriting it.
    enum Whole {
        static func convolve(_ x: UnsafePointer<Float>, weight w: UnsafePointer<Float>,
                             bias: UnsafePointer<Float>?, _ g: ConvGeometry, outChannels O: Int,
                             _ y: UnsafeMutablePointer<Float>) {
            let K = g.columnRows, P = g.columnCount
            if P == 0 || O == 0 { return }
            withScratch(K * P) { cols in
                Im2col.im2col(x, g, cols)
                if g.batch == 1 {
                    // [O, OH·OW] is already NCHW.
                    if let bias { for o in 0..<O { (y + o * P).update(repeating: bias[o], count: P) } }
                    BLAS.sgemm(transA: false, transB: false, m: O, n: P, k: K, a: w, lda: K, b: cols, ldb: P,
                               beta: bias == nil ? 0 : 1, c: y, ldc: P)
                    return
                }
                withScratch(O * P) { yc in
                    BLAS.sgemm(transA: false, transB: false, m: O, n: P, k: K, a: w, lda: K, b: cols, ldb: P,
                               c: yc, ldc: P)
                    Im2col.fromColumnOrder(yc, g, channels: O, y, bias: bias)
                }
            }
        }

        static func convolveTransposed(_ gy: UnsafePointer<Float>, weight w: UnsafePointer<Float>,
                                       bias: UnsafePointer<Float>?, _ g: ConvGeometry, outChannels O: Int,
                                       _ x: UnsafeMutablePointer<Float>) {
            let K = g.columnRows, P = g.columnCount
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
                        Im2col.toColumnOrder(gy, g, channels: O, gc)
                        BLAS.sgemm(transA: true, transB: false, m: K, n: P, k: O, a: w, lda: K, b: gc, ldb: P,
                                   c: cols, ldc: P)
                    }
                }
                Im2col.col2im(cols, g, x, bias: bias)
            }
        }

        static func weightGradient(_ x: UnsafePointer<Float>, _ gy: UnsafePointer<Float>,
                                   _ g: ConvGeometry, outChannels O: Int,
                                   _ gw: UnsafeMutablePointer<Float>, accumulate: Bool) {
            let K = g.columnRows, P = g.columnCount
            let beta: Float = accumulate ? 1 : 0
            if P == 0 {
                if !accumulate { gw.update(repeating: 0, count: O * K) }
                return
            }
            withScratch(K * P) { cols in
                Im2col.im2col(x, g, cols)
                if g.batch == 1 {
                    BLAS.sgemm(transA: false, transB: true, m: O, n: K, k: P, a: gy, lda: P, b: cols, ldb: P,
                               beta: beta, c: gw, ldc: K)
                    return
                }
                withScratch(O * P) { gc in
                    Im2col.toColumnOrder(gy, g, channels: O, gc)
                    BLAS.sgemm(transA: false, transB: true, m: O, n: K, k: P, a: gc, lda: P, b: cols, ldb: P,
                               beta: beta, c: gw, ldc: K)
                }
            }
        }

        static func convolveAndWeightGradient(_ x: UnsafePointer<Float>, weight w: UnsafePointer<Float>,
                                              outChannels O: Int, gradient gy: UnsafePointer<Float>,
                                              gradientChannels O2: Int, _ g: ConvGeometry,
                                              y: UnsafeMutablePointer<Float>, gw: UnsafeMutablePointer<Float>,
                                              accumulate: Bool) {
            let K = g.columnRows, P = g.columnCount
            let beta: Float = accumulate ? 1 : 0
            if P == 0 {
                if !accumulate { gw.update(repeating: 0, count: O2 * K) }
                return
            }
            withScratch(K * P) { cols in
                Im2col.im2col(x, g, cols)
                if g.batch == 1 {
                    BLAS.sgemm(transA: false, transB: false, m: O, n: P, k: K, a: w, lda: K, b: cols, ldb: P,
                               c: y, ldc: P)
                    BLAS.sgemm(transA: false, transB: true, m: O2, n: K, k: P, a: gy, lda: P, b: cols, ldb: P,
                               beta: beta, c: gw, ldc: K)
                    return
                }
                withScratch(Swift.max(O, O2) * P) { buf in
                    BLAS.sgemm(transA: false, transB: false, m: O, n: P, k: K, a: w, lda: K, b: cols, ldb: P,
                               c: buf, ldc: P)
                    Im2col.fromColumnOrder(buf, g, channels: O, y)
                    Im2col.toColumnOrder(gy, g, channels: O2, buf)
                    BLAS.sgemm(transA: false, transB: true, m: O2, n: K, k: P, a: buf, lda: P, b: cols, ldb: P,
                               beta: beta, c: gw, ldc: K)
                }
            }
        }

        static func convolutionBackward(_ x: UnsafePointer<Float>, weight w: UnsafePointer<Float>,
                                        gradient gy: UnsafePointer<Float>, outChannels O: Int,
                                        _ g: ConvGeometry,
                                        gx: UnsafeMutablePointer<Float>, gw: UnsafeMutablePointer<Float>,
                                        accumulate: Bool) {
            let K = g.columnRows, P = g.columnCount
            if P == 0 || O == 0 || g.batch == 1 {
                convolveTransposed(gy, weight: w, bias: nil, g, outChannels: O, gx)
                weightGradient(x, gy, g, outChannels: O, gw, accumulate: accumulate)
                return
            }
            withScratch(O * P) { gc in
                Im2col.toColumnOrder(gy, g, channels: O, gc)
                withScratch(K * P) { cols in
                    BLAS.sgemm(transA: true, transB: false, m: K, n: P, k: O, a: w, lda: K, b: gc, ldb: P,
                               c: cols, ldc: P)
                    Im2col.col2im(cols, g, gx)
                    Im2col.im2col(x, g, cols)
                    BLAS.sgemm(transA: false, transB: true, m: O, n: K, k: P, a: gc, lda: P, b: cols, ldb: P,
                               beta: accumulate ? 1 : 0, c: gw, ldc: K)
                }
            }
        }
    }
}
