#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CBLAS
import CKernels

/// Which kernels OpenBLAS runs, and the repair for CPUs it does not recognise.
///
/// OpenBLAS (Debian's is built for every x86-64 kind and picks one when it loads) matches the
/// CPU's family and model against a table. A CPU newer than the library is not in it, and it
/// then falls back to its generic "Prescott" (SSE3) kernels: on an Emerald Rapids server
/// (family 6, model 207) Debian's 0.3.21 ran a 1024³ SGEMM at 14 GFLOP/s instead of 73 with
/// its SkylakeX kernels. The choice is made before `main` runs and only the environment
/// variable `OPENBLAS_CORETYPE` overrides it, so the programs re-execute themselves once with
/// it set, naming the widest kernels the CPU's instruction set supports.
public enum BLASCore {
    /// The kernel family OpenBLAS chose ("SkylakeX", "Haswell", "Prescott", ...).
    public static var name: String {
        guard let p = openblas_get_corename() else { return "unknown" }
        return String(cString: p)
    }

    /// Kernel families at least as fast as SkylakeX's, and as Haswell's.
    static let avx512Families: Set<String> = ["skylakex", "cooperlake", "sapphirerapids"]
    static let avx2Families: Set<String> = avx512Families.union(["haswell", "zen"])

    /// The family to force, or nil when OpenBLAS's choice fits the CPU.
    public static var betterChoice: String? {
        choice(current: name, avx512: sg_cpu_has_avx512_skylakex() != 0, avx2: sg_cpu_has_avx2_fma() != 0)
    }

    /// The family to force for a CPU with these instruction sets when OpenBLAS chose
    /// `current`, or nil to keep it.
    public static func choice(current: String, avx512: Bool, avx2: Bool) -> String? {
        let current = current.lowercased()
        if avx512 { return avx512Families.contains(current) ? nil : "SkylakeX" }
        if avx2 { return avx2Families.contains(current) ? nil : "Haswell" }
        return nil
    }

    /// Re-executes this program with `OPENBLAS_CORETYPE` naming `betterChoice` when OpenBLAS
    /// fell back to kernels older than the CPU. Call first thing in `main`; it returns at once
    /// when the choice is fine, when `OPENBLAS_CORETYPE` is already set (by the user, or by
    /// the first execution), or when `SWIFTGAN_KEEP_BLAS_CORE=1`.
    public static func reexecIfMisdetected() {
        #if os(Linux)
        guard getEnvironment("OPENBLAS_CORETYPE") == nil, getEnvironment("SWIFTGAN_KEEP_BLAS_CORE") != "1",
              let better = betterChoice else { return }
        setenv("OPENBLAS_CORETYPE", better, 1)
        var argv: [UnsafeMutablePointer<CChar>?] = CommandLine.arguments.map { strdup($0) }
        argv.append(nil)
        // The executable's own path, not /proc/self/exe: that would rename the process
        // "exe" in ps and top.
        var path = [CChar](repeating: 0, count: 4097)
        let length = readlink("/proc/self/exe", &path, 4096)
        execv(length > 0 ? String(decoding: path[..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self) : "/proc/self/exe", &argv)
        // exec failed: carry on with the slow kernels rather than not at all.
        unsetenv("OPENBLAS_CORETYPE")
        #endif
    }
}
