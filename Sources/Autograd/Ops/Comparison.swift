import TensorCore

// Clamping, elementwise minimum / maximum, selection by a mask (`where`), and comparisons
// that return constant 0/1 tensors. Gradients go through constant 0/1 masks built from the
// input values, so every backward is linear in gy and differentiates again.

extension Tensor {
    /// Each element limited to [min, max]; either bound may be omitted.
    /// Gradient: gy where min ≤ x ≤ max (bounds included, as PyTorch), 0 outside.
    public func clamp(min lower: Float? = nil, max upper: Float? = nil) -> Tensor {
        let lo = lower ?? -.infinity, hi = upper ?? .infinity
        require(!(lo > hi), "clamp: min \(lo) is greater than max \(hi)")
        let out = Tensor.unaryMap(self) { Swift.min(Swift.max($0, lo), hi) }
        return Tensor.record("clamp", out, shape: shape, inputs: [self]) { gy, ctx in
            let inside = Tensor.unaryMap(ctx.node.inputs[0]) { $0 >= lo && $0 <= hi ? 1 : 0 }
            return [Tensor.timesConstant(gy, inside)]
        }
    }

    /// Elementwise min(a, b) with broadcasting. The gradient goes to the selected operand;
    /// on a tie (a == b) it goes to `a` entirely. (PyTorch splits ties half and half.)
    public static func minimum(_ a: Tensor, _ b: Tensor) -> Tensor {
        let (out, shape) = broadcastBinary("minimum", a, b) { x, y in x <= y ? x : y }
        return record("minimum", out, shape: shape, inputs: [a, b]) { gy, ctx in
            selectionGrads(gy, ctx.node.inputs[0], ctx.node.inputs[1]) { x, y in x <= y ? 1 : 0 }
        }
    }

    /// Elementwise max(a, b) with broadcasting. The gradient goes to the selected operand;
    /// on a tie (a == b) it goes to `a` entirely. (PyTorch splits ties half and half.)
    public static func maximum(_ a: Tensor, _ b: Tensor) -> Tensor {
        let (out, shape) = broadcastBinary("maximum", a, b) { x, y in x >= y ? x : y }
        return record("maximum", out, shape: shape, inputs: [a, b]) { gy, ctx in
            selectionGrads(gy, ctx.node.inputs[0], ctx.node.inputs[1]) { x, y in x >= y ? 1 : 0 }
        }
    }

    /// Gradients of a broadcast selection between a and b: `takesA(a, b)` is 1 where the
    /// output came from a. Masks are computed only for operands that are tracked.
    private static func selectionGrads(_ gy: Tensor, _ a: Tensor, _ b: Tensor,
                                       _ takesA: (Float, Float) -> Float) -> [Tensor?] {
        let maskA = broadcastBinary("selection", a, b, takesA).0
        var ga: Tensor? = nil, gb: Tensor? = nil
        if a.isTracked { ga = timesConstant(gy, maskA).sum(toShape: a.shape) }
        if b.isTracked {
            let maskB = Storage(uninitialized: maskA.count)
            Elementwise.map(maskA.pointer, maskB.pointer, maskA.count) { 1 - $0 }
            gb = timesConstant(gy, maskB).sum(toShape: b.shape)
        }
        return [ga, gb]
    }

    /// `gy · m` for a constant `m` of gy's element count (a 0/1 derivative mask): linear in
    /// gy, so its own gradient is `g · m` and it differentiates again.
    static func timesConstant(_ gy: Tensor, _ m: Storage) -> Tensor {
        require(gy.count == m.count, "mask product: gradient of \(gy.count) elements, mask of \(m.count)")
        let out = Storage(uninitialized: gy.count)
        Elementwise.zip(gy.storage.pointer, m.pointer, out.pointer, gy.count, *)
        return record("mask_mul", out, shape: gy.shape, inputs: [gy]) { g2, _ in [timesConstant(g2, m)] }
    }

    /// `a` where `mask` is nonzero, `b` elsewhere; the three broadcast together (NumPy
    /// rules). The mask is a constant (never differentiated; pass 0/1 floats, e.g. from
    /// `greater(than:)`). Gradients: gy where the mask selects the operand, 0 elsewhere,
    /// summed back over broadcast axes.
    public static func `where`(_ mask: Tensor, _ a: Tensor, _ b: Tensor) -> Tensor {
        guard let ab = Shape.broadcast(a.shape, b.shape), let shape = Shape.broadcast(mask.shape, ab) else {
            fatalError("where: mask \(Shape.describe(mask.shape)), a \(Shape.describe(a.shape)) and b \(Shape.describe(b.shape)) cannot be broadcast together")
        }
        let n = Shape.count(shape)
        let m = expandedStorage(mask, to: shape), sa = expandedStorage(a, to: shape), sb = expandedStorage(b, to: shape)
        let out = Storage(uninitialized: n)
        Elementwise.zip3(m.pointer, sa.pointer, sb.pointer, out.pointer, n) { c, x, y in c != 0 ? x : y }
        let constMask = mask.detached()
        return record("where", out, shape: shape, inputs: [a, b]) { gy, ctx in
            let zero = Tensor(scalar: 0)
            let a = ctx.node.inputs[0], b = ctx.node.inputs[1]
            return [a.isTracked ? Tensor.where(constMask, gy, zero).sum(toShape: a.shape) : nil,
                    b.isTracked ? Tensor.where(constMask, zero, gy).sum(toShape: b.shape) : nil]
        }
    }

    /// The values of `t` broadcast to `shape` (the storage itself when no copy is needed).
    private static func expandedStorage(_ t: Tensor, to shape: [Int]) -> Storage {
        if t.shape == shape { return t.storage }
        let out = Storage(uninitialized: Shape.count(shape))
        if t.count == 1 {
            out.pointer.update(repeating: t.storage.pointer[0], count: out.count)
            return out
        }
        let zero: Float = 0
        withUnsafePointer(to: zero) { z in
            Elementwise.broadcast(t.storage.pointer, t.shape, z, [], out.pointer, shape) { x, _ in x }
        }
        return out
    }

    // MARK: comparisons (constant 0/1 results)

    /// 1 where self > other (broadcast), else 0. A constant: the result is untracked.
    public func greater(than other: Tensor) -> Tensor { compare("greater", other) { $0 > $1 ? 1 : 0 } }
    /// 1 where self ≥ other (broadcast), else 0. A constant: the result is untracked.
    public func greaterOrEqual(to other: Tensor) -> Tensor { compare("greaterOrEqual", other) { $0 >= $1 ? 1 : 0 } }
    /// 1 where self < other (broadcast), else 0. A constant: the result is untracked.
    public func less(than other: Tensor) -> Tensor { compare("less", other) { $0 < $1 ? 1 : 0 } }
    /// 1 where self ≤ other (broadcast), else 0. A constant: the result is untracked.
    public func lessOrEqual(to other: Tensor) -> Tensor { compare("lessOrEqual", other) { $0 <= $1 ? 1 : 0 } }
    /// 1 where self == other (broadcast), else 0. A constant: the result is untracked.
    public func equal(to other: Tensor) -> Tensor { compare("equal", other) { $0 == $1 ? 1 : 0 } }

    /// 1 where self > value, else 0 (untracked).
    public func greater(than value: Float) -> Tensor { Tensor(storage: Tensor.unaryMap(self) { $0 > value ? 1 : 0 }, shape: shape) }
    /// 1 where self ≥ value, else 0 (untracked).
    public func greaterOrEqual(to value: Float) -> Tensor { Tensor(storage: Tensor.unaryMap(self) { $0 >= value ? 1 : 0 }, shape: shape) }
    /// 1 where self < value, else 0 (untracked).
    public func less(than value: Float) -> Tensor { Tensor(storage: Tensor.unaryMap(self) { $0 < value ? 1 : 0 }, shape: shape) }
    /// 1 where self ≤ value, else 0 (untracked).
    public func lessOrEqual(to value: Float) -> Tensor { Tensor(storage: Tensor.unaryMap(self) { $0 <= value ? 1 : 0 }, shape: shape) }

    @inline(__always)
    private func compare(_ op: String, _ other: Tensor, _ f: (Float, Float) -> Float) -> Tensor {
        let (s, shape) = Tensor.broadcastBinary(op, self, other, f)
        return Tensor(storage: s, shape: shape)
    }
}
