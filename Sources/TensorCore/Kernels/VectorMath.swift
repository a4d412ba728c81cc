import CKernels

/// Whole-buffer transcendental functions, `out[i] = f(a[i])`, from the C kernels in
/// `Sources/CKernels`: the same algorithms as `FastMath`, compiled for AVX-512, AVX2 and
/// baseline x86-64 and chosen at load time, so they use the machine's full vector width
/// although Swift code is built for the baseline. `a` and `out` may be the same buffer.
public enum VectorMath {
    /// Splits long buffers over threads (these kernels cost 0.2-1.5 ns per element).
    @inline(__always)
    static func chunked(_ a: UnsafePointer<Float>, _ out: UnsafeMutablePointer<Float>, _ n: Int,
                        _ kernel: (UnsafePointer<Float>?, UnsafeMutablePointer<Float>?, Int) -> Void) {
        Parallel.forEachChunk(n, work: n * 4) { r in kernel(a + r.lowerBound, out + r.lowerBound, r.count) }
    }

    // Same-shape arithmetic; chunks go to several threads past `Parallel.minWorkPerThread`.
    public static func add(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ out: UnsafeMutablePointer<Float>, _ n: Int) { chunked2(a, b, out, n, sg_add) }
    public static func sub(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ out: UnsafeMutablePointer<Float>, _ n: Int) { chunked2(a, b, out, n, sg_sub) }
    public static func mul(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ out: UnsafeMutablePointer<Float>, _ n: Int) { chunked2(a, b, out, n, sg_mul) }
    public static func div(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ out: UnsafeMutablePointer<Float>, _ n: Int) { chunked2(a, b, out, n, sg_div) }
    public static func addScalar(_ a: UnsafePointer<Float>, _ s: Float, _ out: UnsafeMutablePointer<Float>, _ n: Int) {
        Parallel.forEachChunk(n, work: 2 * n) { r in sg_add_scalar(a + r.lowerBound, s, out + r.lowerBound, r.count) }
    }
    public static func mulScalar(_ a: UnsafePointer<Float>, _ s: Float, _ out: UnsafeMutablePointer<Float>, _ n: Int) {
        Parallel.forEachChunk(n, work: 2 * n) { r in sg_mul_scalar(a + r.lowerBound, s, out + r.lowerBound, r.count) }
    }
    /// x for x > 0, slope·x otherwise (slope 0: relu).
    public static func leakyRelu(_ a: UnsafePointer<Float>, slope: Float, _ out: UnsafeMutablePointer<Float>, _ n: Int) {
        Parallel.forEachChunk(n, work: 2 * n) { r in sg_leaky_relu(a + r.lowerBound, slope, out + r.lowerBound, r.count) }
    }
    /// The gradient of `leakyRelu`: gy where x > 0, slope·gy otherwise.
    public static func leakyReluBackward(_ gy: UnsafePointer<Float>, _ x: UnsafePointer<Float>, slope: Float,
                                         _ out: UnsafeMutablePointer<Float>, _ n: Int) {
        Parallel.forEachChunk(n, work: 3 * n) { r in
            sg_leaky_relu_backward(gy + r.lowerBound, x + r.lowerBound, slope, out + r.lowerBound, r.count)
        }
    }

    /// Maxout over `groups` groups of `pieces` consecutive floats: `y[g]` is the maximum and
    /// `arg[g]` the first piece reaching it (a NaN wins).
    public static func maxout(_ x: UnsafePointer<Float>, groups: Int, pieces: Int,
                              _ y: UnsafeMutablePointer<Float>, arg: UnsafeMutablePointer<Int32>) {
        Parallel.forEachChunk(groups, work: 2 * groups * pieces) { r in
            sg_maxout(x + r.lowerBound * pieces, r.count, pieces, y + r.lowerBound, arg + r.lowerBound)
        }
    }
    /// Maxout's gradient: `gx[g, arg[g]] = gy[g]`, every other piece 0.
    public static func maxoutScatter(_ gy: UnsafePointer<Float>, arg: UnsafePointer<Int32>, groups: Int, pieces: Int,
                                     _ gx: UnsafeMutablePointer<Float>) {
        Parallel.forEachChunk(groups, work: 2 * groups * pieces) { r in
            sg_maxout_scatter(gy + r.lowerBound, arg + r.lowerBound, r.count, pieces, gx + r.lowerBound * pieces)
        }
    }
    /// The scatter's adjoint: `gy[g] = gx[g, arg[g]]`.
    public static func maxoutGather(_ gx: UnsafePointer<Float>, arg: UnsafePointer<Int32>, groups: Int, pieces: Int,
                                    _ gy: UnsafeMutablePointer<Float>) {
        Parallel.forEachChunk(groups, work: 2 * groups) { r in
            sg_maxout_gather(gx + r.lowerBound * pieces, arg + r.lowerBound, r.count, pieces, gy + r.lowerBound)
        }
    }

    /// Elements per block of `dropout`: each block has its own generators, so blocks can run
    /// on any thread and the mask does not depend on the thread count.
    public static let dropoutBlock = 1 << 16

    /// Inverted dropout's mask and output: `mask[i]` = `scale` where a 24-bit uniform is ≥ p,
    /// else 0, and `out = x · mask`. Each block of `dropoutBlock` elements draws from eight
    /// xoshiro256** generators run side by side in C (`sg_dropout`), seeded by 32 draws from
    /// `rng` (word k of lane l is draw 8k + l); every seed is drawn before any block runs.
    public static func dropout(_ x: UnsafePointer<Float>, p: Float, scale: Float, using rng: inout RandomGenerator,
                               mask: UnsafeMutablePointer<Float>, _ out: UnsafeMutablePointer<Float>, _ n: Int) {
        let block = dropoutBlock, blocks = (n + block - 1) / block
        if blocks == 0 { return }
        // u = k / 2^24 ≥ p exactly when k ≥ t = ceil(p · 2^24).
        let tm1 = UInt64((Double(p) * 16_777_216).rounded(.up)) &- 1
        let lanes = UnsafeMutablePointer<UInt64>.allocate(capacity: 32 * blocks)
        defer { lanes.deallocate() }
        for i in 0..<(32 * blocks) { lanes[i] = rng.next() }
        for b in 0..<blocks {
            // A xoshiro state must not be all zeros (it would stay zero).
            let l0 = lanes + 32 * b
            for l in 0..<8 where l0[l] | l0[8 + l] | l0[16 + l] | l0[24 + l] == 0 { l0[l] = 1 }
        }
        Parallel.run(blocks, threads: Parallel.threads(forWork: 3 * n)) { b in
            let start = b * block
            sg_dropout(x + start, lanes + 32 * b, tm1, scale, mask + start, out + start, Swift.min(block, n - start))
        }
    }

    @inline(__always)
    static func chunked2(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ out: UnsafeMutablePointer<Float>, _ n: Int,
                         _ kernel: (UnsafePointer<Float>?, UnsafePointer<Float>?, UnsafeMutablePointer<Float>?, Int) -> Void) {
        Parallel.forEachChunk(n, work: 3 * n) { r in
            kernel(a + r.lowerBound, b + r.lowerBound, out + r.lowerBound, r.count)
        }
    }

    public static func exp(_ a: UnsafePointer<Float>, _ out: UnsafeMutablePointer<Float>, _ n: Int) { chunked(a, out, n, sg_vexp) }
    public static func log(_ a: UnsafePointer<Float>, _ out: UnsafeMutablePointer<Float>, _ n: Int) { chunked(a, out, n, sg_vlog) }
    public static func sqrt(_ a: UnsafePointer<Float>, _ out: UnsafeMutablePointer<Float>, _ n: Int) { chunked(a, out, n, sg_vsqrt) }
    public static func tanh(_ a: UnsafePointer<Float>, _ out: UnsafeMutablePointer<Float>, _ n: Int) { chunked(a, out, n, sg_vtanh) }
    public static func sigmoid(_ a: UnsafePointer<Float>, _ out: UnsafeMutablePointer<Float>, _ n: Int) { chunked(a, out, n, sg_vsigmoid) }
    public static func softplus(_ a: UnsafePointer<Float>, _ out: UnsafeMutablePointer<Float>, _ n: Int) { chunked(a, out, n, sg_vsoftplus) }
    public static func logSigmoid(_ a: UnsafePointer<Float>, _ out: UnsafeMutablePointer<Float>, _ n: Int) { chunked(a, out, n, sg_vlog_sigmoid) }
}
