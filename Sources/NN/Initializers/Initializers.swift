/// Weight initializers, each drawing from an explicit generator. Fan-in and fan-out follow
/// PyTorch's `_calculate_fan_in_and_fan_out`: for a weight of shape [a, b, k...],
/// fanIn = b·∏k and fanOut = a·∏k (so for a ConvTranspose2d weight [in, out, kh, kw] the
/// "fan-in" is out·kh·kw, as in PyTorch).
public enum Initializer {
    public static func fans(_ shape: [Int]) -> (fanIn: Int, fanOut: Int) {
        require(shape.count >= 2, "Initializer: fans need a weight of rank ≥ 2, got \(Shape.describe(shape))")
        let receptive = shape.dropFirst(2).reduce(1, *)
        return (shape[1] * receptive, shape[0] * receptive)
    }

    /// N(mean, std²); DCGAN (Radford et al. 2016) uses N(0, 0.02²).
    public static func normal(_ shape: [Int], mean: Float = 0, std: Float, using rng: inout RandomGenerator) -> Tensor {
        Tensor.randomNormal(shape, mean: mean, std: std, using: &rng)
    }

    /// U(−a, a) with a = gain·√(6 / (fanIn + fanOut)) (Glorot & Bengio 2010).
    public static func xavierUniform(_ shape: [Int], gain: Float = 1, using rng: inout RandomGenerator) -> Tensor {
        let (i, o) = fans(shape)
        let a = gain * (6 / Float(i + o)).squareRoot()
        return Tensor.randomUniform(shape, low: -a, high: a, using: &rng)
    }

    /// N(0, σ²) with σ = gain·√(2 / (fanIn + fanOut)).
    public static func xavierNormal(_ shape: [Int], gain: Float = 1, using rng: inout RandomGenerator) -> Tensor {
        let (i, o) = fans(shape)
        return Tensor.randomNormal(shape, std: gain * (2 / Float(i + o)).squareRoot(), using: &rng)
    }

    public enum FanMode: Sendable { case fanIn, fanOut }

    /// The gain of a leaky ReLU with negative slope `a` (0: ReLU): √(2 / (1 + a²)).
    public static func leakyReluGain(_ a: Float) -> Float { (2 / (1 + a * a)).squareRoot() }

    /// U(−b, b) with b = gain·√(3 / fan), gain = √(2 / (1 + a²)) (He et al. 2015).
    public static func kaimingUniform(_ shape: [Int], a: Float = 0, mode: FanMode = .fanIn,
                                      using rng: inout RandomGenerator) -> Tensor {
        let (i, o) = fans(shape)
        let b = leakyReluGain(a) * (3 / Float(mode == .fanIn ? i : o)).squareRoot()
        return Tensor.randomUniform(shape, low: -b, high: b, using: &rng)
    }

    /// N(0, σ²) with σ = gain / √fan.
    public static func kaimingNormal(_ shape: [Int], a: Float = 0, mode: FanMode = .fanIn,
                                     using rng: inout RandomGenerator) -> Tensor {
        let (i, o) = fans(shape)
        return Tensor.randomNormal(shape, std: leakyReluGain(a) / Float(mode == .fanIn ? i : o).squareRoot(), using: &rng)
    }

    /// A (semi-)orthogonal matrix times `gain` (Saxe et al. 2014), seen as
    /// [shape[0], rest]: the Q factor of a Gaussian matrix (modified Gram-Schmidt in
    /// Double, signs fixed so the result is uniformly distributed).
    public static func orthogonal(_ shape: [Int], gain: Float = 1, using rng: inout RandomGenerator) -> Tensor {
        require(shape.count >= 2, "orthogonal: needs a weight of rank ≥ 2, got \(Shape.describe(shape))")
        let rows = shape[0], cols = shape.dropFirst().reduce(1, *)
        // Orthonormalize the columns of a tall [m, n] matrix (m ≥ n), then transpose if needed.
        let (m, n) = rows >= cols ? (rows, cols) : (cols, rows)
        let g = Tensor.randomNormal([m, n], using: &rng).toArray().map(Double.init)
        var q = [[Double]](repeating: [Double](repeating: 0, count: m), count: n)  // columns
        for j in 0..<n {
            var v = (0..<m).map { g[$0 * n + j] }
            for k in 0..<j {
                let d = zip(q[k], v).reduce(0) { $0 + $1.0 * $1.1 }
                for i in 0..<m { v[i] -= d * q[k][i] }
            }
            let norm = v.reduce(0) { $0 + $1 * $1 }.squareRoot()
            q[j] = v.map { $0 / norm }
        }
        var out = [Float](repeating: 0, count: rows * cols)
        for r in 0..<rows {
            for c in 0..<cols {
                out[r * cols + c] = gain * Float(rows >= cols ? q[c][r] : q[r][c])
            }
        }
        return Tensor(out, shape: shape)
    }

    /// DCGAN's initialization (Radford et al. 2016; PyTorch's DCGAN tutorial `weights_init`):
    /// weights of every Conv2d, ConvTranspose2d and Linear ~ N(0, 0.02²) with biases 0, and
    /// batch-norm γ ~ N(1, 0.02²), β = 0. Applied in place to every layer inside `model`.
    public static func applyDCGAN(to model: ParameterContainer, using rng: inout RandomGenerator) {
        for (_, layer) in model.namedLayers() {
            switch layer {
            case let l as Conv2d:
                l.weight = normal(l.weight.shape, std: 0.02, using: &rng).requiringGradient()
                l.bias = l.bias.map { Tensor(zeros: $0.shape).requiringGradient() }
            case let l as ConvTranspose2d:
                l.weight = normal(l.weight.shape, std: 0.02, using: &rng).requiringGradient()
                l.bias = l.bias.map { Tensor(zeros: $0.shape).requiringGradient() }
            case let l as Linear:
                l.weight = normal(l.weight.shape, std: 0.02, using: &rng).requiringGradient()
                l.bias = l.bias.map { Tensor(zeros: $0.shape).requiringGradient() }
            case let l as BatchNorm:
                l.weight = l.weight.map { normal($0.shape, mean: 1, std: 0.02, using: &rng).requiringGradient() }
                l.bias = l.bias.map { Tensor(zeros: $0.shape).requiringGradient() }
            default:
                break
            }
        }
    }
}
