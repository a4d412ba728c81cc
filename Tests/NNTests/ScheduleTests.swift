import NN
import TestFixtures
import Testing

@Suite("Learning-rate schedules")
struct ScheduleTests {
    @Test func constant() {
        let s = LearningRateSchedule.constant(2e-4)
        #expect([0, 1, 1000, 1_000_000].map { s($0) } == [2e-4, 2e-4, 2e-4, 2e-4])
    }

    @Test func linearDecay() {
        let s = LearningRateSchedule.linearDecay(from: 1.0, to: 0.0, start: 10, end: 20)
        #expect(s(0) == 1 && s(10) == 1)
        #expect(s(11) == 0.9 && s(15) == 0.5 && s(19) == Float(0.1))
        #expect(s(20) == 0 && s(500) == 0)
        // Decay towards a nonzero floor, and increasing schedules work the same way.
        let floor = LearningRateSchedule.linearDecay(from: 2e-4, to: 2e-5, start: 0, end: 4)
        let want: [Double] = [2e-4, 1.55e-4, 1.1e-4, 6.5e-5, 2e-5, 2e-5]
        for (step, w) in want.enumerated() {
            #expect(Swift.abs(Double(floor(step)) - w) < 1e-10, "step \(step): \(floor(step)) vs \(w)")
        }
        // Monotone between the ends.
        let rates = (0...25).map { s($0) }
        #expect(zip(rates, rates.dropFirst()).allSatisfy { $0 >= $1 })
    }

    @Test func linearWarmup() {
        let s = LearningRateSchedule.linearWarmup(to: 1e-3, steps: 4)
        #expect(s(0) == 2.5e-4 && s(1) == 5e-4 && s(2) == 7.5e-4 && s(3) == 1e-3 && s(100) == 1e-3)
        // Warm-up in front of a decay: the ramp scales whatever the inner schedule gives.
        let both = LearningRateSchedule.linearWarmup(steps: 2, then: .linearDecay(from: 1, to: 0, start: 2, end: 6))
        #expect([0, 1, 2, 3, 4, 5, 6, 7].map { both($0) } == [0.5, 1, 1, 0.75, 0.5, 0.25, 0, 0])
        #expect(both.rate(at: 3) == both(3))
    }

    /// Optimizers take the rate of update number `state.step + 1` from the schedule (asked
    /// with `state.step`), unless the update passes one.
    @Test func optimizersFollowTheScheduleOrTheOverride() {
        let schedule = LearningRateSchedule.linearWarmup(to: 0.4, steps: 4)
        let sgd = SGD(learningRate: schedule)
        var params = ["w": Tensor([1.0]).requiringGradient()]
        var state = OptimizerState()
        var moves: [Float] = []
        for _ in 0..<5 {
            let (next, s) = sgd.update(params, ["w": Tensor([1.0])], state)
            moves.append(params["w"]!.scalarValue - next["w"]!.scalarValue)
            params = next
            state = s
        }
        let want: [Float] = [0.1, 0.2, 0.3, 0.4, 0.4]
        for (m, w) in zip(moves, want) { #expect(Swift.abs(m - w) < 1e-6, "moves \(moves)") }

        let (overridden, s) = sgd.update(params, ["w": Tensor([1.0])], state, learningRate: 0.05)
        #expect(Swift.abs(params["w"]!.scalarValue - overridden["w"]!.scalarValue - 0.05) < 1e-6)
        #expect(s.step == 6)

        // Adam's step size is the schedule's rate: its first update moves by ≈ lr.
        let adam = Adam(learningRate: .linearDecay(from: 1e-2, to: 0, start: 0, end: 10))
        let (a1, st) = adam.update(["w": Tensor([0.0])], ["w": Tensor([3.0])], OptimizerState())
        #expect(Swift.abs(a1["w"]!.scalarValue + 1e-2) < 1e-7)
        let (a2, _) = adam.update(["w": Tensor([0.0])], ["w": Tensor([3.0])], st)
        #expect(Swift.abs(a2["w"]!.scalarValue + 9e-3) < 1e-7)
    }
}
