import Artifacts
import Autograd
import GAN

/// What a run trains on, and how a generator's samples of that kind are pictured and scored.
/// One conforming type per kind of data (2-D mixtures here; images elsewhere); `DataSources`
/// maps `data.name` to them.
public protocol TrainingData: AnyObject {
    /// The shape of one sample: [2] for a 2-D mixture, [C, H, W] for images.
    var sampleShape: [Int] { get }
    /// `n` real samples, [n] + sampleShape. The draw must depend only on `rng`, so that a
    /// resumed run sees the same batches as an uninterrupted one.
    func batch(_ n: Int, using rng: inout RandomGenerator) -> Tensor
    /// A picture of generated samples; `critic` (D's score of a batch of samples), when
    /// given, may be drawn too.
    func picture(of samples: Tensor, critic: ((Tensor) -> Tensor)?) throws -> Image
    /// How many samples `evaluate` is meant for (the protocol of the data's metrics).
    var evaluationSampleCount: Int { get }
    /// The data's scores of generated samples.
    func evaluate(_ samples: Tensor) throws -> SampleReport
    /// How many samples a picture shows (default: `evaluationSampleCount`).
    var pictureSampleCount: Int { get }
    /// Whether the sample pictures during training also log `evaluate`'s scores (default: true).
    var evaluatesDuringTraining: Bool { get }
}

extension TrainingData {
    public var pictureSampleCount: Int { evaluationSampleCount }
    public var evaluatesDuringTraining: Bool { true }
}

/// Scores of a set of samples: named numbers (for logs and tables) and a line for people.
public struct SampleReport: Sendable {
    public var metrics: [(name: String, value: Double)]
    public var text: String
    /// What the numbers depend on besides the samples (evaluation weights, sample count,
    /// reference set), logged with them so scores from different setups are not compared.
    public var fingerprint: String
    public init(metrics: [(name: String, value: Double)], text: String, fingerprint: String = "") {
        self.metrics = metrics
        self.text = text
        self.fingerprint = fingerprint
    }
    public subscript(name: String) -> Double? { metrics.first { $0.name == name }?.value }
}

/// The kinds of data a config can name (`data.name`).
public enum DataSources {
    public static let names = ["ring8", "grid25", "mixture"] + ImageData.names

    /// The data a config describes; errors name the key at fault. With `loading: false`
    /// (sampling from a run directory) image data is not read: its shape comes from the
    /// config, and pictures and scores of samples still work.
    public static func make(_ c: RunConfig, loading: Bool = true) throws -> TrainingData {
        switch c.data {
        case "ring8", "grid25", "mixture": return try MixtureData(c)
        case let name where ImageData.names.contains(name): return try ImageData(c, loading: loading)
        default: throw ConfigError("data.name: unknown data '\(c.data)'; valid: \(names.joined(separator: ", "))")
        }
    }
}
