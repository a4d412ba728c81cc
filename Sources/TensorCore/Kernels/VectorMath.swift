import CKernels

/// Whole-buffer transcendental functions, `out[i] = f(a[i])`, from the C kernels in
/// `Sources/CKernels`: the same algorithms as `FastMath`, compiled for AVX-512, AVX2 and
/// baseline x86-64 and chosen at load time, so they use the machine's full vector width
/// although Swift code is built for the baseline. `a` and `out` may be the same buffer.
public enum VectorMath {
    public static func exp(_ a: UnsafePointer<Float>, _ out: UnsafeMutablePointer<Float>, _ n: Int) { sg_vexp(a, out, n) }
    public static func log(_ a: UnsafePointer<Float>, _ out: UnsafeMutablePointer<Float>, _ n: Int) { sg_vlog(a, out, n) }
    public static func sqrt(_ a: UnsafePointer<Float>, _ out: UnsafeMutablePointer<Float>, _ n: Int) { sg_vsqrt(a, out, n) }
    public static func tanh(_ a: UnsafePointer<Float>, _ out: UnsafeMutablePointer<Float>, _ n: Int) { sg_vtanh(a, out, n) }
    public static func sigmoid(_ a: UnsafePointer<Float>, _ out: UnsafeMutablePointer<Float>, _ n: Int) { sg_vsigmoid(a, out, n) }
    public static func softplus(_ a: UnsafePointer<Float>, _ out: UnsafeMutablePointer<Float>, _ n: Int) { sg_vsoftplus(a, out, n) }
    public static func logSigmoid(_ a: UnsafePointer<Float>, _ out: UnsafeMutablePointer<Float>, _ n: Int) { sg_vlog_sigmoid(a, out, n) }
}
