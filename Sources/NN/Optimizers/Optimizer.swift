import Autograd

/// A first-order optimizer as a pure function.
///
/// Parameters and gradients are dictionaries keyed by path name
/// (`"generator.blocks.2.conv.weight"`), gradients as returned by `gradients(of:wrt:)`.
/// One update is
///
///     (parameters, gradients, state) -> (new parameters, new state)
///
/// and changes nothing: the inputs stay valid and calling it twice with the same inputs
/// gives the same result. The update reads raw storage and builds no graph, even when the
/// gradients are tracked (`createGraph: true`).
///
/// What comes back:
/// - every parameter, as a fresh leaf (`requiringGradient()` on an untracked tensor), so the
///   graphs of two training steps never chain;
/// - a parameter with no gradient in `gradients` is left as it is (same values, storage
///   shared, as a fresh leaf) and its optimizer state is kept unchanged; the state's step
///   count still advances. (PyTorch likewise skips parameters whose `.grad` is None.)
/// - a gradient for a path that is not a parameter, or of another shape than its
///   parameter, stops the program with a message naming the path and both shapes: that
///   is a wiring bug (gradients of one network fed to another's optimizer).
///
/// The learning rate of an update is `learningRate(state.step)` (the schedule is asked with
/// the number of updates made before this one: 0 for the first), or the `learningRate:`
/// argument of `update` when one is given.
public protocol Optimizer: Sendable {
    /// The learning rate as a function of the step (updates made so far).
    var learningRate: LearningRateSchedule { get }

    /// The names of the per-parameter state slots this configuration keeps
    /// ("momentum_buffer", "exp_avg", ...), in the order they are described.
    var slotNames: [String] { get }

    /// One update (see the protocol's documentation). `learningRate`, when given, overrides
    /// the schedule for this update.
    func update(_ parameters: [String: Tensor], _ gradients: [String: Tensor], _ state: OptimizerState,
                learningRate: Float?) -> (parameters: [String: Tensor], state: OptimizerState)
}

extension Optimizer {
    /// One update with the learning rate of the schedule.
    public func update(_ parameters: [String: Tensor], _ gradients: [String: Tensor], _ state: OptimizerState)
        -> (parameters: [String: Tensor], state: OptimizerState) {
        update(parameters, gradients, state, learningRate: nil)
    }

    /// The state saved by `OptimizerState.flattened()`, checked against `parameters` and
    /// this optimizer's slots (see `OptimizerState.init(flattened:parameters:slotNames:requireEvery:)`).
    public func state(fromFlattened flat: [String: Tensor], parameters: [String: Tensor],
                      requireEvery: Bool = true) throws -> OptimizerState {
        try OptimizerState(flattened: flat, parameters: parameters, slotNames: slotNames,
                           requireEvery: requireEvery)
    }
}

/// The state of an optimizer: the number of updates made (`step`) and, per parameter path,
/// named slot tensors of the parameter's shape ("exp_avg", "exp_avg_sq", "max_exp_avg_sq",
/// "momentum_buffer", "square_avg", "grad_avg"; PyTorch's names).
///
/// A fresh state (`OptimizerState()`) has step 0 and no slots: slots are created by the
/// first update that sees a gradient for the parameter (PyTorch's lazy state; SGD's
/// momentum buffer starts as the first gradient itself, the others as if from zero).
/// State tensors are untracked and never mutated; an update returns new ones.
///
/// For checkpoints, `flattened()` gives flat named tensors, `"<path>.<slot>"` and `"step"`,
/// and `init(flattened:parameters:slotNames:)` reads them back, checking every entry.
public struct OptimizerState: Sendable {
    /// Updates made so far. The next update is number `step + 1` (Adam's bias correction
    /// uses that number for every parameter).
    public var step: Int
    /// slots[path][slotName]: a tensor of the parameter's shape.
    public var slots: [String: [String: Tensor]]

    public init(step: Int = 0, slots: [String: [String: Tensor]] = [:]) {
        require(step >= 0, "OptimizerState: negative step \(step)")
        self.step = step
        self.slots = slots
    }

    /// The slot `name` of the parameter at `path`, if it exists yet.
    public func slot(_ name: String, for path: String) -> Tensor? { slots[path]?[name] }

    /// Flat named tensors: `"<path>.<slot>"` for every slot, and `"step"`: a scalar holding
    /// the step count (exact in Float32 up to 2²⁴ = 16,777,216), or, beyond that, a
    /// 2-element tensor `[step / 2²⁴, step mod 2²⁴]`, both exact.
    public func flattened() -> [String: Tensor] {
        var out: [String: Tensor] = [:]
        for (path, named) in slots {
            for (name, t) in named { out[path + "." + name] = t }
        }
        let base = 1 << 24
        out["step"] = step <= base ? Tensor(scalar: Float(step))
                                   : Tensor([Float(step / base), Float(step % base)], shape: [2])
        return out
    }

    /// Reads back what `flattened()` wrote, checked against the parameters it belongs to.
    ///
    /// Every problem is reported by name, all at once, in the thrown `OptimizerStateError`:
    /// a missing or malformed `"step"`; an entry that is not `"<path>.<slot>"` for a known
    /// parameter path and one of `slotNames`; an entry whose shape differs from its
    /// parameter's; and, when `requireEvery` is true and step > 0, a missing slot of any
    /// parameter. With `requireEvery: false`, a parameter may have no slots at all (it never
    /// received a gradient), but not only some of them.
    public init(flattened flat: [String: Tensor], parameters: [String: Tensor], slotNames: [String],
                requireEvery: Bool = true) throws {
        var problems: [String] = []
        var step = 0
        if let s = flat["step"] {
            let v = s.toArray()
            let base = Double(1 << 24)
            let value: Double? = s.shape == [] ? Double(v[0])
                : s.shape == [2] ? Double(v[0]) * base + Double(v[1]) : nil
            if let value, value >= 0, value.rounded() == value, s.shape == [] || (v[1] < Float(base) && v[1] >= 0) {
                step = Int(value)
            } else {
                problems.append("'step' is not a non-negative whole number (shape \(Shape.describe(s.shape)), values \(v))")
            }
        } else {
            problems.append("'step' is missing")
        }
        var slots: [String: [String: Tensor]] = [:]
        var reported: Set<String> = []
        for key in flat.keys.sorted() where key != "step" {
            let tensor = flat[key]!
            guard let slot = slotNames.first(where: { key.hasSuffix("." + $0) && key.count > $0.count + 1 }) else {
                problems.append("'\(key)' is not '<parameter>.<slot>' for a slot of this optimizer (\(slotNames.joined(separator: ", ")))")
                continue
            }
            let path = String(key.dropLast(slot.count + 1))
            guard let p = parameters[path] else {
                problems.append("'\(key)' is for parameter '\(path)', which does not exist")
                continue
            }
            guard p.shape == tensor.shape else {
                problems.append("'\(key)' has shape \(Shape.describe(tensor.shape)) but parameter '\(path)' has shape \(Shape.describe(p.shape))")
                reported.insert(key)
                continue
            }
            slots[path, default: [:]][slot] = tensor.detached()
        }
        if !slotNames.isEmpty {
            for path in parameters.keys.sorted() {
                let have = slots[path] ?? [:]
                if have.isEmpty && (!requireEvery || step == 0) { continue }
                for name in slotNames where have[name] == nil && !reported.contains(path + "." + name) {
                    problems.append("'\(path).\(name)' is missing")
                }
            }
        }
        if !problems.isEmpty { throw OptimizerStateError(problems: problems) }
        self.init(step: step, slots: slots)
    }
}

/// What is wrong with a saved optimizer state: one line per entry at fault, each naming it.
public struct OptimizerStateError: Error, CustomStringConvertible {
    public let problems: [String]
    public var description: String {
        "optimizer state: " + problems.joined(separator: "; ")
    }
}

// MARK: - shared by the optimizers

extension OptimizerState {
    /// The slots of `path` for an update: each of `names` read as a raw pointer when it
    /// exists (checked to have `shape`), nil when it does not yet.
    func slotPointers(_ names: [String], path: String, shape: [Int], op: String) -> [UnsafeMutablePointer<Float>?] {
        let named = slots[path]
        return names.map { name in
            guard let t = named?[name] else { return nil }
            require(t.shape == shape,
                    "\(op): state slot '\(path).\(name)' has shape \(Shape.describe(t.shape)) but the parameter has shape \(Shape.describe(shape))")
            return t.storage.pointer
        }
    }
}

enum OptimizerSupport {
    /// The loop every optimizer shares: the gradients are checked, the step advances, a
    /// parameter without a gradient is kept (as a fresh leaf, its state untouched), and for
    /// each other one `body` returns the new values and the slots it updated (merged into
    /// the parameter's existing slots).
    static func updateEach(
        _ parameters: [String: Tensor], _ gradients: [String: Tensor], _ state: OptimizerState, op: String,
        _ body: (_ path: String, _ p: Tensor, _ g: Tensor) -> (parameter: Storage, slots: [String: Tensor])
    ) -> (parameters: [String: Tensor], state: OptimizerState) {
        checkGradients(parameters, gradients, op: op)
        var newParams: [String: Tensor] = [:]
        newParams.reserveCapacity(parameters.count)
        var newState = state
        newState.step = state.step + 1
        for (path, p) in parameters {
            guard let g = gradients[path] else {
                newParams[path] = p.detached().requiringGradient()
                continue
            }
            let (values, slots) = body(path, p, g)
            if !slots.isEmpty { newState.slots[path, default: [:]].merge(slots) { _, new in new } }
            newParams[path] = leaf(values, p.shape)
        }
        return (newParams, newState)
    }

    /// Checks that every gradient belongs to a parameter of the same shape.
    static func checkGradients(_ parameters: [String: Tensor], _ gradients: [String: Tensor], op: String) {
        for (path, g) in gradients {
            guard let p = parameters[path] else {
                fatalError("\(op): gradient for '\(path)' has shape \(Shape.describe(g.shape)) but there is no parameter '\(path)' (\(parameters.count) parameters)")
            }
            require(p.shape == g.shape,
                    "\(op): gradient for '\(path)' has shape \(Shape.describe(g.shape)) but the parameter has shape \(Shape.describe(p.shape))")
        }
    }

    /// A fresh leaf holding `storage`.
    @inline(__always)
    static func leaf(_ storage: Storage, _ shape: [Int]) -> Tensor {
        Tensor(storage: storage, shape: shape).requiringGradient()
    }

    /// Eight floats from `p + i` (explicit SIMD: the fused optimizer loops touch too many
    /// buffers for the compiler's alias checks, so they would stay scalar otherwise).
    @inline(__always)
    static func load8(_ p: UnsafeMutablePointer<Float>, _ i: Int) -> SIMD8<Float> {
        UnsafeRawPointer(p + i).loadUnaligned(as: SIMD8<Float>.self)
    }

    @inline(__always)
    static func store8(_ p: UnsafeMutablePointer<Float>, _ i: Int, _ v: SIMD8<Float>) {
        UnsafeMutableRawPointer(p + i).storeBytes(of: v, as: SIMD8<Float>.self)
    }

    /// A new slot storage of `n` floats, and the pointer to read the slot's old values
    /// from: the old slot, or (first update) the new storage zero-filled, read as its own
    /// old value (each element is read before it is written).
    @inline(__always)
    static func slot(old: UnsafeMutablePointer<Float>?, count n: Int) -> (new: Storage, read: UnsafeMutablePointer<Float>) {
        let s = Storage(uninitialized: n)
        if let old { return (s, old) }
        s.pointer.update(repeating: 0, count: n)
        return (s, s.pointer)
    }

    /// Runs `body` over chunks of `0..<n`, on several threads for big tensors (`touched`:
    /// arrays read or written per element, for the work estimate).
    @inline(__always)
    static func chunks(_ n: Int, touched: Int, _ body: (Range<Int>) -> Void) {
        Parallel.forEachChunk(n, work: n * touched, body)
    }
}
