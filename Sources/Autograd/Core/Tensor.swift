import TensorCore

/// An n-dimensional array of Float32 values, row-major and contiguous, with an optional
/// place in a computation graph.
///
/// A tensor is a value: ops return new tensors and never change their inputs. A tensor
/// that is *tracked* (it has a graph node) records every op applied to it, so that
/// `gradients(of:wrt:)` can walk back from a result. Tensors become tracked in two ways:
/// `requiringGradient()` makes a leaf (a parameter, or an input to differentiate against),
/// and any op with a tracked input returns a tracked result. Untracked tensors (data,
/// noise) record nothing and cost nothing extra.
public struct Tensor: @unchecked Sendable {
    /// The size of each axis; `[]` is a scalar.
    public let shape: [Int]
    /// The values, row-major. Reshaped views share it.
    public let storage: Storage
    /// The graph node that produced this tensor, or nil for an untracked tensor.
    public let node: Node?

    public init(storage: Storage, shape: [Int], node: Node? = nil) {
        require(storage.count == Shape.count(shape),
                     "Tensor: storage of \(storage.count) elements cannot have shape \(Shape.describe(shape))")
        self.storage = storage
        self.shape = shape
        self.node = node
    }

    /// A tensor holding `values` with the given shape (row-major).
    public init(_ values: [Float], shape: [Int]) {
        require(values.count == Shape.count(shape),
                     "Tensor: \(values.count) values cannot fill shape \(Shape.describe(shape))")
        self.init(storage: Storage(values), shape: shape)
    }

    /// A 1-D tensor.
    public init(_ values: [Float]) { self.init(values, shape: [values.count]) }

    /// A scalar (shape `[]`).
    public init(scalar: Float) { self.init(storage: Storage(repeating: scalar, count: 1), shape: []) }

    public init(zeros shape: [Int]) { self.init(storage: Storage(repeating: 0, count: Shape.count(shape)), shape: shape) }
    public init(ones shape: [Int]) { self.init(storage: Storage(repeating: 1, count: Shape.count(shape)), shape: shape) }
    public init(repeating value: Float, shape: [Int]) {
        self.init(storage: Storage(repeating: value, count: Shape.count(shape)), shape: shape)
    }

    public var rank: Int { shape.count }
    public var count: Int { storage.count }
    /// True when ops on this tensor are recorded for differentiation.
    public var isTracked: Bool { node != nil }

    /// The values as a flat row-major array.
    public func toArray() -> [Float] { storage.toArray() }

    /// The single value of a one-element tensor.
    public var scalarValue: Float {
        require(count == 1, "scalarValue: tensor of shape \(Shape.describe(shape)) has \(count) elements, not 1")
        return storage.pointer[0]
    }

    /// The same values, untracked: ops on the result record nothing.
    public func detached() -> Tensor { Tensor(storage: storage, shape: shape, node: nil) }

    /// The same values as a new leaf of the graph: gradients can be asked with respect to it.
    /// (The storage is shared, not copied; tensors are never mutated in place.)
    public func requiringGradient() -> Tensor {
        Tensor(storage: storage, shape: shape, node: Node(leafWithShape: shape))
    }

    // MARK: random tensors (explicit generator)

    public static func randomNormal(_ shape: [Int], mean: Float = 0, std: Float = 1,
                                    using rng: inout RandomGenerator) -> Tensor {
        let s = Storage(uninitialized: Shape.count(shape))
        rng.fillNormal(s.buffer, mean: mean, std: std)
        return Tensor(storage: s, shape: shape)
    }

    public static func randomUniform(_ shape: [Int], low: Float = 0, high: Float = 1,
                                     using rng: inout RandomGenerator) -> Tensor {
        let s = Storage(uninitialized: Shape.count(shape))
        rng.fillUniform(s.buffer, low: low, high: high)
        return Tensor(storage: s, shape: shape)
    }

    /// 1 with probability `p`, else 0.
    public static func randomBernoulli(_ shape: [Int], p: Float, using rng: inout RandomGenerator) -> Tensor {
        require(p >= 0 && p <= 1, "randomBernoulli: probability \(p) is outside [0, 1]")
        let s = Storage(uninitialized: Shape.count(shape))
        rng.fillBernoulli(s.buffer, p: p)
        return Tensor(storage: s, shape: shape)
    }
}

extension Tensor: CustomStringConvertible {
    public var description: String {
        let values = count <= 16 ? toArray().map { "\($0)" }.joined(separator: ", ")
                                 : toArray().prefix(16).map { "\($0)" }.joined(separator: ", ") + ", ..."
        return "Tensor(shape: \(Shape.describe(shape)), [\(values)]\(isTracked ? ", tracked" : ""))"
    }
}
