#if MPI
import CMPI
import Foundation
import NN

/// The processes started by `mpirun` (MPI_COMM_WORLD of Open MPI). MPI allows one
/// initialisation per process, so there is one instance, `world`; MPI is finalised at exit.
/// Errors are fatal (MPI's default handler): a rank that dies takes the job down, and
/// `mpirun` says which rank it was.
public final class MPICommunicator: Communicator {
    nonisolated(unsafe) public static let world = MPICommunicator()

    public let rank: Int
    public let size: Int
    public private(set) var communicationSeconds: Double = 0
    /// CPU seconds of the calling thread inside collectives (Open MPI polls while it waits).
    public private(set) var communicationCPUSeconds: Double = 0
    let comm = swiftgan_mpi_comm_world()

    private init() {
        var initialized: Int32 = 0
        MPI_Initialized(&initialized)
        if initialized == 0 {
            Self.check(MPI_Init(nil, nil), "MPI_Init")
            atexit {
                var finalized: Int32 = 0
                MPI_Finalized(&finalized)
                if finalized == 0 { MPI_Finalize() }
            }
        }
        var r: Int32 = 0, s: Int32 = 0
        MPI_Comm_rank(swiftgan_mpi_comm_world(), &r)
        MPI_Comm_size(swiftgan_mpi_comm_world(), &s)
        rank = Int(r)
        size = Int(s)
    }

    static func check(_ code: Int32, _ call: String) {
        if code != 0 { fatalError("\(call) failed with MPI error code \(code)") }
    }

    static func mpiOp(_ op: ReduceOperation) -> MPI_Op {
        switch op {
        case .sum: return swiftgan_mpi_sum()
        case .max: return swiftgan_mpi_max()
        case .min: return swiftgan_mpi_min()
        }
    }

    /// Runs a collective, adding its wall time to `communicationSeconds`.
    @inline(__always)
    func timed(_ call: String, _ body: () -> Int32) {
        let start = DispatchTime.now().uptimeNanoseconds, cpu = Self.threadCPUSeconds()
        Self.check(body(), call)
        communicationSeconds += Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        communicationCPUSeconds += Self.threadCPUSeconds() - cpu
    }

    /// CPU time of the calling thread.
    public static func threadCPUSeconds() -> Double {
        var t = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t)
        return Double(t.tv_sec) + Double(t.tv_nsec) / 1e9
    }

    public func allReduceOnce(_ buffer: UnsafeMutableBufferPointer<Float>, _ op: ReduceOperation) {
        guard buffer.count > 0 else { return }
        timed("MPI_Allreduce") {
            MPI_Allreduce(swiftgan_mpi_in_place(), buffer.baseAddress, Int32(buffer.count), swiftgan_mpi_float(),
                          Self.mpiOp(op), comm)
        }
    }

    public func allReduceOnce(_ buffer: UnsafeMutableBufferPointer<Double>, _ op: ReduceOperation) {
        guard buffer.count > 0 else { return }
        timed("MPI_Allreduce") {
            MPI_Allreduce(swiftgan_mpi_in_place(), buffer.baseAddress, Int32(buffer.count), swiftgan_mpi_double(),
                          Self.mpiOp(op), comm)
        }
    }

    public func broadcast(_ buffer: UnsafeMutableBufferPointer<Float>, root: Int) {
        require(root >= 0 && root < size, "broadcast: root \(root) is not a rank of a world of size \(size)")
        var start = 0
        while start < buffer.count {
            let n = Swift.min(Self.chunkElements, buffer.count - start)
            timed("MPI_Bcast") {
                MPI_Bcast(buffer.baseAddress! + start, Int32(n), swiftgan_mpi_float(), Int32(root), comm)
            }
            start += n
        }
    }

    public func allGather(_ local: UnsafeBufferPointer<Float>, into result: UnsafeMutableBufferPointer<Float>) {
        require(result.count == local.count * size,
                "allGather: result holds \(result.count) values, expected \(local.count) × \(size) ranks")
        timed("MPI_Allgather") {
            MPI_Allgather(local.baseAddress, Int32(local.count), swiftgan_mpi_float(),
                          result.baseAddress, Int32(local.count), swiftgan_mpi_float(), comm)
        }
    }

    public func barrier() {
        timed("MPI_Barrier") { MPI_Barrier(comm) }
    }
}
#endif
