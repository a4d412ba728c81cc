/// Batch normalization over the channel axis 1 of [N, C] (`BatchNorm1d`) or [N, C, H, W]
/// (`BatchNorm2d`) input: `y = γ (x − m) / √(v + eps) + β`.
///
/// In training, m and v are the batch mean and biased variance, and the running statistics
/// (buffers `running_mean`, `running_var`) move toward the batch's with `momentum` (the
/// unbiased variance, as PyTorch). In evaluation the running statistics are used.
/// Parameters `weight` (γ, init 1) and `bias` (β, init 0) exist when `affine`.
/// The buffer `num_batches_tracked` counts training calls, as PyTorch's does, so a state
/// dictionary has the same names in both.
public final class BatchNorm: Layer {
    public var weight: Tensor?
    public var bias: Tensor?
    public var runningMean: Tensor
    public var runningVar: Tensor
    public var batchesTracked: Tensor = Tensor(zeros: [])
    public let momentum: Float
    public let eps: Float
    /// Synchronized batch norm: when set, training statistics span every replica's batch of a
    /// data-parallel run (`Sources/Distributed`, `train.sync_batchnorm`); nil: this batch only.
    public var replicas: (any ReplicaSum)? = nil
    let expectedRank: Int?

    public init(_ features: Int, momentum: Float = 0.1, eps: Float = 1e-5, affine: Bool = true, rank: Int? = nil) {
        require(features > 0, "BatchNorm: feature count must be positive, got \(features)")
        weight = affine ? Tensor(ones: [features]).requiringGradient() : nil
        bias = affine ? Tensor(zeros: [features]).requiringGradient() : nil
        runningMean = Tensor(zeros: [features])
        runningVar = Tensor(ones: [features])
        self.momentum = momentum
        self.eps = eps
        expectedRank = rank
    }

    public func callAsFunction(_ x: Tensor, in context: Context) -> Tensor {
        if let r = expectedRank {
            require(x.rank == r, "BatchNorm\(r == 2 ? "1d" : "2d")(\(runningMean.count)): expected input of rank \(r), got \(Shape.describe(x.shape))")
        }
        let r = Tensor.batchNorm(x, gamma: weight, beta: bias, runningMean: runningMean, runningVar: runningVar,
                                 training: context.isTraining, momentum: momentum, eps: eps, replicas: replicas)
        if context.isTraining {
            runningMean = r.runningMean
            runningVar = r.runningVar
            batchesTracked = Tensor(scalar: batchesTracked.scalarValue + 1)
        }
        return r.output
    }

    public func visit(_ v: inout TensorVisitor) {
        if weight != nil { v.parameter("weight", &weight!) }
        if bias != nil { v.parameter("bias", &bias!) }
        v.buffer("running_mean", &runningMean)
        v.buffer("running_var", &runningVar)
        v.buffer("num_batches_tracked", &batchesTracked)
    }
}

/// Batch norm for [N, C] input.
public func BatchNorm1d(_ features: Int, momentum: Float = 0.1, eps: Float = 1e-5, affine: Bool = true) -> BatchNorm {
    BatchNorm(features, momentum: momentum, eps: eps, affine: affine, rank: 2)
}

/// Batch norm for [N, C, H, W] input.
public func BatchNorm2d(_ features: Int, momentum: Float = 0.1, eps: Float = 1e-5, affine: Bool = true) -> BatchNorm {
    BatchNorm(features, momentum: momentum, eps: eps, affine: affine, rank: 4)
}
