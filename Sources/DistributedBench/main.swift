// swiftgan-mpi-bench: data-parallel throughput of W3 (the seed-001 DCGAN on 1×28×28 of
// `Workloads.DCGANMNIST`, non-saturating loss, Adam(1e-4, 0.5, 0.999)) on the ranks of `mpirun`,
// or in one process without it, through the real path (GANTrainer + DataParallel), and the
// cost of the gradient all-reduce alone.
//
// usage: [mpirun -np N] swiftgan-mpi-bench [--steps S] [--warmup W] [--batch B] [--repeats K] [--sync-bn]
//   --batch is the global batch (split over the ranks). Threads per rank: SWIFTGAN_THREADS.
// Prints (rank 0) one RESULT line for the training steps and one per all-reduce size.
import Distributed
import Foundation
import GAN
import NN
import Workloads

BLASCore.reexecIfMisdetected()  // before MPI starts: OpenBLAS may not know this CPU

var steps = 20, warmup = 3, batch = 64, repeats = 50, syncBN = false
var args = CommandLine.arguments.dropFirst()
while let a = args.popFirst() {
    func value() -> Int {
        guard let v = args.popFirst().flatMap(Int.init), v >= 0 else { fatalError("\(a) needs a non-negative integer") }
        return v
    }
    switch a {
    case "--steps": steps = value()
    case "--warmup": warmup = value()
    case "--batch": batch = value()
    case "--repeats": repeats = value()
    case "--sync-bn": syncBN = true
    default: fatalError("unknown option \(a); see the comment at the top of Sources/DistributedBench/main.swift")
    }
}

let world = World.current
let local: Int
do { local = try DataParallel.localBatch(global: batch, ranks: world.size) } catch { fatalError("\(error)") }

// W3's players, as the benchmark workload builds them.
var rng = RandomGenerator(seed: 0)
let (g, d) = DCGANMNIST.players(using: &rng)
if syncBN { synchronizeBatchNorm(in: g, over: world) }

let parallel = DataParallel(communicator: world, seed: 0)
var settings = GameSettings()
settings.batchSize = local
let adam = Adam(learningRate: 1e-4, beta1: 0.5, beta2: 0.999)
let trainer = GANTrainer(
    generator: g, discriminator: d, generatorOptimizer: adam, discriminatorOptimizer: adam,
    settings: settings, seed: 0,
    sampleNoise: parallel.shard { n, r in Tensor.randomNormal([n, 100], using: &r) },
    // `--data random` of the peer script: U(−1, 1) images.
    sampleData: parallel.shard { n, r in Tensor.randomUniform([n, 1, 28, 28], low: -1, high: 1, using: &r) })
try parallel.attach(to: trainer)
trainer.callbacks = [parallel]

try trainer.fit(steps: warmup)
world.barrier()
let comm0 = world.communicationSeconds
// CPU time of this (the only computing, with SWIFTGAN_THREADS=1) thread outside the
// collectives: the work of a step, apart from how busy the machine is.
func cpuOutsideCollectives(_ world: any Communicator) -> Double {
    #if MPI
    if let mpi = world as? MPICommunicator { return MPICommunicator.threadCPUSeconds() - mpi.communicationCPUSeconds }
    #endif
    var t = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t)
    return Double(t.tv_sec) + Double(t.tv_nsec) / 1e9
}
let cpu0 = cpuOutsideCollectives(world)
let t0 = DispatchTime.now().uptimeNanoseconds
try trainer.fit(steps: steps)
let computeCPU = world.allReduce(cpuOutsideCollectives(world) - cpu0, .max)
world.barrier()
let elapsed = Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9
// Collectives' wall time, waiting for the slower rank included; the most any rank spent.
let comm = world.allReduce(world.communicationSeconds - comm0, .max)
let threads = ProcessInfo.processInfo.environment["SWIFTGAN_THREADS"] ?? "default"
if world.rank == 0 {
    let sps = Double(steps) / elapsed
    print(String(format: "RESULT workload=dcgan_mnist ranks=%d batch=%d local_batch=%d threads=%@ sync_bn=%d steps_per_s=%.4f ms_per_step=%.2f comm_ms_per_step=%.2f compute_cpu_ms_per_step=%.2f",
                 world.size, batch, local, threads, syncBN ? 1 : 0, sps, 1000 / sps, 1000 * comm / Double(steps),
                 1000 * computeCPU / Double(steps)))
}

// The all-reduce alone, at the sizes of one step's two packed buffers (D's gradients + 4
// statistics, G's + 1), averaged over `repeats` calls after a barrier.
let dCount = d.parameters().values.reduce(4) { $0 + $1.count }
let gCount = g.parameters().values.reduce(1) { $0 + $1.count }
for (name, count) in [("d_gradients", dCount), ("g_gradients", gCount), ("1M", 1 << 20), ("10M", 10 << 20)] where world.size > 1 && repeats > 0 {
    var buffer = [Float](repeating: Float(world.rank), count: count)
    world.allReduce(&buffer, .sum, average: true)
    world.barrier()
    let start = DispatchTime.now().uptimeNanoseconds
    for _ in 0..<repeats { world.allReduce(&buffer, .sum, average: true) }
    let ms = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6 / Double(repeats)
    let worst = world.allReduce(ms, .max)
    if world.rank == 0 {
        print(String(format: "RESULT case=allreduce buffer=%@ floats=%d ranks=%d ms=%.3f GB_per_s=%.2f",
                     name, count, world.size, worst, Double(count) * 4 / (worst / 1000) / 1e9))
    }
}
