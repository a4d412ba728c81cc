import Foundation

/// Timing helpers for the benchmark cases: warm up, then time batches of repetitions and
/// keep the median batch, so one noisy moment on a shared machine does not decide a figure.
enum Timer {
    static func now() -> UInt64 { DispatchTime.now().uptimeNanoseconds }

    /// Median seconds per call of `body`, over `batches` batches of at least `minSeconds` each.
    static func secondsPerCall(minSeconds: Double = 0.05, batches: Int = 5, _ body: () -> Void) -> Double {
        for _ in 0..<3 { body() }  // warm-up
        var reps = 1
        while true {
            let t0 = now()
            for _ in 0..<reps { body() }
            let dt = Double(now() - t0) / 1e9
            if dt >= minSeconds / 4 || reps >= 1 << 24 { reps = max(1, Int(Double(reps) * minSeconds / max(dt, 1e-9))); break }
            reps *= 4
        }
        var samples: [Double] = []
        for _ in 0..<batches {
            let t0 = now()
            for _ in 0..<reps { body() }
            samples.append(Double(now() - t0) / 1e9 / Double(reps))
        }
        samples.sort()
        return samples[samples.count / 2]
    }
}

/// One machine-readable line per case: `RESULT case=<name> key=value ...`.
func report(_ name: String, _ fields: KeyValuePairs<String, Any>) {
    var line = "RESULT case=\(name)"
    for (k, v) in fields {
        if let d = v as? Double { line += " \(k)=\(String(format: d >= 100 ? "%.1f" : "%.4g", d))" } else { line += " \(k)=\(v)" }
    }
    print(line)
    fflush(nil)
}

/// Keeps a value alive and observable so the optimizer cannot drop the work producing it.
@inline(never) func blackHole<T>(_ x: T) { withExtendedLifetime(x) {} }
