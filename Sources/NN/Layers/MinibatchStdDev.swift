/// Minibatch standard deviation (Karras et al. 2018, ProGAN, section 3): the batch is split
/// into groups of `groupSize` samples; for each group the standard deviation of every
/// feature over the group is averaged into one number, appended to each sample of the
/// group as an extra channel ([N, C, H, W] → [N, C+1, H, W]) or feature ([N, F] → [N, F+1]).
/// It lets a discriminator see how varied a batch is, which counters mode collapse.
/// The batch size must be divisible by min(groupSize, N).
public final class MinibatchStdDev: Layer {
    public let groupSize: Int
    public let eps: Float

    public init(groupSize: Int = 4, eps: Float = 1e-8) {
        require(groupSize >= 1, "MinibatchStdDev: group size must be at least 1, got \(groupSize)")
        self.groupSize = groupSize
        self.eps = eps
    }

    public func callAsFunction(_ x: Tensor, in context: Context) -> Tensor {
        require(x.rank == 2 || x.rank == 4, "MinibatchStdDev: input must be [N, F] or [N, C, H, W], got \(Shape.describe(x.shape))")
        let n = x.shape[0]
        let g = Swift.min(groupSize, n)
        require(n % g == 0, "MinibatchStdDev: batch \(n) is not divisible by the group size \(g)")
        let m = n / g
        let rest = Array(x.shape.dropFirst())
        // Sample i of the batch is member i / m of group i % m, as in ProGAN's reshape.
        let grouped = x.reshaped([g, m, rest.reduce(1, *)])
        let std = (grouped.variance(axes: [0]) + eps).sqrt().mean(axes: [1])  // [m]
        let extraShape = x.rank == 4 ? [g, m, 1, x.shape[2], x.shape[3]] : [g, m, 1]
        let extra = std.reshaped(x.rank == 4 ? [1, m, 1, 1, 1] : [1, m, 1]).expanded(to: extraShape)
        let perSample = extra.reshaped(x.rank == 4 ? [n, 1, x.shape[2], x.shape[3]] : [n, 1])
        return Tensor.concat([x, perSample], axis: 1)
    }

    public func visit(_ v: inout TensorVisitor) {}
}
