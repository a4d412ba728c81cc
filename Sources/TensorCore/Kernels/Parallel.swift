import Dispatch

/// Splitting independent work over a few threads. Each chunk writes its own part of the
/// output, so the result does not depend on the thread count.
public enum Parallel {
    /// Elements of work below which one thread is used (a thread hand-off costs ~10 µs).
    public static let minWorkPerThread = 1 << 18

    /// Runs `body` on contiguous chunks covering `0..<count`, on up to `BLAS.maxThreads`
    /// threads (fewer when `work`, in elements touched, is small).
    @inlinable
    public static func forEachChunk(_ count: Int, work: Int, _ body: (Range<Int>) -> Void) {
        let threads = Swift.min(BLAS.maxThreads, count, Swift.max(1, work / minWorkPerThread))
        if threads <= 1 { body(0..<count); return }
        withoutActuallyEscaping(body) { body in
            nonisolated(unsafe) let chunk = body
            DispatchQueue.concurrentPerform(iterations: threads) { t in
                chunk((count * t / threads)..<(count * (t + 1) / threads))
            }
        }
    }
}
