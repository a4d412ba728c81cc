import Autograd
import Foundation

/// An array in the IDX format of the MNIST distribution: a 4-byte magic (two zero bytes, the
/// element type, the number of dimensions), each dimension's size as a big-endian UInt32,
/// then the elements row-major. Only unsigned bytes (type 0x08) are read, the type MNIST's
/// images and labels use.
public struct IDXArray: Sendable, Equatable {
    /// The dimension sizes, e.g. [10000, 28, 28] for MNIST's test images.
    public let shape: [Int]
    /// The elements, row-major.
    public let bytes: [UInt8]

    public init(shape: [Int], bytes: [UInt8]) {
        require(shape.reduce(1, *) == bytes.count, "IDXArray: \(bytes.count) bytes cannot hold shape \(shape)")
        self.shape = shape
        self.bytes = bytes
    }

    /// Parses the (decompressed) bytes of an IDX file; `name` is used in error messages.
    /// Errors: a wrong magic, a header cut short, or a size that disagrees with the header.
    public static func parse(_ data: Data, name: String) throws -> IDXArray {
        guard data.count >= 4 else {
            throw DataFileError("\(name): truncated (\(data.count) bytes; an IDX file starts with a 4-byte magic)")
        }
        let header = [UInt8](data.prefix(4))
        guard header[0] == 0, header[1] == 0, header[2] == 0x08, (1...4).contains(header[3]) else {
            let hex = header.map { String(format: "%02x", $0) }.joined()
            throw DataFileError("\(name): bad magic 0x\(hex); expected 0x000008NN (unsigned bytes, NN dimensions)")
        }
        let rank = Int(header[3])
        guard data.count >= 4 + 4 * rank else {
            throw DataFileError("\(name): truncated (\(data.count) bytes; the header of a \(rank)-dimensional IDX array needs \(4 + 4 * rank))")
        }
        let start = data.startIndex
        let shape = (0..<rank).map { d -> Int in
            (0..<4).reduce(0) { $0 << 8 | Int(data[start + 4 + 4 * d + $1]) }
        }
        let count = shape.reduce(1, *)
        let body = data.count - 4 - 4 * rank
        guard body == count else {
            let what = body < count ? "truncated" : "too long"
            throw DataFileError("\(name): \(what): the header says \(shape.map(String.init).joined(separator: " x ")) = \(count) bytes of data, the file holds \(body)")
        }
        return IDXArray(shape: shape, bytes: [UInt8](data.suffix(from: start + 4 + 4 * rank)))
    }

    /// The bytes of an IDX file holding this array (for tests and for writing small data sets).
    public func encoded() -> Data {
        var out = Data([0, 0, 0x08, UInt8(shape.count)])
        for size in shape {
            for shift in stride(from: 24, through: 0, by: -8) { out.append(UInt8(truncatingIfNeeded: size >> shift)) }
        }
        out.append(contentsOf: bytes)
        return out
    }
}
