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

    let targetIDs = Set(targets.map { ObjectIdentifier($0.node!) })
    let order = nodesReachingTargets(from: root, targets: targetIDs)

    var grads: [ObjectIdentifier: Tensor] = [:]
    grads[ObjectIdentifier(root)] = seed.map { createGraph ? $0 : $0.detached() }
        ?? Tensor(ones: output.shape)
    var reaching = Set<ObjectIdentifier>()
    reaching.reserveCapacity(order.count)
    for n in order { reaching.insert(ObjectIdentifier(n)) }

    // `order` lists inputs before the nodes that use them; walk it backwards.
    for node in order.reversed() {
        let id = ObjectIdentifier(node)
        guard let gy = grads[id], let rule = node.rule else { continue }
        if !targetIDs.contains(id) { grads[id] = nil }  // free as we go
        let inputGrads = rule(gy, BackwardContext(node: node, createGraph: createGraph))
        require(inputGrads.count == node.inputs.count,
                     "\(node.op): backward rule returned \(inputGrads.count) gradients for \(node.inputs.count) inputs")
        for (i, input) in node.inputs.enumerated() {
            guard let inNode = input.node, reaching.contains(ObjectIdentifier(inNode)),
                  let g = inputGrads[i] else { continue }
            require(g.shape == input.shape,
                         "\(node.op): backward rule gave a gradient of shape \(Shape.describe(g.shape)) for input \(i) of shape \(Shape.describe(input.shape))")
            let key = ObjectIdentifier(inNode)
            if let existing = grads[key] { grads[key] = existing + g } else { grads[key] = g }
        }
    }
    return targets.map { t in
        grads[ObjectIdentifier(t.node!)] ?? Tensor(zeros: t.shape)
    }
}

/// The nodes on some path from `root` to a target, inputs before users (a post-order).
/// Iterative, so long chains cannot overflow the stack.
private func nodesReachingTargets(from root: Node, targets: Set<ObjectIdentifier>) -> [Node] {
    var done: [ObjectIdentifier: Bool] = [:]  // node -> reaches a target
    var order: [Node] = []
    var stack: [(node: Node, next: Int)] = [(root, 0)]
    while !stack.isEmpty {
        let top = stack.count - 1
        let node = stack[top].node
        let i = stack[top].next
        if i < node.inputs.count {
            stack[top].next = i + 1
            if let child = node.inputs[i].node, done[ObjectIdentifier(child)] == nil {
                stack.append((child, 0))
            }
            continue
        }
        stack.removeLast()
        var reaches = targets.contains(ObjectIdentifier(node))
        if !reaches {
            for input in node.inputs {
                if let c = input.node, done[ObjectIdentifier(c)] == true { reaches = true; break }
            }
        }
        done[ObjectIdentifier(node)] = reaches
        if reaches { order.append(node) }
    }
    return order
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
