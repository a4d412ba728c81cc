/// Reductions along one axis of a tensor seen as [outer, n, inner] (row-major).
/// Several axes are reduced one at a time by the callers.
public enum Reduce {
    /// out[o, i] = sum_j a[o, j, i].
    public static func sum(
        _ a: UnsafePointer<Float>, outer: Int, n: Int, inner: Int, _ out: UnsafeMutablePointer<Float>
    ) {
        if inner == 1 {
            for o in 0..<outer {
                let row = a + o * n
                // Sixteen partial sums in SIMD lanes: vectorizes, and keeps float error
                // growth lower than one running sum.
                var acc = SIMD16<Float>(repeating: 0)
                var j = 0
                let raw = UnsafeRawPointer(row)
                while j + 16 <= n {
                    acc += raw.loadUnaligned(fromByteOffset: j * 4, as: SIMD16<Float>.self)
                    j += 16
                }
                var tail: Float = 0
                while j < n { tail += row[j]; j += 1 }
                out[o] = acc.sum() + tail
            }
            return
        }
        for o in 0..<outer {
            let dst = out + o * inner
            dst.update(repeating: 0, count: inner)
            for j in 0..<n {
                let src = a + (o * n + j) * inner
                for i in 0..<inner { dst[i] += src[i] }
            }
        }
    }

    /// out[o, i] = max_j a[o, j, i]; argmax[o, i] = the first j reaching it.
    public static func max(
        _ a: UnsafePointer<Float>, outer: Int, n: Int, inner: Int,
        _ out: UnsafeMutablePointer<Float>, argmax: UnsafeMutablePointer<Int32>
    ) {
        for o in 0..<outer {
            for i in 0..<inner {
                var best = -Float.infinity
                var arg: Int32 = 0
                for j in 0..<n {
                    let v = a[(o * n + j) * inner + i]
                    if v > best || (j == 0) { best = v; arg = Int32(j) }
                    if v.isNaN { best = v; arg = Int32(j); break }
                }
                out[o * inner + i] = best
                argmax[o * inner + i] = arg
            }
        }
    }

    /// Splits a shape at `axis` into (outer, n, inner).
    public static func split(_ shape: [Int], axis: Int) -> (outer: Int, n: Int, inner: Int) {
        var outer = 1, inner = 1
        for i in 0..<axis { outer *= shape[i] }
        for i in (axis + 1)..<shape.count { inner *= shape[i] }
        return (outer, shape[axis], inner)
    }
}
