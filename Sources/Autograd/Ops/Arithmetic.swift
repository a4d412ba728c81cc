import TensorCore

// Elementwise arithmetic with NumPy broadcasting: add, sub, mul, div, neg, and the same
// with a Float on either side. Gradients of a broadcast operand are summed back to its
// shape (`sumTo`), which is itself differentiable.

extension Tensor {
    /// Runs a broadcasting binary kernel; checks shapes and names the op on mismatch. Equal
    /// shapes go to `sameShape` (a C kernel split over threads on long buffers) when given.
    @inline(__always)
    static func broadcastBinary(_ op: String, _ a: Tensor, _ b: Tensor,
                                sameShape: ((UnsafePointer<Float>, UnsafePointer<Float>, UnsafeMutablePointer<Float>, Int) -> Void)? = nil,
                                _ f: (Float, Float) -> Float) -> (Storage, [Int]) {
        if let sameShape, a.shape == b.shape {
            let out = Storage(uninitialized: a.count)
            sameShape(a.storage.pointer, b.storage.pointer, out.pointer, a.count)
            return (out, a.shape)
        }
        guard let shape = Shape.broadcast(a.shape, b.shape) else {
            fatalError("\(op): shapes \(Shape.describe(a.shape)) and \(Shape.describe(b.shape)) cannot be broadcast together")
        }
        let out = Storage(uninitialized: Shape.count(shape))
        Elementwise.broadcast(a.storage.pointer, a.shape, b.storage.pointer, b.shape, out.pointer, shape, f)
        return (out, shape)
    }

    /// Runs one of the whole-buffer `VectorMath` kernels into a fresh storage.
    @inline(__always)
    static func vectorMap(_ a: Tensor, _ kernel: (UnsafePointer<Float>, UnsafeMutablePointer<Float>, Int) -> Void) -> Storage {
        let out = Storage(uninitialized: a.count)
        kernel(a.storage.pointer, out.pointer, a.count)
        return out
    }

    @inline(__always)
    static func unaryMap(_ a: Tensor, _ f: (Float) -> Float) -> Storage {
        let out = Storage(uninitialized: a.count)
        Elementwise.map(a.storage.pointer, out.pointer, a.count, f)
        return out
    }

    public static func + (a: Tensor, b: Tensor) -> Tensor {
        let (s, shape) = broadcastBinary("add", a, b, sameShape: VectorMath.add, +)
        return record("add", s, shape: shape, inputs: [a, b]) { gy, ctx in
            [ctx.needsGradient(0) ? gy.sum(toShape: ctx.node.inputs[0].shape) : nil,
             ctx.needsGradient(1) ? gy.sum(toShape: ctx.node.inputs[1].shape) : nil]
        }
    }

    public static func - (a: Tensor, b: Tensor) -> Tensor {
        let (s, shape) = broadcastBinary("sub", a, b, sameShape: VectorMath.sub, -)
        return record("sub", s, shape: shape, inputs: [a, b]) { gy, ctx in
            [ctx.needsGradient(0) ? gy.sum(toShape: ctx.node.inputs[0].shape) : nil,
             ctx.needsGradient(1) ? (-gy).sum(toShape: ctx.node.inputs[1].shape) : nil]
        }
    }

    public static func * (a: Tensor, b: Tensor) -> Tensor {
        let (s, shape) = broadcastBinary("mul", a, b, sameShape: VectorMath.mul, *)
        return record("mul", s, shape: shape, inputs: [a, b]) { gy, ctx in
            let a = ctx.input(0), b = ctx.input(1)
            return [ctx.needsGradient(0) ? (gy * b).sum(toShape: a.shape) : nil,
                    ctx.needsGradient(1) ? (gy * a).sum(toShape: b.shape) : nil]
        }
    }

    public static func / (a: Tensor, b: Tensor) -> Tensor {
        let (s, shape) = broadcastBinary("div", a, b, sameShape: VectorMath.div, /)
        return record("div", s, shape: shape, inputs: [a, b]) { gy, ctx in
            let a = ctx.input(0), b = ctx.input(1)
            let ga = gy / b
            return [ga.sum(toShape: a.shape), (-ga * a / b).sum(toShape: b.shape)]
        }
    }

    public static prefix func - (a: Tensor) -> Tensor {
        // x · (−1) through the threaded C kernel: the same bits as −x, signed zeros included
        // (only a NaN keeps its sign).
        let s = vectorMap(a) { VectorMath.mulScalar($0, -1, $1, $2) }
        return record("neg", s, shape: a.shape, inputs: [a]) { gy, _ in [-gy] }
    }

    // MARK: with a Float

    public static func + (a: Tensor, s: Float) -> Tensor {
        let out = Storage(uninitialized: a.count)
        VectorMath.addScalar(a.storage.pointer, s, out.pointer, a.count)
        return record("add_scalar", out, shape: a.shape, inputs: [a]) { gy, _ in [gy] }
    }
    public static func + (s: Float, a: Tensor) -> Tensor { a + s }
    public static func - (a: Tensor, s: Float) -> Tensor { a + (-s) }

    public static func - (s: Float, a: Tensor) -> Tensor {
        let out = unaryMap(a) { s - $0 }
        return record("rsub_scalar", out, shape: a.shape, inputs: [a]) { gy, _ in [-gy] }
    }

    public static func * (a: Tensor, s: Float) -> Tensor {
        let out = Storage(uninitialized: a.count)
        VectorMath.mulScalar(a.storage.pointer, s, out.pointer, a.count)
        return record("mul_scalar", out, shape: a.shape, inputs: [a]) { gy, _ in [gy * s] }
    }
    public static func * (s: Float, a: Tensor) -> Tensor { a * s }
    public static func / (a: Tensor, s: Float) -> Tensor { a * (1 / s) }

    public static func / (s: Float, a: Tensor) -> Tensor {
        let out = unaryMap(a) { s / $0 }
        return record("rdiv_scalar", out, shape: a.shape, inputs: [a]) { gy, ctx in
            let a = ctx.input(0)
            return [-gy * s / (a * a)]
        }
    }

    public static func += (a: inout Tensor, b: Tensor) { a = a + b }
    public static func -= (a: inout Tensor, b: Tensor) { a = a - b }
    public static func *= (a: inout Tensor, b: Tensor) { a = a * b }
}
