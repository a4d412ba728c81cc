import Autograd

/// Minibatches drawn from a fixed set of rows (a training set of N samples, [N, ...]) by
/// epochs: each epoch is a fresh permutation from the explicit generator, cut into batches
/// of `batchSize` (the last, short batch of an epoch is dropped, so every batch has the same
/// shape). Same generator state, same batches.
public struct MinibatchSampler {
    public let data: Tensor
    public let batchSize: Int
    var order: [Int] = []
    var position = 0

    public init(_ data: Tensor, batchSize: Int) {
        require(data.rank >= 1 && data.shape[0] >= batchSize && batchSize > 0,
                "MinibatchSampler: batch size \(batchSize) does not fit a data set of shape \(Shape.describe(data.shape))")
        self.data = data
        self.batchSize = batchSize
    }

    public var batchesPerEpoch: Int { data.shape[0] / batchSize }

    /// The next batch [batchSize, ...].
    public mutating func next(using rng: inout RandomGenerator) -> Tensor {
        if position + batchSize > order.count {
            order = rng.permutation(data.shape[0])
            position = 0
        }
        let rowSize = data.count / data.shape[0]
        let out = Storage(uninitialized: batchSize * rowSize)
        for b in 0..<batchSize {
            (out.pointer + b * rowSize).update(from: data.storage.pointer + order[position + b] * rowSize, count: rowSize)
        }
        position += batchSize
        return Tensor(storage: out, shape: [batchSize] + Array(data.shape.dropFirst()))
    }
}
