/// Elementwise kernels: plain loops over raw buffers, specialized per operation by inlining
/// the closure, so that the compiler can vectorize them. They stay on one thread: handing
/// the closure to other threads stops it from being inlined (measured 5-8x slower).
public enum Elementwise {
    // MARK: unary map

    /// out[i] = f(a[i]).
    @inlinable @inline(__always)
    public static func map(
        _ a: UnsafePointer<Float>, _ out: UnsafeMutablePointer<Float>, _ n: Int,
        _ f: (Float) -> Float
    ) {
        for i in 0..<n { out[i] = f(a[i]) }
    }

    /// out[i] = f(a[i], b[i]), same shapes.
    @inlinable @inline(__always)
    public static func zip(
        _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ out: UnsafeMutablePointer<Float>,
        _ n: Int, _ f: (Float, Float) -> Float
    ) {
        for i in 0..<n { out[i] = f(a[i], b[i]) }
    }

    /// out[i] = f(a[i], b[i], c[i]), same shapes.
    @inlinable @inline(__always)
    public static func zip3(
        _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ c: UnsafePointer<Float>,
        _ out: UnsafeMutablePointer<Float>, _ n: Int, _ f: (Float, Float, Float) -> Float
    ) {
        for i in 0..<n { out[i] = f(a[i], b[i], c[i]) }
    }

    // MARK: broadcasting binary

    /// out = f(a, b) with NumPy broadcasting; `outShape` is the broadcast shape.
    /// Adjacent axes are merged where both operands are contiguous (or both broadcast)
    /// across them, so the common cases run as one flat loop.
    @inlinable @inline(__always)
    public static func broadcast(
        _ a: UnsafePointer<Float>, _ aShape: [Int], _ b: UnsafePointer<Float>, _ bShape: [Int],
        _ out: UnsafeMutablePointer<Float>, _ outShape: [Int], _ f: (Float, Float) -> Float
    ) {
        let n = Shape.count(outShape)
        if aShape == bShape {
            zip(a, b, out, n, f)
            return
        }
        if Shape.count(bShape) == 1 && Shape.count(aShape) == n {
            let s = b[0]
            map(a, out, n) { f($0, s) }
            return
        }
        if Shape.count(aShape) == 1 && Shape.count(bShape) == n {
            let s = a[0]
            map(b, out, n) { f(s, $0) }
            return
        }
        let plan = BroadcastPlan(aShape, bShape, outShape)
        let inner = plan.shape.last!
        let sa = plan.aStrides.last!, sb = plan.bStrides.last!
        let outer = n / max(inner, 1)
        var idx = [Int](repeating: 0, count: plan.shape.count)
        var ao = 0, bo = 0, o = 0
        for _ in 0..<outer {
            let ap = a + ao, bp = b + bo, op = out + o
            if sa == 1 && sb == 1 {
                for j in 0..<inner { op[j] = f(ap[j], bp[j]) }
            } else if sa == 1 {
                let s = bp[0]
                for j in 0..<inner { op[j] = f(ap[j], s) }
            } else if sb == 1 {
                let s = ap[0]
                for j in 0..<inner { op[j] = f(s, bp[j]) }
            } else {
                for j in 0..<inner { op[j] = f(ap[j * sa], bp[j * sb]) }
            }
            o += inner
            // advance the outer multi-index (odometer over all axes but the last)
            var d = plan.shape.count - 2
            while d >= 0 {
                idx[d] += 1
                ao += plan.aStrides[d]
                bo += plan.bStrides[d]
                if idx[d] < plan.shape[d] { break }
                ao -= plan.aStrides[d] * plan.shape[d]
                bo -= plan.bStrides[d] * plan.shape[d]
                idx[d] = 0
                d -= 1
            }
        }
    }
}

/// Shapes and strides of a broadcast, with mergeable adjacent axes merged.
public struct BroadcastPlan {
    public var shape: [Int]
    public var aStrides: [Int]
    public var bStrides: [Int]

    public init(_ aShape: [Int], _ bShape: [Int], _ outShape: [Int]) {
        let sa = Shape.broadcastStrides(aShape, to: outShape)
        let sb = Shape.broadcastStrides(bShape, to: outShape)
        var shape: [Int] = [], aS: [Int] = [], bS: [Int] = []
        for i in 0..<outShape.count where outShape[i] != 1 {
            if let last = shape.last,
               aS.last! == sa[i] * outShape[i], bS.last! == sb[i] * outShape[i] {
                shape[shape.count - 1] = last * outShape[i]
                aS[aS.count - 1] = sa[i]
                bS[bS.count - 1] = sb[i]
            } else {
                shape.append(outShape[i]); aS.append(sa[i]); bS.append(sb[i])
            }
        }
        if shape.isEmpty { shape = [1]; aS = [0]; bS = [0] }
        self.shape = shape; self.aStrides = aS; self.bStrides = bS
    }
}
