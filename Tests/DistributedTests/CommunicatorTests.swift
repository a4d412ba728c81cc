import Distributed
import NN
import Testing

@Suite("Communicators")
struct CommunicatorTests {
    @Test func singleProcessIsAWorldOfOne() {
        let c = SingleProcess()
        #expect(c.rank == 0 && c.size == 1)
        var v: [Float] = [1, 2, 3]
        c.allReduce(&v, .sum, average: true)
        #expect(v == [1, 2, 3])
        c.broadcast(&v, root: 0)
        #expect(v == [1, 2, 3])
        #expect(c.allGather([4, 5]) == [4, 5])
        #expect(c.allReduce(7, .max) == 7)
        c.barrier()
        #expect(c.communicationSeconds == 0)
    }

    @Test func withoutALauncherTheWorldHasOneRank() {
        #expect(!World.isLaunchedByMPI)
        let w = World.current
        #expect(w.rank == 0 && w.size == 1)
    }

    @Test func localGroupCollectives() {
        let results = LocalGroup.run(size: 3) { c -> [[Float]] in
            let r = Float(c.rank)
            var sum: [Float] = [r, 10 * r, 1]
            c.allReduce(&sum)
            var avg: [Float] = [r, 2 * r]
            c.allReduce(&avg, average: true)
            var mx: [Float] = [r, -r]
            c.allReduce(&mx, .max)
            var mn: [Float] = [r, -r]
            c.allReduce(&mn, .min)
            var b: [Float] = [r + 100]
            c.broadcast(&b, root: 2)
            let g = c.allGather([r, r])
            c.barrier()
            return [[Float(c.size)], sum, avg, mx, mn, b, g]
        }
        for (rank, r) in results.enumerated() {
            #expect(r[0] == [3], "rank \(rank)")
            #expect(r[1] == [3, 30, 3])
            #expect(r[2] == [1, 2])
            #expect(r[3] == [2, 0])
            #expect(r[4] == [0, -2])
            #expect(r[5] == [102])
            #expect(r[6] == [0, 0, 1, 1, 2, 2])
        }
    }

    @Test func chunkedAllReduceCoversTheWholeBuffer() {
        // 10 values in chunks of 3: four collectives, every value reduced once.
        let results = LocalGroup.run(size: 2) { c -> [Float] in
            var v = (0..<10).map { Float($0 + c.rank * 100) }
            c.allReduce(&v, .sum, average: true, chunk: 3)
            return v
        }
        #expect(results[0] == (0..<10).map { Float($0) + 50 })
        #expect(results[1] == results[0])
    }

    @Test func theGlobalBatchMustDivideEvenly() throws {
        #expect(try DataParallel.localBatch(global: 64, ranks: 4) == 16)
        #expect(throws: DistributedError.self) { try DataParallel.localBatch(global: 63, ranks: 2) }
    }
}

@Suite("Sharded generation")
struct ShardedGenerationTests {
    /// 7 rows of 2 values over 3 ranks (blocks of 3, the last padded): the gathered rows are
    /// those one process computes, in order, on every rank.
    @Test func gatheredRowsEqualOneProcess() {
        let whole = Tensor((0..<14).map { Float($0) * 0.5 }, shape: [7, 2])
        let padded = Tensor.concat([whole, Tensor(zeros: [2, 2])], axis: 0)
        let results = LocalGroup.run(size: 3) { c -> [Float] in
            #expect(c.rowsPerRank(7) == 3)
            let t = c.gatherRows(count: 7) { padded.rows($0) * 1 }
            #expect(t.shape == [7, 2])
            return t.toArray()
        }
        for r in results { #expect(r == whole.toArray()) }
        #expect(SingleProcess().gatherRows(count: 7) { whole.rows($0) }.toArray() == whole.toArray())
    }
}
