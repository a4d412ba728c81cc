/// Whether a forward pass trains or evaluates. Layers that behave differently (dropout,
/// batch norm) read it from the `Context`; there is no global mode flag.
public enum Mode: Sendable {
    case training, evaluation
}

/// What a forward call depends on besides its input: the mode, and the random generator
/// that layers drawing numbers (dropout, noise) use. A class, so that every layer of one
/// forward pass draws from the same sequence, in call order, reproducibly.
public final class Context {
    public let mode: Mode
    public var rng: RandomGenerator

    public init(_ mode: Mode, rng: RandomGenerator = RandomGenerator(seed: 0)) {
        self.mode = mode
        self.rng = rng
    }

    public var isTraining: Bool { mode == .training }

    /// An evaluation context (no randomness is drawn in evaluation by the built-in layers).
    public static var evaluation: Context { Context(.evaluation) }
}
