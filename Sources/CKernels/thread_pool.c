#include "thread_pool.h"
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <time.h>
#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define SG_PAUSE() _mm_pause()
#else
#define SG_PAUSE() ((void)0)
#endif

enum { SG_POOL_MAX_WORKERS = 63 };
// How long an idle worker keeps spinning before it sleeps.
#define SG_POOL_SPIN_NS 200000L

// The job. `generation` is a sequence lock: odd while the dispatcher rewrites the job, even
// (and new) once a job is published. A worker joins a job by raising `active` and then
// checking that the generation has not moved; the dispatcher waits for `active` to fall to
// zero before it rewrites the job, so no worker ever reads a half-written one.
static _Atomic unsigned long generation = 0;
static _Atomic long active = 0;
static _Atomic long next_index = 0;
static _Atomic long remaining = 0;
static long job_count = 0, job_participants = 0;
static sg_pool_task job_task = 0;
static void *job_context = 0;

static atomic_flag dispatching = ATOMIC_FLAG_INIT;
static _Atomic long workers = 0;
static _Atomic long sleepers = 0;
static pthread_mutex_t sleep_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t sleep_wake = PTHREAD_COND_INITIALIZER;
static _Thread_local int inside_task = 0;

static long now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (long)t.tv_sec * 1000000000L + t.tv_nsec;
}

// Takes indices until none are left.
static void work(sg_pool_task task, void *context, long count) {
    for (;;) {
        long i = atomic_fetch_add(&next_index, 1);
        if (i >= count) return;
        inside_task = 1;
        task(context, i);
        inside_task = 0;
        atomic_fetch_sub_explicit(&remaining, 1, memory_order_release);
    }
}

static void *worker_main(void *arg) {
    long id = (long)(intptr_t)arg;  // 1-based: the dispatching thread is 0
    unsigned long seen = atomic_load(&generation);
    for (;;) {
        unsigned long g = atomic_load(&generation);
        if (g == seen || (g & 1)) {
            // Nothing new: spin a while, then sleep until a job is published.
            long start = now_ns();
            int spins = 0;
            while ((g = atomic_load(&generation)) == seen || (g & 1)) {
                SG_PAUSE();
                if (++spins % 64 == 0 && now_ns() - start > SG_POOL_SPIN_NS) {
                    pthread_mutex_lock(&sleep_lock);
                    atomic_fetch_add(&sleepers, 1);
                    while ((g = atomic_load(&generation)) == seen || (g & 1))
                        pthread_cond_wait(&sleep_wake, &sleep_lock);
                    atomic_fetch_sub(&sleepers, 1);
                    pthread_mutex_unlock(&sleep_lock);
                    break;
                }
            }
        }
        seen = g;
        atomic_fetch_add(&active, 1);
        if (atomic_load(&generation) == g && id < job_participants)
            work(job_task, job_context, job_count);
        atomic_fetch_sub(&active, 1);
    }
    return 0;
}

static void start_workers(long wanted) {
    if (wanted > SG_POOL_MAX_WORKERS) wanted = SG_POOL_MAX_WORKERS;
    while (atomic_load(&workers) < wanted) {
        long id = atomic_load(&workers) + 1;
        pthread_t thread;
        pthread_attr_t attr;
        pthread_attr_init(&attr);
        pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
        int failed = pthread_create(&thread, &attr, worker_main, (void *)(intptr_t)id);
        pthread_attr_destroy(&attr);
        if (failed) return;  // fewer workers: the caller does more of the work
        atomic_fetch_add(&workers, 1);
    }
}

static void run_here(long count, sg_pool_task task, void *context) {
    for (long i = 0; i < count; i++) task(context, i);
}

void sg_pool_run(long count, long threads, sg_pool_task task, void *context) {
    if (count <= 0) return;
    if (threads > count) threads = count;
    if (threads <= 1 || inside_task || atomic_flag_test_and_set(&dispatching)) {
        run_here(count, task, context);
        return;
    }
    start_workers(threads - 1);

    // Retire the previous job: no worker may still be reading it.
    atomic_fetch_add(&generation, 1);  // odd: rewriting
    while (atomic_load(&active) != 0) SG_PAUSE();
    job_task = task;
    job_context = context;
    job_count = count;
    job_participants = threads;
    atomic_store(&remaining, count);
    atomic_store(&next_index, 0);
    atomic_fetch_add(&generation, 1);  // even: published
    if (atomic_load(&sleepers) > 0) {
        pthread_mutex_lock(&sleep_lock);
        pthread_cond_broadcast(&sleep_wake);
        pthread_mutex_unlock(&sleep_lock);
    }

    work(task, context, count);
    int spins = 0;
    while (atomic_load_explicit(&remaining, memory_order_acquire) != 0) {
        SG_PAUSE();
        if (++spins > 100000) sched_yield();  // a worker lost its core: let it finish
    }
    atomic_flag_clear(&dispatching);
}
