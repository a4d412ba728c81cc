import Autograd

/// A learning rate as a pure function of the step: `schedule(step)`, where `step` is the
/// number of updates made before this one (0 for the first update; `OptimizerState.step`).
///
/// - `.constant(lr)`: lr at every step.
/// - `.linearDecay(from: lr, to: final, start: a, end: b)`: lr up to step a, then falling
///   linearly, lr + (final − lr)·(step − a)/(b − a), to `final` at step b and after (the
///   "linear decay to zero over the second half" of many GAN recipes, e.g. CycleGAN's).
/// - `.linearWarmup(steps: n, then: s)`: s(step)·(step + 1)/n for the first n steps, then
///   s(step); the first update already gets a nonzero rate, s(0)/n, and step n − 1 gets s.
///
/// Schedules compose through `then:` (warm-up over any schedule).
public indirect enum LearningRateSchedule: Sendable, Equatable {
    case constant(Float)
    case linearDecay(from: Float, to: Float, start: Int, end: Int)
    case linearWarmup(steps: Int, then: LearningRateSchedule)

    /// A warm-up to a constant rate.
    public static func linearWarmup(to lr: Float, steps: Int) -> LearningRateSchedule {
        .linearWarmup(steps: steps, then: .constant(lr))
    }

    /// The learning rate of update number `step + 1`.
    public func callAsFunction(_ step: Int) -> Float { rate(at: step) }

    /// The learning rate of update number `step + 1`.
    public func rate(at step: Int) -> Float {
        require(step >= 0, "LearningRateSchedule: negative step \(step)")
        switch self {
        case .constant(let lr):
            return lr
        case let .linearDecay(lr, final, a, b):
            require(a >= 0 && b > a, "LearningRateSchedule.linearDecay: needs 0 ≤ start < end (start \(a), end \(b))")
            if step <= a { return lr }
            if step >= b { return final }
            let f = Double(step - a) / Double(b - a)
            return Float(Double(lr) + (Double(final) - Double(lr)) * f)
        case let .linearWarmup(n, next):
            require(n >= 1, "LearningRateSchedule.linearWarmup: needs at least 1 step (got \(n))")
            let base = next.rate(at: step)
            if step >= n { return base }
            return Float(Double(base) * Double(step + 1) / Double(n))
        }
    }
}
