import Artifacts
import Autograd
import Foundation

/// The MNIST handwritten digits (LeCun, Cortes and Burges), read from the four gzip IDX files
/// of the original distribution (bundled in `data/mnist/`, see its README).
///
/// ```swift
/// let test = try MNIST.load(.test)                 // the bundled files; MD5s checked
/// let x = test.images()                            // [10000, 1, 28, 28] in -1...1 (tanh range)
/// let p = test.images(valueRange: 0...1)           // [10000, 1, 28, 28] in 0...1 (a classifier's input)
/// test.labels                                      // [7, 2, 1, ...]; test.pixels: the raw bytes
/// ```
///
/// Every file is decompressed with zlib and its bytes' MD5 compared with the published sum
/// before anything else is read; a missing, truncated or corrupt file, a bad magic or sizes
/// that disagree are `DataFileError`s naming the file.
public struct MNIST: Sendable {
    public enum Split: String, Sendable, CaseIterable {
        case train, test

        /// The file name prefix of the split in the original distribution.
        var prefix: String { self == .train ? "train" : "t10k" }
        /// The number of images of the split.
        public var count: Int { self == .train ? 60_000 : 10_000 }
    }

    public static let height = 28
    public static let width = 28
    public static let classCount = 10

    /// The file names of `split`'s images and labels.
    public static func fileNames(_ split: Split) -> (images: String, labels: String) {
        ("\(split.prefix)-images-idx3-ubyte.gz", "\(split.prefix)-labels-idx1-ubyte.gz")
    }

    /// The MD5 sums of the decompressed files (from the distribution; `data/mnist/README.md`).
    public static let md5: [String: String] = [
        "train-images-idx3-ubyte.gz": "6bbc9ace898e44ae57da46a324031adb",
        "train-labels-idx1-ubyte.gz": "a25bea736e30d166cdddb491f175f624",
        "t10k-images-idx3-ubyte.gz": "2646ac647ad5339dbf082846283269ea",
        "t10k-labels-idx1-ubyte.gz": "27ae3e4e09519cfbb04c329615203637",
    ]

    public let split: Split
    /// The pixels, `count * 28 * 28` bytes, image after image, rows top to bottom; 0 is
    /// background, 255 ink.
    public let pixels: [UInt8]
    /// The digit (0...9) of each image.
    public let labels: [Int]

    public var count: Int { labels.count }

    /// A data set from raw pixels and labels (e.g. a subset); `pixels.count` must be
    /// `labels.count * 784`.
    public init(split: Split, pixels: [UInt8], labels: [Int]) {
        require(pixels.count == labels.count * MNIST.height * MNIST.width,
                "MNIST: \(pixels.count) pixels for \(labels.count) labels; expected 784 per image")
        self.split = split
        self.pixels = pixels
        self.labels = labels
    }

    /// Reads `split` from `directory` (default: the bundled `data/mnist`, see
    /// `bundledDirectory`). `checkMD5: false` skips the sum check, for small files made in tests.
    public static func load(_ split: Split, from directory: URL? = nil, checkMD5: Bool = true) throws -> MNIST {
        let dir = try directory ?? bundledDirectory()
        let names = fileNames(split)
        let images = try readIDX(dir.appendingPathComponent(names.images), name: names.images, checkMD5: checkMD5)
        let labels = try readIDX(dir.appendingPathComponent(names.labels), name: names.labels, checkMD5: checkMD5)
        let imagesPath = dir.appendingPathComponent(names.images).path
        let labelsPath = dir.appendingPathComponent(names.labels).path
        guard images.shape.count == 3, images.shape[1] == height, images.shape[2] == width else {
            throw DataFileError("\(imagesPath): holds an array of shape \(images.shape); expected [N, 28, 28]")
        }
        guard labels.shape.count == 1 else {
            throw DataFileError("\(labelsPath): holds an array of shape \(labels.shape); expected [N]")
        }
        guard labels.shape[0] == images.shape[0] else {
            throw DataFileError("\(labelsPath): \(labels.shape[0]) labels for the \(images.shape[0]) images of \(imagesPath)")
        }
        if let bad = labels.bytes.firstIndex(where: { $0 > 9 }) {
            throw DataFileError("\(labelsPath): label \(labels.bytes[bad]) at index \(bad); digits are 0...9")
        }
        return MNIST(split: split, pixels: images.bytes, labels: labels.bytes.map(Int.init))
    }

    /// The images as a `[count, 1, 28, 28]` tensor, each byte b mapped to
    /// `low + (high - low) * b / 255`: −1...1 by default (the range of a tanh generator),
    /// 0...1 for a classifier.
    public func images(valueRange: ClosedRange<Float> = -1...1) -> Tensor {
        Tensor(storage: MNIST.floats(pixels, valueRange: valueRange), shape: [count, 1, MNIST.height, MNIST.width])
    }

    /// The bundled `data/mnist` directory: `data/mnist` under the current directory, else under
    /// the package root that this source file was compiled from. The error says where it
    /// looked.
    public static func bundledDirectory(filePath: String = #filePath) throws -> URL {
        try BundledData.directory("data/mnist", containing: fileNames(.test).images, filePath: filePath)
    }

    /// Reads, decompresses and MD5-checks one IDX file.
    static func readIDX(_ url: URL, name: String, checkMD5: Bool) throws -> IDXArray {
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw DataFileError("\(url.path): missing (the MNIST files are in the repository's data/mnist)")
        }
        let data: Data
        do { data = try Gzip.read(contentsOf: url) } catch let error as GzipError {
            throw DataFileError(error.description)
        }
        if checkMD5, let expected = md5[name] {
            let actual = MD5.hex(data)
            guard actual == expected else {
                throw DataFileError("\(url.path): corrupt: MD5 of the decompressed bytes is \(actual); expected \(expected)")
            }
        }
        return try IDXArray.parse(data, name: url.path)
    }

    /// Bytes to floats through a 256-entry table.
    static func floats(_ bytes: [UInt8], valueRange: ClosedRange<Float>) -> Storage {
        let low = valueRange.lowerBound, span = valueRange.upperBound - valueRange.lowerBound
        let table = (0...255).map { low + span * Float($0) / 255 }
        let out = Storage(uninitialized: bytes.count)
        bytes.withUnsafeBufferPointer { src in
            table.withUnsafeBufferPointer { value in
                for i in 0..<src.count { out.pointer[i] = value[Int(src[i])] }
            }
        }
        return out
    }
}
