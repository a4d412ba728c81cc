import Autograd

/// conv2d / conv_transpose2d forward + backward (input and weight gradients) at the
/// seed-001 DCGAN layer shapes (batch 64 and 256), as GFLOP/s and as a percentage of the
/// SGEMM peak measured in the same run. FLOP = 3 × forward (2 × MACs), as in BENCHMARKS.md.
func benchConvolution(threads: Int) {
    let peak = measuredPeakGFLOPs(threads: threads)
    report("sgemm_peak", ["threads": threads, "gflops": peak])
    // (name, transposed, inC, outC, kernel, stride, padding, outputPadding, inH)
    let layers: [(String, Bool, Int, Int, Int, Int, Int, Int, Int)] = [
        ("D.conv1", false, 1, 64, 5, 2, 2, 0, 28),
        ("D.conv2", false, 64, 128, 5, 2, 2, 0, 14),
        ("G.convT1", true, 256, 128, 5, 1, 2, 0, 7),
        ("G.convT2", true, 128, 64, 5, 2, 2, 1, 7),
        ("G.convT3", true, 64, 1, 5, 2, 2, 1, 14),
    ]
    var rng = RandomGenerator(seed: 4)
    for batch in [64, 256] {
        var totalFlop = 0.0, totalSeconds = 0.0
        defer {
            // The whole DCGAN conv stack: what a training step sees.
            let gflops = totalFlop / totalSeconds / 1e9
            report("conv_stack", ["batch": batch, "threads": threads, "layers": layers.count,
                                  "fwd_bwd_ms": totalSeconds * 1e3, "gflops": gflops, "pct_of_peak": 100 * gflops / peak])
        }
        for (name, transposed, inC, outC, k, s, p, op, h) in layers {
            let x = Tensor.randomNormal([batch, inC, h, h], using: &rng).requiringGradient()
            let wShape = transposed ? [inC, outC, k, k] : [outC, inC, k, k]
            let w = (Tensor.randomNormal(wShape, using: &rng) * 0.05).requiringGradient()
            func forward() -> Tensor {
                transposed ? Tensor.convTranspose2d(x, weight: w, stride: s, padding: p, outputPadding: op)
                           : Tensor.conv2d(x, weight: w, stride: s, padding: p)
            }
            let y = forward()
            let outH = y.shape[2]
            // MACs of the forward pass: every output (conv) or input (transpose) pixel
            // touches inC·k·k (resp. outC·k·k) weights per channel pair.
            let macs = transposed ? Double(batch * inC * h * h) * Double(outC * k * k)
                                  : Double(batch * outC * outH * outH) * Double(inC * k * k)
            let gy = Tensor.randomNormal(y.shape, using: &rng)
            let fwd = Timer.secondsPerCall(minSeconds: 0.2, batches: 3) { blackHole(forward().detached()) }
            let total = Timer.secondsPerCall(minSeconds: 0.2, batches: 3) {
                blackHole(gradients(of: forward(), wrt: [x, w], seed: gy))
            }
            let gflops = 3 * 2 * macs / total / 1e9
            totalFlop += 3 * 2 * macs
            totalSeconds += total
            report("conv", ["layer": name, "batch": batch, "threads": threads,
                            "shape": "\(inC)x\(h)x\(h)->\(outC)x\(outH)x\(outH)", "fwd_ms": fwd * 1e3,
                            "fwd_bwd_ms": total * 1e3, "gflops": gflops, "pct_of_peak": 100 * gflops / peak])
        }
    }
}
