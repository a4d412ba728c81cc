import Artifacts
import Autograd
import TensorCore
import Foundation
import Testing

/// One PyTorch reference case from `Fixtures/` (see its README for the format).
public struct Fixture {
    /// The folder holding the fixture files.
    public static var directory: URL { Bundle.module.url(forResource: "Fixtures", withExtension: nil)! }

    public let name: String
    public let json: [String: Any]

    public init(_ name: String) throws {
        self.name = name
        let dir = Fixture.directory
        var data: Data
        let plain = dir.appendingPathComponent(name + ".json")
        if FileManager.default.fileExists(atPath: plain.path) {
            data = try Data(contentsOf: plain)
        } else {
            data = try Gzip.read(contentsOf: dir.appendingPathComponent(name + ".json.gz"))
        }
        json = try JSONSerialization.jsonObject(with: data) as! [String: Any]
    }

    public static func tensor(_ any: Any?, _ what: String) -> Tensor {
        guard let dict = any as? [String: Any], let shape = dict["shape"] as? [Int],
              let data = dict["data"] as? [NSNumber] else {
            fatalError("fixture: \(what) is not a tensor")
        }
        return Tensor(data.map { $0.floatValue }, shape: shape)
    }

    public func section(_ key: String) -> [String: Any] { json[key] as? [String: Any] ?? [:] }
    public func input(_ k: String) -> Tensor { Fixture.tensor(section("inputs")[k], "\(name).inputs.\(k)") }
    public func output(_ k: String) -> Tensor { Fixture.tensor(section("outputs")[k], "\(name).outputs.\(k)") }
    public func grad(_ k: String) -> Tensor { Fixture.tensor(section("grads")[k], "\(name).grads.\(k)") }
    public var params: [String: Any] { section("params") }
    public var gradKeys: [String] { Array(section("grads").keys) }
    public var hasSecondOrder: Bool { json["second_order"] != nil }
    public func probe(_ k: String) -> Tensor? {
        (section("second_order")["probes"] as? [String: Any])?[k].map { Fixture.tensor($0, "\(name).probes.\(k)") }
    }
    public func secondGrad(_ k: String) -> Tensor {
        Fixture.tensor((section("second_order")["grads"] as? [String: Any])?[k], "\(name).second_order.grads.\(k)")
    }
    public var secondGradKeys: [String] { Array(((section("second_order")["grads"] as? [String: Any]) ?? [:]).keys) }
}

/// Expects `|got − want| ≤ atol + rtol·|want|` elementwise, reporting the worst element.
public func expectClose(_ got: Tensor, _ want: Tensor, atol: Float = 1e-5, rtol: Float = 1e-4,
                 _ what: String, sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(got.shape == want.shape, "\(what): shape \(got.shape) != \(want.shape)", sourceLocation: sourceLocation)
    guard got.shape == want.shape else { return }
    let g = got.toArray(), w = want.toArray()
    var worst = -1
    var worstExcess: Float = 0
    for i in 0..<g.count {
        let excess = abs(g[i] - w[i]) - (atol + rtol * abs(w[i]))
        if excess > worstExcess || !g[i].isFinite { worstExcess = max(excess, worstExcess); worst = i; if !g[i].isFinite { break } }
    }
    #expect(worst < 0, "\(what): element \(worst) is \(worst >= 0 ? g[worst] : 0), expected \(worst >= 0 ? w[worst] : 0)",
            sourceLocation: sourceLocation)
}

/// Runs an op case of the fixtures: forward `y`, first-order gradients (L = Σ y·gy) and,
/// where the case has them, second-order gradients (S = Σ grads·probes) with respect to
/// every input and to gy. `inputs` names the fixture inputs the op reads, in order;
/// `constant` names inputs that are not differentiated (masks, indices).
public func checkOpFixture(_ name: String, inputs names: [String], constant: Set<String> = [],
                    outputKey: String = "y",
                    sourceLocation: SourceLocation = #_sourceLocation,
                    _ f: ([Tensor]) -> Tensor) throws {
    let fx = try Fixture(name)
    let xs = names.map { constant.contains($0) ? fx.input($0) : fx.input($0).requiringGradient() }
    let y = f(xs)
    expectClose(y, fx.output(outputKey), "\(name) forward", sourceLocation: sourceLocation)

    let gy = fx.input("gy").requiringGradient()
    let diffIdx = names.indices.filter { !constant.contains(names[$0]) }
    let grads = gradients(of: y, wrt: diffIdx.map { xs[$0] }, seed: gy, createGraph: fx.hasSecondOrder)
    for (j, i) in diffIdx.enumerated() {
        expectClose(grads[j], fx.grad(names[i]), "\(name) grad \(names[i])", sourceLocation: sourceLocation)
    }
    guard fx.hasSecondOrder else { return }
    var s: Tensor? = nil
    for (j, i) in diffIdx.enumerated() {
        guard let p = fx.probe(names[i]) else { continue }
        let term = (grads[j] * p).sum()
        s = s.map { $0 + term } ?? term
    }
    let targets = diffIdx.map { xs[$0] } + [gy]
    let second = gradients(of: s!, wrt: targets)
    for (j, i) in diffIdx.enumerated() where fx.secondGradKeys.contains(names[i]) {
        expectClose(second[j], fx.secondGrad(names[i]), atol: 1e-4, rtol: 1e-3,
                    "\(name) second-order d/d\(names[i])", sourceLocation: sourceLocation)
    }
    if fx.secondGradKeys.contains("gy") {
        expectClose(second.last!, fx.secondGrad("gy"), atol: 1e-4, rtol: 1e-3,
                    "\(name) second-order d/dgy", sourceLocation: sourceLocation)
    }
}

/// Finite-difference checks of first and second order for an op at random,
/// well-conditioned inputs (see `GradCheck`); fails when the error exceeds `tolerance`.
public func checkGradients(_ what: String, inputs: [Tensor], tolerance: Double = 2e-2, h: Float = 1e-2,
                    secondOrder: Bool = true, seed: UInt64 = 7,
                    sourceLocation: SourceLocation = #_sourceLocation,
                    _ f: ([Tensor]) -> Tensor) {
    var rng = RandomGenerator(seed: seed)
    let y = f(inputs.map { $0.detached() })
    let gy = Tensor.randomNormal(y.shape, using: &rng)
    let first = GradCheck.firstOrder(f, at: inputs, gy: gy, h: h)
    #expect(first.maxError < tolerance, "\(what) first order: \(first)", sourceLocation: sourceLocation)
    guard secondOrder else { return }
    let probes = inputs.map { Tensor.randomNormal($0.shape, using: &rng) }
    let second = GradCheck.secondOrder(f, at: inputs, gy: gy, probes: probes, h: h)
    #expect(second.maxError < tolerance, "\(what) second order: \(second)", sourceLocation: sourceLocation)
}
