import Artifacts
import Autograd
import Foundation

/// The user's own pictures: every `.png` file under a folder (subfolders included, sorted by
/// path), decoded with libpng, converted to `channels` (1: grey, as luminance 0.299 R +
/// 0.587 G + 0.114 B; 3: RGB, grey replicated; alpha dropped), fitted to `size x size`
/// (`ImageFit`: stretched or centre-cropped) and mapped to −1...1, the range of a tanh
/// generator. Any `.png` that cannot be read is an error naming it; other files are skipped.
public enum ImageFolder {
    /// `[N, channels, size, size]` in −1...1.
    public static func load(_ folder: URL, channels: Int, size: Int, fit: ImageFit) throws -> Tensor {
        guard channels == 1 || channels == 3 else {
            throw DataFileError("\(folder.path): images can have 1 (grey) or 3 (RGB) channels, not \(channels)")
        }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw DataFileError("\(folder.path): no such folder (expected a folder of .png images)")
        }
        let files = pngFiles(in: folder)
        guard !files.isEmpty else {
            throw DataFileError("\(folder.path): holds no .png files (only PNG is read; convert other formats first)")
        }
        let plane = size * size * channels
        let out = Storage(uninitialized: files.count * plane)
        for (k, url) in files.enumerated() {
            let image = try PNG.read(contentsOf: url)  // a PNGError names the file
            guard image.width > 0, image.height > 0 else { throw DataFileError("\(url.path): empty image") }
            let pixels = converted(image, channels: channels)
            let fitted = pixels.withUnsafeBufferPointer {
                ImageResampling.fit($0.baseAddress!, channels: channels, height: image.height, width: image.width,
                                    size: size, mode: fit)
            }
            for i in 0..<plane { out.pointer[k * plane + i] = fitted[i] / 127.5 - 1 }
        }
        return Tensor(storage: out, shape: [files.count, channels, size, size])
    }

    /// The `.png` files under `folder`, sorted by path.
    static func pngFiles(in folder: URL) -> [URL] {
        guard let walk = FileManager.default.enumerator(at: folder, includingPropertiesForKeys: nil) else { return [] }
        return walk.compactMap { $0 as? URL }
            .filter { $0.pathExtension.lowercased() == "png" }
            .sorted { $0.path < $1.path }
    }

    /// The image's samples as floats 0...255, planar `[channels, height, width]`.
    static func converted(_ image: Image, channels: Int) -> [Float] {
        let n = image.width * image.height
        let colour = image.channels >= 3
        var out = [Float](repeating: 0, count: channels * n)
        image.pixels.withUnsafeBufferPointer { p in
            let stride = image.channels
            for i in 0..<n {
                let s = i * stride
                if colour {
                    let (r, g, b) = (Float(p[s]), Float(p[s + 1]), Float(p[s + 2]))
                    if channels == 1 { out[i] = 0.299 * r + 0.587 * g + 0.114 * b }
                    else { out[i] = r; out[n + i] = g; out[2 * n + i] = b }
                } else {
                    for c in 0..<channels { out[c * n + i] = Float(p[s]) }
                }
            }
        }
        return out
    }
}
