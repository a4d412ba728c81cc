import Distributed
import Foundation
import GAN

/// A run under `mpirun -np N` (data-parallel, `Sources/Distributed`): every rank builds the
/// same trainer, trains on its share of each global batch (`game.batch_size` split evenly)
/// and takes the same averaged step; rank 0 writes the run directory. Outside a launcher
/// there is none, and a run is the plain one-process run.
public struct DistributedRun {
    public let world: any Communicator
    public let parallel: DataParallel
    /// This rank's share of `game.batch_size`.
    public let localBatch: Int
    public var isLeader: Bool { world.rank == 0 }

    /// Whether this process reports results (rank 0 of a launch, or a plain run).
    public static var isMainProcess: Bool { !World.isLaunchedByMPI || World.current.rank == 0 }

    /// The data-parallel setup of this process; nil outside a launcher. A launch of several
    /// ranks of a build without MPI is an error (each would train alone into one directory).
    public static func current(_ c: RunConfig) throws -> DistributedRun? {
        guard World.isLaunchedByMPI else { return nil }
        guard World.supportsMPI else {
            let ranks = ProcessInfo.processInfo.environment["OMPI_COMM_WORLD_SIZE"] ?? ProcessInfo.processInfo.environment["PMI_SIZE"] ?? "?"
            if ranks == "1" { return nil }
            throw ConfigError("started by mpirun (\(ranks) ranks), but this swiftgan was built without MPI: build it with `swift build -c release --traits MPI` (needs libopenmpi-dev)")
        }
        let world = World.current
        // Ranks sharing a machine share its cores: unless SWIFTGAN_THREADS says otherwise,
        // each takes its part rather than all of them (which would oversubscribe the cores).
        let env = ProcessInfo.processInfo.environment
        if env["SWIFTGAN_THREADS"] == nil, let onThisMachine = env["OMPI_COMM_WORLD_LOCAL_SIZE"].flatMap(Int.init), onThisMachine > 0 {
            BLAS.maxThreads = Swift.max(1, ProcessInfo.processInfo.activeProcessorCount / onThisMachine)
        }
        let local: Int
        do { local = try DataParallel.localBatch(global: c.batchSize, ranks: world.size) }
        catch let e as DistributedError { throw ConfigError("game.batch_size: \(e.description)") }
        if local % c.packing != 0 {
            throw ConfigError("game.batch_size \(c.batchSize) over \(world.size) ranks gives \(local) per rank, not divisible by game.packing \(c.packing)")
        }
        if c.minibatchStd == "true" && (local / c.packing) % Swift.min(4, local / c.packing) != 0 {
            throw ConfigError("model.minibatch_std groups D's batch in 4s: each rank's share (\(local) / game.packing \(c.packing)) must be divisible by 4")
        }
        return DistributedRun(world: world,
                              parallel: DataParallel(communicator: world, seed: UInt64(c.seed), checkEvery: c.checkpointEvery),
                              localBatch: local)
    }

    /// A sampler of this rank's rows of each global batch.
    public func shard(_ sample: @escaping (Int, inout RandomGenerator) -> Tensor) -> (Int, inout RandomGenerator) -> Tensor {
        parallel.shard(sample)
    }

    /// Gradient averaging, and synchronized batch norm when `train.sync_batchnorm` is on.
    public func attach(to trainer: GANTrainer, _ c: RunConfig) throws {
        do { try parallel.attach(to: trainer) }
        catch let e as DistributedError { throw ConfigError(e.description) }
        if c.syncBatchNorm == "true" {
            synchronizeBatchNorm(in: trainer.generator, over: world)
            synchronizeBatchNorm(in: trainer.discriminator, over: world)
        }
    }
}
