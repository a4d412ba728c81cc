import Autograd
import Datasets
import Foundation
import Testing

@Suite("Stacked MNIST")
struct StackedMNISTTests {
    /// Ten images; image k has every pixel k * 20 and label k.
    static let source = MNIST(split: .train, pixels: (0..<10).flatMap { k in [UInt8](repeating: UInt8(k * 20), count: 784) },
                              labels: Array(0..<10))

    @Test func channelsAreTheDrawnDigitsAndModesTheirTriples() {
        let stacked = StackedMNIST(source: Self.source, count: 5_000, seed: 7)
        #expect(stacked.count == 5_000)
        let x = stacked.images([0, 4_999])
        #expect(x.shape == [2, 3, 28, 28])
        let v = x.toArray()
        for (k, row) in [0, 4_999].enumerated() {
            let (a, b, c) = stacked.labels(row)
            #expect(stacked.modes[row] == 100 * a + 10 * b + c)
            for (ch, digit) in [a, b, c].enumerated() {
                let expected = Float(digit * 20) / 127.5 - 1
                let plane = v[((3 * k + ch) * 784)..<((3 * k + ch + 1) * 784)]
                #expect(plane.allSatisfy { abs($0 - expected) < 1e-6 })
            }
        }
        // Uniform over the 1,000 modes: 5,000 draws cover most of them (expected 993).
        #expect(Set(stacked.modes).count > 980)
        // Same seed, same set; another seed, another set.
        #expect(StackedMNIST(source: Self.source, count: 5_000, seed: 7).digits == stacked.digits)
        #expect(StackedMNIST(source: Self.source, count: 5_000, seed: 8).digits != stacked.digits)
        #expect(StackedMNIST.mode(9, 0, 3) == 903)
    }

    @Test func builtFromTheBundledTestSplit() throws {
        let stacked = StackedMNIST(source: try MNIST.load(.test), count: 1_000, seed: 1)
        let counts = Dictionary(grouping: stacked.modes, by: { $0 / 100 }).mapValues(\.count)
        #expect(counts.count == 10 && counts.values.allSatisfy { $0 > 60 && $0 < 140 })
        #expect(stacked.images(Array(0..<4), valueRange: 0...1).toArray().allSatisfy { $0 >= 0 && $0 <= 1 })
    }
}
