import TensorCore

/// The backward rule of an op: given the gradient `gy` of some scalar with respect to the
/// op's output, return the gradient with respect to each input (nil where an input needs
/// none). Rules are written with Tensor ops, so that when the walk runs with
/// `createGraph: true` they are recorded too and can be differentiated again.
public typealias BackwardRule = (_ gy: Tensor, _ context: BackwardContext) -> [Tensor?]

/// One recorded op application: its inputs and its backward rule.
///
/// A node keeps its inputs (and, if the rule needs it, its output's values) alive, and
/// nothing else: the graph is freed as soon as the last tensor referring to it is gone.
public final class Node: @unchecked Sendable {
    /// The op's name, for error messages ("matmul", "conv2d", ...).
    public let op: String
    public private(set) var inputs: [Tensor]
    let rule: BackwardRule?
    let savedOutput: Storage?
    let outputShape: [Int]

    init(op: String, inputs: [Tensor], outputShape: [Int], savedOutput: Storage?, rule: @escaping BackwardRule) {
        self.op = op
        self.inputs = inputs
        self.rule = rule
        self.savedOutput = savedOutput
        self.outputShape = outputShape
    }

    /// A leaf: a tensor gradients can be taken against.
    init(leafWithShape shape: [Int]) {
        self.op = "leaf"
        self.inputs = []
        self.rule = nil
        self.savedOutput = nil
        self.outputShape = shape
    }

    public var isLeaf: Bool { rule == nil }

    /// Frees the graph above this node iteratively. The default release is recursive
    /// (node → input tensor → its node → ...), which overflows the stack on long chains;
    /// here each node we hold the last reference to hands its inputs to a work list first.
    deinit {
        guard !inputs.isEmpty else { return }
        var pending: [Node] = []
        for t in inputs { if let n = t.node { pending.append(n) } }
        inputs = []
        while var n = pending.popLast() {
            if isKnownUniquelyReferenced(&n) {
                for t in n.inputs { if let c = t.node { pending.append(c) } }
                n.inputs = []
            }
        }
    }
}

/// What a backward rule may look at: the op's inputs and output, tracked when the walk
/// builds a graph of the gradients (`createGraph`), untracked otherwise.
public struct BackwardContext {
    let node: Node
    /// True when the gradients being computed will themselves be differentiated.
    public let createGraph: Bool
    /// Bit i: input i is on a path to a tensor the walk was asked about (inputs past 64
    /// count as needed when tracked).
    let neededMask: UInt64

    init(node: Node, createGraph: Bool, neededMask: UInt64 = .max) {
        self.node = node
        self.createGraph = createGraph
        self.neededMask = neededMask
    }

    /// Whether the current walk uses the gradient of input `i`: it is tracked and on a path
    /// to a requested tensor. A rule may return nil for the others and skip their work (a
    /// generator step walks through the discriminator without needing its weights'
    /// gradients; data fed to a first layer needs none).
    public func needsGradient(_ i: Int) -> Bool {
        guard node.inputs[i].isTracked else { return false }
        return i >= 64 || neededMask & (1 << UInt64(i)) != 0
    }

    /// The i-th input of the op.
    public func input(_ i: Int) -> Tensor {
        createGraph ? node.inputs[i] : node.inputs[i].detached()
    }

    /// The op's output (only for ops recorded with `savesOutput: true`).
    public var output: Tensor {
        guard let s = node.savedOutput else {
            fatalError("\(node.op): backward rule asked for the output, but the op did not save it")
        }
        return Tensor(storage: s, shape: node.outputShape, node: createGraph ? node : nil)
    }
}

extension Tensor {
    /// Wraps the result of an op: tracked, with a node holding `rule`, when any input is
    /// tracked; plain otherwise. The rule is an autoclosure so that an untracked op never
    /// allocates the closure's captured context.
    ///
    /// This is also how to add an op of your own: compute the output into a `Storage`, then
    /// `return Tensor.record("myop", out, shape: s, inputs: [x]) { gy, ctx in [...] }` with
    /// the rule written in Tensor ops (so it can be differentiated again).
    @inline(__always)
    public static func record(
        _ op: String, _ storage: Storage, shape: [Int], inputs: [Tensor], savesOutput: Bool = false,
        rule: @autoclosure () -> BackwardRule
    ) -> Tensor {
        var tracked = false
        for t in inputs where t.node != nil { tracked = true; break }
        if !tracked { return Tensor(storage: storage, shape: shape, node: nil) }
        let node = Node(op: op, inputs: inputs, outputShape: shape,
                        savedOutput: savesOutput ? storage : nil, rule: rule())
        return Tensor(storage: storage, shape: shape, node: node)
    }

    /// Marks a tensor computed by a rule that has no differentiable form of its own: the
    /// first-order gradient it carries is right, but differentiating it again stops with an
    /// error naming the op, rather than silently giving zeros.
    public static func notTwiceDifferentiable(_ value: Tensor, op: String, inputs: [Tensor]) -> Tensor {
        record(op, value.storage, shape: value.shape, inputs: inputs) { _, _ in
            fatalError("\(op): this op's gradient cannot be differentiated again (second-order gradients through \(op) are not supported)")
        }
    }
}
