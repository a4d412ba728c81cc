#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CKernels

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

    /// The same geometry over `batch` images.
    public func withBatch(_ batch: Int) -> ConvGeometry {
        ConvGeometry(batch: batch, channels: channels, height: height, width: width, kernelH: kernelH,
                     kernelW: kernelW, strideH: strideH, strideW: strideW, padH: padH, padW: padW,
                     outH: outH, outW: outW)
    }

    /// Rows of the column matrix: `channels · kernelH · kernelW`.
    public var columnRows: Int { channels * kernelH * kernelW }
    /// Columns of the column matrix: `batch · outH · outW`.
    public var columnCount: Int { batch * outH * outW }
    public var imageCount: Int { batch * channels * height * width }
}

/// im2col / col2im for NCHW images, and the reordering that goes with them.
///
/// The column matrix has shape `[C·kh·kw, N·OH·OW]` (row-major): row `(c, i, j)` holds, for
/// every image `n` and window position `(oh, ow)`, the pixel
/// `x[n, c, oh·sh − ph + i, ow·sw − pw + j]` (0 outside the image). With it a whole batch's
/// convolution is ONE matrix product, `Y[O, N·OH·OW] = W[O, C·kh·kw] · cols`.
///
/// Column order: the images go in blocks of `blockImages(g)` (16), and within a block the
/// columns are `(oh, ow, n)`: the block's images side by side at each window position. A
/// DCGAN's planes are 7-28 pixels wide, so image by image a tap would copy rows of 7-28
/// floats, most of a vector masked off and each row a separate load and store (measured on
/// W3: 2-3 cycles a float, 14 % of the step); interleaved, a tap copies runs of 16 floats, or
/// OW·16 at stride 1. The product's result comes out in the same order;
/// `fromColumnOrder`/`toColumnOrder` turn it into NCHW and back with 16×16 transposes.
/// Large images (16 padded planes over 128 KB) use blocks of 1: columns `(n, oh, ow)`, their
/// rows long enough to copy as they are.
///
/// Both kernels walk the column matrix row by row, i.e. channel by channel: for one channel
/// `c` they copy a block of images' planes into zero-bordered planes (small, they stay in
/// L1/L2, and their inner loops need no bounds tests), then stream each of the `kh·kw` rows
/// `(c, i, j)` through that block in order. The (channel, image block) units are independent
/// and split over up to `BLAS.maxThreads` threads when there is enough work; each writes its
/// own part, so the result does not depend on the thread count.
public enum Im2col {
    /// The zero-bordered plane: tall and wide enough for every window.
    @inline(__always)
    static func paddedPlaneSize(_ g: ConvGeometry) -> (Int, Int) {
        (Swift.max((g.outH - 1) * g.strideH + g.kernelH, g.padH + g.height),
         Swift.max((g.outW - 1) * g.strideW + g.kernelW, g.padW + g.width))
    }

    /// Floats of padded planes one unit of work holds at once (64 KB).
    static let blockFloats = 1 << 14

    /// Images per block: as many padded planes as fit `blockFloats`, at least one.
    @inline(__always)
    static func imagesPerBlock(_ g: ConvGeometry) -> Int {
        let (PH, PW) = paddedPlaneSize(g)
        return Swift.max(1, Swift.min(g.batch, blockFloats / Swift.max(1, PH * PW)))
    }

    /// Images whose columns are interleaved (the blocked layout, below): 16, one AVX-512
    /// vector, when 16 padded planes fit 128 KB; else 1 (large images: their rows are long
    /// enough to copy as they are).
    @inline(__always)
    public static func blockImages(_ g: ConvGeometry) -> Int {
        let (PH, PW) = paddedPlaneSize(g)
        return PH * PW * 16 <= 1 << 15 ? 16 : 1
    }

    /// Runs `body(channel, images, planes)` for every (channel, image block) unit, split over
    /// threads; `planes` is a scratch block for the unit's padded planes, zeroed once per
    /// thread (im2col relies on the borders staying zero; col2im clears what it uses). Units
    /// go block by block, so a thread meets the last, smaller block (whose interleaved layout
    /// differs) once; with `keepBordersZero` the planes are cleared again then.
    @inline(__always)
    static func forEachUnit(_ g: ConvGeometry, work: Int, keepBordersZero: Bool,
                            _ body: (Int, Range<Int>, UnsafeMutablePointer<Float>) -> Void) {
        let blocked = blockImages(g) > 1
        let per = blocked ? blockImages(g) : imagesPerBlock(g)
        let blocks = (g.batch + per - 1) / per
        let (PH, PW) = paddedPlaneSize(g)
        let planes = per * PH * PW
        let C = g.channels
        Parallel.forEachChunk(C * blocks, work: work) { units in
            let pp = UnsafeMutablePointer<Float>.allocate(capacity: planes)
            defer { pp.deallocate() }
            pp.update(repeating: 0, count: planes)
            var lastCount = per
            for u in units {
                let c = u % C, n0 = (u / C) * per
                let images = n0..<Swift.min(g.batch, n0 + per)
                if blocked && keepBordersZero && images.count != lastCount {
                    pp.update(repeating: 0, count: planes)
                    lastCount = images.count
                }
                body(c, images, pp)
            }
        }
    }

    /// Fills `cols` (`[C·kh·kw, N·OH·OW]`, every element written) from the NCHW image `x`.
    public static func im2col(_ x: UnsafePointer<Float>, _ g: ConvGeometry,
                              _ cols: UnsafeMutablePointer<Float>) {
        if g.columnCount == 0 || g.columnRows == 0 { return }
        let xs = SendablePointer(x), cs = SendablePointer(cols)
        forEachUnit(g, work: g.columnRows * g.columnCount, keepBordersZero: true) { c, images, pp in
            im2col(xs.pointer, g, cs.pointer, channel: c, images: images, planes: pp)
        }
    }

    /// Rows `(c, ·, ·)` of `cols`, columns of images `images`, from the planes `x[images, c]`.
    static func im2col(_ x: UnsafePointer<Float>, _ g: ConvGeometry, _ cols: UnsafeMutablePointer<Float>,
                       channel c: Int, images: Range<Int>, planes pp: UnsafeMutablePointer<Float>) {
        let C = g.channels, H = g.height, W = g.width
        let kh = g.kernelH, kw = g.kernelW, sh = g.strideH, sw = g.strideW
        let OH = g.outH, OW = g.outW
        let ohw = OH * OW, np = g.batch * ohw, hw = H * W
        let (PH, PW) = paddedPlaneSize(g)
        let pph = PH * PW, rowStep = sh * PW
        let nb = images.count, n0 = images.lowerBound
        if blockImages(g) > 1 && nb > 1 {
            // Blocked: the nb planes interleaved, then each tap in runs of nb (or OW·nb) floats.
            for r in 0..<H {
                sg_to_blocked(x + (n0 * C + c) * hw + r * W, C * hw, W, nb, pp + ((r + g.padH) * PW + g.padW) * nb)
            }
            for i in 0..<kh {
                for j in 0..<kw {
                    let row = cols + ((c * kh + i) * kw + j) * np + n0 * ohw
                    sg_im2col_blocked(pp + (i * PW + j) * nb, PW, nb, sh, sw, row, OH, OW)
                }
            }
            return
        }
        // The interiors; the borders stay zero.
        for (b, n) in images.enumerated() {
            let plane = x + (n * C + c) * hw, p = pp + b * pph + g.padH * PW + g.padW
            for r in 0..<H {
                let s = plane + r * W, d = p + r * PW
                for t in 0..<W { d[t] = s[t] }
            }
        }
        for i in 0..<kh {
            for j in 0..<kw {
                let row = cols + ((c * kh + i) * kw + j) * np + images.lowerBound * ohw
                sg_im2col_tap(pp + i * PW + j, pph, rowStep, sw, row, images.count, OH, OW)
            }
        }
    }

    /// The adjoint of `im2col`: writes the NCHW image `x` (every element) as the sum of the
    /// column entries that read each pixel. Each channel plane starts from `bias[c]` when a
    /// bias is given, else from 0.
    public static func col2im(_ cols: UnsafePointer<Float>, _ g: ConvGeometry,
                              _ x: UnsafeMutablePointer<Float>, bias: UnsafePointer<Float>? = nil) {
        if g.imageCount == 0 { return }
        let cs = SendablePointer(cols), xs = SendablePointer(x), bs = bias.map { SendablePointer($0) }
        forEachUnit(g, work: g.columnRows * g.columnCount + g.imageCount, keepBordersZero: false) { c, images, pp in
            col2im(cs.pointer, g, xs.pointer, bias: bs?.pointer, channel: c, images: images, planes: pp)
        }
    }

    /// The planes `x[images, c]` from rows `(c, ·, ·)` of `cols`, columns of images `images`.
    static func col2im(_ cols: UnsafePointer<Float>, _ g: ConvGeometry, _ x: UnsafeMutablePointer<Float>,
                       bias: UnsafePointer<Float>?, channel c: Int, images: Range<Int>,
                       planes pp: UnsafeMutablePointer<Float>) {
        let C = g.channels, H = g.height, W = g.width
        let kh = g.kernelH, kw = g.kernelW, sh = g.strideH, sw = g.strideW
        let OH = g.outH, OW = g.outW
        let ohw = OH * OW, np = g.batch * ohw, hw = H * W
        let (PH, PW) = paddedPlaneSize(g)
        let pph = PH * PW, rowStep = sh * PW
        pp.update(repeating: 0, count: images.count * pph)
        let nb = images.count, n0 = images.lowerBound
        if blockImages(g) > 1 && nb > 1 {
            if ohw > 0 {
                for i in 0..<kh {
                    for j in 0..<kw {
                        let row = cols + ((c * kh + i) * kw + j) * np + n0 * ohw
                        sg_col2im_blocked(row, pp + (i * PW + j) * nb, PW, nb, sh, sw, OH, OW)
                    }
                }
            }
            let v = bias.map { $0[c] } ?? 0
            for r in 0..<H {
                sg_from_blocked(pp + ((r + g.padH) * PW + g.padW) * nb, W, nb, x + (n0 * C + c) * hw + r * W, C * hw, v)
            }
            return
        }
        if ohw > 0 {
            for i in 0..<kh {
                for j in 0..<kw {
                    let row = cols + ((c * kh + i) * kw + j) * np + images.lowerBound * ohw
                    sg_col2im_tap(row, pp + i * PW + j, pph, rowStep, sw, images.count, OH, OW)
                }
            }
        }
        // Each image is the interior of its padded plane.
        let v = bias.map { $0[c] } ?? 0
        for (b, n) in images.enumerated() {
            let plane = x + (n * C + c) * hw, p = pp + b * pph + g.padH * PW + g.padW
            for r in 0..<H {
                let s = p + r * PW, d = plane + r * W
                for t in 0..<W { d[t] = s[t] + v }
            }
        }
    }

    /// The NCHW tensor `x` (`[N, channels, OH, OW]`, the window grid side of `g`) in the
    /// column order of `g`'s column matrix: `[channels, N·OH·OW]`, images interleaved in
    /// blocks of `blockImages(g)` (CNHW when that is 1: the blocks are then plain copies of
    /// OH·OW floats). A product with the columns then needs no other copy.
    public static func toColumnOrder(_ x: UnsafePointer<Float>, _ g: ConvGeometry, channels O: Int,
                                     _ dst: UnsafeMutablePointer<Float>) {
        let NB = blockImages(g), N = g.batch, ohw = g.outH * g.outW
        let xs = SendablePointer(x), ds = SendablePointer(dst)
        Parallel.forEachChunk(O, work: 2 * O * N * ohw) { channels in
            for o in channels {
                for n0 in stride(from: 0, to: N, by: NB) {
                    sg_to_blocked(xs.pointer + (n0 * O + o) * ohw, O * ohw, ohw, Swift.min(NB, N - n0),
                                  ds.pointer + (o * N + n0) * ohw)
                }
            }
        }
    }

    /// The inverse of `toColumnOrder`: a product's `[channels, N·OH·OW]` result in column
    /// order as NCHW, with `bias[o]` added to channel o when given.
    public static func fromColumnOrder(_ src: UnsafePointer<Float>, _ g: ConvGeometry, channels O: Int,
                                       _ y: UnsafeMutablePointer<Float>, bias: UnsafePointer<Float>? = nil) {
        let NB = blockImages(g), N = g.batch, ohw = g.outH * g.outW
        let ss = SendablePointer(src), ys = SendablePointer(y), bs = bias.map { SendablePointer($0) }
        Parallel.forEachChunk(O, work: 2 * O * N * ohw) { channels in
            for o in channels {
                let v = bs.map { $0.pointer[o] } ?? 0
                for n0 in stride(from: 0, to: N, by: NB) {
                    sg_from_blocked(ss.pointer + (o * N + n0) * ohw, ohw, Swift.min(NB, N - n0),
                                    ys.pointer + (n0 * O + o) * ohw, O * ohw, v)
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
