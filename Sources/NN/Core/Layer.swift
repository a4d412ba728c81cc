/// A network layer: a small class called like a function, whose parameters (learned) and
/// buffers (running statistics, power-iteration vectors) are found by one walk and named
/// by path, the way PyTorch's `nn.Module` names them (`blocks.2.conv.weight`), so the same
/// names key optimizer state and checkpoint tensors and weights move between the two.
///
/// A layer implements `callAsFunction(_:in:)` and `visit(_:)`, in which it hands each of
/// its tensors and sub-layers to the visitor:
///
/// ```swift
/// public func visit(_ v: inout TensorVisitor) {
///     v.parameter("weight", &weight)
///     if bias != nil { v.parameter("bias", &bias!) }
/// }
/// ```
public protocol Layer: ParameterContainer {
    /// The layer's output for `x`.
    func callAsFunction(_ x: Tensor, in context: Context) -> Tensor
}

/// Anything holding parameters, buffers or sub-layers: every `Layer`, and layers whose call
/// takes more than one tensor (class-conditional ones take labels too).
public protocol ParameterContainer: AnyObject {
    /// Hands every parameter, buffer and sub-layer to `visitor`, in a fixed order.
    func visit(_ visitor: inout TensorVisitor)
}

/// Walks a layer tree, reading or replacing its tensors by path. One mechanism serves
/// collecting parameters, collecting buffers and loading new values.
public struct TensorVisitor {
    public enum Kind: Sendable { case parameter, buffer }

    enum Action {
        case collect(Kind)
        case assign([String: Tensor], Kind?, keepGraph: Bool)
        case layers
    }

    var action: Action
    var prefix: String = ""
    var collected: [(String, Tensor)] = []
    var sublayers: [(String, ParameterContainer)] = []
    var assigned: Set<String> = []
    var problems: [String] = []

    init(_ action: Action) { self.action = action }

    func path(_ name: String) -> String { prefix.isEmpty ? name : prefix + "." + name }

    /// A learned tensor: tracked (a leaf of the graph) so gradients can be taken against it.
    public mutating func parameter(_ name: String, _ tensor: inout Tensor) {
        handle(name, &tensor, kind: .parameter)
    }

    /// A tensor that is state but not learned (running mean, `u` of spectral norm): untracked.
    public mutating func buffer(_ name: String, _ tensor: inout Tensor) {
        handle(name, &tensor, kind: .buffer)
    }

    /// A sub-layer, whose tensors get the path prefix `name.`.
    public mutating func child(_ name: String, _ layer: ParameterContainer) {
        let saved = prefix
        prefix = path(name)
        if case .layers = action { sublayers.append((prefix, layer)) }
        layer.visit(&self)
        prefix = saved
    }

    mutating func handle(_ name: String, _ tensor: inout Tensor, kind: Kind) {
        let p = path(name)
        switch action {
        case .layers:
            break
        case .collect(let k):
            if k == kind { collected.append((p, tensor)) }
        case .assign(let values, let k, let keepGraph):
            guard k == nil || k == kind, let new = values[p] else { return }
            assigned.insert(p)
            if new.shape != tensor.shape {
                problems.append("\(p): expected shape \(Shape.describe(tensor.shape)), got \(Shape.describe(new.shape))")
                return
            }
            if keepGraph { tensor = new; return }
            let plain = new.detached()
            tensor = kind == .parameter ? plain.requiringGradient() : plain
        }
    }
}

/// An error loading tensors into a layer: every missing, unexpected and mis-shaped name.
public struct LoadError: Error, CustomStringConvertible {
    public let problems: [String]
    public var description: String { "cannot load tensors:\n  " + problems.joined(separator: "\n  ") }
}

extension ParameterContainer {
    /// The learned tensors by path, in visiting order.
    public func namedParameters() -> [(String, Tensor)] { collect(.parameter) }
    /// The learned tensors by path.
    public func parameters() -> [String: Tensor] { Dictionary(uniqueKeysWithValues: collect(.parameter)) }
    /// The non-learned state tensors by path.
    public func buffers() -> [String: Tensor] { Dictionary(uniqueKeysWithValues: collect(.buffer)) }

    /// This layer (path "") and every layer inside it, by path, in visiting order.
    public func namedLayers() -> [(String, ParameterContainer)] {
        var v = TensorVisitor(.layers)
        visit(&v)
        return [("", self)] + v.sublayers
    }

    func collect(_ kind: TensorVisitor.Kind) -> [(String, Tensor)] {
        var v = TensorVisitor(.collect(kind))
        visit(&v)
        return v.collected
    }

    /// Replaces parameters (and buffers, when `includingBuffers`) with the given values, as
    /// after an optimizer step or when loading a checkpoint. With `strict`, every tensor of
    /// the layer must be given and nothing else; the error lists each problem by name.
    public func load(_ values: [String: Tensor], strict: Bool = true, includingBuffers: Bool = false) throws {
        let expected = includingBuffers ? namedParameters() + collect(.buffer) : namedParameters()
        var problems: [String] = []
        if strict {
            let names = Set(expected.map(\.0))
            for (name, shape) in expected.map({ ($0.0, $0.1.shape) }) where values[name] == nil {
                problems.append("\(name): missing (expected shape \(Shape.describe(shape)))")
            }
            for name in values.keys.sorted() where !names.contains(name) {
                problems.append("\(name): not a tensor of this layer")
            }
        }
        // Check shapes before changing anything, so a failed load leaves the layer as it was.
        for (name, t) in expected {
            if let new = values[name], new.shape != t.shape {
                problems.append("\(name): expected shape \(Shape.describe(t.shape)), got \(Shape.describe(new.shape))")
            }
        }
        if !problems.isEmpty { throw LoadError(problems: problems) }
        var v = TensorVisitor(.assign(values, includingBuffers ? nil : .parameter, keepGraph: false))
        visit(&v)
    }

    /// Uses `values` as the parameters as they are, graph included (no fresh leaves): for
    /// differentiating through parameter updates, as an unrolled GAN differentiates G's loss
    /// through D's unrolled steps. Names and shapes must match.
    public func substitute(parameters values: [String: Tensor]) {
        for (name, t) in namedParameters() {
            if let new = values[name] {
                require(new.shape == t.shape, "substitute(parameters:): \(name) expects shape \(Shape.describe(t.shape)), got \(Shape.describe(new.shape))")
            }
        }
        var v = TensorVisitor(.assign(values, .parameter, keepGraph: true))
        visit(&v)
    }

    /// Sets parameters from an optimizer's output (a programming error if a name or shape
    /// is wrong, so it stops with the list of problems).
    public func update(parameters values: [String: Tensor]) {
        do { try load(values, strict: false) } catch { fatalError("update(parameters:): \(error)") }
    }
}

/// Gradients keyed like the parameters they belong to (`layer.parameters()`).
public func gradients(of loss: Tensor, wrt parameters: [String: Tensor],
                      createGraph: Bool = false) -> [String: Tensor] {
    let names = parameters.keys.sorted()
    let g = gradients(of: loss, wrt: names.map { parameters[$0]! }, createGraph: createGraph)
    return Dictionary(uniqueKeysWithValues: zip(names, g))
}
