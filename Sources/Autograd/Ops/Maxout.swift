import TensorCore

// Maxout (Goodfellow, Warde-Farley, Mirza, Courville & Bengio 2013): the maximum over
// groups of `pieces` consecutive features. PacGAN's 2-D discriminators use it.
// The forward pass and both gradient ops are C kernels (`sg_maxout*`): the winning piece
// of each group is kept as an index, and the gradient is a scatter to it, whose own
// gradient is the matching gather, so penalties differentiate through maxout to any order.

extension Tensor {
    /// [..., units·pieces] → [..., units]: y[..., u] = max over p of x[..., u·pieces + p].
    /// The gradient goes to the first maximal piece of each group. A group holding a NaN
    /// gives NaN (its first NaN wins), as PyTorch's max does.
    public func maxout(pieces: Int) -> Tensor {
        require(pieces >= 1, "maxout: pieces must be at least 1, got \(pieces)")
        require(rank >= 1 && shape[rank - 1] % pieces == 0,
                "maxout: the last axis of \(Shape.describe(shape)) is not divisible into groups of \(pieces) pieces")
        if pieces == 1 { return self }
        let groups = count / pieces
        var outShape = shape
        outShape[rank - 1] /= pieces
        let out = Storage(uninitialized: groups)
        var winners = [Int32](repeating: 0, count: groups)
        winners.withUnsafeMutableBufferPointer {
            VectorMath.maxout(storage.pointer, groups: groups, pieces: pieces, out.pointer, arg: $0.baseAddress!)
        }
        let inShape = shape
        return Tensor.record("maxout", out, shape: outShape, inputs: [self]) { [winners] gy, _ in
            [Tensor.scatterToPieces(gy, winners, pieces: pieces, shape: inShape)]
        }
    }

    /// Maxout's gradient: each of gy's elements goes to its group's winning piece of a
    /// tensor of `shape`; the other pieces are 0.
    static func scatterToPieces(_ gy: Tensor, _ winners: [Int32], pieces: Int, shape: [Int]) -> Tensor {
        let out = Storage(uninitialized: gy.count * pieces)
        winners.withUnsafeBufferPointer {
            VectorMath.maxoutScatter(gy.storage.pointer, arg: $0.baseAddress!, groups: gy.count, pieces: pieces, out.pointer)
        }
        let gyShape = gy.shape
        return record("maxout_scatter", out, shape: shape, inputs: [gy]) { g, _ in
            [gatherPieces(g, winners, pieces: pieces, shape: gyShape)]
        }
    }

    /// The scatter's adjoint: each group's winning piece, as a tensor of `shape`.
    static func gatherPieces(_ x: Tensor, _ winners: [Int32], pieces: Int, shape: [Int]) -> Tensor {
        let out = Storage(uninitialized: x.count / pieces)
        winners.withUnsafeBufferPointer {
            VectorMath.maxoutGather(x.storage.pointer, arg: $0.baseAddress!, groups: x.count / pieces, pieces: pieces, out.pointer)
        }
        let xShape = x.shape
        return record("maxout_gather", out, shape: shape, inputs: [x]) { g, _ in
            [scatterToPieces(g, winners, pieces: pieces, shape: xShape)]
        }
    }
}
