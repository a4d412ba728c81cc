import CKernels

/// Splitting independent work over a few threads. Each part writes its own piece of the
/// output, so the result does not depend on the thread count or on which thread ran a part.
///
/// The threads are the engine's pool (`CKernels/thread_pool.c`): workers spin briefly after
/// a part before they sleep, so the hundreds of hand-offs in a training step find them
/// awake (Dispatch's `concurrentPerform` wakes a sleeping thread for most of them).
public enum Parallel {
    /// Elements of work below which one thread is used.
    public static let minWorkPerThread = 1 << 18

    /// Runs `body(p)` for every part p in `0..<parts` on the calling thread and up to
    /// `threads - 1` pool workers; returns when all parts are done. Nested calls, and calls
    /// made while another thread runs parts, run every part on the calling thread.
    @inlinable
    public static func run(_ parts: Int, threads: Int = BLAS.maxThreads, _ body: (Int) -> Void) {
        if parts <= 0 { return }
        if parts == 1 || threads <= 1 {
            for p in 0..<parts { body(p) }
            return
        }
        withoutActuallyEscaping(body) { body in
            var part = body
            withUnsafeMutablePointer(to: &part) { pointer in
                sg_pool_run(parts, threads, { context, p in
                    context!.assumingMemoryBound(to: ((Int) -> Void).self).pointee(p)
                }, pointer)
            }
        }
    }

    /// Threads worth using for `work` elements touched: one per `minWorkPerThread`, at most
    /// `BLAS.maxThreads`.
    @inlinable
    public static func threads(forWork work: Int) -> Int {
        Swift.min(BLAS.maxThreads, Swift.max(1, work / minWorkPerThread))
    }

    /// Runs `body` on contiguous chunks covering `0..<count`, on up to `BLAS.maxThreads`
    /// threads (fewer when `work`, in elements touched, is small).
    @inlinable
    public static func forEachChunk(_ count: Int, work: Int, _ body: (Range<Int>) -> Void) {
        let threads = Swift.min(count, self.threads(forWork: work))
        if threads <= 1 { body(0..<count); return }
        run(threads, threads: threads) { t in
            body((count * t / threads)..<(count * (t + 1) / threads))
        }
    }
}
