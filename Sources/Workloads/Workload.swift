import Foundation
import NN

/// One of the benchmark workloads of BENCHMARKS.md (W1–W3), built exactly as its PyTorch
/// peer script builds it, so that steps per second compare one to one.
public protocol Workload: AnyObject {
    /// The name the peer script prints (`RESULT workload=<name>`).
    static var name: String { get }
    static var defaultBatch: Int { get }
    static var defaultSteps: Int { get }
    /// Linear/conv FLOPs per step (2 × multiply-adds, forward + backward), as the peer
    /// script's `analytic_flops` counts them.
    static func flopsPerStep(batch: Int) -> Int
    init(batch: Int, seed: UInt64)
    /// One training step; returns the step's D and G losses.
    func step() -> (lossD: Float, lossG: Float)
    /// The two networks (to inspect or save what the benchmark trained).
    var generator: Sequential { get }
    var discriminator: Sequential { get }
}

/// What a benchmark run measured.
public struct WorkloadResult: Sendable {
    public let workload: String
    public let batch: Int
    public let threads: Int
    public let steps: Int
    public let elapsedSeconds: Double
    public let flopsPerStep: Int
    /// Peak resident memory of the process (VmHWM), in bytes.
    public let peakRSSBytes: Int
    public let finalLossD: Float
    public let finalLossG: Float

    public var stepsPerSecond: Double { Double(steps) / elapsedSeconds }
    public var msPerStep: Double { 1000 * elapsedSeconds / Double(steps) }
    public var gflopsPerSecond: Double { Double(flopsPerStep) * stepsPerSecond / 1e9 }
}

public enum Workloads {
    /// Untimed steps before the clock starts (as the peer scripts).
    public static let warmupSteps = 10

    public static var all: [any Workload.Type] { [GMM2D.self, MNISTMLPWGANGP.self, DCGANMNIST.self] }
    public static var names: [String] { all.map { $0.name } }

    public static func named(_ name: String) -> (any Workload.Type)? {
        all.first { $0.name == name }
    }

    /// Builds the workload, runs `warmupSteps` untimed steps and `steps` timed ones with at
    /// most `threads` threads, and reports each line the peer scripts print (CONFIG, INFO,
    /// FLOPS), a MEMORY line with the peak RSS, and last the RESULT line.
    ///
    /// With `reportEvery`, a `WINDOW` line after every that many timed steps gives the
    /// window's steps/s, the resident memory now (VmRSS) and the live storages: what a long
    /// run shows to be flat.
    public static func run(_ type: any Workload.Type, steps: Int? = nil, threads: Int, batch: Int? = nil,
                           seed: UInt64 = 0, reportEvery: Int? = nil,
                           print emit: (String) -> Void = { print($0); fflush(nil) }) -> WorkloadResult {
        BLAS.maxThreads = threads
        let batch = batch ?? type.defaultBatch
        let steps = steps ?? type.defaultSteps
        require(steps >= 1 && batch >= 1, "Workloads.run: steps \(steps) and batch \(batch) must be positive")
        let w = type.init(batch: batch, seed: seed)
        emit("CONFIG workload=\(type.name) batch=\(batch) threads=\(threads) steps=\(steps) warmup=\(warmupSteps) seed=\(seed) impl=swiftgan blas_core=\(BLASCore.name)")
        for _ in 0..<warmupSteps { _ = w.step() }
        var losses: (lossD: Float, lossG: Float) = (0, 0)
        let t0 = DispatchTime.now().uptimeNanoseconds
        var windowStart = t0
        for i in 1...steps {
            losses = w.step()
            if let every = reportEvery, i % every == 0 {
                let now = DispatchTime.now().uptimeNanoseconds
                emit("WINDOW steps=\(i) " + String(format: "steps_per_s=%.2f rss_mib=%.1f live_storages=%d",
                                                    Double(every) * 1e9 / Double(now - windowStart),
                                                    Double(residentBytes()) / 1048576, Storage.liveCount))
                windowStart = DispatchTime.now().uptimeNanoseconds
            }
        }
        let elapsed = Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9
        let r = WorkloadResult(workload: type.name, batch: batch, threads: threads, steps: steps, elapsedSeconds: elapsed,
                               flopsPerStep: type.flopsPerStep(batch: batch), peakRSSBytes: peakResidentBytes(),
                               finalLossD: losses.lossD, finalLossG: losses.lossG)
        emit(String(format: "INFO elapsed_s=%.3f final_loss_d=%.4f final_loss_g=%.4f", elapsed, r.finalLossD, r.finalLossG))
        emit("FLOPS analytic_per_step=\(r.flopsPerStep) " + String(format: "analytic_gflops_per_s=%.3f", r.gflopsPerSecond))
        emit(String(format: "MEMORY peak_rss_mib=%.1f", Double(r.peakRSSBytes) / 1048576))
        emit("RESULT workload=\(type.name) " + String(format: "steps_per_s=%.4f ms_per_step=%.4f", r.stepsPerSecond, r.msPerStep))
        return r
    }

    /// The process's resident set size now (VmRSS), in bytes; 0 where /proc is missing.
    public static func residentBytes() -> Int { procStatus("VmRSS:") ?? 0 }

    static func procStatus(_ key: String) -> Int? {
        guard let text = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return nil }
        for line in text.split(separator: "\n") where line.hasPrefix(key) {
            return (line.split(separator: " ").compactMap { Int($0) }.first ?? 0) * 1024
        }
        return nil
    }

    /// The process's peak resident set size in bytes: VmHWM from /proc/self/status on
    /// Linux, getrusage's maximum elsewhere.
    public static func peakResidentBytes() -> Int {
        if let peak = procStatus("VmHWM:") { return peak }
        var usage = rusage()
#if os(Linux)
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Int(usage.ru_maxrss) * 1024  // kilobytes on Linux
#else
        getrusage(RUSAGE_SELF, &usage)
        return Int(usage.ru_maxrss)
#endif
    }

    /// The thread count used when none is given: `SWIFTGAN_THREADS`, else the core count.
    public static var defaultThreads: Int { BLAS.maxThreads }

    /// True when this code was compiled without optimization (numbers then mean little).
    public static var isDebugBuild: Bool {
#if DEBUG
        return true
#else
        return false
#endif
    }
}

/// A pool of `count` samples of `features` values drawn from U(−1, 1) (the peers' `--data
/// random`), handed out as consecutive, non-overlapping batches that wrap around.
struct RandomPool {
    let storage: Storage
    let shape: [Int]  // one sample
    let sampleSize: Int
    let batch: Int
    let batchesInPool: Int
    var cursor = 0

    init(count: Int, sample shape: [Int], batch: Int, using rng: inout RandomGenerator) {
        sampleSize = shape.reduce(1, *)
        storage = Storage(uninitialized: count * sampleSize)
        rng.fillUniform(storage.buffer, low: -1, high: 1)
        self.shape = shape
        self.batch = batch
        batchesInPool = count / batch
        require(batchesInPool >= 1, "RandomPool: batch \(batch) is larger than the pool (\(count))")
    }

    /// The next batch, `[batch] + shape` (a copy: tensors own their whole storage).
    mutating func next() -> Tensor {
        let n = batch * sampleSize
        let out = Storage(uninitialized: n)
        out.pointer.update(from: storage.pointer + cursor * n, count: n)
        cursor = (cursor + 1) % batchesInPool
        return Tensor(storage: out, shape: [batch] + shape)
    }
}
