import Dispatch
import Testing
import TensorCore

@Suite struct ParallelTests {
    /// Every part runs exactly once, for part counts below, at and above the thread count,
    /// and many jobs in a row (the workers spin between them) lose none.
    @Test func everyPartRunsOnce() {
        for threads in [2, 3, 4] {
            for parts in [1, 2, 3, 7, 64] {
                for _ in 0..<200 {
                    var hits = [Int](repeating: 0, count: parts)
                    hits.withUnsafeMutableBufferPointer { h in
                        nonisolated(unsafe) let h = h
                        Parallel.run(parts, threads: threads) { p in h[p] += 1 }
                    }
                    #expect(hits == [Int](repeating: 1, count: parts), "threads \(threads) parts \(parts)")
                }
            }
        }
    }

    /// A parallel loop inside a part runs on that part's thread instead of waiting for the
    /// pool it is already using (which would deadlock).
    @Test func nestedRunsComplete() {
        var sums = [Int](repeating: 0, count: 4)
        sums.withUnsafeMutableBufferPointer { s in
            nonisolated(unsafe) let s = s
            Parallel.run(4, threads: 2) { p in
                var inner = [Int](repeating: 0, count: 8)
                inner.withUnsafeMutableBufferPointer { i in
                    nonisolated(unsafe) let i = i
                    Parallel.run(8, threads: 2) { q in i[q] = q + p }
                }
                s[p] = inner.reduce(0, +)
            }
        }
        #expect(sums == (0..<4).map { p in (0..<8).reduce(0) { $0 + $1 + p } })
    }

    /// Two threads starting jobs at once (the lab trains several runs side by side) both
    /// finish with every part done: one gets the pool, the other runs its parts itself.
    @Test func concurrentCallersBothFinish() {
        let jobs = 4, parts = 16, rounds = 300
        var totals = [Int](repeating: 0, count: jobs)
        totals.withUnsafeMutableBufferPointer { t in
            nonisolated(unsafe) let t = t
            DispatchQueue.concurrentPerform(iterations: jobs) { j in
                for _ in 0..<rounds {
                    var hits = [Int](repeating: 0, count: parts)
                    hits.withUnsafeMutableBufferPointer { h in
                        nonisolated(unsafe) let h = h
                        Parallel.run(parts, threads: 2) { p in h[p] += 1 }
                    }
                    t[j] += hits.reduce(0, +)
                }
            }
        }
        #expect(totals == [Int](repeating: parts * rounds, count: jobs))
    }
}
