/// A score that cannot be computed from the samples given (too few of them for the feature
/// dimension, non-finite features): thrown, so that no NaN or complex number reaches a log.
public struct ScoreError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ description: String) { self.description = description }
}
