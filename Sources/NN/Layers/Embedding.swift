/// A lookup table: row `i` of `weight` [count, dimension] for each index i.
/// Initialization, as PyTorch's `nn.Embedding`: N(0, 1).
public final class Embedding: ParameterContainer {
    public var weight: Tensor

    public init(_ count: Int, _ dimension: Int, using rng: inout RandomGenerator) {
        require(count > 0 && dimension > 0, "Embedding: sizes must be positive, got \(count) × \(dimension)")
        weight = Tensor.randomNormal([count, dimension], using: &rng).requiringGradient()
    }

    public var count: Int { weight.shape[0] }
    public var dimension: Int { weight.shape[1] }

    /// Rows for `indices` ([N] integers stored as Float) → [N, dimension]. The gradient
    /// adds into the selected rows.
    public func callAsFunction(_ indices: Tensor) -> Tensor {
        require(indices.rank == 1, "Embedding: indices must be [N], got \(Shape.describe(indices.shape))")
        let n = indices.count, d = dimension
        let rows = Storage(uninitialized: n * d)
        for i in 0..<n {
            let k = indices.storage.pointer[i]
            require(k == k.rounded() && k >= 0 && Int(k) < count,
                    "Embedding(\(count) × \(d)): index \(k) at position \(i) is not an integer in 0..<\(count)")
            rows.pointer.advanced(by: i * d).update(repeating: k, count: d)
        }
        return weight.gather(axis: 0, indices: Tensor(storage: rows, shape: [n, d]))
    }

    public func visit(_ v: inout TensorVisitor) { v.parameter("weight", &weight) }
}
