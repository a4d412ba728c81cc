import Autograd
import CPNG
import Foundation

/// An 8-bit image in memory: `height` rows of `width` pixels, each pixel `channels`
/// interleaved bytes (1 gray, 2 gray + alpha, 3 RGB, 4 RGBA), rows top to bottom, no padding
/// between rows: the sample (x, y, c) is `pixels[(y * width + x) * channels + c]`.
/// Alpha is straight (not premultiplied).
public struct Image: Equatable, Sendable {
    public let width: Int
    public let height: Int
    public let channels: Int
    public var pixels: [UInt8]

    /// An image from its samples; `pixels.count` must be `width * height * channels`.
    public init(width: Int, height: Int, channels: Int, pixels: [UInt8]) {
        require(width >= 0 && height >= 0, "Image: negative size \(width)x\(height)")
        require((1...4).contains(channels), "Image: \(channels) channels; expected 1 (gray), 2 (gray+alpha), 3 (RGB) or 4 (RGBA)")
        let (wh, o1) = width.multipliedReportingOverflow(by: height)
        let (n, o2) = wh.multipliedReportingOverflow(by: channels)
        require(!o1 && !o2 && n == pixels.count,
                "Image: \(pixels.count) samples cannot hold \(width)x\(height) with \(channels) channels")
        self.width = width
        self.height = height
        self.channels = channels
        self.pixels = pixels
    }

    /// An image with every sample set to `value`.
    public init(width: Int, height: Int, channels: Int, repeating value: UInt8 = 0) {
        require(width >= 0 && height >= 0, "Image: negative size \(width)x\(height)")
        self.init(width: width, height: height, channels: channels,
                  pixels: [UInt8](repeating: value, count: width * height * channels))
    }

    /// The sample of channel `c` at column `x`, row `y`.
    public subscript(x x: Int, y y: Int, c c: Int) -> UInt8 {
        get {
            require(x >= 0 && x < width && y >= 0 && y < height && c >= 0 && c < channels,
                    "Image: sample (\(x), \(y), \(c)) outside a \(width)x\(height)x\(channels) image")
            return pixels[(y * width + x) * channels + c]
        }
        set {
            require(x >= 0 && x < width && y >= 0 && y < height && c >= 0 && c < channels,
                    "Image: sample (\(x), \(y), \(c)) outside a \(width)x\(height)x\(channels) image")
            pixels[(y * width + x) * channels + c] = newValue
        }
    }
}

/// A PNG that cannot be read or written. The message names the file and carries libpng's
/// own message, e.g. `samples/0001.png: not a readable PNG (libpng: Not a PNG file)`.
public struct PNGError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// PNG encoding and decoding through libpng's simplified API (`png_image_*`), which reports
/// errors as return codes plus `png_image.message`; libpng's internal longjmp never crosses
/// a Swift frame.
///
/// Reading accepts every PNG: any bit depth, palette, gray, gray+alpha, RGB, RGBA,
/// interlaced or not. The result keeps the file's channels (palette images become RGB, or
/// RGBA when they have transparency; a tRNS chunk on a gray or RGB image adds an alpha
/// channel) at 8 bits: 16-bit samples are scaled to 8 bits as sRGB-encoded values
/// (`PNG_IMAGE_FLAG_16BIT_sRGB`, i.e. round(v * 255 / 65535)), low-bit-depth samples are
/// expanded (a 1-bit white is 255). libpng converts colors of a file whose gAMA chunk says it
/// is not sRGB-encoded into sRGB.
///
/// Writing produces an 8-bit PNG of the image's channels (gray, gray+alpha, RGB, RGBA) with an
/// sRGB chunk; reading it back gives the same bytes.
public enum PNG {
    /// The bytes of a PNG file holding `image`.
    public static func encode(_ image: Image, name: String = "<image>") throws -> [UInt8] {
        guard image.width > 0, image.height > 0 else {
            throw PNGError("\(name): cannot write a \(image.width)x\(image.height) image as PNG (empty images are not allowed)")
        }
        guard image.width <= 0x7FFF_FFFF / image.channels, image.height <= 0x7FFF_FFFF else {
            throw PNGError("\(name): a \(image.width)x\(image.height) image is too large for PNG")
        }
        var control = png_image()
        control.version = png_uint_32(PNG_IMAGE_VERSION)
        control.width = png_uint_32(image.width)
        control.height = png_uint_32(image.height)
        control.format = format(channels: image.channels)
        defer { png_image_free(&control) }

        // Upper bound on the encoded size (PNG_IMAGE_PNG_SIZE_MAX): raw rows plus one filter
        // byte each, the zlib worst case, chunk overheads. libpng reports the needed size if
        // this is still too small, and then the write is retried once.
        let raw = image.height * (image.width * image.channels + 1)
        var capacity = raw + (raw + 7) / 8 + (raw + 63) / 64 + 11
        capacity += 8 + 25 + 16 + 44 + 12 + 12 + 12 * (capacity / 8192 + 1) + 64
        for _ in 0..<2 {
            var size = png_alloc_size_t(capacity)
            var out = [UInt8](repeating: 0, count: capacity)
            let ok = out.withUnsafeMutableBytes { dst in
                image.pixels.withUnsafeBytes { src in
                    png_image_write_to_memory(&control, dst.baseAddress, &size, 0, src.baseAddress, 0, nil)
                }
            }
            if ok != 0 {
                out.removeSubrange(Int(size)...)
                return out
            }
            if Int(size) > capacity {
                capacity = Int(size)
                control.warning_or_error = 0
                continue
            }
            throw PNGError("\(name): libpng could not encode the \(image.width)x\(image.height) image (libpng: \(message(control)))")
        }
        throw PNGError("\(name): libpng kept asking for a larger output buffer")
    }

    /// Decodes a PNG file's bytes (see the type's notes for the conversions). `name` is used
    /// in error messages. Images with more than `maxBytes` decoded bytes are refused.
    public static func decode(_ data: some ContiguousBytes, name: String = "<data>", maxBytes: Int = 1 << 31) throws -> Image {
        var control = png_image()
        control.version = png_uint_32(PNG_IMAGE_VERSION)
        defer { png_image_free(&control) }
        let began = data.withUnsafeBytes { bytes -> Int32 in
            guard let base = bytes.baseAddress, bytes.count > 0 else { return -1 }
            return png_image_begin_read_from_memory(&control, base, bytes.count)
        }
        if began == -1 { throw PNGError("\(name): empty file, expected a PNG") }
        guard began != 0 else { throw PNGError("\(name): not a readable PNG (libpng: \(message(control)))") }

        let hasColor = control.format & png_uint_32(PNG_FORMAT_FLAG_COLOR) != 0
        let hasAlpha = control.format & png_uint_32(PNG_FORMAT_FLAG_ALPHA) != 0
        let channels = (hasColor ? 3 : 1) + (hasAlpha ? 1 : 0)
        let width = Int(control.width), height = Int(control.height)
        control.format = format(channels: channels)
        control.flags |= png_uint_32(PNG_IMAGE_FLAG_16BIT_sRGB)
        let (wh, o1) = width.multipliedReportingOverflow(by: height)
        let (count, o2) = wh.multipliedReportingOverflow(by: channels)
        guard !o1, !o2, count <= maxBytes else {
            throw PNGError("\(name): a \(width)x\(height) PNG with \(channels) channels is larger than the limit of \(maxBytes) bytes")
        }
        var pixels = [UInt8](repeating: 0, count: count)
        let finished = pixels.withUnsafeMutableBytes { out in
            png_image_finish_read(&control, nil, out.baseAddress, 0, nil)
        }
        guard finished != 0 else {
            throw PNGError("\(name): corrupt or truncated PNG (libpng: \(message(control)))")
        }
        return Image(width: width, height: height, channels: channels, pixels: pixels)
    }

    /// Reads the PNG file at `url`; errors name the file.
    public static func read(contentsOf url: URL) throws -> Image {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw PNGError("\(url.path): cannot be read (\(error.localizedDescription))")
        }
        return try decode(data, name: url.path)
    }

    /// Writes `image` as a PNG file at `url`, atomically (see `AtomicFile.write`): a crash or
    /// error leaves any previous file intact.
    public static func write(_ image: Image, to url: URL) throws {
        let bytes = try encode(image, name: url.path)
        do {
            try AtomicFile.write(to: url) { sink in try bytes.withUnsafeBytes { try sink($0) } }
        } catch let error as CheckpointError {
            throw PNGError(error.description)  // an I/O failure, naming the path
        }
    }

    static func format(channels: Int) -> png_uint_32 {
        switch channels {
        case 1: png_uint_32(PNG_FORMAT_GRAY)
        case 2: png_uint_32(PNG_FORMAT_GA)
        case 3: png_uint_32(PNG_FORMAT_RGB)
        default: png_uint_32(PNG_FORMAT_RGB | PNG_FORMAT_FLAG_ALPHA)
        }
    }

    static func message(_ control: png_image) -> String {
        var m = control.message
        let text = withUnsafeBytes(of: &m) { raw in
            String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
        }
        return text.isEmpty ? "no message" : text
    }
}
