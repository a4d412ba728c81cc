import Autograd

/// Exponential moving average of parameters (an "EMA generator": the averaged weights of a
/// GAN generator usually give better samples than the last ones; Yazıcı et al., 2019,
/// "The Unusual Effectiveness of Averaging in GAN Training").
///
/// One update, pure: `ema' = d_t·ema + (1 − d_t)·params` elementwise, for every path, with
///
///     d_t = min(decay, (1 + t) / (10 + t))      (warm-up on; t = `step`, 0, 1, 2, ...)
///     d_t = decay                               (warm-up off)
///
/// The warm-up is TensorFlow's `tf.train.ExponentialMovingAverage` with `num_updates`
/// (tensorflow/python/training/moving_averages.py: "decay = min(decay, (1 + num_updates) /
/// (10 + num_updates))"): early averages follow the parameters closely (d_0 = 0.1, d_10 =
/// 0.55, d_90 = 0.91) instead of remembering the random initialization for ~1/(1 − decay)
/// steps.
///
/// The average starts as a copy of the parameters (`ExponentialMovingAverage.start`). Its
/// tensors are untracked: they are evaluated, not trained.
public struct ExponentialMovingAverage: Sendable {
    public var decay: Float
    public var warmup: Bool

    public init(decay: Float = 0.999, warmup: Bool = true) {
        require(decay >= 0 && decay <= 1, "ExponentialMovingAverage: decay \(decay) is outside [0, 1]")
        self.decay = decay
        self.warmup = warmup
    }

    /// The initial average: the parameters themselves, untracked (storage shared, nothing
    /// is copied: tensors are never mutated).
    public static func start(_ parameters: [String: Tensor]) -> [String: Tensor] {
        parameters.mapValues { $0.detached() }
    }

    /// d_t, the weight of the old average at update `step` (0 for the first update).
    public func decay(at step: Int) -> Float {
        require(step >= 0, "ExponentialMovingAverage: negative step \(step)")
        guard warmup else { return decay }
        return Swift.min(decay, Float((1 + Double(step)) / (10 + Double(step))))
    }

    /// The average after update `step` (see the type's documentation). `ema` and
    /// `parameters` must have the same paths and shapes; a path in one but not the other, or
    /// a shape mismatch, stops with a message naming the path (and both shapes).
    public func update(_ ema: [String: Tensor], _ parameters: [String: Tensor], step: Int) -> [String: Tensor] {
        for path in ema.keys where parameters[path] == nil {
            fatalError("ExponentialMovingAverage.update: average has '\(path)' (shape \(Shape.describe(ema[path]!.shape))) but the parameters do not")
        }
        let d = decay(at: step), c = 1 - d
        var out: [String: Tensor] = [:]
        out.reserveCapacity(ema.count)
        for (path, p) in parameters {
            guard let e = ema[path] else {
                fatalError("ExponentialMovingAverage.update: parameter '\(path)' (shape \(Shape.describe(p.shape))) has no average; start it with ExponentialMovingAverage.start")
            }
            require(e.shape == p.shape,
                    "ExponentialMovingAverage.update: average of '\(path)' has shape \(Shape.describe(e.shape)) but the parameter has shape \(Shape.describe(p.shape))")
            let n = p.count
            let s = Storage(uninitialized: n)
            let ep = e.storage.pointer, pp = p.storage.pointer, sp = s.pointer
            OptimizerSupport.chunks(n, touched: 3) { r in
                for i in r { sp[i] = d * ep[i] + c * pp[i] }
            }
            out[path] = Tensor(storage: s, shape: p.shape)
        }
        return out
    }
}
