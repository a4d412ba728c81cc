import TensorCore

/// Gradients of `output` with respect to each tensor in `wrt`, by one reverse walk.
///
/// - `output` is normally a scalar loss. For a non-scalar output pass `seed`, a tensor of
///   the output's shape: the result is then the gradient of `sum(output * seed)` (a
///   vector-Jacobian product).
/// - Every tensor in `wrt` must be tracked (a leaf from `requiringGradient()`, or any
///   intermediate result of a tracked computation). A tensor the output does not depend on
///   gets a zero gradient.
/// - With `createGraph: true` the backward rules are recorded as they run, so the returned
///   gradients are tracked and can be differentiated again (gradient penalties, R1/R2,
///   Jacobian-vector products). Without it they are plain tensors.
///
/// Nothing is accumulated anywhere: call it again and you get the same answer.
public func gradients(of output: Tensor, wrt targets: [Tensor], seed: Tensor? = nil,
                      createGraph: Bool = false) -> [Tensor] {
    for (i, t) in targets.enumerated() where t.node == nil {
        fatalError("gradients(of:wrt:): wrt[\(i)] (shape \(Shape.describe(t.shape))) is not tracked; make it a leaf with .requiringGradient() before using it")
    }
    if let seed {
        require(seed.shape == output.shape,
                     "gradients(of:wrt:): seed shape \(Shape.describe(seed.shape)) differs from output shape \(Shape.describe(output.shape))")
    } else {
        require(output.count == 1,
                     "gradients(of:wrt:): output of shape \(Shape.describe(output.shape)) is not a scalar; pass a seed of the same shape")
    }
    guard let root = output.node else {
        return targets.map { Tensor(zeros: $0.shape) }
    }
    if targets.isEmpty { return [] }

    let plan = WalkPlan(root: root, targets: targets.map { $0.node! })
    if plan.nodes.isEmpty { return targets.map { Tensor(zeros: $0.shape) } }

    // One slot per node on a path to a target; `plan.nodes` lists inputs before users.
    var grads = [Tensor?](repeating: nil, count: plan.nodes.count)
    grads[plan.nodes.count - 1] = seed.map { createGraph ? $0 : $0.detached() } ?? Tensor(ones: output.shape)
    for slot in stride(from: plan.nodes.count - 1, through: 0, by: -1) {
        let node = plan.nodes[slot]
        guard let gy = grads[slot], let rule = node.rule else { continue }
        if !plan.isTarget[slot] { grads[slot] = nil }  // free as we go
        var needed: UInt64 = 0
        for (i, input) in node.inputs.prefix(64).enumerated() {
            if let n = input.node, plan.slot(of: n) != nil { needed |= 1 << UInt64(i) }
        }
        let inputGrads = rule(gy, BackwardContext(node: node, createGraph: createGraph, neededMask: needed))
        require(inputGrads.count == node.inputs.count,
                "\(node.op): backward rule returned \(inputGrads.count) gradients for \(node.inputs.count) inputs")
        for (i, input) in node.inputs.enumerated() {
            guard let inNode = input.node, let g = inputGrads[i],
                  let inSlot = plan.slot(of: inNode) else { continue }
            require(g.shape == input.shape,
                    "\(node.op): backward rule gave a gradient of shape \(Shape.describe(g.shape)) for input \(i) of shape \(Shape.describe(input.shape))")
            if let existing = grads[inSlot] { grads[inSlot] = existing + g } else { grads[inSlot] = g }
        }
    }
    return targets.map { t in
        plan.slot(of: t.node!).flatMap { grads[$0] } ?? Tensor(zeros: t.shape)
    }
}

/// The nodes on some path from the output to a target, in post-order (inputs before the
/// nodes that use them; the output last), each with its slot number. Built by an
/// iterative depth-first search, so long chains cannot overflow the stack.
private struct WalkPlan {
    var nodes: [Node] = []
    var isTarget: [Bool] = []
    /// For every visited node: its slot in `nodes`, or -1 when it reaches no target
    /// (-2 while it is still on the search stack).
    var state: [ObjectIdentifier: Int] = [:]

    func slot(of node: Node) -> Int? {
        guard let s = state[ObjectIdentifier(node)], s >= 0 else { return nil }
        return s
    }

    init(root: Node, targets: [Node]) {
        let targetIDs = Set(targets.map(ObjectIdentifier.init))
        var stack: [(node: Node, next: Int)] = [(root, 0)]
        state[ObjectIdentifier(root)] = -2
        while !stack.isEmpty {
            let top = stack.count - 1
            let node = stack[top].node
            let i = stack[top].next
            if i < node.inputs.count {
                stack[top].next = i + 1
                if let child = node.inputs[i].node {
                    let id = ObjectIdentifier(child)
                    if state[id] == nil {
                        state[id] = -2
                        stack.append((child, 0))
                    }
                }
                continue
            }
            stack.removeLast()
            let target = targetIDs.contains(ObjectIdentifier(node))
            var reaches = target
            if !reaches {
                for input in node.inputs {
                    if let c = input.node, let s = state[ObjectIdentifier(c)], s >= 0 { reaches = true; break }
                }
            }
            if reaches {
                state[ObjectIdentifier(node)] = nodes.count
                nodes.append(node)
                isTarget.append(target)
            } else {
                state[ObjectIdentifier(node)] = -1
            }
        }
    }
}

/// Jacobian-vector product J·v of `f` at `x`, by differentiating a vector-Jacobian product
/// (the "double-VJP trick": uᵀJ is linear in u, so its gradient with respect to u is Jv).
/// Returns f(x) and J·v; `v` has the shape of `x`, the result the shape of f(x).
public func jacobianVectorProduct(of f: (Tensor) -> Tensor, at x: Tensor, along v: Tensor) -> (value: Tensor, jvp: Tensor) {
    require(v.shape == x.shape,
                 "jacobianVectorProduct: direction shape \(Shape.describe(v.shape)) differs from point shape \(Shape.describe(x.shape))")
    let xv = x.detached().requiringGradient()
    let y = f(xv)
    let u = Tensor(zeros: y.shape).requiringGradient()
    let vjp = gradients(of: y, wrt: [xv], seed: u, createGraph: true)[0]  // uᵀJ, linear in u
    let jv = gradients(of: vjp, wrt: [u], seed: v.detached())[0]
    return (y.detached(), jv)
}
