import NN
import TestFixtures
import Testing

@Suite("Exponential moving average of parameters")
struct EMATests {
    @Test func warmupDecay() {
        let ema = ExponentialMovingAverage(decay: 0.999)
        // d_t = min(decay, (1 + t) / (10 + t))
        #expect(ema.decay(at: 0) == 0.1)
        #expect(ema.decay(at: 10) == 0.55)
        #expect(ema.decay(at: 90) == 0.91)
        #expect(ema.decay(at: 1_000_000) == 0.999)
        #expect(ExponentialMovingAverage(decay: 0.5).decay(at: 100) == 0.5)
        #expect(ExponentialMovingAverage(decay: 0.999, warmup: false).decay(at: 0) == 0.999)
    }

    @Test func updateFollowsTheFormula() {
        let params = ["g.w": Tensor([1, 2, 3, 4], shape: [2, 2]).requiringGradient(), "g.b": Tensor([-1])]
        let avg = ExponentialMovingAverage(decay: 0.9)
        var ema = ExponentialMovingAverage.start(params)
        #expect(ema["g.w"]!.toArray() == [1, 2, 3, 4] && !ema["g.w"]!.isTracked)
        // A few steps in Double, with the parameters moving each step.
        var want: [Double] = [1, 2, 3, 4, -1]
        var current = params
        for step in 0..<30 {
            let shift = Float(step + 1)
            current = ["g.w": Tensor([1, 2, 3, 4].map { $0 * shift }, shape: [2, 2]), "g.b": Tensor([-shift])]
            ema = avg.update(ema, current, step: step)
            let d = Swift.min(0.9, (1 + Double(step)) / (10 + Double(step)))
            let p = [1, 2, 3, 4].map { Double($0) * Double(shift) } + [-Double(shift)]
            want = zip(want, p).map { d * $0 + (1 - d) * $1 }
        }
        let got = ema["g.w"]!.toArray() + ema["g.b"]!.toArray()
        expectClose(Tensor(got), Tensor(want.map(Float.init)), atol: 1e-5, rtol: 1e-5, "EMA after 30 steps")
        #expect(ema["g.w"]!.shape == [2, 2] && !ema["g.w"]!.isTracked)
    }

    @Test func updateIsPure() {
        let avg = ExponentialMovingAverage(decay: 0.99, warmup: false)
        let ema = ["w": Tensor([0, 0, 0])], params = ["w": Tensor([1, 2, 3]).requiringGradient()]
        let a = avg.update(ema, params, step: 7), b = avg.update(ema, params, step: 7)
        #expect(a["w"]!.toArray() == b["w"]!.toArray())
        #expect(ema["w"]!.toArray() == [0, 0, 0] && params["w"]!.toArray() == [1, 2, 3])
        expectClose(a["w"]!, Tensor([0.01, 0.02, 0.03]), atol: 1e-7, rtol: 1e-6, "one step at decay 0.99")
    }

    @Test func mismatchedPathsNameThePath() async {
        await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            let avg = ExponentialMovingAverage()
            _ = avg.update(["g.w": Tensor([1, 2])], ["g.w": Tensor([1, 2]), "g.b": Tensor([0])], step: 0)
        }.map { r in
            #expect(String(decoding: r.standardErrorContent, as: UTF8.self)
                .contains("ExponentialMovingAverage.update: parameter 'g.b' (shape [1]) has no average"))
        }
    }
}
