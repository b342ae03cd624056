/* A small pthread pool for the convolutions: the caller and up to
 * slots - 1 kept workers take tasks of a job from one atomic counter.
 *
 * Why not an OpenMP parallel region: its end barrier waits for every
 * thread of the team, so when a neighbour process has descheduled one of
 * them, each region costs a time slice (a 2-thread step became 5x slower
 * than a 1-thread one).  Here the caller takes tasks too and waits only
 * for tasks a worker has actually started: a worker that is not running
 * simply takes none.  An idle worker polls for the next job for at most
 * FG_POOL_SPIN_NS (yielding the core to anything runnable), so that the
 * jobs of one training step find it awake, then sleeps on a condition
 * variable; a task runs its kernels single-threaded (fg_pool_inside turns
 * the OpenMP regions of this family off inside tasks).
 *
 * One job runs at a time; a second caller (another Python thread) runs its
 * tasks itself.  Static state: each family's .c file that includes it has
 * a pool of its own (im2col's for convolutions and products, attention's
 * for fused attention); their jobs never overlap, and an idle pool's
 * workers sleep after FG_POOL_SPIN_NS. */
#ifndef FG_POOL_H
#define FG_POOL_H

#include <stdint.h>

#include "fg_kernels.h"

/* Task `task` of a job, run by slot `slot` (0 is the caller): slots own
 * scratch memory, so no two tasks of a job run on one slot at once. */
typedef void (*fg_task_fn)(void *ctx, fg_idx task, int slot);

#if defined(__GNUC__) && !defined(_WIN32)
#include <pthread.h>
#include <sched.h>
#include <time.h>

#define FG_POOL_MAX 64
#define FG_POOL_SPIN_NS 200000
static __thread int fg_pool_inside;
static pthread_mutex_t fg_pool_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t fg_pool_run_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t fg_pool_work_cv = PTHREAD_COND_INITIALIZER;
static pthread_cond_t fg_pool_done_cv = PTHREAD_COND_INITIALIZER;
static int fg_pool_workers;          /* started worker threads */
static int fg_pool_forked;           /* pthread_atfork handler installed */
static uint32_t fg_pool_gen;         /* job generation, under fg_pool_mu */
static fg_task_fn fg_pool_fn;
static void *fg_pool_ctx;
static fg_idx fg_pool_ntasks;
static int fg_pool_slots;            /* slots of the current job */
static uint64_t fg_pool_next;        /* (generation << 32) | next task */
static fg_idx fg_pool_done;          /* finished tasks of the current job */

/* Claim the next task of job `gen`; 0 when it has none left (or is over). */
static int fg_pool_claim(uint32_t gen, fg_idx n, fg_idx *task)
{
    uint64_t v = __atomic_load_n(&fg_pool_next, __ATOMIC_ACQUIRE);
    for (;;) {
        if ((uint32_t)(v >> 32) != gen || (fg_idx)(v & 0xffffffffu) >= n)
            return 0;
        if (__atomic_compare_exchange_n(&fg_pool_next, &v, v + 1, 0,
                                        __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
            *task = (fg_idx)(v & 0xffffffffu);
            return 1;
        }
    }
}

static int64_t fg_pool_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* Poll until *word != value (1) or FG_POOL_SPIN_NS have passed (0), giving
 * the core away between polls to any other runnable thread. */
static int fg_pool_spin(const void *word, int64_t value, int wide)
{
    const int64_t until = fg_pool_now_ns() + FG_POOL_SPIN_NS;
    for (int i = 0;; i++) {
        const int64_t now_value = wide ? __atomic_load_n((const fg_idx *)word, __ATOMIC_ACQUIRE)
                                       : __atomic_load_n((const uint32_t *)word, __ATOMIC_ACQUIRE);
        if (now_value != value)
            return 1;
#if defined(__x86_64__) || defined(__i386__)
        __builtin_ia32_pause();
#endif
        if (i % 64 == 63) {
            if (fg_pool_now_ns() > until)
                return 0;
            sched_yield();
        }
    }
}

static void fg_pool_work(uint32_t gen, fg_task_fn fn, void *ctx, fg_idx n, int slot)
{
    fg_idx t;
    while (fg_pool_claim(gen, n, &t)) {
        fn(ctx, t, slot);
        if (__atomic_add_fetch(&fg_pool_done, 1, __ATOMIC_ACQ_REL) == n && slot != 0) {
            pthread_mutex_lock(&fg_pool_mu);
            pthread_cond_signal(&fg_pool_done_cv);
            pthread_mutex_unlock(&fg_pool_mu);
        }
    }
}

static void *fg_pool_main(void *arg)
{
    const int slot = (int)(intptr_t)arg;
    fg_pool_inside = 1;
#if FG_HAVE_OPENMP
    omp_set_num_threads(1);
#endif
    pthread_mutex_lock(&fg_pool_mu);
    uint32_t seen = fg_pool_gen;
    for (;;) {
        if (fg_pool_gen == seen) {
            pthread_mutex_unlock(&fg_pool_mu);
            fg_pool_spin(&fg_pool_gen, seen, 0);
            pthread_mutex_lock(&fg_pool_mu);
        }
        while (fg_pool_gen == seen)
            pthread_cond_wait(&fg_pool_work_cv, &fg_pool_mu);
        seen = fg_pool_gen;
        const fg_task_fn fn = fg_pool_fn;
        void *ctx = fg_pool_ctx;
        const fg_idx n = fg_pool_ntasks;
        const int mine = slot < fg_pool_slots;
        pthread_mutex_unlock(&fg_pool_mu);
        if (mine)
            fg_pool_work(seen, fn, ctx, n, slot);
        pthread_mutex_lock(&fg_pool_mu);
    }
    return NULL;
}

/* A forked child has none of the parent's threads. */
static void fg_pool_after_fork(void)
{
    fg_pool_workers = 0;
    pthread_mutex_init(&fg_pool_mu, NULL);
    pthread_mutex_init(&fg_pool_run_mu, NULL);
    pthread_cond_init(&fg_pool_work_cv, NULL);
    pthread_cond_init(&fg_pool_done_cv, NULL);
}

/* Start workers up to slots - 1 (under fg_pool_mu); the slots available. */
static int fg_pool_grow(int slots)
{
    if (!fg_pool_forked) {
        pthread_atfork(NULL, NULL, fg_pool_after_fork);
        fg_pool_forked = 1;
    }
    while (fg_pool_workers < slots - 1 && fg_pool_workers < FG_POOL_MAX - 1) {
        pthread_t th;
        pthread_attr_t attr;
        pthread_attr_init(&attr);
        pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
        const int err = pthread_create(&th, &attr, fg_pool_main,
                                       (void *)(intptr_t)(fg_pool_workers + 1));
        pthread_attr_destroy(&attr);
        if (err != 0)
            break;
        fg_pool_workers++;
    }
    return fg_pool_workers + 1 < slots ? fg_pool_workers + 1 : slots;
}

/* Run fn(ctx, t, slot) for t < ntasks on up to `slots` threads (the caller
 * one of them); returns when every task has run. */
static void fg_pool_run(fg_idx ntasks, int slots, fg_task_fn fn, void *ctx)
{
    if (slots > ntasks)
        slots = (int)ntasks;
    if (slots <= 1 || fg_pool_inside || pthread_mutex_trylock(&fg_pool_run_mu) != 0) {
        const int inside = fg_pool_inside;
        fg_pool_inside = 1;
        for (fg_idx t = 0; t < ntasks; t++)
            fn(ctx, t, 0);
        fg_pool_inside = inside;
        return;
    }
    pthread_mutex_lock(&fg_pool_mu);
    slots = fg_pool_grow(slots);
    const uint32_t gen = fg_pool_gen + 1;
    fg_pool_fn = fn;
    fg_pool_ctx = ctx;
    fg_pool_ntasks = ntasks;
    fg_pool_slots = slots;
    __atomic_store_n(&fg_pool_done, 0, __ATOMIC_RELEASE);
    __atomic_store_n(&fg_pool_next, (uint64_t)gen << 32, __ATOMIC_RELEASE);
    __atomic_store_n(&fg_pool_gen, gen, __ATOMIC_RELEASE);   /* spinning workers go */
    if (slots > 1)
        pthread_cond_broadcast(&fg_pool_work_cv);
    pthread_mutex_unlock(&fg_pool_mu);
    fg_pool_inside = 1;
    fg_pool_work(gen, fn, ctx, ntasks, 0);
    fg_pool_inside = 0;
    const fg_idx seen = __atomic_load_n(&fg_pool_done, __ATOMIC_ACQUIRE);
    if (seen < ntasks && !(fg_pool_spin(&fg_pool_done, seen, 1)
                           && __atomic_load_n(&fg_pool_done, __ATOMIC_ACQUIRE) == ntasks)) {
        pthread_mutex_lock(&fg_pool_mu);
        while (__atomic_load_n(&fg_pool_done, __ATOMIC_ACQUIRE) < ntasks)
            pthread_cond_wait(&fg_pool_done_cv, &fg_pool_mu);
        pthread_mutex_unlock(&fg_pool_mu);
    }
    pthread_mutex_unlock(&fg_pool_run_mu);
}

#else  /* no pthreads: every job runs in the caller */
static int fg_pool_inside;

static void fg_pool_run(fg_idx ntasks, int slots, fg_task_fn fn, void *ctx)
{
    (void)slots;
    const int inside = fg_pool_inside;
    fg_pool_inside = 1;
    for (fg_idx t = 0; t < ntasks; t++)
        fn(ctx, t, 0);
    fg_pool_inside = inside;
}
#endif

#endif
