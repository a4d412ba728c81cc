/// A data file that cannot be used: missing, unreadable, truncated, corrupt, or of the wrong
/// shape. The message names the file and says what is wrong with it, e.g.
/// `data/mnist/t10k-labels-idx1-ubyte.gz: MD5 of the decompressed bytes is 0f3e...; expected 27ae...`.
public struct DataFileError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ description: String) { self.description = description }
}
