import Autograd

/// Stacked MNIST (VEEGAN, Srivastava et al. 2017; PacGAN, Lin et al. 2018, Table 2): each
/// image stacks three MNIST digits as its three channels, so there are 10³ = 1,000 modes, one
/// per digit triple. The protocol trains on 128,000 such images whose channels are digits
/// drawn uniformly at random from the MNIST training set.
///
/// The set is built on the fly: only the source MNIST and, per stacked image, the indices of
/// its three digits are kept (128,000 images as floats would be 1.2 GB). The draw is a pure
/// function of the seed.
public struct StackedMNIST: Sendable {
    public static let modeCount = 1_000

    /// The digits the channels are drawn from.
    public let source: MNIST
    /// The source indices of the channels of image i: `digits[3 * i + c]`.
    public let digits: [Int32]

    public var count: Int { digits.count / 3 }

    /// `count` stacked images whose channels are source digits drawn uniformly (with
    /// replacement) with a generator seeded by `seed`.
    public init(source: MNIST, count: Int = 128_000, seed: UInt64) {
        require(count > 0 && source.count > 0, "StackedMNIST: \(count) images from \(source.count) digits")
        var rng = RandomGenerator(seed: seed)
        self.source = source
        self.digits = (0..<(3 * count)).map { _ in Int32(rng.nextInt(below: source.count)) }
    }

    /// The mode of a digit triple: `100 * first + 10 * second + third` (channel 0 first), in 0..<1000.
    public static func mode(_ first: Int, _ second: Int, _ third: Int) -> Int {
        require((0..<10).contains(first) && (0..<10).contains(second) && (0..<10).contains(third),
                "StackedMNIST.mode: digits (\(first), \(second), \(third)) must be in 0...9")
        return 100 * first + 10 * second + third
    }

    /// The digit triple of image i (channels 0, 1, 2).
    public func labels(_ i: Int) -> (Int, Int, Int) {
        (source.labels[Int(digits[3 * i])], source.labels[Int(digits[3 * i + 1])], source.labels[Int(digits[3 * i + 2])])
    }

    /// The mode (0..<1000) of every image.
    public var modes: [Int] {
        (0..<count).map { i in let (a, b, c) = labels(i); return StackedMNIST.mode(a, b, c) }
    }

    /// Images `rows` as a `[rows.count, 3, 28, 28]` tensor, bytes mapped to `valueRange`.
    public func images(_ rows: [Int], valueRange: ClosedRange<Float> = -1...1) -> Tensor {
        let plane = MNIST.height * MNIST.width
        let low = valueRange.lowerBound, span = valueRange.upperBound - valueRange.lowerBound
        let table = (0...255).map { low + span * Float($0) / 255 }
        let out = Storage(uninitialized: rows.count * 3 * plane)
        source.pixels.withUnsafeBufferPointer { src in
            table.withUnsafeBufferPointer { value in
                for (k, row) in rows.enumerated() {
                    require(row >= 0 && row < count, "StackedMNIST.images: row \(row) outside 0..<\(count)")
                    for c in 0..<3 {
                        let from = src.baseAddress! + Int(digits[3 * row + c]) * plane
                        let to = out.pointer + (3 * k + c) * plane
                        for i in 0..<plane { to[i] = value[Int(from[i])] }
                    }
                }
            }
        }
        return Tensor(storage: out, shape: [rows.count, 3, MNIST.height, MNIST.width])
    }
}
