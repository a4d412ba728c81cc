import Autograd
import Foundation
import Workloads

// OpenBLAS may not know this CPU and fall back to slow kernels: fix that first.
BLASCore.reexecIfMisdetected()

// swiftgan-bench: throughput of the engine's hot paths, one `RESULT case=...` line per case.
// Run in release: `swift run -c release swiftgan-bench [--threads N] [matmul|conv|elementwise|overhead ...]`.

let usage = """
usage: swiftgan-bench [--threads N] [GROUP ...]
  groups: matmul conv elementwise overhead (default: all), peak (SGEMM peak only), or a workload of BENCHMARKS.md:
          gmm2d | mnist_mlp_wgangp | dcgan_mnist [--steps N] [--batch B] [--seed S]
          (prints RESULT workload=<name> steps_per_s=...; same as `swiftgan bench`)
  --threads N   the most threads BLAS may use (default: SWIFTGAN_THREADS or the core count)
Prints one line per case: RESULT case=<name> key=value ...
"""

var args = Array(CommandLine.arguments.dropFirst())

/// Removes `flag N` from `args` and returns N (an integer ≥ `minimum`), or `default` if absent.
@MainActor func takePositiveInt(_ flag: String, default value: Int, minimum: Int = 1) -> Int {
    guard let i = args.firstIndex(of: flag) else { return value }
    guard i + 1 < args.count, let n = Int(args[i + 1]), n >= minimum else {
        FileHandle.standardError.write(Data("swiftgan-bench: \(flag) needs an integer of at least \(minimum)\n\(usage)\n".utf8))
        exit(2)
    }
    args.removeSubrange(i...(i + 1))
    return n
}

let threads = takePositiveInt("--threads", default: BLAS.maxThreads)
if args.contains("--help") || args.contains("-h") { print(usage); exit(0) }
if args.count >= 1, let workload = Workloads.named(args[0]) {
    let steps = takePositiveInt("--steps", default: workload.defaultSteps)
    let batch = takePositiveInt("--batch", default: workload.defaultBatch)
    let seed = takePositiveInt("--seed", default: 0, minimum: 0)
    guard args.count == 1 else {
        FileHandle.standardError.write(Data("swiftgan-bench: unexpected arguments \(args.dropFirst())\n\(usage)\n".utf8))
        exit(2)
    }
    _ = Workloads.run(workload, steps: steps, threads: threads, batch: batch, seed: UInt64(seed))
    exit(0)
}
let groups = Set(args.isEmpty ? ["matmul", "conv", "elementwise", "overhead"] : args)
for g in groups where !["matmul", "conv", "elementwise", "overhead", "peak"].contains(g) {
    FileHandle.standardError.write(Data("swiftgan-bench: unknown group '\(g)'\n\(usage)\n".utf8))
    exit(2)
}
BLAS.maxThreads = threads
#if DEBUG
FileHandle.standardError.write(Data("swiftgan-bench: this is a debug build; numbers mean little (use -c release)\n".utf8))
#endif

if groups.contains("peak") { report("sgemm_peak", ["threads": threads, "gflops": measuredPeakGFLOPs(threads: threads)]) }
if groups.contains("matmul") { benchMatMul(threads: threads) }
if groups.contains("conv") { benchConvolution(threads: threads) }
if groups.contains("elementwise") { benchElementwise(); benchElementwiseInPlace() }
if groups.contains("overhead") { benchOverhead() }
