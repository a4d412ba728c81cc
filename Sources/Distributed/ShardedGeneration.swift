import NN

extension Communicator {
    /// Rows per rank when `count` rows are shared out in contiguous blocks (the last rank's
    /// block may run past `count`: callers produce `rowsPerRank × size` rows in all).
    public func rowsPerRank(_ count: Int) -> Int { (count + size - 1) / size }

    /// Rows 0..<count of a computation split over the ranks and gathered on every rank, in
    /// the order one process would produce them: rank r computes the block
    /// r·k ..< (r + 1)·k (k = `rowsPerRank(count)`) with `generate`, which must return
    /// [k, ...] rows of the same shape on every rank. Evaluation uses it to generate samples
    /// in shards.
    public func gatherRows(count: Int, _ generate: (Range<Int>) -> Tensor) -> Tensor {
        let k = rowsPerRank(count)
        let block = generate((rank * k)..<((rank + 1) * k))
        if size == 1 { return block }
        require(block.rank >= 1 && block.shape[0] == k,
                "gatherRows: rank \(rank) produced shape \(Shape.describe(block.shape)) for \(k) rows")
        let all = allGather(Array(UnsafeBufferPointer(start: block.storage.pointer, count: block.count)))
        let row = block.count / k
        return Tensor(Array(all[0..<(count * row)]), shape: [count] + Array(block.shape.dropFirst()))
    }
}

extension Tensor {
    /// Rows `range` of a tensor of shape [n, ...], as a new tensor (untracked).
    public func rows(_ range: Range<Int>) -> Tensor {
        require(rank >= 1 && range.lowerBound >= 0 && range.upperBound <= shape[0],
                "rows: range \(range) is outside the \(rank >= 1 ? shape[0] : 0) rows of \(Shape.describe(shape))")
        let row = shape[0] == 0 ? 0 : count / shape[0]
        let out = Storage(uninitialized: range.count * row)
        out.pointer.update(from: storage.pointer + range.lowerBound * row, count: range.count * row)
        return Tensor(storage: out, shape: [range.count] + Array(shape.dropFirst()))
    }
}
