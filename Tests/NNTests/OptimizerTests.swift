import NN
import TestFixtures
import Foundation
import Testing

/// Shared helpers: fixture dictionaries, optimizers built from a run's hyperparameters.
enum OptimTestSupport {
    static func tensors(_ any: Any?, _ what: String) -> [String: Tensor] {
        guard let dict = any as? [String: Any] else { fatalError("fixture: \(what) is not a dictionary") }
        var out: [String: Tensor] = [:]
        for (k, v) in dict { out[k] = Fixture.tensor(v, "\(what).\(k)") }
        return out
    }

    static func number(_ any: Any?) -> Float { Float((any as! NSNumber).doubleValue) }

    /// The optimizer a fixture run used (PyTorch's name and hyperparameters).
    static func optimizer(_ run: [String: Any]) -> any Optimizer {
        let h = run["hyperparameters"] as! [String: Any]
        switch run["optimizer"] as! String {
        case "SGD":
            return SGD(learningRate: number(h["lr"]), momentum: number(h["momentum"]),
                       dampening: number(h["dampening"]), nesterov: h["nesterov"] as! Bool,
                       weightDecay: number(h["weight_decay"]))
        case "Adam":
            let betas = (h["betas"] as! [NSNumber]).map { Float($0.doubleValue) }
            return Adam(learningRate: number(h["lr"]), beta1: betas[0], beta2: betas[1],
                        epsilon: number(h["eps"]), weightDecay: number(h["weight_decay"]),
                        amsgrad: h["amsgrad"] as! Bool)
        case "RMSprop":
            return RMSProp(learningRate: number(h["lr"]), alpha: number(h["alpha"]), epsilon: number(h["eps"]),
                           momentum: number(h["momentum"]), centered: h["centered"] as! Bool,
                           weightDecay: number(h["weight_decay"]))
        case let other:
            fatalError("fixture: unknown optimizer \(other)")
        }
    }

    /// new − old, elementwise (untracked).
    static func difference(_ new: Tensor, _ old: Tensor) -> Tensor {
        Tensor(zip(new.toArray(), old.toArray()).map { $0 - $1 }, shape: new.shape)
    }

    /// Runs every optimizer of an `optim_*` case for its 10 steps from `start`, comparing
    /// parameters, updates, gradients and losses at every step. `step` gives the gradient
    /// (and the loss, if the case has one) at the current parameters for update t.
    static func checkTrajectories(_ name: String, start: [String: Tensor],
                                  sourceLocation: SourceLocation = #_sourceLocation,
                                  _ step: (_ t: Int, _ params: [String: Tensor]) -> (grads: [String: Tensor], loss: Tensor?)) throws {
        let fx = try Fixture(name)
        let runs = fx.json["runs"] as! [[String: Any]]
        #expect(runs.count == 4, sourceLocation: sourceLocation)
        for run in runs {
            let runName = run["name"] as! String
            let opt = optimizer(run)
            let wantParams = run["params"] as! [Any], wantUpdates = run["updates"] as! [Any]
            let wantGrads = run["grads"] as! [Any], wantLosses = run["losses"] as? [Any]
            #expect(wantParams.count == 10, sourceLocation: sourceLocation)
            var params = start.mapValues { $0.requiringGradient() }
            var state = OptimizerState()
            for t in 0..<wantParams.count {
                let (grads, loss) = step(t, params)
                let label = "\(name) \(runName) step \(t + 1)"
                let gWant = tensors(wantGrads[t], "\(label) grads")
                #expect(Set(gWant.keys) == Set(grads.keys), sourceLocation: sourceLocation)
                for (k, g) in grads { expectClose(g, gWant[k]!, "\(label) grad \(k)", sourceLocation: sourceLocation) }
                if let wantLosses {
                    expectClose(loss!, Fixture.tensor(wantLosses[t], "loss"), "\(label) loss", sourceLocation: sourceLocation)
                }
                let (next, nextState) = opt.update(params, grads, state)
                #expect(nextState.step == t + 1, sourceLocation: sourceLocation)
                let pWant = tensors(wantParams[t], "\(label) params"), uWant = tensors(wantUpdates[t], "\(label) updates")
                #expect(Set(pWant.keys) == Set(next.keys), sourceLocation: sourceLocation)
                for (k, p) in next {
                    expectClose(p, pWant[k]!, "\(label) param \(k)", sourceLocation: sourceLocation)
                    expectClose(difference(p, params[k]!), uWant[k]!, "\(label) update \(k)", sourceLocation: sourceLocation)
                }
                params = next
                state = nextState
            }
        }
    }

    /// The MLP `leaky_relu(v W1ᵀ + b1, slope) W2ᵀ + b2` (Linear layout).
    static func mlp(_ v: Tensor, _ p: [String: Tensor], slope: Float) -> Tensor {
        (v.matmul(p["W1"]!, transposeB: true) + p["b1"]!).leakyRelu(slope).matmul(p["W2"]!, transposeB: true) + p["b2"]!
    }
}

// MARK: - fixture trajectories

@Suite("Optimizers against PyTorch")
struct OptimizerFixtureTests {
    @Test func givenGradients() throws {
        let fx = try Fixture("optim_given_grads")
        let grads = (fx.section("inputs")["grads"] as! [Any]).map { Fixture.tensor($0, "grads") }
        try OptimTestSupport.checkTrajectories("optim_given_grads", start: ["p": fx.input("p0")]) { t, _ in
            (["p": grads[t]], nil)
        }
    }

    @Test func quadratic() throws {
        let fx = try Fixture("optim_quadratic")
        let a = fx.input("A"), c = fx.input("c")
        try OptimTestSupport.checkTrajectories("optim_quadratic", start: ["p": fx.input("p0")]) { _, params in
            let p = params["p"]!
            let r = a.matmul(p.reshaped([5, 1])).reshaped([5]) - c
            let loss = 0.5 * r.square().sum()
            return (["p": gradients(of: loss, wrt: [p])[0]], loss.detached())
        }
    }

    @Test func mlp() throws {
        let fx = try Fixture("optim_mlp")
        let x = fx.input("x"), y = fx.input("y")
        let start = OptimTestSupport.tensors(fx.section("inputs")["start"], "start")
        let names = ["W1", "b1", "W2", "b2"]
        try OptimTestSupport.checkTrajectories("optim_mlp", start: start) { _, p in
            let f = (x.matmul(p["W1"]!, transposeB: true) + p["b1"]!).tanh().matmul(p["W2"]!, transposeB: true) + p["b2"]!
            let loss = (f - y).square().mean()
            let g = gradients(of: loss, wrt: names.map { p[$0]! })
            return (Dictionary(uniqueKeysWithValues: zip(names, g)), loss.detached())
        }
    }

    /// One D step then one G step of a non-saturating GAN, both with Adam.
    @Test func ganIterationNonSaturating() throws {
        let fx = try Fixture("gan_iteration_nonsaturating")
        let inputs = fx.section("inputs")
        let g0 = OptimTestSupport.tensors(inputs["G"], "G").mapValues { $0.requiringGradient() }
        let d0 = OptimTestSupport.tensors(inputs["D"], "D").mapValues { $0.requiringGradient() }
        let lr = OptimTestSupport.number(fx.params["lr"])
        let betas = (fx.params["betas"] as! [NSNumber]).map { Float($0.doubleValue) }
        #expect(lr == 0.01 && betas == [0.5, 0.999])
        let adam = Adam(learningRate: lr, beta1: betas[0], beta2: betas[1], epsilon: 1e-8)
        func generator(_ z: Tensor, _ p: [String: Tensor]) -> Tensor {
            (z.matmul(p["W1"]!, transposeB: true) + p["b1"]!).relu().matmul(p["W2"]!, transposeB: true) + p["b2"]!
        }
        func critic(_ v: Tensor, _ p: [String: Tensor]) -> Tensor { OptimTestSupport.mlp(v, p, slope: 0.2) }
        let names = ["W1", "b1", "W2", "b2"]
        let grads = fx.section("grads")

        // D step: G held fixed (its parameters untracked here), only D's graph is walked.
        let xReal = fx.input("x_real")
        let fake1 = generator(fx.input("z1"), g0.mapValues { $0.detached() })
        #expect(!fake1.isTracked)
        let dReal = critic(xReal, d0), dFake = critic(fake1, d0)
        let lossD = Tensor.binaryCrossEntropyWithLogits(dReal, Tensor(ones: dReal.shape))
                  + Tensor.binaryCrossEntropyWithLogits(dFake, Tensor(zeros: dFake.shape))
        expectClose(lossD, fx.output("lossD"), "lossD")
        let gD = Dictionary(uniqueKeysWithValues: zip(names, gradients(of: lossD, wrt: names.map { d0[$0]! })))
        let wantGD = OptimTestSupport.tensors(grads["D_step"], "grads.D_step")
        for k in names { expectClose(gD[k]!, wantGD[k]!, "D step grad \(k)") }
        let (d1, _) = adam.update(d0, gD, OptimizerState())

        // G step through the updated D, held fixed.
        let fake2 = generator(fx.input("z2"), g0)
        let logits = critic(fake2, d1.mapValues { $0.detached() })
        let lossG = Tensor.binaryCrossEntropyWithLogits(logits, Tensor(ones: logits.shape))
        expectClose(lossG, fx.output("lossG"), "lossG")
        let gG = Dictionary(uniqueKeysWithValues: zip(names, gradients(of: lossG, wrt: names.map { g0[$0]! })))
        let wantGG = OptimTestSupport.tensors(grads["G_step"], "grads.G_step")
        for k in names { expectClose(gG[k]!, wantGG[k]!, "G step grad \(k)") }
        let (g1, _) = adam.update(g0, gG, OptimizerState())

        let wantG = OptimTestSupport.tensors(fx.section("outputs")["G"], "outputs.G")
        let wantD = OptimTestSupport.tensors(fx.section("outputs")["D"], "outputs.D")
        for k in names {
            expectClose(g1[k]!, wantG[k]!, "G after both steps: \(k)")
            expectClose(d1[k]!, wantD[k]!, "D after both steps: \(k)")
        }
    }

    /// The seed-002 WGAN-GP critic: gradients of loss_D through the penalty (double
    /// backward), then one Adam(1e-4, betas 0/0.9) step from a fresh state.
    @Test func seed002CriticAdamStep() throws {
        let fx = try Fixture("seed002_wgangp_critic_step")
        let inputs = fx.section("inputs")
        let adamParams = fx.params["adam"] as! [String: Any]
        let betas = (adamParams["betas"] as! [NSNumber]).map { Float($0.doubleValue) }
        let adam = Adam(learningRate: OptimTestSupport.number(adamParams["lr"]), beta1: betas[0], beta2: betas[1],
                        epsilon: OptimTestSupport.number(adamParams["eps"]))
        #expect(adam.learningRate(0) == 1e-4 && betas == [0, 0.9])

        // Generator (no gradient): tanh(leaky_relu(z W1ᵀ + b1) W2ᵀ + b2).
        let gen = OptimTestSupport.tensors(inputs["G"], "G")
        let fake = OptimTestSupport.mlp(fx.input("z"), gen, slope: 0.2).tanh()
        let names = ["W1", "b1", "W2", "b2"]
        let params = OptimTestSupport.tensors(inputs["D"], "D").mapValues { $0.requiringGradient() }
        let real = fx.input("real"), eps = fx.input("eps")
        func critic(_ v: Tensor) -> Tensor { OptimTestSupport.mlp(v, params, slope: 0.2) }
        let xHat = (eps * real + (1 - eps) * fake).detached().requiringGradient()
        let gradX = gradients(of: critic(xHat).sum(), wrt: [xHat], createGraph: true)[0]
        let gp = (gradX.l2NormRows() - 1).square().mean()
        let lossD = critic(fake).mean() - critic(real).mean() + 10 * gp
        expectClose(lossD, fx.output("loss_D"), "loss_D")
        let ours = Dictionary(uniqueKeysWithValues: zip(names, gradients(of: lossD, wrt: names.map { params[$0]! })))

        let wantGrads = OptimTestSupport.tensors(fx.section("grads"), "grads")
        let wantUpdate = OptimTestSupport.tensors(fx.json["adam_update"], "adam_update")
        // From our gradients and from the fixture's: both must give PyTorch's update wherever
        // |grad| ≥ 1e-6 (below that, float32 cancellation noise decides the sign; README).
        for (label, grads) in [("our gradients", ours), ("fixture gradients", wantGrads)] {
            let (next, state) = adam.update(params, grads, OptimizerState())
            #expect(state.step == 1)
            for k in names {
                let mask = wantGrads[k]!.toArray().map { Swift.abs($0) >= 1e-6 }
                let got = OptimTestSupport.difference(next[k]!, params[k]!).toArray()
                let want = wantUpdate[k]!.toArray()
                let keep = mask.indices.filter { mask[$0] }
                if k != "b2" { #expect(keep.count > mask.count / 2, "\(k): most entries are compared") }
                expectClose(Tensor(keep.map { got[$0] }), Tensor(keep.map { want[$0] }),
                            "seed002 adam_update \(k) from \(label)")
            }
        }
    }
}

// MARK: - hand-computed rules (Double references)

/// Straightforward Double implementations of PyTorch's rules, one element at a time.
enum Reference {
    static func sgd(p0: [Double], grads: [[Double]], lr: Double, momentum: Double, dampening: Double,
                    nesterov: Bool, wd: Double) -> [[Double]] {
        var p = p0, buf: [Double]? = nil, out: [[Double]] = []
        for g in grads {
            var d = p.indices.map { g[$0] + wd * p[$0] }
            if momentum != 0 {
                if let b = buf { buf = b.indices.map { momentum * b[$0] + (1 - dampening) * d[$0] } } else { buf = d }
                d = nesterov ? d.indices.map { d[$0] + momentum * buf![$0] } : buf!
            }
            p = p.indices.map { p[$0] - lr * d[$0] }
            out.append(p)
        }
        return out
    }

    static func adam(p0: [Double], grads: [[Double]], lr: Double, b1: Double, b2: Double, eps: Double,
                     wd: Double, decoupled: Bool, amsgrad: Bool) -> [[Double]] {
        var p = p0, m = p0.map { _ in 0.0 }, v = m, vMax = m, out: [[Double]] = []
        for (k, g0) in grads.enumerated() {
            let t = Double(k + 1)
            if decoupled { p = p.map { $0 * (1 - lr * wd) } }
            let g = p.indices.map { g0[$0] + (decoupled ? 0 : wd * p[$0]) }
            for i in p.indices {
                m[i] = b1 * m[i] + (1 - b1) * g[i]
                v[i] = b2 * v[i] + (1 - b2) * g[i] * g[i]
                vMax[i] = max(vMax[i], v[i])
                let denom = (amsgrad ? vMax[i] : v[i]).squareRoot() / (1 - pow(b2, t)).squareRoot() + eps
                p[i] -= lr / (1 - pow(b1, t)) * m[i] / denom
            }
            out.append(p)
        }
        return out
    }

    static func rmsprop(p0: [Double], grads: [[Double]], lr: Double, alpha: Double, eps: Double,
                        momentum: Double, centered: Bool, wd: Double) -> [[Double]] {
        var p = p0, s = p0.map { _ in 0.0 }, a = s, b = s, out: [[Double]] = []
        for g0 in grads {
            for i in p.indices {
                let g = g0[i] + wd * p[i]
                s[i] = alpha * s[i] + (1 - alpha) * g * g
                var d = s[i]
                if centered { a[i] = alpha * a[i] + (1 - alpha) * g; d -= a[i] * a[i] }
                d = d.squareRoot() + eps
                if momentum > 0 { b[i] = momentum * b[i] + g / d; p[i] -= lr * b[i] } else { p[i] -= lr * g / d }
            }
            out.append(p)
        }
        return out
    }
}

@Suite("Optimizer rules and API")
struct OptimizerTests {
    // Small cases: 13 parameters (11 + 2: the fused loops' 8-lane body and their scalar
    // tails), 5 steps; the gradients shrink and change sign so that AMSGrad's maximum,
    // Nesterov's look-ahead and dampening all matter.
    static let base: [[Float]] = [
        [0.8, -0.3, 1.5, 0.25], [-0.4, 0.2, 0.5, -0.125], [0.1, -0.05, -0.75, 0.0625],
        [0.05, 0.4, 0.25, -0.5], [-0.02, 0.01, 0.125, 0.25],
    ]
    static let p0: [Float] = (0..<13).map { i in [0.5, -1.25, 2.0, 0.03125][i % 4] * (1 + 0.125 * Float(i / 4)) }
    static let grads: [[Float]] = base.map { row in (0..<13).map { i in row[i % 4] * (1 + 0.25 * Float(i)) } }

    /// Runs `opt` from p0 on the given gradients (as a two-parameter dictionary, so that
    /// the path bookkeeping is exercised too) and compares every step with `want`.
    func check(_ opt: some Optimizer, _ want: [[Double]], _ what: String,
               sourceLocation: SourceLocation = #_sourceLocation) {
        var params = ["a.weight": Tensor(Array(Self.p0[0..<11])).requiringGradient(),
                      "b.bias": Tensor(Array(Self.p0[11..<13]), shape: [2, 1]).requiringGradient()]
        var state = OptimizerState()
        for (t, g) in Self.grads.enumerated() {
            let grads = ["a.weight": Tensor(Array(g[0..<11])), "b.bias": Tensor(Array(g[11..<13]), shape: [2, 1])]
            (params, state) = opt.update(params, grads, state)
            let got = params["a.weight"]!.toArray() + params["b.bias"]!.toArray()
            expectClose(Tensor(got), Tensor(want[t].map(Float.init)), atol: 1e-6, rtol: 1e-5,
                        "\(what) step \(t + 1)", sourceLocation: sourceLocation)
        }
        #expect(state.step == Self.grads.count, sourceLocation: sourceLocation)
    }

    var p0d: [Double] { Self.p0.map(Double.init) }
    var gd: [[Double]] { Self.grads.map { $0.map(Double.init) } }

    @Test func sgdRules() {
        check(SGD(learningRate: 0.1, momentum: 0.9, nesterov: true, weightDecay: 0.01),
              Reference.sgd(p0: p0d, grads: gd, lr: 0.1, momentum: 0.9, dampening: 0, nesterov: true, wd: 0.01),
              "SGD Nesterov + weight decay")
        check(SGD(learningRate: 0.05, momentum: 0.8, dampening: 0.5),
              Reference.sgd(p0: p0d, grads: gd, lr: 0.05, momentum: 0.8, dampening: 0.5, nesterov: false, wd: 0),
              "SGD dampening (buffer = first gradient, undamped)")
        check(SGD(learningRate: 0.2, weightDecay: 0.1),
              Reference.sgd(p0: p0d, grads: gd, lr: 0.2, momentum: 0, dampening: 0, nesterov: false, wd: 0.1),
              "plain SGD + weight decay")
        // Nesterov really differs from heavy-ball momentum here.
        let heavy = Reference.sgd(p0: p0d, grads: gd, lr: 0.1, momentum: 0.9, dampening: 0, nesterov: false, wd: 0.01)
        let nesterov = Reference.sgd(p0: p0d, grads: gd, lr: 0.1, momentum: 0.9, dampening: 0, nesterov: true, wd: 0.01)
        #expect(zip(heavy[4], nesterov[4]).contains { Swift.abs($0 - $1) > 1e-2 })
        #expect(SGD(learningRate: 0.1).slotNames.isEmpty)
        #expect(SGD(learningRate: 0.1, momentum: 0.9).slotNames == ["momentum_buffer"])
    }

    @Test func adamRules() {
        check(Adam(learningRate: 0.01, beta1: 0.9, beta2: 0.9, amsgrad: true),
              Reference.adam(p0: p0d, grads: gd, lr: 0.01, b1: 0.9, b2: 0.9, eps: 1e-8, wd: 0, decoupled: false, amsgrad: true),
              "Adam AMSGrad")
        check(Adam(learningRate: 0.01, beta1: 0.5, beta2: 0.999, weightDecay: 0.1),
              Reference.adam(p0: p0d, grads: gd, lr: 0.01, b1: 0.5, b2: 0.999, eps: 1e-8, wd: 0.1, decoupled: false, amsgrad: false),
              "Adam L2 weight decay")
        check(Adam.adamW(learningRate: 0.01, weightDecay: 0.5, amsgrad: true),
              Reference.adam(p0: p0d, grads: gd, lr: 0.01, b1: 0.9, b2: 0.999, eps: 1e-8, wd: 0.5, decoupled: true, amsgrad: true),
              "AdamW (decoupled) + AMSGrad")
        // AMSGrad and the two kinds of weight decay really differ on this case.
        let plain = Reference.adam(p0: p0d, grads: gd, lr: 0.01, b1: 0.9, b2: 0.9, eps: 1e-8, wd: 0, decoupled: false, amsgrad: false)
        let ams = Reference.adam(p0: p0d, grads: gd, lr: 0.01, b1: 0.9, b2: 0.9, eps: 1e-8, wd: 0, decoupled: false, amsgrad: true)
        #expect(zip(plain[4], ams[4]).contains { Swift.abs($0 - $1) > 1e-4 })
        let l2 = Reference.adam(p0: p0d, grads: gd, lr: 0.01, b1: 0.9, b2: 0.999, eps: 1e-8, wd: 0.5, decoupled: false, amsgrad: true)
        let decoupled = Reference.adam(p0: p0d, grads: gd, lr: 0.01, b1: 0.9, b2: 0.999, eps: 1e-8, wd: 0.5, decoupled: true, amsgrad: true)
        #expect(zip(l2[4], decoupled[4]).contains { Swift.abs($0 - $1) > 1e-4 })
        #expect(Adam(learningRate: 1, amsgrad: true).slotNames == ["exp_avg", "exp_avg_sq", "max_exp_avg_sq"])
    }

    @Test func rmspropRules() {
        check(RMSProp(learningRate: 0.01, alpha: 0.9, momentum: 0.5, centered: true, weightDecay: 0.05),
              Reference.rmsprop(p0: p0d, grads: gd, lr: 0.01, alpha: 0.9, eps: 1e-8, momentum: 0.5, centered: true, wd: 0.05),
              "RMSProp centered + momentum + weight decay")
        check(RMSProp(learningRate: 0.01, alpha: 0.99, centered: true),
              Reference.rmsprop(p0: p0d, grads: gd, lr: 0.01, alpha: 0.99, eps: 1e-8, momentum: 0, centered: true, wd: 0),
              "RMSProp centered")
        check(RMSProp(learningRate: 0.02, alpha: 0.95, momentum: 0.9),
              Reference.rmsprop(p0: p0d, grads: gd, lr: 0.02, alpha: 0.95, eps: 1e-8, momentum: 0.9, centered: false, wd: 0),
              "RMSProp momentum")
        #expect(RMSProp(learningRate: 1, momentum: 0.9, centered: true).slotNames == ["square_avg", "momentum_buffer", "grad_avg"])
    }

    static let optimizers: [any Optimizer] = [
        SGD(learningRate: 0.1, momentum: 0.9, nesterov: true, weightDecay: 1e-3),
        Adam(learningRate: 1e-3, beta1: 0.5, beta2: 0.999, amsgrad: true),
        Adam.adamW(learningRate: 1e-3),
        RMSProp(learningRate: 1e-2, momentum: 0.5, centered: true),
    ]

    @Test func updatesArePure() {
        var rng = RandomGenerator(seed: 3)
        let params = ["g.w": Tensor.randomNormal([3, 4], using: &rng).requiringGradient(),
                      "g.b": Tensor.randomNormal([4], using: &rng).requiringGradient()]
        let grads = ["g.w": Tensor.randomNormal([3, 4], using: &rng), "g.b": Tensor.randomNormal([4], using: &rng)]
        let before = params.mapValues { $0.toArray() }, gradsBefore = grads.mapValues { $0.toArray() }
        for opt in Self.optimizers {
            // A state with slots already, so the update reads old state too.
            let (_, s1) = opt.update(params, grads, OptimizerState())
            let s1Before = s1.flattened().mapValues { $0.toArray() }
            let a = opt.update(params, grads, s1), b = opt.update(params, grads, s1)
            for k in params.keys {
                #expect(a.parameters[k]!.toArray() == b.parameters[k]!.toArray(), "\(opt): same inputs, same result")
                #expect(a.parameters[k]!.toArray() != before[k]!, "\(opt): parameters moved")
            }
            #expect(a.state.flattened().mapValues { $0.toArray() } == b.state.flattened().mapValues { $0.toArray() })
            #expect(params.mapValues { $0.toArray() } == before, "inputs unchanged")
            #expect(grads.mapValues { $0.toArray() } == gradsBefore, "gradients unchanged")
            #expect(s1.flattened().mapValues { $0.toArray() } == s1Before, "old state unchanged")
            #expect(s1.step == 1 && a.state.step == 2)
        }
    }

    /// 10,000 parameters whose gradients were built with a graph: the update builds none,
    /// returns fresh leaves and untracked state, and shares no storage with its inputs.
    @Test func largeUpdateGivesFreshLeaves() {
        var rng = RandomGenerator(seed: 4)
        let w = Tensor.randomNormal([100, 100], using: &rng).requiringGradient()
        let x = Tensor.randomNormal([8, 100], using: &rng)
        let loss = x.matmul(w).tanh().square().mean()
        let g = gradients(of: loss, wrt: [w], createGraph: true)[0]
        #expect(g.isTracked && g.count == 10_000)
        for opt in Self.optimizers {
            let (p, s) = opt.update(["critic.w": w], ["critic.w": g], OptimizerState())
            let nw = p["critic.w"]!
            #expect(nw.isTracked && nw.node!.isLeaf && nw.node!.inputs.isEmpty, "\(opt): a fresh leaf")
            #expect(nw.node! !== w.node!)
            #expect(!nw.storage.isSame(as: w.storage) && !nw.storage.isSame(as: g.storage))
            #expect(nw.shape == [100, 100])
            #expect(nw.toArray() != w.toArray())
            for (_, t) in s.flattened() { #expect(!t.isTracked) }
            #expect(s.slots["critic.w"]!.count == opt.slotNames.count)
            // Differentiating through the new leaf works and does not reach the old graph.
            let g2 = gradients(of: x.matmul(nw).square().mean(), wrt: [nw])[0]
            #expect(!g2.isTracked && g2.shape == [100, 100])
        }
    }

    @Test func missingGradientLeavesParameterAndStateUnchanged() {
        let params = ["d.w": Tensor([1, 2, 3]).requiringGradient(), "d.frozen": Tensor([4, 5]).requiringGradient()]
        for opt in Self.optimizers {
            let (p1, s1) = opt.update(params, ["d.w": Tensor([0.5, -0.5, 1]), "d.frozen": Tensor([1, 1])], OptimizerState())
            let (p2, s2) = opt.update(p1, ["d.w": Tensor([0.5, -0.5, 1])], s1)
            #expect(p2["d.frozen"]!.toArray() == p1["d.frozen"]!.toArray())
            #expect(p2["d.frozen"]!.storage.isSame(as: p1["d.frozen"]!.storage), "no copy")
            #expect(p2["d.frozen"]!.node!.isLeaf)
            #expect(p2["d.w"]!.toArray() != p1["d.w"]!.toArray())
            #expect(s2.step == 2)
            for name in opt.slotNames {
                #expect(s2.slot(name, for: "d.frozen")!.storage.isSame(as: s1.slot(name, for: "d.frozen")!.storage))
            }
            // A parameter never given a gradient gets no state.
            let (_, s3) = opt.update(params, ["d.w": Tensor([1, 1, 1])], OptimizerState())
            #expect(s3.slots["d.frozen"] == nil)
        }
    }

    @Test func stateFlattenRoundTrip() throws {
        let opt = Adam(learningRate: 1e-2, amsgrad: true)
        var params = ["gen.blocks.0.conv.weight": Tensor([1, 2, 3, 4, 5, 6], shape: [2, 3]).requiringGradient(),
                      "gen.blocks.0.conv.bias": Tensor([0.5, -0.5]).requiringGradient()]
        let grads = ["gen.blocks.0.conv.weight": Tensor([1, -1, 2, -2, 3, -3], shape: [2, 3]),
                     "gen.blocks.0.conv.bias": Tensor([0.25, 0.75])]
        var state = OptimizerState()
        for _ in 0..<2 { (params, state) = opt.update(params, grads, state) }
        let flat = state.flattened()
        #expect(Set(flat.keys) == ["step",
            "gen.blocks.0.conv.weight.exp_avg", "gen.blocks.0.conv.weight.exp_avg_sq", "gen.blocks.0.conv.weight.max_exp_avg_sq",
            "gen.blocks.0.conv.bias.exp_avg", "gen.blocks.0.conv.bias.exp_avg_sq", "gen.blocks.0.conv.bias.max_exp_avg_sq"])
        #expect(flat["step"]!.shape == [] && flat["step"]!.scalarValue == 2)
        let restored = try opt.state(fromFlattened: flat, parameters: params)
        #expect(restored.step == 2)
        #expect(restored.flattened().mapValues { $0.toArray() } == flat.mapValues { $0.toArray() })
        // Continuing from the restored state is the same as continuing from the original.
        let a = opt.update(params, grads, state), b = opt.update(params, grads, restored)
        for k in params.keys { #expect(a.parameters[k]!.toArray() == b.parameters[k]!.toArray()) }

        // Large step counts survive exactly.
        for step in [0, 1 << 24, (1 << 24) + 1, 123_456_789_012] {
            let s = try OptimizerState(flattened: OptimizerState(step: step).flattened(), parameters: [:], slotNames: [])
            #expect(s.step == step)
        }
        // A fresh state (no slots yet) is fine at step 0.
        #expect(try opt.state(fromFlattened: OptimizerState().flattened(), parameters: params).step == 0)
    }

    @Test func stateErrorsNameTheEntries() throws {
        let opt = Adam(learningRate: 1e-2)
        let params = ["net.w": Tensor([1, 2, 3]), "net.b": Tensor([1])]
        let (_, state) = opt.update(params, ["net.w": Tensor([1, 1, 1]), "net.b": Tensor([1])], OptimizerState())
        var flat = state.flattened()
        flat["net.w.exp_avg"] = nil
        flat["net.b.exp_avg_sq"] = Tensor([1, 2])
        flat["net.gone.exp_avg"] = Tensor([1])
        flat["net.w.velocity"] = Tensor([1, 2, 3])
        do {
            _ = try opt.state(fromFlattened: flat, parameters: params)
            Issue.record("expected an error")
        } catch let error as OptimizerStateError {
            let text = error.description
            #expect(text.contains("'net.w.exp_avg' is missing"))
            #expect(text.contains("'net.b.exp_avg_sq' has shape [2] but parameter 'net.b' has shape [1]"))
            #expect(text.contains("'net.gone.exp_avg' is for parameter 'net.gone', which does not exist"))
            #expect(text.contains("'net.w.velocity' is not '<parameter>.<slot>'"))
            #expect(error.problems.count == 4)
        }
        var noStep = state.flattened()
        noStep["step"] = nil
        #expect(throws: OptimizerStateError.self) { try opt.state(fromFlattened: noStep, parameters: params) }
        noStep["step"] = Tensor(scalar: 1.5)
        #expect(throws: OptimizerStateError.self) { try opt.state(fromFlattened: noStep, parameters: params) }
        // Without requireEvery, a parameter may have no state at all (never had a gradient).
        var partial = state.flattened()
        partial["net.b.exp_avg"] = nil
        partial["net.b.exp_avg_sq"] = nil
        #expect(throws: OptimizerStateError.self) { try opt.state(fromFlattened: partial, parameters: params) }
        let s = try opt.state(fromFlattened: partial, parameters: params, requireEvery: false)
        #expect(s.slots["net.b"] == nil && s.slots["net.w"]?.count == 2)
    }

    @Test func gradientForUnknownPathNamesIt() async {
        await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            let params = ["critic.fc1.weight": Tensor(zeros: [4, 3])]
            _ = Adam(learningRate: 1e-3).update(params, ["generator.fc1.weight": Tensor(zeros: [4, 3])], OptimizerState())
        }.map { r in
            #expect(String(decoding: r.standardErrorContent, as: UTF8.self)
                .contains("Adam.update: gradient for 'generator.fc1.weight' has shape [4, 3] but there is no parameter 'generator.fc1.weight'"))
        }
    }

    @Test func gradientShapeMismatchNamesPathAndShapes() async {
        await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            let params = ["critic.fc1.weight": Tensor(zeros: [4, 3])]
            _ = SGD(learningRate: 0.1).update(params, ["critic.fc1.weight": Tensor(zeros: [3, 4])], OptimizerState())
        }.map { r in
            #expect(String(decoding: r.standardErrorContent, as: UTF8.self)
                .contains("SGD.update: gradient for 'critic.fc1.weight' has shape [3, 4] but the parameter has shape [4, 3]"))
        }
    }
}
