import NN

/// Combines what the replicas of a data-parallel run computed in one update (each on its
/// share of the global batch), so that every replica applies the same update
/// (`Sources/Distributed` implements it over a communicator).
public protocol ReplicaReduction: AnyObject {
    /// Replaces `gradients` and `statistics` (losses, mean scores: per-replica means over
    /// equal shares) by their averages over all replicas: the global batch's values.
    func average(_ gradients: inout [String: Tensor], _ statistics: inout [Float])
}
