import CZlib
import Foundation

/// Errors reading compressed data; each names the file at fault.
public struct GzipError: Error, CustomStringConvertible {
    public let description: String
}

/// gzip (and zlib) decompression through zlib's inflate.
public enum Gzip {
    /// Decompresses a whole gzip or zlib stream. `name` is used in error messages.
    public static func decompress(_ data: Data, name: String = "<data>", maxOutput: Int = 1 << 31) throws -> Data {
        if data.isEmpty { throw GzipError(description: "\(name): empty file, expected gzip data") }
        var stream = z_stream()
        // windowBits 15 + 32: detect gzip or zlib headers automatically.
        var status = inflateInit2_(&stream, 15 + 32, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size))
        guard status == Z_OK else { throw GzipError(description: "\(name): zlib could not start (code \(status))") }
        defer { inflateEnd(&stream) }
        var output = Data()
        let chunk = 1 << 20
        var buffer = [UInt8](repeating: 0, count: chunk)
        try data.withUnsafeBytes { (input: UnsafeRawBufferPointer) in
            stream.next_in = UnsafeMutablePointer(mutating: input.bindMemory(to: Bytef.self).baseAddress!)
            stream.avail_in = uInt(input.count)
            repeat {
                try buffer.withUnsafeMutableBufferPointer { out in
                    stream.next_out = out.baseAddress
                    stream.avail_out = uInt(chunk)
                    status = inflate(&stream, Z_NO_FLUSH)
                    guard status == Z_OK || status == Z_STREAM_END else {
                        let why = status == Z_BUF_ERROR ? "truncated (the stream ends early)"
                            : status == Z_DATA_ERROR ? "corrupt (not valid gzip/zlib data)" : "zlib error \(status)"
                        throw GzipError(description: "\(name): \(why)")
                    }
                    output.append(out.baseAddress!, count: chunk - Int(stream.avail_out))
                }
                if output.count > maxOutput {
                    throw GzipError(description: "\(name): decompresses to more than \(maxOutput) bytes")
                }
            } while status != Z_STREAM_END && (stream.avail_in > 0 || stream.avail_out == 0)
        }
        guard status == Z_STREAM_END else { throw GzipError(description: "\(name): truncated (the stream ends early)") }
        return output
    }

    /// Reads and decompresses a gzip file.
    public static func read(contentsOf url: URL) throws -> Data {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw GzipError(description: "\(url.path): cannot be read (\(error.localizedDescription))")
        }
        return try decompress(data, name: url.path)
    }

    /// Compresses `data` as one gzip stream (deflate, default level), as `gzip -c` does:
    /// for writing small data files and test fixtures that `decompress` reads back.
    public static func compress(_ data: Data) throws -> Data {
        var stream = z_stream()
        // windowBits 15 + 16: a gzip header and trailer rather than zlib's.
        var status = deflateInit2_(&stream, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY,
                                   ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size))
        guard status == Z_OK else { throw GzipError(description: "gzip: zlib could not start (code \(status))") }
        defer { deflateEnd(&stream) }
        let capacity = Int(deflateBound(&stream, uLong(data.count)))
        var output = [UInt8](repeating: 0, count: capacity)
        var input = [UInt8](data)
        input.withUnsafeMutableBufferPointer { src in
            output.withUnsafeMutableBufferPointer { dst in
                stream.next_in = src.baseAddress
                stream.avail_in = uInt(src.count)
                stream.next_out = dst.baseAddress
                stream.avail_out = uInt(capacity)
                status = deflate(&stream, Z_FINISH)
            }
        }
        guard status == Z_STREAM_END else { throw GzipError(description: "gzip: zlib could not compress (code \(status))") }
        return Data(output.prefix(Int(stream.total_out)))
    }
}
