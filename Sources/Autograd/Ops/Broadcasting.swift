import TensorCore

// Shape changes that move no data (reshape) and the broadcast pair: `expanded(to:)` copies
// along broadcast axes and `sum(toShape:)` sums them back. Each is the other's gradient.

extension Tensor {
    /// The same values with another shape of the same element count (a view: no copy).
    /// One axis may be -1, inferred from the others.
    public func reshaped(_ newShape: [Int]) -> Tensor {
        var target = newShape
        if let i = newShape.firstIndex(of: -1) {
            let known = newShape.enumerated().filter { $0.offset != i }.reduce(1) { $0 * $1.element }
            require(known > 0 && count % known == 0,
                         "reshape: cannot infer -1 in \(Shape.describe(newShape)) from shape \(Shape.describe(shape))")
            target[i] = count / known
        }
        require(target.allSatisfy { $0 >= 0 } && Shape.count(target) == count,
                     "reshape: shape \(Shape.describe(shape)) (\(count) elements) cannot become \(Shape.describe(newShape))")
        if target == shape { return self }
        let old = shape
        return Tensor.record("reshape", storage, shape: target, inputs: [self]) { gy, _ in
            [gy.reshaped(old)]
        }
    }

    /// Flattens all axes from `startAxis` on into one.
    public func flattened(from startAxis: Int = 1) -> Tensor {
        let a = Shape.normalizeAxis(startAxis, rank: rank, op: "flatten")
        return reshaped(Array(shape[..<a]) + [shape[a...].reduce(1, *)])
    }

    /// Copies this tensor along broadcast axes to `target` (NumPy broadcasting rules).
    public func expanded(to target: [Int]) -> Tensor {
        guard Shape.broadcast(shape, target) == target else {
            fatalError("expand: shape \(Shape.describe(shape)) cannot be broadcast to \(Shape.describe(target))")
        }
        if target == shape { return self }
        let out = Storage(uninitialized: Shape.count(target))
        let zero: Float = 0
        withUnsafePointer(to: zero) { z in
            Elementwise.broadcast(storage.pointer, shape, z, [], out.pointer, target) { a, _ in a }
        }
        let old = shape
        return Tensor.record("expand", out, shape: target, inputs: [self]) { gy, _ in
            [gy.sum(toShape: old)]
        }
    }

    /// Sums over the axes along which `target` was broadcast to give this shape; the
    /// inverse of `expanded(to:)` and the gradient of every broadcasting op.
    public func sum(toShape target: [Int]) -> Tensor {
        if target == shape { return self }
        guard Shape.broadcast(target, shape) == shape else {
            fatalError("sumToShape: shape \(Shape.describe(target)) does not broadcast to \(Shape.describe(shape))")
        }
        let lead = rank - target.count
        var axes = Array(0..<lead)
        for i in 0..<target.count where target[i] == 1 && shape[lead + i] != 1 { axes.append(lead + i) }
        return sum(axes: axes, keepDims: true).reshaped(target)
    }
}
