import Autograd
import Foundation

/// Elementwise throughput on 1M-element tensors, in GB/s of memory touched (inputs read +
/// output written), next to memcpy of the same output size.
func benchElementwise() {
    let n = 1 << 20
    var rng = RandomGenerator(seed: 3)
    let a = Tensor.randomNormal([n], using: &rng)
    let b = Tensor.randomNormal([n], using: &rng)
    let row = Tensor.randomNormal([1024], using: &rng)
    let a2 = a.reshaped([1024, 1024])
    let pos = a.abs() + 0.01
    let bytes = Double(n * 4)
    let dst = Storage(uninitialized: n)
    let memcpyTime = Timer.secondsPerCall { memcpy(dst.pointer, a.storage.pointer, n * 4) }
    let memcpyGBs = 2 * bytes / memcpyTime / 1e9
    report("memcpy", ["elements": n, "gbytes_per_s": memcpyGBs])
    // The backward of leaky relu alone (the forward is recorded once); dropout reads x and
    // writes its mask and output.
    let tracked = a.requiringGradient()
    let leaky = tracked.leakyRelu(0.2)
    let cases: [(String, Int, () -> Tensor)] = [
        ("add", 3, { a + b }), ("mul", 3, { a * b }), ("add_row_broadcast", 2, { a2 + row }),
        ("mul_scalar", 2, { a * 3 }), ("neg", 2, { -a }), ("exp", 2, { a.exp() }),
        ("log", 2, { pos.log() }), ("square", 2, { a.square() }), ("sqrt", 2, { pos.sqrt() }),
        ("tanh", 2, { a.tanh() }), ("sigmoid", 2, { a.sigmoid() }), ("softplus", 2, { a.softplus() }), ("relu", 2, { a.relu() }),
        ("sum", 1, { a.sum() }),
        ("leaky_relu_backward", 3, { gradients(of: leaky, wrt: [tracked], seed: b)[0] }),
        ("dropout", 3, { var r = RandomGenerator(seed: 5); return a.dropout(p: 0.3, training: true, using: &r) }),
    ]
    for (name, arrays, body) in cases {
        let t = Timer.secondsPerCall { blackHole(body()) }
        let gbs = Double(arrays) * bytes / t / 1e9
        report("elementwise", ["op": name, "elements": n, "gbytes_per_s": gbs, "ms": t * 1e3,
                               "vs_memcpy": gbs / memcpyGBs])
    }
    // Maxout with PacGAN's 5 pieces on [n/5, 5]: the forward reads x and writes a fifth
    // (and the winners' indices); the backward scatters a fifth to x's size.
    let x5 = Tensor.randomNormal([n / 5, 5], using: &rng).requiringGradient()
    let maxed = x5.maxout(pieces: 5), gy5 = Tensor.randomNormal([n / 5, 1], using: &rng)
    for (name, body) in [("maxout5", { x5.maxout(pieces: 5) }),
                         ("maxout5_backward", { gradients(of: maxed, wrt: [x5], seed: gy5)[0] })] as [(String, () -> Tensor)] {
        let t = Timer.secondsPerCall { blackHole(body()) }
        let gbs = 1.4 * Double(n / 5 * 5 * 4) / t / 1e9
        report("elementwise", ["op": name, "elements": n / 5 * 5, "gbytes_per_s": gbs, "ms": t * 1e3, "vs_memcpy": gbs / memcpyGBs])
    }
}

/// Per-op overhead: forward and backward of one op on 1-element tensors, amortized over a
/// chain of `length` ops walked by one `gradients` call.
func benchOverhead() {
    let x = Tensor(scalar: 0.5).requiringGradient()
    let length = 100
    let t = Timer.secondsPerCall {
        var y = x
        for _ in 0..<length { y = y * 0.999 + x }
        blackHole(gradients(of: y, wrt: [x]))
    }
    // two ops per iteration (mul_scalar, add)
    report("op_overhead", ["ops": 2 * length, "us_per_op_fwd_bwd": t / Double(2 * length) * 1e6])
    let f = Timer.secondsPerCall {
        var y = x.detached()
        for _ in 0..<length { y = y * 0.999 + x.detached() }
        blackHole(y)
    }
    report("op_overhead_untracked", ["ops": 2 * length, "us_per_op_fwd": f / Double(2 * length) * 1e6])
}

/// The same kernels into a preallocated output: separates the arithmetic and memory
/// traffic from the cost of obtaining a fresh output buffer.
func benchElementwiseInPlace() {
    let n = 1 << 20
    var rng = RandomGenerator(seed: 3)
    let a = Tensor.randomNormal([n], using: &rng), b = Tensor.randomNormal([n], using: &rng)
    let out = Storage(uninitialized: n)
    let t = Timer.secondsPerCall { VectorMath.add(a.storage.pointer, b.storage.pointer, out.pointer, n) }
    report("elementwise_preallocated", ["op": "add", "elements": n, "gbytes_per_s": 3 * Double(n * 4) / t / 1e9, "ms": t * 1e3])
    let t2 = Timer.secondsPerCall { blackHole(Storage(uninitialized: n)) }
    report("allocate", ["elements": n, "us": t2 * 1e6])
    let t3 = Timer.secondsPerCall { let s = Storage(uninitialized: n); s.pointer.update(repeating: 0, count: n) }
    report("allocate_and_touch", ["elements": n, "ms": t3 * 1e3])
}
