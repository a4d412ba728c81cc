import Autograd
import Foundation

// fit-mlp: the engine's built-in example. A 2-layer MLP (1 → 32 → 1, tanh) learns
// y = sin(3x) on [-1, 1] from 256 noisy samples, trained by plain gradient descent with
// momentum on gradients from `gradients(of:wrt:)`. It prints the loss as it falls.
//
// usage: fit-mlp [--steps N] [--seed S] [--lr LR]

func argument(_ name: String, default value: Double) -> Double {
    let args = CommandLine.arguments
    guard let i = args.firstIndex(of: name) else { return value }
    guard i + 1 < args.count, let v = Double(args[i + 1]) else {
        FileHandle.standardError.write(Data("fit-mlp: \(name) needs a number\nusage: fit-mlp [--steps N] [--seed S] [--lr LR]\n".utf8))
        exit(2)
    }
    return v
}
if CommandLine.arguments.contains("--help") || CommandLine.arguments.contains("-h") {
    print("""
    usage: fit-mlp [--steps N] [--seed S] [--lr LR]
    Fits a 1-32-1 tanh MLP to y = sin(3x) and prints the mean squared error as it falls.
      --steps N   gradient steps (default 2000)
      --seed S    random seed for data and initial weights (default 0)
      --lr LR     learning rate (default 0.05; momentum 0.9)
    """)
    exit(0)
}
let known: Set<String> = ["--steps", "--seed", "--lr"]
var rest = CommandLine.arguments.dropFirst()
while let flag = rest.popFirst() {
    guard known.contains(flag) else {
        FileHandle.standardError.write(Data("fit-mlp: unknown argument '\(flag)'\nusage: fit-mlp [--steps N] [--seed S] [--lr LR]\n".utf8))
        exit(2)
    }
    _ = rest.popFirst()
}
let steps = Int(argument("--steps", default: 2000))
let seedValue = argument("--seed", default: 0)
guard steps >= 0, seedValue >= 0, seedValue == seedValue.rounded() else {
    FileHandle.standardError.write(Data("fit-mlp: --steps and --seed must be non-negative integers\n".utf8))
    exit(2)
}
let seed = UInt64(seedValue)
let lr = Float(argument("--lr", default: 0.05))

var rng = RandomGenerator(seed: seed)
let n = 256, hidden = 32
let x = Tensor.randomUniform([n, 1], low: -1, high: 1, using: &rng)
let y = (x * 3).sinApproximation() + Tensor.randomNormal([n, 1], std: 0.05, using: &rng)

// PyTorch's Linear initialization: U(-1/sqrt(fan_in), 1/sqrt(fan_in)).
var params = [
    Tensor.randomUniform([1, hidden], low: -1, high: 1, using: &rng),
    Tensor.randomUniform([hidden], low: -1, high: 1, using: &rng),
    Tensor.randomUniform([hidden, 1], low: -1 / Float(hidden).squareRoot(), high: 1 / Float(hidden).squareRoot(), using: &rng),
    Tensor.randomUniform([1], low: -1 / Float(hidden).squareRoot(), high: 1 / Float(hidden).squareRoot(), using: &rng),
].map { $0.requiringGradient() }
var velocity = params.map { Tensor(zeros: $0.shape) }

func predict(_ p: [Tensor], _ x: Tensor) -> Tensor {
    (x.matmul(p[0]) + p[1]).tanh().matmul(p[2]) + p[3]
}

print("fit-mlp: 1-\(hidden)-1 tanh MLP, y = sin(3x) + noise, \(n) samples, \(steps) steps, lr \(lr), seed \(seed)")
let start = Date()
var first: Float = 0
for step in 0...steps {
    let loss = (predict(params, x) - y).square().mean()
    if step == 0 { first = loss.scalarValue }
    if step % max(1, steps / 10) == 0 || step == steps {
        print(String(format: "step %5d  loss %.5f", step, loss.scalarValue))
    }
    if step == steps { break }
    let grads = gradients(of: loss, wrt: params)
    for i in params.indices {
        velocity[i] = velocity[i] * 0.9 + grads[i]
        params[i] = (params[i] - velocity[i] * lr).detached().requiringGradient()
    }
}
let final = (predict(params, x) - y).square().mean().scalarValue
print(String(format: "loss %.5f -> %.5f in %.2f s", first, final, Date().timeIntervalSince(start)))
