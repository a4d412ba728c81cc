import Artifacts
import Foundation

/// The picture of one Dirac-GAN method: the gradient vector field as arrows on a grid over
/// [−2, 2]² (θ across, ψ up; direction only, darker where the field is stronger) and the
/// trajectories of the three update schemes over it.
public enum DiracPlot {
    /// Scheme colours: simultaneous blue, alternating 1:1 orange, alternating 5:1 green.
    public static func color(_ scheme: DiracScheme) -> Color {
        switch scheme {
        case .simultaneous: return .blue
        case .alternating: return .orange
        case .alternating5: return .green
        }
    }

    public static func render(_ result: DiracResult, size: Int = 480, extent: Double = 2, gridPoints: Int = 17) -> Image {
        var canvas = Canvas(width: size, height: size, x: -extent...extent, y: -extent...extent, margin: 12)
        canvas.frameAndAxes()
        let game = DiracGame(result.method)
        // The field on the grid, then arrows whose gray level follows the magnitude.
        var samples: [(Double, Double, Float, Float)] = []
        for i in 0..<gridPoints {
            for j in 0..<gridPoints {
                let x = -extent + 2 * extent * Double(i) / Double(gridPoints - 1)
                let y = -extent + 2 * extent * Double(j) / Double(gridPoints - 1)
                let v = game.vectorField(theta: Float(x), psi: Float(y))
                samples.append((x, y, v.theta, v.psi))
            }
        }
        let largest = samples.map { Double(hypot($0.2, $0.3)) }.filter(\.isFinite).max() ?? 1
        let spacing = Double(size - 24) / Double(gridPoints - 1)
        for (x, y, vx, vy) in samples {
            let strength = largest > 0 ? Double(hypot(vx, vy)) / largest : 0
            let level = UInt8(max(90, min(215, 215 - 125 * strength)))
            canvas.arrow(at: (x, y), direction: (Double(vx), Double(vy)), length: spacing * 0.6,
                         color: Color(level, level, level))
        }
        for t in result.trajectories {
            canvas.polyline(zip(t.thetas, t.psis).map { (Double($0), Double($1)) }, color: color(t.scheme), width: 2)
        }
        for t in result.trajectories {
            if let x = t.thetas.last, let y = t.psis.last { canvas.dot((Double(x), Double(y)), color: color(t.scheme), size: 7) }
        }
        canvas.dot((Double(DiracExperiment.start.theta), Double(DiracExperiment.start.psi)), color: .black, size: 7)
        canvas.dot((0, 0), color: .red, size: 5)
        // Labels on white boxes: title top left, legend bottom left, axis names and ends.
        func label(_ text: String, x: Int, y: Int, color: Color = .black, scale: Int = 1) {
            canvas.fill(x: x - 2, y: y - 2, width: Canvas.textWidth(text, scale: scale) + 3,
                        height: PixelFont.height * scale + 4, color: .white)
            canvas.text(text, x: x, y: y, color: color, scale: scale)
        }
        let m = canvas.margin
        label(result.method.title, x: m + 6, y: m + 6, scale: 2)
        for (k, t) in result.trajectories.enumerated() {
            let y = size - m - 14 - 12 * (result.trajectories.count - 1 - k)
            let text = "\(t.scheme.title): \(t.verdict.rawValue)"
            canvas.fill(x: m + 4, y: y - 2, width: 20 + Canvas.textWidth(text), height: 11, color: .white)
            canvas.fill(x: m + 6, y: y + 2, width: 12, height: 3, color: color(t.scheme))
            canvas.text(text, x: m + 22, y: y, color: .black)
        }
        let e = DiracMethod.number(Float(extent))
        let axisY = Int(canvas.pixel(0, 0).y.rounded()), axisX = Int(canvas.pixel(0, 0).x.rounded())
        label("θ", x: size - m - 10, y: axisY - 11)
        label("ψ", x: axisX + 4, y: m + 2)
        label("-\(e)", x: m + 2, y: axisY + 4)
        label(e, x: size - m - 8, y: axisY + 4)
        return canvas.image
    }
}
