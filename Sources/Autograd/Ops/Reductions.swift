import TensorCore

// Reductions over chosen axes, with or without keeping them as size-1 axes:
// sum, mean, variance (composed from differentiable ops), max.

extension Tensor {
    /// The shape after reducing `axes` (sorted, normalized).
    static func reducedShape(_ shape: [Int], _ axes: [Int], keepDims: Bool) -> [Int] {
        if keepDims { return shape.enumerated().map { axes.contains($0.offset) ? 1 : $0.element } }
        return shape.enumerated().filter { !axes.contains($0.offset) }.map(\.element)
    }

    /// Sum over `axes` (all axes when nil).
    public func sum(axes: [Int]? = nil, keepDims: Bool = false) -> Tensor {
        let ax = axes.map { Shape.normalizeAxes($0, rank: rank, op: "sum") } ?? Array(0..<rank)
        let kept = Tensor.reducedShape(shape, ax, keepDims: true)
        let outShape = keepDims ? kept : Tensor.reducedShape(shape, ax, keepDims: false)
        var current = storage
        var curShape = shape
        // Reduce the highest axis first so that lower axis indices stay valid.
        for a in ax.reversed() where curShape[a] != 1 {
            let (outer, n, inner) = Reduce.split(curShape, axis: a)
            let out = Storage(uninitialized: outer * inner)
            Reduce.sum(current.pointer, outer: outer, n: n, inner: inner, out.pointer)
            current = out
            curShape[a] = 1
        }
        if current.isSame(as: storage) { current = storage.copy() }
        let inShape = shape
        return Tensor.record("sum", current, shape: outShape, inputs: [self]) { gy, _ in
            [gy.reshaped(kept).expanded(to: inShape)]
        }
    }

    /// Mean over `axes` (all axes when nil).
    public func mean(axes: [Int]? = nil, keepDims: Bool = false) -> Tensor {
        let ax = axes.map { Shape.normalizeAxes($0, rank: rank, op: "mean") } ?? Array(0..<rank)
        let n = ax.reduce(1) { $0 * shape[$1] }
        require(n > 0, "mean: reducing \(Shape.describe(shape)) over empty axes \(ax)")
        return sum(axes: ax, keepDims: keepDims) * (1 / Float(n))
    }

    /// Variance over `axes`: the mean squared deviation, divided by n (`unbiased: false`,
    /// the batch-norm statistic) or n - 1 (`unbiased: true`).
    public func variance(axes: [Int]? = nil, unbiased: Bool = false, keepDims: Bool = false) -> Tensor {
        let ax = axes.map { Shape.normalizeAxes($0, rank: rank, op: "variance") } ?? Array(0..<rank)
        let n = ax.reduce(1) { $0 * shape[$1] }
        require(n > (unbiased ? 1 : 0), "variance: \(n) elements over axes \(ax) of \(Shape.describe(shape)) are too few")
        let centered = self - mean(axes: ax, keepDims: true)
        return (centered * centered).sum(axes: ax, keepDims: keepDims) * (1 / Float(unbiased ? n - 1 : n))
    }

    /// Maximum over `axes` (all axes when nil). The gradient goes to the first maximal
    /// element of each reduced group.
    public func max(axes: [Int]? = nil, keepDims: Bool = false) -> Tensor {
        let ax = axes.map { Shape.normalizeAxes($0, rank: rank, op: "max") } ?? Array(0..<rank)
        require(count > 0, "max: empty tensor of shape \(Shape.describe(shape))")
        // Move the reduced axes last by reducing them one at a time while tracking, for each
        // element of the input, whether it is the winner: a 0/1 mask.
        let kept = Tensor.reducedShape(shape, ax, keepDims: true)
        let outShape = keepDims ? kept : Tensor.reducedShape(shape, ax, keepDims: false)
        let mask = Storage(repeating: 1, count: count)
        var current = storage
        var curShape = shape
        // index map: position of each input element's current group representative
        var owner = Array(0..<count)  // for each input element, flat index in `current`
        for a in ax.reversed() where curShape[a] != 1 {
            let (outer, n, inner) = Reduce.split(curShape, axis: a)
            let out = Storage(uninitialized: outer * inner)
            var arg = [Int32](repeating: 0, count: outer * inner)
            arg.withUnsafeMutableBufferPointer { Reduce.max(current.pointer, outer: outer, n: n, inner: inner, out.pointer, argmax: $0.baseAddress!) }
            for e in 0..<count {
                let p = owner[e]
                let o = p / (n * inner), j = (p / inner) % n, i = p % inner
                if Int32(j) != arg[o * inner + i] { mask.pointer[e] = 0 }
                owner[e] = o * inner + i
            }
            current = out
            curShape[a] = 1
        }
        if current.isSame(as: storage) { current = storage.copy() }
        let maskTensor = Tensor(storage: mask, shape: shape)
        let inShape = shape
        return Tensor.record("max", current, shape: outShape, inputs: [self]) { gy, _ in
            [gy.reshaped(kept).expanded(to: inShape) * maskTensor]
        }
    }
}
