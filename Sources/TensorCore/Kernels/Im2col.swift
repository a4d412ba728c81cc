#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Dispatch

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
        require(batch >= 0 && channels >= 0 && height >= 0 && width >= 0 && outH >= 0 && outW >= 0,
                     "ConvGeometry: negative size")
        require(kernelH >= 1 && kernelW >= 1 && strideH >= 1 && strideW >= 1 && padH >= 0 && padW >= 0,
                     "ConvGeometry: kernel \(kernelH)x\(kernelW), stride \(strideH)x\(strideW), padding \(padH)x\(padW) is invalid")
        // Every window must lie inside the padded image.
        require(outH == 0 || (outH - 1) * strideH + kernelH <= height + 2 * padH,
                     "ConvGeometry: \(outH) rows of windows do not fit an image of height \(height)")
        require(outW == 0 || (outW - 1) * strideW + kernelW <= width + 2 * padW,
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
///
/// Both kernels go through one zero-bordered copy of each image plane (small, it stays in
/// L1), so their inner loops have no bounds tests, and split the batch over up to
/// `BLAS.maxThreads` threads when there is enough work (images are independent, so the
/// result does not depend on the thread count).
public enum Im2col {
    /// The zero-bordered plane: tall and wide enough for every window.
    @inline(__always)
    static func paddedPlaneSize(_ g: ConvGeometry) -> (Int, Int) {
        (Swift.max((g.outH - 1) * g.strideH + g.kernelH, g.padH + g.height),
         Swift.max((g.outW - 1) * g.strideW + g.kernelW, g.padW + g.width))
    }

    /// Fills `cols` (`[C·kh·kw, N·OH·OW]`, every element written) from the NCHW image `x`.
    public static func im2col(_ x: UnsafePointer<Float>, _ g: ConvGeometry,
                              _ cols: UnsafeMutablePointer<Float>) {
        if g.columnCount == 0 || g.columnRows == 0 { return }
        let xs = SendablePointer(x), cs = SendablePointer(cols)
        Parallel.forEachChunk(g.batch, work: g.columnRows * g.columnCount) { range in
            im2col(xs.pointer, g, cs.pointer, images: range)
        }
    }

    static func im2col(_ x: UnsafePointer<Float>, _ g: ConvGeometry,
                       _ cols: UnsafeMutablePointer<Float>, images: Range<Int>) {
        let C = g.channels, H = g.height, W = g.width
        let kh = g.kernelH, kw = g.kernelW, sh = g.strideH, sw = g.strideW
        let OH = g.outH, OW = g.outW
        let ohw = OH * OW, np = g.batch * ohw, hw = H * W
        let (PH, PW) = paddedPlaneSize(g)
        let pp = UnsafeMutablePointer<Float>.allocate(capacity: PH * PW)
        defer { pp.deallocate() }
        pp.update(repeating: 0, count: PH * PW)  // the border stays zero
        let rowStep = sh * PW
        for n in images {
            for c in 0..<C {
                let plane = x + (n * C + c) * hw
                for r in 0..<H { (pp + (r + g.padH) * PW + g.padW).update(from: plane + r * W, count: W) }
                for i in 0..<kh {
                    for j in 0..<kw {
                        let dst = cols + ((c * kh + i) * kw + j) * np + n * ohw
                        let src = pp + i * PW + j
                        if sw == 1 {
                            for oh in 0..<OH {
                                let s = src + oh * rowStep, d = dst + oh * OW
                                for ow in 0..<OW { d[ow] = s[ow] }
                            }
                        } else if sw == 2 {
                            for oh in 0..<OH {
                                let s = src + oh * rowStep, d = dst + oh * OW
                                for ow in 0..<OW { d[ow] = s[2 * ow] }
                            }
                        } else {
                            for oh in 0..<OH {
                                let s = src + oh * rowStep, d = dst + oh * OW
                                for ow in 0..<OW { d[ow] = s[ow * sw] }
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
        let cs = SendablePointer(cols), xs = SendablePointer(x), bs = bias.map { SendablePointer($0) }
        Parallel.forEachChunk(g.batch, work: g.columnRows * g.columnCount + g.imageCount) { range in
            col2im(cs.pointer, g, xs.pointer, bias: bs?.pointer, images: range)
        }
    }

    static func col2im(_ cols: UnsafePointer<Float>, _ g: ConvGeometry, _ x: UnsafeMutablePointer<Float>,
                       bias: UnsafePointer<Float>?, images: Range<Int>) {
        let C = g.channels, H = g.height, W = g.width
        let kh = g.kernelH, kw = g.kernelW, sh = g.strideH, sw = g.strideW
        let OH = g.outH, OW = g.outW
        let ohw = OH * OW, np = g.batch * ohw, hw = H * W
        let (PH, PW) = paddedPlaneSize(g)
        let pp = UnsafeMutablePointer<Float>.allocate(capacity: PH * PW)
        defer { pp.deallocate() }
        let rowStep = sh * PW
        for n in images {
            for c in 0..<C {
                pp.update(repeating: 0, count: PH * PW)
                if ohw > 0 {
                    for i in 0..<kh {
                        for j in 0..<kw {
                            let src = cols + ((c * kh + i) * kw + j) * np + n * ohw
                            let dst = pp + i * PW + j
                            if sw == 1 {
                                for oh in 0..<OH {
                                    let s = src + oh * OW, d = dst + oh * rowStep
                                    for ow in 0..<OW { d[ow] += s[ow] }
                                }
                            } else if sw == 2 {
                                for oh in 0..<OH {
                                    let s = src + oh * OW, d = dst + oh * rowStep
                                    for ow in 0..<OW { d[2 * ow] += s[ow] }
                                }
                            } else {
                                for oh in 0..<OH {
                                    let s = src + oh * OW, d = dst + oh * rowStep
                                    for ow in 0..<OW { d[ow * sw] += s[ow] }
                                }
                            }
                        }
                    }
                }
                // The image is the interior of the padded plane.
                let plane = x + (n * C + c) * hw
                let b = bias.map { $0[c] } ?? 0
                for r in 0..<H {
                    let s = pp + (r + g.padH) * PW + g.padW, d = plane + r * W
                    for t in 0..<W { d[t] = s[t] + b }
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

/// A raw pointer that may cross into a worker thread (each worker touches its own part).
struct SendablePointer<P>: @unchecked Sendable {
    let pointer: P
    init(_ p: P) { pointer = p }
}

/// Reusable scratch buffers for the column matrices: large (tens of MB) and short-lived, they
/// would otherwise be fresh `mmap`s whose page faults cost as much as filling them. Holds at
/// most `maxBuffers` idle buffers and `maxBytes` in all; thread-safe.
enum ScratchPool {
    static let maxBuffers = 4
    static let maxBytes = 256 << 20
    nonisolated(unsafe) static var idle: [(pointer: UnsafeMutablePointer<Float>, capacity: Int)] = []
    nonisolated(unsafe) static let lock: UnsafeMutablePointer<pthread_mutex_t> = {
        let m = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
        pthread_mutex_init(m, nil)
        return m
    }()

    static func take(_ count: Int) -> (pointer: UnsafeMutablePointer<Float>, capacity: Int) {
        let need = Swift.max(count, 1)
        pthread_mutex_lock(lock)
        var best = -1
        for (k, b) in idle.enumerated() where b.capacity >= need && (best < 0 || b.capacity < idle[best].capacity) {
            best = k
        }
        let found = best >= 0 ? idle.remove(at: best) : nil
        pthread_mutex_unlock(lock)
        if let found { return found }
        let raw = UnsafeMutableRawPointer.allocate(byteCount: need * MemoryLayout<Float>.stride, alignment: 64)
        return (raw.bindMemory(to: Float.self, capacity: need), need)
    }

    static func give(_ buffer: (pointer: UnsafeMutablePointer<Float>, capacity: Int)) {
        pthread_mutex_lock(lock)
        idle.append(buffer)
        var freed: [UnsafeMutablePointer<Float>] = []
        // Over the limits: drop the smallest buffers first (the large ones are the costly ones).
        while idle.count > maxBuffers || idle.reduce(0, { $0 + $1.capacity * 4 }) > maxBytes {
            let k = idle.indices.min { idle[$0].capacity < idle[$1].capacity }!
            freed.append(idle.remove(at: k).pointer)
        }
        pthread_mutex_unlock(lock)
        for p in freed { UnsafeMutableRawPointer(p).deallocate() }
    }

    @inline(__always)
    static func with<R>(_ count: Int, _ body: (UnsafeMutablePointer<Float>) -> R) -> R {
        let b = take(count)
        defer { give(b) }
        return body(b.pointer)
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
        ScratchPool.with(count, body)
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

    /// `convolve` (without bias) and `weightGradient` of the same image at once, sharing its
    /// column matrix: `y = W · cols(x)` and `gw = g · cols(x)ᵀ`, where `g` is `[N, O', OH, OW]`.
    /// (A transposed convolution's backward pass needs exactly these two.) `weight` is
    /// `[O, C·kh·kw]`, `y` `[N, O, OH, OW]`, `gw` `[O', C·kh·kw]`.
    public static func convolveAndWeightGradient(_ x: UnsafePointer<Float>, weight w: UnsafePointer<Float>,
                                                 outChannels O: Int, gradient gy: UnsafePointer<Float>,
                                                 gradientChannels O2: Int, _ g: ConvGeometry,
                                                 y: UnsafeMutablePointer<Float>, gw: UnsafeMutablePointer<Float>) {
        let K = g.columnRows, P = g.columnCount, ohw = g.outH * g.outW
        if P == 0 {
            gw.update(repeating: 0, count: O2 * K)
            return
        }
        withScratch(K * P) { cols in
            Im2col.im2col(x, g, cols)
            if g.batch == 1 {
                BLAS.sgemm(transA: false, transB: false, m: O, n: P, k: K, a: w, lda: K, b: cols, ldb: P,
                           c: y, ldc: P)
                BLAS.sgemm(transA: false, transB: true, m: O2, n: K, k: P, a: gy, lda: P, b: cols, ldb: P,
                           c: gw, ldc: K)
                return
            }
            withScratch(Swift.max(O, O2) * P) { buf in
                BLAS.sgemm(transA: false, transB: false, m: O, n: P, k: K, a: w, lda: K, b: cols, ldb: P,
                           c: buf, ldc: P)
                Im2col.swapAxes01(buf, O, g.batch, inner: ohw, y)
                Im2col.swapAxes01(gy, g.batch, O2, inner: ohw, buf)
                BLAS.sgemm(transA: false, transB: true, m: O2, n: K, k: P, a: buf, lda: P, b: cols, ldb: P,
                           c: gw, ldc: K)
            }
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
        let K = g.columnRows, P = g.columnCount, ohw = g.outH * g.outW
        if P == 0 || O == 0 || g.batch == 1 {
            convolveTransposed(gy, weight: w, bias: nil, g, outChannels: O, gx)
            weightGradient(x, gy, g, outChannels: O, gw)
            return
        }
        withScratch(O * P) { gc in
            Im2col.swapAxes01(gy, g.batch, O, inner: ohw, gc)
            withScratch(K * P) { cols in
                BLAS.sgemm(transA: true, transB: false, m: K, n: P, k: O, a: w, lda: K, b: gc, ldb: P,
                           c: cols, ldc: P)
                Im2col.col2im(cols, g, gx)
                Im2col.im2col(x, g, cols)
                BLAS.sgemm(transA: false, transB: true, m: O, n: K, k: P, a: gc, lda: P, b: cols, ldb: P,
                           c: gw, ldc: K)
            }
        }
    }
}
