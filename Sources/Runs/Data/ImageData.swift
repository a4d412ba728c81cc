import Artifacts
import Autograd
import Datasets
import Evaluation
import Foundation

/// Images (and the user's vectors) as training data:
/// - `mnist`: the bundled MNIST training split (60,000 digits), [1, 28, 28];
/// - `stacked-mnist`: `data.stacked_count` (PacGAN: 128,000) Stacked MNIST images, [3, 28, 28],
///   1,000 modes; the set is drawn from the MNIST training split with the run's seed;
/// - `npy`: the `.npy` array at `data.path`: images fitted to `data.image_size` (`data.fit`),
///   or vectors [N, D];
/// - `images`: every `.png` under the folder `data.path`, converted to `data.channels` and
///   fitted to `data.image_size` (`data.fit`: resize or crop).
///
/// Values are in −1...1 (G ends in tanh). Batches are drawn uniformly with replacement. The
/// shape of a sample comes from the config alone, so a run's generator can be sampled and
/// pictured without the data (`loading: false`).
public final class ImageData: TrainingData {
    public static let names = ["mnist", "stacked-mnist", "npy", "images"]

    public let config: RunConfig
    public private(set) var sampleShape: [Int]
    /// The config with what loading found out (an .npy's vector size D in `data.dimension`).
    public private(set) var resolved: RunConfig
    /// MNIST's bytes (mnist), the stacked set (stacked-mnist), or the user's data as floats.
    var mnist: MNIST?
    var stacked: StackedMNIST?
    var tensor: Tensor?

    public init(_ c: RunConfig, loading: Bool) throws {
        config = c
        resolved = c
        switch c.data {
        case "mnist", "stacked-mnist":
            guard c.imageSize == MNIST.height else {
                throw ConfigError("data.image_size is \(c.imageSize); \(c.data) images are 28x28 (set data.image_size: 28)")
            }
            sampleShape = [c.data == "mnist" ? 1 : 3, MNIST.height, MNIST.width]
            guard loading else { return }
            let train = try Self.loadMNIST()
            if c.data == "mnist" { mnist = train } else {
                stacked = StackedMNIST(source: train, count: c.stackedCount, seed: UInt64(c.seed) &+ 0x5EED)
            }
        case "npy":
            sampleShape = c.dimension > 0 ? [c.dimension] : [c.channels, c.imageSize, c.imageSize]
            guard loading else { return }
            let url = try Self.path(c, what: "the .npy file")
            let x = try Self.wrap {
                try ArrayFile.load(url, imageSize: c.dimension > 0 ? nil : c.imageSize, fit: ImageFit(rawValue: c.fit)!,
                                   vectorsIfFlat: true)
            }
            let asVectors = x.shape.count == 2
            if asVectors {
                if c.dimension > 0 && x.shape[1] != c.dimension {
                    throw ConfigError("data.dimension is \(c.dimension), but \(url.path) holds vectors of \(x.shape[1])")
                }
                resolved.dimension = x.shape[1]
            } else if x.shape[1] != c.channels {
                throw ConfigError("\(url.path) holds images of \(x.shape[1]) channel(s); set data.channels: \(x.shape[1])")
            }
            tensor = x
            // D is known only now; `resolved` records it for sampling without the data.
            if asVectors { sampleShape = [x.shape[1]] }
        case "images":
            sampleShape = [c.channels, c.imageSize, c.imageSize]
            guard c.channels == 1 || c.channels == 3 else {
                throw ConfigError("data.channels is \(c.channels); images are 1 (grey) or 3 (RGB)")
            }
            guard loading else { return }
            let url = try Self.path(c, what: "the folder of .png images")
            tensor = try Self.wrap { try ImageFolder.load(url, channels: c.channels, size: c.imageSize, fit: ImageFit(rawValue: c.fit)!) }
        default:
            throw ConfigError("data.name: '\(c.data)' is not image data")
        }
        if let x = tensor, x.shape[0] < 1 {
            throw ConfigError("\(c.dataPath): holds no samples")
        }
    }

    /// The number of training samples (nil when not loaded).
    public var count: Int? { mnist?.count ?? stacked?.count ?? tensor?.shape[0] }

    public func batch(_ n: Int, using rng: inout RandomGenerator) -> Tensor {
        guard let total = count else {
            fatalError("ImageData.batch: the \(config.data) data was not loaded (made with loading: false)")
        }
        let rows = (0..<n).map { _ in rng.nextInt(below: total) }
        if let stacked { return stacked.images(rows) }
        if let mnist {
            let plane = MNIST.height * MNIST.width
            var bytes = [UInt8](repeating: 0, count: n * plane)
            mnist.pixels.withUnsafeBufferPointer { src in
                for (k, row) in rows.enumerated() {
                    for i in 0..<plane { bytes[k * plane + i] = src[row * plane + i] }
                }
            }
            return MNIST(split: .train, pixels: bytes, labels: [Int](repeating: 0, count: n)).images()
        }
        let x = tensor!
        let size = x.count / x.shape[0]
        let out = Storage(uninitialized: n * size)
        for (k, row) in rows.enumerated() {
            (out.pointer + k * size).update(from: x.storage.pointer + row * size, count: size)
        }
        return Tensor(storage: out, shape: [n] + Array(x.shape.dropFirst()))
    }

    /// Images: a square-ish grid of all `samples` (8 per row up to 64 samples, then √n).
    /// Vectors: one grey picture, a row per sample (up to 256), each scaled to its own range.
    public func picture(of samples: Tensor, critic: ((Tensor) -> Tensor)?) throws -> Image {
        let n = samples.shape[0]
        if samples.rank == 2 {
            let rows = Swift.min(n, 256), d = samples.shape[1]
            let first = Tensor(Array(samples.toArray().prefix(rows * d)), shape: [1, rows, d])
            return ImageGrid.make(first, nrow: 1, normalizeEach: true)
        }
        let columns = n <= 64 ? Swift.min(8, n) : Int(Double(n).squareRoot().rounded(.up))
        return ImageGrid.make(samples, nrow: columns)
    }

    /// A picture shows 64 samples.
    public var pictureSampleCount: Int { 64 }

    /// The evaluation protocol's sample counts: 10,000 (MNIST), 26,000 (Stacked MNIST, PacGAN).
    public var evaluationSampleCount: Int { config.data == "stacked-mnist" ? 26_000 : 10_000 }

    /// Scoring takes seconds (thousands of samples through the classifier), so the pictures
    /// during training skip it; `swiftgan eval` and the end of `swiftgan train` score.
    public var evaluatesDuringTraining: Bool { false }

    /// The evaluation classifier's scores (`ImageScores`) of MNIST-like or Stacked MNIST
    /// samples; other images and vectors have none.
    public func evaluate(_ samples: Tensor) throws -> SampleReport {
        guard config.data == "mnist" || config.data == "stacked-mnist" else {
            return SampleReport(metrics: [], text: "scores: the evaluation classifier scores MNIST and Stacked MNIST runs only")
        }
        let report = try ImageScores.evaluate(samples)
        return SampleReport(metrics: report.metrics, text: report.text, fingerprint: report.fingerprint)
    }

    /// The MNIST training split from the bundled `data/mnist`.
    static func loadMNIST() throws -> MNIST {
        try wrap { try MNIST.load(.train) }
    }

    static func path(_ c: RunConfig, what: String) throws -> URL {
        guard !c.dataPath.isEmpty else {
            throw ConfigError("data.name is \(c.data): set data.path to \(what)")
        }
        return URL(fileURLWithPath: c.dataPath)
    }

    /// Data-file errors become config errors (the command prints them as they are).
    static func wrap<T>(_ body: () throws -> T) throws -> T {
        do { return try body() } catch let e as DataFileError { throw ConfigError(e.description) }
        catch let e as PNGError { throw ConfigError(e.description) }
    }
}
