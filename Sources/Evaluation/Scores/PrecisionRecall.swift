import Autograd

/// Improved precision and recall (Kynkäänniemi et al. 2019): each set's manifold is the
/// union of balls around its points, each ball's radius the distance to the point's k-th
/// nearest neighbour in its own set (k = 3 in the paper). Precision is the fraction of
/// generated samples inside the real manifold (quality); recall the fraction of real
/// samples inside the generated manifold (coverage).
public struct PrecisionRecall: Sendable, CustomStringConvertible {
    public let precision: Double
    public let recall: Double
    /// The neighbour whose distance is each ball's radius.
    public let k: Int

    public init(real: ManifoldEstimate, generated: ManifoldEstimate) {
        require(real.k == generated.k, "PrecisionRecall: manifolds estimated with k = \(real.k) and k = \(generated.k)")
        k = real.k
        precision = real.fractionInside(generated.features)
        recall = generated.fractionInside(real.features)
    }

    /// Precision and recall of `generated` [M, d] against `real` [N, d].
    public init(real: Tensor, generated: Tensor, k: Int = 3) {
        self.init(real: ManifoldEstimate(real, k: k), generated: ManifoldEstimate(generated, k: k))
    }

    public var description: String {
        "precision \(String(format: "%.3f", precision)), recall \(String(format: "%.3f", recall))"
    }
}

/// A set of feature vectors with the k-NN radius of each: the manifold estimate of one set.
/// Computing the radii costs one N×N distance matrix (by blocks of rows, one sgemm each),
/// so a fixed reference set is estimated once and reused.
public struct ManifoldEstimate: Sendable {
    public let features: Tensor
    public let k: Int
    /// Squared distance of each point to its k-th nearest other point.
    public let squaredRadii: [Float]

    public init(_ features: Tensor, k: Int = 3) {
        require(features.rank == 2, "ManifoldEstimate: features must be [N, d], got \(Shape.describe(features.shape))")
        let n = features.shape[0]
        require(k >= 1 && n > k, "ManifoldEstimate: needs more than k = \(k) points, got \(n)")
        var radii = [Float](repeating: 0, count: n)
        var nearest = [Float](repeating: 0, count: k)
        PairwiseDistances.forEachBlock(features, features) { rows, block in
            for (r, i) in rows.enumerated() {
                // The k smallest distances to other points, ascending (insertion; k is tiny).
                for q in 0..<k { nearest[q] = .infinity }
                let row = block + r * n
                for j in 0..<n where j != i {
                    let v = row[j]
                    if v < nearest[k - 1] {
                        var q = k - 1
                        while q > 0 && nearest[q - 1] > v { nearest[q] = nearest[q - 1]; q -= 1 }
                        nearest[q] = v
                    }
                }
                radii[i] = nearest[k - 1]
            }
        }
        self.features = features
        self.k = k
        self.squaredRadii = radii
    }

    /// The fraction of the rows of `points` [M, d] that lie in at least one ball.
    public func fractionInside(_ points: Tensor) -> Double {
        let n = features.shape[0]
        var inside = 0
        PairwiseDistances.forEachBlock(points, features) { rows, block in
            for r in 0..<rows.count {
                let row = block + r * n
                for j in 0..<n where row[j] <= squaredRadii[j] { inside += 1; break }
            }
        }
        return Double(inside) / Double(points.shape[0])
    }
}

/// Squared Euclidean distances between the rows of two sets, ‖a‖² + ‖b‖² − 2a·b, a block
/// of rows of `a` at a time (one sgemm per block), so that 10,000 × 10,000 never lives in
/// memory at once.
enum PairwiseDistances {
    static let blockRows = 512

    /// Calls `body(rows, block)` for consecutive row ranges of `a`; `block` holds
    /// `rows.count` × N squared distances (row-major, clamped at 0 against round-off).
    static func forEachBlock(_ a: Tensor, _ b: Tensor, _ body: (Range<Int>, UnsafePointer<Float>) -> Void) {
        require(a.rank == 2 && b.rank == 2 && a.shape[1] == b.shape[1],
                "PairwiseDistances: features must be [N, d] and [M, d], got \(Shape.describe(a.shape)) and \(Shape.describe(b.shape))")
        let na = a.shape[0], nb = b.shape[0], d = a.shape[1]
        let normsA = rowSquaredNorms(a), normsB = rowSquaredNorms(b)
        let block = Storage(uninitialized: Swift.min(blockRows, na) * nb)
        var start = 0
        while start < na {
            let rows = start..<Swift.min(start + blockRows, na)
            BLAS.sgemm(transA: false, transB: true, m: rows.count, n: nb, k: d, alpha: -2,
                       a: a.storage.pointer + start * d, lda: d, b: b.storage.pointer, ldb: d,
                       c: block.pointer, ldc: nb)
            for r in 0..<rows.count {
                let row = block.pointer + r * nb
                let na2 = normsA[start + r]
                for j in 0..<nb { row[j] = Swift.max(row[j] + na2 + normsB[j], 0) }
            }
            body(rows, UnsafePointer(block.pointer))
            start = rows.upperBound
        }
    }

    static func rowSquaredNorms(_ t: Tensor) -> [Float] {
        let n = t.shape[0], d = t.shape[1]
        let p = t.storage.pointer
        return (0..<n).map { i in
            var s: Float = 0
            for j in 0..<d { s += p[i * d + j] * p[i * d + j] }
            return s
        }
    }
}
