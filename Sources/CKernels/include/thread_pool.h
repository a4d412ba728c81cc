#ifndef SWIFTGAN_THREAD_POOL_H
#define SWIFTGAN_THREAD_POOL_H

// A small pool of worker threads for the engine's parallel loops (BLAS splits, elementwise
// chunks). A GAN step on a laptop hands work to a second core hundreds of times, every
// 20-200 µs; a worker woken from sleep for each hand-off (what Dispatch's concurrentPerform
// does when its threads have gone idle) costs a good part of what the split saves. Workers
// here spin for a short while after a task (`SG_POOL_SPIN_NS`) and only then sleep, so
// back-to-back hand-offs find them awake.
//
// `sg_pool_run` runs task(context, i) for every i in [0, count) on the calling thread and up
// to `threads - 1` workers, and returns when all have finished. Which thread runs an index
// never changes what it computes: callers split work by index. A call made while another
// thread is running a job, or from inside a task, runs every index on the calling thread.

typedef void (*sg_pool_task)(void *context, long index);

void sg_pool_run(long count, long threads, sg_pool_task task, void *context);

#endif
