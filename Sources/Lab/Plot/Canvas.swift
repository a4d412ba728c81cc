import Artifacts
import Autograd
import Foundation

/// An RGB color.
public struct Color: Sendable, Equatable {
    public var r: UInt8, g: UInt8, b: UInt8
    public init(_ r: UInt8, _ g: UInt8, _ b: UInt8) { self.r = r; self.g = g; self.b = b }

    public static let white = Color(255, 255, 255)
    public static let black = Color(0, 0, 0)
    public static let gray = Color(150, 150, 150)
    public static let lightGray = Color(225, 225, 225)
    // Three colours that stay apart for the common color-vision deficiencies (Okabe & Ito).
    public static let blue = Color(0, 114, 178)
    public static let orange = Color(230, 159, 0)
    public static let green = Color(0, 158, 115)
    public static let red = Color(213, 94, 0)
}

/// A plot on an RGB `Image`: a rectangle of the plane [xMin, xMax] × [yMin, yMax] mapped
/// onto the pixels (y up), with anti-aliasing-free lines, arrows, dots and a 5×7 pixel font.
/// Everything drawn outside the image is clipped. Write it with `PNG.write(canvas.image, to:)`.
public struct Canvas {
    public private(set) var image: Image
    public let xRange: ClosedRange<Double>
    public let yRange: ClosedRange<Double>
    /// Pixels left free around the plotted rectangle (for labels).
    public let margin: Int

    public init(width: Int, height: Int, x: ClosedRange<Double>, y: ClosedRange<Double>,
                margin: Int = 0, background: Color = .white) {
        require(width > 2 * margin && height > 2 * margin, "Canvas: \(width)x\(height) leaves no room inside a margin of \(margin)")
        require(x.upperBound > x.lowerBound && y.upperBound > y.lowerBound, "Canvas: empty plot range \(x) × \(y)")
        var image = Image(width: width, height: height, channels: 3)
        for i in 0..<(width * height) {
            image.pixels[3 * i] = background.r; image.pixels[3 * i + 1] = background.g; image.pixels[3 * i + 2] = background.b
        }
        self.image = image
        self.xRange = x
        self.yRange = y
        self.margin = margin
    }

    /// The pixel position (fractional) of the plane point (x, y).
    public func pixel(_ x: Double, _ y: Double) -> (x: Double, y: Double) {
        let w = Double(image.width - 2 * margin - 1), h = Double(image.height - 2 * margin - 1)
        let px = Double(margin) + (x - xRange.lowerBound) / (xRange.upperBound - xRange.lowerBound) * w
        let py = Double(margin) + (yRange.upperBound - y) / (yRange.upperBound - yRange.lowerBound) * h
        return (px, py)
    }

    /// Sets one pixel (ignored outside the image).
    public mutating func set(_ x: Int, _ y: Int, _ color: Color) {
        guard x >= 0, y >= 0, x < image.width, y < image.height else { return }
        let i = 3 * (y * image.width + x)
        image.pixels[i] = color.r; image.pixels[i + 1] = color.g; image.pixels[i + 2] = color.b
    }

    /// A filled square of side `size` pixels centred on pixel (x, y).
    mutating func stamp(_ x: Int, _ y: Int, size: Int, _ color: Color) {
        let lo = -(size - 1) / 2
        for dy in lo..<(lo + size) { for dx in lo..<(lo + size) { set(x + dx, y + dy, color) } }
    }

    /// A straight segment between two pixel positions, `width` pixels thick.
    public mutating func linePixels(_ a: (x: Double, y: Double), _ b: (x: Double, y: Double), color: Color, width: Int = 1) {
        guard a.x.isFinite, a.y.isFinite, b.x.isFinite, b.y.isFinite else { return }
        // Skip segments far outside (a diverging trajectory) rather than walking them.
        let limit = Double(4 * Swift.max(image.width, image.height))
        guard Swift.abs(a.x) < limit, Swift.abs(a.y) < limit, Swift.abs(b.x) < limit, Swift.abs(b.y) < limit else { return }
        let n = Swift.max(1, Int(Swift.max(Swift.abs(b.x - a.x), Swift.abs(b.y - a.y)).rounded(.up)))
        for k in 0...n {
            let t = Double(k) / Double(n)
            stamp(Int((a.x + t * (b.x - a.x)).rounded()), Int((a.y + t * (b.y - a.y)).rounded()), size: width, color)
        }
    }

    /// A segment between two points of the plane.
    public mutating func line(from a: (Double, Double), to b: (Double, Double), color: Color, width: Int = 1) {
        linePixels(pixel(a.0, a.1), pixel(b.0, b.1), color: color, width: width)
    }

    /// Connected segments through the points of the plane.
    public mutating func polyline(_ points: [(Double, Double)], color: Color, width: Int = 1) {
        for (a, b) in zip(points, points.dropFirst()) { line(from: a, to: b, color: color, width: width) }
    }

    /// An arrow from a plane point, `length` pixels long in the direction (dx, dy) of the
    /// plane, with a head of two short strokes. Nothing is drawn for a zero direction.
    public mutating func arrow(at p: (Double, Double), direction: (Double, Double), length: Double,
                               color: Color, width: Int = 1) {
        // Direction in pixels (y flips; the axes may be scaled differently).
        let sx = Double(image.width - 2 * margin - 1) / (xRange.upperBound - xRange.lowerBound)
        let sy = Double(image.height - 2 * margin - 1) / (yRange.upperBound - yRange.lowerBound)
        let ux = direction.0 * sx, uy = -direction.1 * sy
        let norm = hypot(ux, uy)
        guard norm > 0, norm.isFinite, length > 0 else { return }
        let (dx, dy) = (ux / norm * length, uy / norm * length)
        let start = pixel(p.0, p.1)
        let tip = (x: start.x + dx, y: start.y + dy)
        linePixels(start, tip, color: color, width: width)
        let head = Swift.max(2, length * 0.35), angle = 0.45
        for side in [-1.0, 1.0] {
            let c = cos(Double.pi - side * angle), s = sin(Double.pi - side * angle)
            let hx = (dx * c - dy * s) / length * head, hy = (dx * s + dy * c) / length * head
            linePixels(tip, (tip.x + hx, tip.y + hy), color: color, width: width)
        }
    }

    /// A filled dot of `size` pixels at a plane point.
    public mutating func dot(_ p: (Double, Double), color: Color, size: Int = 5) {
        let q = pixel(p.0, p.1)
        guard q.x.isFinite, q.y.isFinite, Swift.abs(q.x) < 1e6, Swift.abs(q.y) < 1e6 else { return }
        stamp(Int(q.x.rounded()), Int(q.y.rounded()), size: size, color)
    }

    /// A filled rectangle in pixels.
    public mutating func fill(x: Int, y: Int, width: Int, height: Int, color: Color) {
        for py in y..<(y + height) { for px in x..<(x + width) { set(px, py, color) } }
    }

    /// The frame of the plotted rectangle and, where the plane's axes cross it, the axes.
    public mutating func frameAndAxes(color: Color = .gray) {
        let (x0, x1, y0, y1) = (xRange.lowerBound, xRange.upperBound, yRange.lowerBound, yRange.upperBound)
        polyline([(x0, y0), (x1, y0), (x1, y1), (x0, y1), (x0, y0)], color: color)
        if xRange.contains(0) { line(from: (0, y0), to: (0, y1), color: .lightGray) }
        if yRange.contains(0) { line(from: (x0, 0), to: (x1, 0), color: .lightGray) }
    }
}
