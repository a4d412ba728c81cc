import NN

/// The share of G's batch that top-k generator updates keep: all of it at the start (D is
/// no judge yet), falling linearly to `fraction` at step `rampSteps`, then `fraction`.
public struct TopK: Sendable, Equatable {
    public var fraction: Float
    public var rampSteps: Int
    public init(fraction: Float, rampSteps: Int) {
        require(fraction > 0 && fraction <= 1, "TopK: fraction \(fraction) must be in (0, 1]")
        self.fraction = fraction
        self.rampSteps = Swift.max(0, rampSteps)
    }

    /// How many of `n` scores G's loss keeps at `step` (at least 1).
    public func count(of n: Int, step: Int) -> Int {
        let t = rampSteps == 0 ? 1 : Swift.min(1, Float(step) / Float(rampSteps))
        let share = 1 - t * (1 - fraction)
        return Swift.max(1, Swift.min(n, Int((share * Float(n)).rounded(.up))))
    }

    /// The `k` rows of `scores` ([n] or [n, ...]) whose mean is highest (a patch D's scores
    /// of a sample are ranked by their mean, as the objectives average them), as a
    /// differentiable gather (ties: the earlier row first).
    public static func best(_ scores: Tensor, _ k: Int) -> Tensor {
        let n = scores.shape[0]
        guard k < n else { return scores }
        let values = scores.detached().toArray()
        let stride = values.count / n
        let means = (0..<n).map { r in values[(r * stride)..<((r + 1) * stride)].reduce(0, +) / Float(stride) }
        let order = (0..<n).sorted { means[$0] > means[$1] || (means[$0] == means[$1] && $0 < $1) }
        var shape = scores.shape
        shape[0] = k
        let rows = order.prefix(k).flatMap { r in [Float](repeating: Float(r), count: stride) }
        return scores.gather(axis: 0, indices: Tensor(rows, shape: shape))
    }
}
