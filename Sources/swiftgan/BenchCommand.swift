import ArgumentParser
import Foundation
import Workloads

/// `swiftgan bench WORKLOAD`: one of the benchmark workloads of BENCHMARKS.md, timed as its
/// PyTorch peer script times it, so that the two RESULT lines compare directly
/// (`scripts/bench.sh` runs both side by side).
struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Time a benchmark workload (gmm2d, mnist_mlp_wgangp, dcgan_mnist) as its PyTorch peer does.",
        discussion: """
        Runs \(Workloads.warmupSteps) untimed warm-up steps, then the timed steps, and prints the peer scripts' lines; the last is
          RESULT workload=<name> steps_per_s=<float> ms_per_step=<float>
        Peak resident memory is on the MEMORY line. Build in release (-c release): debug builds are ~500x slower.

        Example:
          swiftgan bench gmm2d --steps 3000 --threads 1
          bash scripts/bench.sh          # side by side with PyTorch, as a table
        """)

    @Argument(help: "The workload: \(Workloads.names.joined(separator: ", ")).") var workload: String
    @Option(name: .long, help: "Timed steps (default: the peer script's: gmm2d 3000, mnist_mlp_wgangp 300, dcgan_mnist 30).") var steps: Int?
    @Option(name: .long, help: "The most threads to use (default: SWIFTGAN_THREADS or the core count).") var threads: Int?
    @Option(name: .long, help: "Batch size (default: the peer script's: 512, 64, 64).") var batch: Int?
    @Option(name: .long, help: "Random seed.") var seed: UInt64 = 0
    @Option(name: .customLong("report-every"), help: "Print a WINDOW line (steps/s, resident memory) every N timed steps.") var reportEvery: Int?

    func validate() throws {
        guard Workloads.named(workload) != nil else {
            throw ValidationError("unknown workload '\(workload)'; choose one of \(Workloads.names.joined(separator: ", "))")
        }
        for (name, value) in [("--steps", steps), ("--threads", threads), ("--batch", batch), ("--report-every", reportEvery)] {
            if let value, value < 1 { throw ValidationError("\(name) must be at least 1, got \(value)") }
        }
    }

    func run() throws {
        if Workloads.isDebugBuild {
            FileHandle.standardError.write(Data("swiftgan bench: this is a debug build; its numbers mean little (build with -c release)\n".utf8))
        }
        _ = Workloads.run(Workloads.named(workload)!, steps: steps, threads: threads ?? Workloads.defaultThreads, batch: batch, seed: seed,
                          reportEvery: reportEvery)
    }
}
