import Foundation
import NN

/// How an all-reduce combines the replicas' values.
public enum ReduceOperation: Sendable {
    case sum, max, min
}

/// A group of cooperating processes (ranks) of one data-parallel run: who this process is,
/// how many there are, and the collectives the training loop needs. Every rank must call the
/// same collectives, with the same counts, in the same order (MPI's rule).
///
/// Implementations: `SingleProcess` (a world of one), `MPICommunicator` (Open MPI, built with
/// the `MPI` trait), `LocalGroup` (ranks as threads of one process, for tests).
public protocol Communicator: AnyObject {
    var rank: Int { get }
    var size: Int { get }
    /// Combines `buffer` element-wise over all ranks, in place, in one call (see
    /// `allReduce(_:_:average:)` for the chunked form to use on big buffers).
    func allReduceOnce(_ buffer: UnsafeMutableBufferPointer<Float>, _ op: ReduceOperation)
    func allReduceOnce(_ buffer: UnsafeMutableBufferPointer<Double>, _ op: ReduceOperation)
    /// Replaces `buffer` on every rank by `root`'s.
    func broadcast(_ buffer: UnsafeMutableBufferPointer<Float>, root: Int)
    /// Concatenates every rank's `local` (all the same length) in rank order into `result`
    /// (size × local.count values).
    func allGather(_ local: UnsafeBufferPointer<Float>, into result: UnsafeMutableBufferPointer<Float>)
    /// Returns when every rank has called it.
    func barrier()
    /// Seconds spent inside collectives so far (wall time, waiting included).
    var communicationSeconds: Double { get }
}

extension Communicator {
    /// Elements per all-reduce call: large buffers go in pieces (on Open MPI with 2 local
    /// ranks, 10M floats took ≈ 20 ms in one call and ≈ 8 ms in 1M-float pieces).
    public static var chunkElements: Int { 1 << 20 }

    /// Combines `values` element-wise over all ranks in pieces of `chunkElements`; with
    /// `average` the sums are divided by the number of ranks.
    public func allReduce(_ values: inout [Float], _ op: ReduceOperation = .sum, average: Bool = false,
                          chunk: Int = Self.chunkElements) {
        values.withUnsafeMutableBufferPointer { allReduce($0, op, average: average, chunk: chunk) }
    }

    public func allReduce(_ buffer: UnsafeMutableBufferPointer<Float>, _ op: ReduceOperation = .sum, average: Bool = false,
                          chunk: Int = Self.chunkElements) {
        require(!average || op == .sum, "allReduce: average applies to sums")
        require(chunk >= 1, "allReduce: chunk must be at least 1 element, got \(chunk)")
        guard size > 1 else { return }
        var start = 0
        while start < buffer.count {
            let n = Swift.min(chunk, buffer.count - start)
            allReduceOnce(UnsafeMutableBufferPointer(rebasing: buffer[start..<(start + n)]), op)
            start += n
        }
        if average {
            let scale = 1 / Float(size)
            for i in 0..<buffer.count { buffer[i] *= scale }
        }
    }

    public func allReduce(_ values: inout [Double], _ op: ReduceOperation = .sum) {
        guard size > 1 else { return }
        values.withUnsafeMutableBufferPointer { allReduceOnce($0, op) }
    }

    /// One number combined over all ranks.
    public func allReduce(_ value: Double, _ op: ReduceOperation) -> Double {
        var v = [value]
        allReduce(&v, op)
        return v[0]
    }

    public func broadcast(_ values: inout [Float], root: Int = 0) {
        guard size > 1 else { return }
        values.withUnsafeMutableBufferPointer { broadcast($0, root: root) }
    }

    /// Every rank's `local` (same length on all), concatenated in rank order.
    public func allGather(_ local: [Float]) -> [Float] {
        var result = [Float](repeating: 0, count: local.count * size)
        local.withUnsafeBufferPointer { l in result.withUnsafeMutableBufferPointer { allGather(l, into: $0) } }
        return result
    }
}

/// A world of one process: the collectives are identities.
public final class SingleProcess: Communicator {
    public init() {}
    public var rank: Int { 0 }
    public var size: Int { 1 }
    public func allReduceOnce(_ buffer: UnsafeMutableBufferPointer<Float>, _ op: ReduceOperation) {}
    public func allReduceOnce(_ buffer: UnsafeMutableBufferPointer<Double>, _ op: ReduceOperation) {}
    public func broadcast(_ buffer: UnsafeMutableBufferPointer<Float>, root: Int) {
        require(root == 0, "broadcast: root \(root) is not a rank of a world of size 1")
    }
    public func allGather(_ local: UnsafeBufferPointer<Float>, into result: UnsafeMutableBufferPointer<Float>) {
        require(result.count == local.count, "allGather: result holds \(result.count) values, expected \(local.count)")
        for i in 0..<local.count { result[i] = local[i] }
    }
    public func barrier() {}
    public var communicationSeconds: Double { 0 }
}

/// The world this process belongs to: Open MPI's when the package was built with the `MPI`
/// trait and the process was started by a launcher (`mpirun`, `srun`); otherwise a world of
/// one. MPI is initialised once, on first use.
public enum World {
    public static var isLaunchedByMPI: Bool {
        let env = ProcessInfo.processInfo.environment
        return env["OMPI_COMM_WORLD_SIZE"] != nil || env["PMIX_RANK"] != nil || env["PMI_SIZE"] != nil
    }

    public static var current: any Communicator {
        #if MPI
        if isLaunchedByMPI { return MPICommunicator.world }
        #endif
        return SingleProcess()
    }

    /// Whether this build can run on MPI (built with the `MPI` trait).
    public static var supportsMPI: Bool {
        #if MPI
        return true
        #else
        return false
        #endif
    }
}
