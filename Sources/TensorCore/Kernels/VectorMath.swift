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

    public static func exp(_ a: UnsafePointer<Float>, _ out: UnsafeMutablePointer<Float>, _ n: Int) { chunked(a, out, n, sg_vexp) }
    public static func log(_ a: UnsafePointer<Float>, _ out: UnsafeMutablePointer<Float>, _ n: Int) { chunked(a, out, n, sg_vlog) }
    public static func sqrt(_ a: UnsafePointer<Float>, _ out: UnsafeMutablePointer<Float>, _ n: Int) { chunked(a, out, n, sg_vsqrt) }
    public static func tanh(_ a: UnsafePointer<Float>, _ out: UnsafeMutablePointer<Float>, _ n: Int) { chunked(a, out, n, sg_vtanh) }
    public static func sigmoid(_ a: UnsafePointer<Float>, _ out: UnsafeMutablePointer<Float>, _ n: Int) { chunked(a, out, n, sg_vsigmoid) }
    public static func softplus(_ a: UnsafePointer<Float>, _ out: UnsafeMutablePointer<Float>, _ n: Int) { chunked(a, out, n, sg_vsoftplus) }
    public static func logSigmoid(_ a: UnsafePointer<Float>, _ out: UnsafeMutablePointer<Float>, _ n: Int) { chunked(a, out, n, sg_vlog_sigmoid) }
}
