import TensorCore

/// Sums numbers over the replicas of a data-parallel run (each replica a process holding a
/// share of the global batch). `Sources/Distributed` implements it on a communicator; here it
/// lets batch statistics (synchronized batch norm) span the global batch. Every replica must
/// make the same calls, with the same counts, in the same order.
public protocol ReplicaSum: AnyObject {
    /// How many replicas take part.
    var replicas: Int { get }
    /// Replaces `values` by their element-wise sums over all replicas.
    func sum(_ values: inout [Double])
}

extension Tensor {
    /// The element-wise sum of this tensor over all replicas (each passes one of the same
    /// shape). Differentiable to any order: every replica's loss depends on every replica's
    /// input through the sum, so the gradient is the sum of the replicas' incoming gradients
    /// (the same op again); the caller averages parameter gradients over replicas afterwards.
    public func summedOverReplicas(_ group: any ReplicaSum) -> Tensor {
        var values = toArray().map(Double.init)
        group.sum(&values)
        let out = Storage(uninitialized: count)
        for i in 0..<count { out.pointer[i] = Float(values[i]) }
        return Tensor.record("summedOverReplicas", out, shape: shape, inputs: [self]) { gy, _ in
            [gy.summedOverReplicas(group)]
        }
    }
}
