import Foundation
import NN

/// Ranks as threads of one process: `LocalGroup.run(size:)` runs one body per rank, each with
/// its own communicator, and collects their results. It behaves like an MPI world (same
/// collectives, same blocking), so multi-rank code can be tested without `mpirun`.
/// Reductions run in Double, in rank order.
public final class LocalGroup: @unchecked Sendable {
    public let size: Int
    private let condition = NSCondition()
    private var slots: [[Double]?]
    private var arrived = 0
    private var generation = 0
    private var published: [[Double]] = []

    init(size: Int) {
        require(size >= 1, "LocalGroup: size must be at least 1, got \(size)")
        self.size = size
        slots = Array(repeating: nil, count: size)
    }

    /// Runs `body` once per rank, each on its own thread, and returns the results in rank order.
    public static func run<T>(size: Int, _ body: @escaping @Sendable (any Communicator) -> T) -> [T] {
        let group = LocalGroup(size: size)
        let box = ResultBox<T>(size)
        let done = DispatchGroup()
        let lock = NSLock()
        for rank in 0..<size {
            done.enter()
            let thread = Thread {
                let value = body(Member(group: group, rank: rank))
                lock.lock(); box.results[rank] = value; lock.unlock()
                done.leave()
            }
            thread.stackSize = 16 << 20
            thread.start()
        }
        done.wait()
        return box.results.map { $0! }
    }

    private final class ResultBox<T>: @unchecked Sendable {
        var results: [T?]
        init(_ n: Int) { results = Array(repeating: nil, count: n) }
    }

    /// Every rank's contribution, in rank order, once all ranks have called it.
    func exchange(rank: Int, _ values: [Double]) -> [[Double]] {
        condition.lock()
        defer { condition.unlock() }
        let myGeneration = generation
        slots[rank] = values
        arrived += 1
        if arrived == size {
            published = slots.map { $0! }
            slots = Array(repeating: nil, count: size)
            arrived = 0
            generation += 1
            condition.broadcast()
        } else {
            while generation == myGeneration { condition.wait() }
        }
        return published
    }

    final class Member: Communicator {
        let group: LocalGroup
        let rank: Int
        var size: Int { group.size }
        var communicationSeconds: Double = 0

        init(group: LocalGroup, rank: Int) {
            self.group = group
            self.rank = rank
        }

        func combined(_ values: [Double], _ op: ReduceOperation) -> [Double] {
            let all = group.exchange(rank: rank, values)
            require(all.allSatisfy { $0.count == values.count }, "allReduce: ranks passed different counts")
            var out = all[0]
            for other in all.dropFirst() {
                for i in 0..<out.count {
                    switch op {
                    case .sum: out[i] += other[i]
                    case .max: out[i] = Swift.max(out[i], other[i])
                    case .min: out[i] = Swift.min(out[i], other[i])
                    }
                }
            }
            return out
        }

        func allReduceOnce(_ buffer: UnsafeMutableBufferPointer<Float>, _ op: ReduceOperation) {
            let out = combined(buffer.map(Double.init), op)
            for i in 0..<buffer.count { buffer[i] = Float(out[i]) }
        }

        func allReduceOnce(_ buffer: UnsafeMutableBufferPointer<Double>, _ op: ReduceOperation) {
            let out = combined(Array(buffer), op)
            for i in 0..<buffer.count { buffer[i] = out[i] }
        }

        func broadcast(_ buffer: UnsafeMutableBufferPointer<Float>, root: Int) {
            let all = group.exchange(rank: rank, buffer.map(Double.init))
            for i in 0..<buffer.count { buffer[i] = Float(all[root][i]) }
        }

        func allGather(_ local: UnsafeBufferPointer<Float>, into result: UnsafeMutableBufferPointer<Float>) {
            require(result.count == local.count * size, "allGather: result holds \(result.count) values, expected \(local.count) × \(size)")
            let all = group.exchange(rank: rank, local.map(Double.init))
            for (r, values) in all.enumerated() {
                for i in 0..<values.count { result[r * local.count + i] = Float(values[i]) }
            }
        }

        func barrier() { _ = group.exchange(rank: rank, []) }
    }
}
