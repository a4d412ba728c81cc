import TensorCore

// Ops that move data without arithmetic: permute/transpose, concat/stack, slice and its
// inverse (zero padding into a larger tensor), gather and its inverse (scatter-add), and the
// one-hot constant. Every backward is another op of this file, so each differentiates again
// to any order. The kernels copy contiguous runs where the layouts allow it and fall back
// to strided loops (tiled for transposes) otherwise.

extension Tensor {
    // MARK: permute / transpose

    /// The axes reordered: axis i of the result is axis `axes[i]` of this tensor (PyTorch's
    /// `permute`), as a fresh contiguous row-major tensor. Negative axes count from the end.
    /// Gradient: `gy` permuted by the inverse permutation.
    public func permuted(_ axes: [Int]) -> Tensor {
        require(axes.count == rank,
                     "permute: \(axes) has \(axes.count) axes but the tensor of shape \(Shape.describe(shape)) has rank \(rank)")
        let perm = axes.map { a -> Int in
            let n = a < 0 ? a + rank : a
            require(n >= 0 && n < rank, "permute: axis \(a) in \(axes) is out of range for shape \(Shape.describe(shape))")
            return n
        }
        require(Set(perm).count == rank, "permute: \(axes) is not a permutation of the axes of shape \(Shape.describe(shape))")
        if perm == Array(0..<rank) { return self }
        let outShape = perm.map { shape[$0] }
        let inStrides = Shape.strides(shape)
        let out = Storage(uninitialized: count)
        ShapeKernels.permute(storage.pointer, out.pointer, shape: outShape, inStrides: perm.map { inStrides[$0] })
        var inverse = [Int](repeating: 0, count: rank)
        for (i, p) in perm.enumerated() { inverse[p] = i }
        return Tensor.record("permute", out, shape: outShape, inputs: [self]) { gy, _ in
            [gy.permuted(inverse)]
        }
    }

    /// The last two axes swapped (the matrix transpose for a rank-2 tensor; a batch of
    /// transposes for higher ranks). Gradient: `gy` transposed back.
    public func transposed() -> Tensor {
        require(rank >= 2, "transpose: tensor of shape \(Shape.describe(shape)) has fewer than 2 axes")
        var axes = Array(0..<rank)
        axes.swapAt(rank - 2, rank - 1)
        return permuted(axes)
    }

    // MARK: concat / stack

    /// The tensors joined along `axis`; all other axes must agree. Gradient: each input
    /// gets its slice of `gy`.
    public static func concat(_ tensors: [Tensor], axis: Int = 0) -> Tensor {
        require(!tensors.isEmpty, "concat: no tensors to concatenate")
        let first = tensors[0]
        require(first.rank >= 1, "concat: cannot concatenate scalars (use stack)")
        let ax = Shape.normalizeAxis(axis, rank: first.rank, op: "concat")
        var total = 0
        for (i, t) in tensors.enumerated() {
            var ok = t.rank == first.rank
            if ok { for d in 0..<t.rank where d != ax && t.shape[d] != first.shape[d] { ok = false } }
            require(ok, "concat: tensor \(i) of shape \(Shape.describe(t.shape)) does not match tensor 0 of shape \(Shape.describe(first.shape)) outside axis \(ax)")
            total += t.shape[ax]
        }
        if tensors.count == 1 { return first }
        var outShape = first.shape
        outShape[ax] = total
        let outer = first.shape[..<ax].reduce(1, *)
        let inner = first.shape[(ax + 1)...].reduce(1, *)
        let out = Storage(uninitialized: Shape.count(outShape))
        let rowOut = total * inner
        var offset = 0
        for t in tensors {
            let chunk = t.shape[ax] * inner
            if chunk > 0 {
                let src = t.storage.pointer
                for o in 0..<outer { ShapeKernels.copy(out.pointer + o * rowOut + offset, src + o * chunk, chunk) }
            }
            offset += chunk
        }
        var starts: [Int] = []
        var s = 0
        for t in tensors { starts.append(s); s += t.shape[ax] }
        return record("concat", out, shape: outShape, inputs: tensors) { gy, ctx in
            ctx.node.inputs.enumerated().map { i, t -> Tensor? in
                t.node == nil ? nil : gy.slice(axis: ax, range: starts[i]..<(starts[i] + t.shape[ax]))
            }
        }
    }

    /// The tensors (all of one shape) stacked along a new axis at position `axis`
    /// (0...rank). Gradient: the slices of `gy`, reshaped back.
    public static func stack(_ tensors: [Tensor], axis: Int = 0) -> Tensor {
        require(!tensors.isEmpty, "stack: no tensors to stack")
        let shape = tensors[0].shape
        for (i, t) in tensors.enumerated() {
            require(t.shape == shape, "stack: tensor \(i) of shape \(Shape.describe(t.shape)) differs from tensor 0 of shape \(Shape.describe(shape))")
        }
        let ax = Shape.normalizeAxis(axis, rank: shape.count + 1, op: "stack")
        var newShape = shape
        newShape.insert(1, at: ax)
        return concat(tensors.map { $0.reshaped(newShape) }, axis: ax)
    }

    // MARK: slice / zero padding

    /// The sub-tensor `x[r0, r1, ...]`: one half-open range per leading axis (axes without a
    /// range are kept whole), like PyTorch's `x[0:2, 1:3]`. Gradient: `gy` placed into zeros
    /// of this tensor's shape (`zeroPadded`), whose own gradient is this slice again.
    public func sliced(_ ranges: [Range<Int>]) -> Tensor {
        require(ranges.count <= rank,
                     "slice: \(ranges.count) ranges for a tensor of shape \(Shape.describe(shape))")
        var starts = [Int](repeating: 0, count: rank)
        var outShape = shape
        for (d, r) in ranges.enumerated() {
            require(r.lowerBound >= 0 && r.upperBound <= shape[d],
                         "slice: range \(r.lowerBound)..<\(r.upperBound) is out of bounds for axis \(d) of shape \(Shape.describe(shape))")
            starts[d] = r.lowerBound
            outShape[d] = r.count
        }
        if outShape == shape { return self }
        let out = Storage(uninitialized: Shape.count(outShape))
        ShapeKernels.box(big: storage.pointer, bigShape: shape, offsets: starts,
                         small: out.pointer, smallShape: outShape, toSmall: true)
        let inShape = shape
        return Tensor.record("slice", out, shape: outShape, inputs: [self]) { gy, _ in
            [gy.zeroPadded(to: inShape, offsets: starts)]
        }
    }

    /// The range `range` of axis `axis`, all other axes whole.
    public func slice(axis: Int, range: Range<Int>) -> Tensor {
        let ax = Shape.normalizeAxis(axis, rank: rank, op: "slice")
        var ranges = (0..<ax).map { 0..<shape[$0] }
        ranges.append(range)
        return sliced(ranges)
    }

    /// A zero tensor of shape `target` holding this tensor at `offsets` (one per axis):
    /// `out[offsets + i] = self[i]`. The inverse of `sliced`; gradient: `gy` sliced back.
    public func zeroPadded(to target: [Int], offsets: [Int]) -> Tensor {
        var ok = target.count == rank && offsets.count == rank
        if ok { for d in 0..<rank where offsets[d] < 0 || offsets[d] + shape[d] > target[d] { ok = false } }
        require(ok, "zeroPad: shape \(Shape.describe(shape)) at offsets \(offsets) does not fit in \(Shape.describe(target))")
        if target == shape { return self }
        let out = Storage(repeating: 0, count: Shape.count(target))
        ShapeKernels.box(big: out.pointer, bigShape: target, offsets: offsets,
                         small: storage.pointer, smallShape: shape, toSmall: false)
        let ranges = (0..<rank).map { offsets[$0]..<(offsets[$0] + shape[$0]) }
        return Tensor.record("zero_pad", out, shape: target, inputs: [self]) { gy, _ in
            [gy.sliced(ranges)]
        }
    }

    // MARK: gather / scatter-add

    /// PyTorch's `gather`: `y[i][j][k] = x[index[i][j][k]][j][k]` for axis 0 (and so on);
    /// `indices` holds integers stored as Float, has this tensor's rank, and on the other
    /// axes is no larger than this tensor. Indices may repeat. `indices` is a constant.
    /// Gradient: `gy` scatter-added into zeros of this shape (repeats accumulate).
    public func gather(axis: Int, indices: Tensor) -> Tensor {
        let index = GatherIndex(indices, axis: axis, source: shape, op: "gather")
        return gather(index)
    }

    /// A zero tensor of shape `shape` into which this tensor's values are added at the
    /// positions `indices` give along `axis` (`zeros(shape).scatter_add(axis, indices, self)`);
    /// `indices` has this tensor's shape. Gradient: `gy` gathered (`gather(axis:indices:)`).
    public func scatterAdd(axis: Int, indices: Tensor, shape outShape: [Int]) -> Tensor {
        require(indices.shape == shape,
                     "scatterAdd: indices of shape \(Shape.describe(indices.shape)) differ from source shape \(Shape.describe(shape))")
        let index = GatherIndex(indices, axis: axis, source: outShape, op: "scatterAdd")
        return scatterAdd(index)
    }

    fileprivate func gather(_ index: GatherIndex) -> Tensor {
        let out = Storage(uninitialized: Shape.count(index.shape))
        index.run(source: storage.pointer, out.pointer, scatter: false)
        return Tensor.record("gather", out, shape: index.shape, inputs: [self]) { gy, _ in
            [gy.scatterAdd(index)]
        }
    }

    fileprivate func scatterAdd(_ index: GatherIndex) -> Tensor {
        let out = Storage(repeating: 0, count: Shape.count(index.source))
        index.run(source: out.pointer, storage.pointer, scatter: true)
        return Tensor.record("scatter_add", out, shape: index.source, inputs: [self]) { gy, _ in
            [gy.gather(index)]
        }
    }

    // MARK: one-hot

    /// A constant `[labels.count, classes]` tensor with 1 at `[i, labels[i]]` and 0 elsewhere.
    public static func oneHot(_ labels: [Int], classes: Int) -> Tensor {
        require(classes > 0, "oneHot: classes must be positive, got \(classes)")
        let out = Storage(repeating: 0, count: labels.count * classes)
        for (i, l) in labels.enumerated() {
            require(l >= 0 && l < classes, "oneHot: label \(l) at position \(i) is out of range 0..<\(classes)")
            out.pointer[i * classes + l] = 1
        }
        return Tensor(storage: out, shape: [labels.count, classes])
    }
}

/// Validated gather/scatter indices: the index tensor's values as integers, with the shape
/// of the tensor indexed (`source`).
private final class GatherIndex: @unchecked Sendable {
    let values: [Int32]
    let shape: [Int]     // of the indices, and of the gathered result
    let source: [Int]    // of the tensor gathered from / scattered into
    let axis: Int

    init(_ indices: Tensor, axis: Int, source: [Int], op: String) {
        require(source.count >= 1, "\(op): cannot index a scalar")
        let ax = Shape.normalizeAxis(axis, rank: source.count, op: op)
        var ok = indices.rank == source.count
        if ok { for d in 0..<source.count where d != ax && indices.shape[d] > source[d] { ok = false } }
        require(ok, "\(op): indices of shape \(Shape.describe(indices.shape)) do not fit tensor of shape \(Shape.describe(source)) (same rank, no larger outside axis \(ax))")
        let n = source[ax]
        var vals = [Int32](repeating: 0, count: indices.count)
        let p = indices.storage.pointer
        for i in 0..<indices.count {
            let v = p[i]
            require(v >= 0 && v < Float(n) && v == v.rounded(),
                         "\(op): index \(v) at position \(i) is not an integer in 0..<\(n) (axis \(ax) of \(Shape.describe(source)))")
            vals[i] = Int32(v)
        }
        values = vals
        shape = indices.shape
        self.source = source
        self.axis = ax
    }

    /// gather: `out[pos] = src[at(pos)]`; scatter: `src[at(pos)] += out[pos]` (`out` read).
    func run(source src: UnsafeMutablePointer<Float>, _ out: UnsafeMutablePointer<Float>, scatter: Bool) {
        let r = shape.count
        let total = Shape.count(shape)
        if total == 0 { return }
        let srcStrides = Shape.strides(source)
        let inner = shape[r - 1]
        let axisStride = srcStrides[axis]
        // Odometer over all axes but the last; the indexed axis contributes through the index.
        var walkStrides = srcStrides
        walkStrides[axis] = 0
        var walker = OffsetWalker(dims: Array(shape.dropLast()), aStrides: Array(walkStrides.dropLast()),
                                  bStrides: Shape.strides(shape).dropLast().map { $0 })
        let innerStep = axis == r - 1 ? 0 : 1
        values.withUnsafeBufferPointer { idx in
            for _ in 0..<(total / inner) {
                let base = walker.a, o = walker.b
                if scatter {
                    for t in 0..<inner { src[base + t * innerStep + Int(idx[o + t]) * axisStride] += out[o + t] }
                } else {
                    for t in 0..<inner { out[o + t] = src[base + t * innerStep + Int(idx[o + t]) * axisStride] }
                }
                walker.next()
            }
        }
    }
}

/// An odometer over a multi-index, tracking two linear offsets with their own strides.
private struct OffsetWalker {
    let dims: [Int], aStrides: [Int], bStrides: [Int]
    var idx: [Int]
    var a = 0, b = 0

    init(dims: [Int], aStrides: [Int], bStrides: [Int], a: Int = 0, b: Int = 0) {
        self.dims = dims; self.aStrides = aStrides; self.bStrides = bStrides
        self.idx = [Int](repeating: 0, count: dims.count)
        self.a = a; self.b = b
    }

    @inline(__always)
    mutating func next() {
        var d = dims.count - 1
        while d >= 0 {
            idx[d] += 1
            a += aStrides[d]
            b += bStrides[d]
            if idx[d] < dims[d] { return }
            a -= aStrides[d] * dims[d]
            b -= bStrides[d] * dims[d]
            idx[d] = 0
            d -= 1
        }
    }
}

private enum ShapeKernels {
    /// dst[0..<n] = src[0..<n]; a plain loop for short runs, memmove for long ones.
    @inline(__always)
    static func copy(_ dst: UnsafeMutablePointer<Float>, _ src: UnsafePointer<Float>, _ n: Int) {
        if n < 16 {
            for i in 0..<n { dst[i] = src[i] }
        } else {
            dst.update(from: src, count: n)
        }
    }

    /// Contiguous `dst` of shape `shape` with `dst[i] = src[Σ i_d · inStrides[d]]`.
    static func permute(_ src: UnsafePointer<Float>, _ dst: UnsafeMutablePointer<Float>,
                        shape: [Int], inStrides: [Int]) {
        // Drop size-1 axes and merge output-adjacent axes that are adjacent in the input.
        var dims: [Int] = [], str: [Int] = []
        for i in 0..<shape.count where shape[i] != 1 {
            if let last = str.last, last == inStrides[i] * shape[i] {
                dims[dims.count - 1] *= shape[i]
                str[str.count - 1] = inStrides[i]
            } else {
                dims.append(shape[i]); str.append(inStrides[i])
            }
        }
        let n = Shape.count(dims)
        if n == 0 { return }
        if dims.isEmpty { dst[0] = src[0]; return }
        let k = dims.count
        let outStr = Shape.strides(dims)
        if str[k - 1] == 1 {
            // Contiguous runs along the (merged) last axis.
            let run = dims[k - 1]
            var w = OffsetWalker(dims: Array(dims.dropLast()), aStrides: Array(str.dropLast()),
                                 bStrides: Array(outStr.dropLast()))
            for _ in 0..<(n / run) {
                copy(dst + w.b, src + w.a, run)
                w.next()
            }
            return
        }
        // The axis read contiguously (stride 1) is j; the output's last axis l reads with a
        // stride: a tiled transpose of (j, l) for each index of the remaining axes.
        guard let j = str.firstIndex(of: 1) else { fatalError("permute: no unit-stride axis") }
        let l = k - 1
        let dj = dims[j], dl = dims[l], sl = str[l], oj = outStr[j]
        var rest: [Int] = [], restIn: [Int] = [], restOut: [Int] = []
        for d in 0..<k where d != j && d != l { rest.append(dims[d]); restIn.append(str[d]); restOut.append(outStr[d]) }
        var w = OffsetWalker(dims: rest, aStrides: restIn, bStrides: restOut)
        for _ in 0..<(n / (dj * dl)) {
            transpose(src + w.a, srcStride: sl, dst + w.b, dstStride: oj, rows: dl, cols: dj)
            w.next()
        }
    }

    /// `dst[c·dstStride + r] = src[r·srcStride + c]` for r < rows, c < cols: a transpose
    /// between strided matrices, in 16×16 tiles of 8×8 register blocks (eight row loads,
    /// eight column stores). Thin matrices (under 8 on a side) stream along the long side.
    static func transpose(_ src: UnsafePointer<Float>, srcStride: Int,
                          _ dst: UnsafeMutablePointer<Float>, dstStride: Int, rows: Int, cols: Int) {
        if rows < 8 || cols < 8 {
            if rows <= cols {
                for c in 0..<cols {
                    let d = dst + c * dstStride
                    for r in 0..<rows { d[r] = src[r * srcStride + c] }
                }
            } else {
                for r in 0..<rows {
                    let s = src + r * srcStride
                    for c in 0..<cols { dst[c * dstStride + r] = s[c] }
                }
            }
            return
        }
        let tile = 16
        var r0 = 0
        while r0 < rows {
            let r1 = Swift.min(r0 + tile, rows)
            var c0 = 0
            while c0 < cols {
                let c1 = Swift.min(c0 + tile, cols)
                var r = r0
                while r + 8 <= r1 {
                    var c = c0
                    while c + 8 <= c1 {
                        transpose8x8(src + r * srcStride + c, srcStride, dst + c * dstStride + r, dstStride)
                        c += 8
                    }
                    while c < c1 {
                        let d = dst + c * dstStride
                        for rr in r..<(r + 8) { d[rr] = src[rr * srcStride + c] }
                        c += 1
                    }
                    r += 8
                }
                while r < r1 {
                    let s = src + r * srcStride
                    for c in c0..<c1 { dst[c * dstStride + r] = s[c] }
                    r += 1
                }
                c0 = c1
            }
            r0 = r1
        }
    }

    @inline(__always)
    static func transpose8x8(_ s: UnsafePointer<Float>, _ ss: Int, _ d: UnsafeMutablePointer<Float>, _ ds: Int) {
        let raw = UnsafeRawPointer(s)
        let step = ss * MemoryLayout<Float>.stride
        let v0 = raw.loadUnaligned(as: SIMD8<Float>.self)
        let v1 = raw.loadUnaligned(fromByteOffset: step, as: SIMD8<Float>.self)
        let v2 = raw.loadUnaligned(fromByteOffset: 2 * step, as: SIMD8<Float>.self)
        let v3 = raw.loadUnaligned(fromByteOffset: 3 * step, as: SIMD8<Float>.self)
        let v4 = raw.loadUnaligned(fromByteOffset: 4 * step, as: SIMD8<Float>.self)
        let v5 = raw.loadUnaligned(fromByteOffset: 5 * step, as: SIMD8<Float>.self)
        let v6 = raw.loadUnaligned(fromByteOffset: 6 * step, as: SIMD8<Float>.self)
        let v7 = raw.loadUnaligned(fromByteOffset: 7 * step, as: SIMD8<Float>.self)
        for k in 0..<8 {
            let column = SIMD8<Float>(v0[k], v1[k], v2[k], v3[k], v4[k], v5[k], v6[k], v7[k])
            UnsafeMutableRawPointer(d + k * ds).storeBytes(of: column, as: SIMD8<Float>.self)
        }
    }

    /// Copies between a contiguous `small` tensor and the box of `big` starting at `offsets`
    /// with `small`'s shape: into `small` when `toSmall`, into `big` otherwise.
    static func box(big: UnsafeMutablePointer<Float>, bigShape: [Int], offsets: [Int],
                    small: UnsafeMutablePointer<Float>, smallShape: [Int], toSmall: Bool) {
        let n = Shape.count(smallShape)
        if n == 0 { return }
        let bigStr = Shape.strides(bigShape)
        var start = 0
        for d in 0..<bigShape.count { start += offsets[d] * bigStr[d] }
        // The last axis where the box is narrower than `big`: everything after it is whole,
        // so each index of the axes before it is one contiguous run.
        guard let k = (0..<bigShape.count).last(where: { smallShape[$0] != bigShape[$0] }) else {
            if toSmall { copy(small, big, n) } else { copy(big, small, n) }
            return
        }
        let run = smallShape[k] * bigStr[k]
        let smallStr = Shape.strides(smallShape)
        var w = OffsetWalker(dims: Array(smallShape[..<k]), aStrides: Array(bigStr[..<k]),
                             bStrides: Array(smallStr[..<k]), a: start, b: 0)
        for _ in 0..<(n / run) {
            if toSmall { copy(small + w.b, big + w.a, run) } else { copy(big + w.a, small + w.b, run) }
            w.next()
        }
    }
}
