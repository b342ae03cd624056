/* fastgraph's one thread pool (see tasks.h). */
#define _GNU_SOURCE     /* pthread_setname_np */
#include <stdint.h>

#include "tasks.h"

#if defined(__GNUC__) && !defined(_WIN32)
#include <pthread.h>
#include <sched.h>
#include <time.h>

#define FG_TASKS_MAX 64
#define FG_TASKS_SPIN_NS 200000
static __thread int fg_tasks_inside;
static pthread_mutex_t fg_tasks_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t fg_tasks_run_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t fg_tasks_work_cv = PTHREAD_COND_INITIALIZER;
static pthread_cond_t fg_tasks_done_cv = PTHREAD_COND_INITIALIZER;
static int fg_tasks_workers;          /* started worker threads */
static uint32_t fg_tasks_born[FG_TASKS_MAX];   /* generation at each one's start */
static int fg_tasks_forked;           /* pthread_atfork handler installed */
static uint32_t fg_tasks_gen;         /* job generation, under fg_tasks_mu */
static fg_task_fn fg_tasks_fn;
static void *fg_tasks_ctx;
static fg_idx fg_tasks_ntasks;
static int fg_tasks_slots;            /* slots of the current job */
static uint64_t fg_tasks_next;        /* (generation << 32) | next task */
static fg_idx fg_tasks_done;          /* finished tasks of the current job */

/* Backing off: a worker that another process descheduled in the middle of
 * a task holds the caller until it runs again.  When the caller, done with
 * its own tasks, waited longer than FG_TASKS_LATE_NS and longer than half
 * its own share, jobs run in the caller alone for a while (doubling, up to
 * FG_TASKS_ALONE_MAX_NS, while it recurs; halving after jobs that went
 * well), so that a busy machine costs a 2-thread run no more than a
 * 1-thread one.  Under fg_tasks_run_mu. */
#define FG_TASKS_LATE_NS 200000
#define FG_TASKS_ALONE_MIN_NS 5000000
#define FG_TASKS_ALONE_MAX_NS 200000000
static int64_t fg_tasks_alone_until;  /* jobs before this time run alone */
static int64_t fg_tasks_alone_ns;     /* the next backing off; 0: none yet */

/* Claim the next task of job `gen`; 0 when it has none left (or is over). */
static int fg_tasks_claim(uint32_t gen, fg_idx n, fg_idx *task)
{
    uint64_t v = __atomic_load_n(&fg_tasks_next, __ATOMIC_ACQUIRE);
    for (;;) {
        if ((uint32_t)(v >> 32) != gen || (fg_idx)(v & 0xffffffffu) >= n)
            return 0;
        if (__atomic_compare_exchange_n(&fg_tasks_next, &v, v + 1, 0,
                                        __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
            *task = (fg_idx)(v & 0xffffffffu);
            return 1;
        }
    }
}

static int64_t fg_tasks_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* Poll until *word != value (1) or FG_TASKS_SPIN_NS have passed (0), giving
 * the core away between polls to any other runnable thread. */
static int fg_tasks_spin(const void *word, int64_t value, int wide)
{
    const int64_t until = fg_tasks_now_ns() + FG_TASKS_SPIN_NS;
    for (int i = 0;; i++) {
        const int64_t now_value = wide ? __atomic_load_n((const fg_idx *)word, __ATOMIC_ACQUIRE)
                                       : __atomic_load_n((const uint32_t *)word, __ATOMIC_ACQUIRE);
        if (now_value != value)
            return 1;
#if defined(__x86_64__) || defined(__i386__)
        __builtin_ia32_pause();
#endif
        if (i % 64 == 63) {
            if (fg_tasks_now_ns() > until)
                return 0;
            sched_yield();
        }
    }
}

static void fg_tasks_work(uint32_t gen, fg_task_fn fn, void *ctx, fg_idx n, int slot)
{
    fg_idx t;
    while (fg_tasks_claim(gen, n, &t)) {
        fn(ctx, t, slot);
        if (__atomic_add_fetch(&fg_tasks_done, 1, __ATOMIC_ACQ_REL) == n && slot != 0) {
            pthread_mutex_lock(&fg_tasks_mu);
            pthread_cond_signal(&fg_tasks_done_cv);
            pthread_mutex_unlock(&fg_tasks_mu);
        }
    }
}

static void *fg_tasks_main(void *arg)
{
    const int slot = (int)(intptr_t)arg;
    fg_tasks_inside = 1;
#if FG_HAVE_OPENMP
    omp_set_num_threads(1);
#endif
    pthread_mutex_lock(&fg_tasks_mu);
    uint32_t seen = fg_tasks_born[slot];   /* so that it joins the job it was started for */
    for (;;) {
        if (fg_tasks_gen == seen) {
            pthread_mutex_unlock(&fg_tasks_mu);
            fg_tasks_spin(&fg_tasks_gen, seen, 0);
            pthread_mutex_lock(&fg_tasks_mu);
        }
        while (fg_tasks_gen == seen)
            pthread_cond_wait(&fg_tasks_work_cv, &fg_tasks_mu);
        seen = fg_tasks_gen;
        const fg_task_fn fn = fg_tasks_fn;
        void *ctx = fg_tasks_ctx;
        const fg_idx n = fg_tasks_ntasks;
        const int mine = slot < fg_tasks_slots;
        pthread_mutex_unlock(&fg_tasks_mu);
        if (mine)
            fg_tasks_work(seen, fn, ctx, n, slot);
        pthread_mutex_lock(&fg_tasks_mu);
    }
    return NULL;
}

/* A forked child has none of the parent's threads. */
static void fg_tasks_after_fork(void)
{
    fg_tasks_workers = 0;
    pthread_mutex_init(&fg_tasks_mu, NULL);
    pthread_mutex_init(&fg_tasks_run_mu, NULL);
    pthread_cond_init(&fg_tasks_work_cv, NULL);
    pthread_cond_init(&fg_tasks_done_cv, NULL);
}

/* Start workers up to slots - 1 (under fg_tasks_mu); the slots available. */
static int fg_tasks_grow(int slots)
{
    if (!fg_tasks_forked) {
        pthread_atfork(NULL, NULL, fg_tasks_after_fork);
        fg_tasks_forked = 1;
    }
    while (fg_tasks_workers < slots - 1 && fg_tasks_workers < FG_TASKS_MAX - 1) {
        pthread_t th;
        pthread_attr_t attr;
        fg_tasks_born[fg_tasks_workers + 1] = fg_tasks_gen;
        pthread_attr_init(&attr);
        pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
        const int err = pthread_create(&th, &attr, fg_tasks_main,
                                       (void *)(intptr_t)(fg_tasks_workers + 1));
        pthread_attr_destroy(&attr);
        if (err != 0)
            break;
#ifdef __linux__
        pthread_setname_np(th, "fastgraph-pool");   /* for top -H, and the tests */
#endif
        fg_tasks_workers++;
    }
    return fg_tasks_workers + 1 < slots ? fg_tasks_workers + 1 : slots;
}

static void fg_tasks_alone(fg_idx ntasks, fg_task_fn fn, void *ctx)
{
    const int inside = fg_tasks_inside;
    fg_tasks_inside = 1;
    for (fg_idx t = 0; t < ntasks; t++)
        fn(ctx, t, 0);
    fg_tasks_inside = inside;
}

/* After a job whose caller worked `own` ns and then waited `wait` ns for
 * the workers, ending at `now` (see fg_tasks_alone_until). */
static void fg_tasks_judge(int64_t own, int64_t wait, int64_t now)
{
    if (wait > FG_TASKS_LATE_NS && 2 * wait > own) {
        fg_tasks_alone_ns = fg_tasks_alone_ns == 0 ? FG_TASKS_ALONE_MIN_NS
                          : fg_tasks_alone_ns < FG_TASKS_ALONE_MAX_NS / 2
                          ? 2 * fg_tasks_alone_ns : FG_TASKS_ALONE_MAX_NS;
        fg_tasks_alone_until = now + fg_tasks_alone_ns;
    } else if (own > FG_TASKS_LATE_NS && 8 * wait < own) {
        /* A job long enough to tell went well: one such job under a busy
         * neighbour is luck, so the backing off shrinks, not ends. */
        fg_tasks_alone_ns = fg_tasks_alone_ns / 2 < FG_TASKS_ALONE_MIN_NS
                          ? 0 : fg_tasks_alone_ns / 2;
    }
}

/* Run fn(ctx, t, slot) for t < ntasks on up to `slots` threads (the caller
 * one of them); returns when every task has run. */
static void fg_tasks_run(fg_idx ntasks, int slots, fg_task_fn fn, void *ctx)
{
    if (slots > ntasks)
        slots = (int)ntasks;
    if (slots <= 1 || fg_tasks_inside || pthread_mutex_trylock(&fg_tasks_run_mu) != 0) {
        fg_tasks_alone(ntasks, fn, ctx);
        return;
    }
    const int64_t start = fg_tasks_now_ns();
    if (start < fg_tasks_alone_until) {
        fg_tasks_alone(ntasks, fn, ctx);
        pthread_mutex_unlock(&fg_tasks_run_mu);
        return;
    }
    pthread_mutex_lock(&fg_tasks_mu);
    slots = fg_tasks_grow(slots);
    const uint32_t gen = fg_tasks_gen + 1;
    fg_tasks_fn = fn;
    fg_tasks_ctx = ctx;
    fg_tasks_ntasks = ntasks;
    fg_tasks_slots = slots;
    __atomic_store_n(&fg_tasks_done, 0, __ATOMIC_RELEASE);
    __atomic_store_n(&fg_tasks_next, (uint64_t)gen << 32, __ATOMIC_RELEASE);
    __atomic_store_n(&fg_tasks_gen, gen, __ATOMIC_RELEASE);   /* spinning workers go */
    if (slots > 1)
        pthread_cond_broadcast(&fg_tasks_work_cv);
    pthread_mutex_unlock(&fg_tasks_mu);
    fg_tasks_inside = 1;
    fg_tasks_work(gen, fn, ctx, ntasks, 0);
    fg_tasks_inside = 0;
    const int64_t own_done = fg_tasks_now_ns();
    const fg_idx seen = __atomic_load_n(&fg_tasks_done, __ATOMIC_ACQUIRE);
    if (seen < ntasks && !(fg_tasks_spin(&fg_tasks_done, seen, 1)
                           && __atomic_load_n(&fg_tasks_done, __ATOMIC_ACQUIRE) == ntasks)) {
        pthread_mutex_lock(&fg_tasks_mu);
        while (__atomic_load_n(&fg_tasks_done, __ATOMIC_ACQUIRE) < ntasks)
            pthread_cond_wait(&fg_tasks_done_cv, &fg_tasks_mu);
        pthread_mutex_unlock(&fg_tasks_mu);
    }
    const int64_t end = seen < ntasks ? fg_tasks_now_ns() : own_done;
    fg_tasks_judge(own_done - start, end - own_done, end);
    pthread_mutex_unlock(&fg_tasks_run_mu);
}

#else  /* no pthreads: every job runs in the caller */
static int fg_tasks_inside;

static void fg_tasks_run(fg_idx ntasks, int slots, fg_task_fn fn, void *ctx)
{
    (void)slots;
    const int inside = fg_tasks_inside;
    fg_tasks_inside = 1;
    for (fg_idx t = 0; t < ntasks; t++)
        fn(ctx, t, 0);
    fg_tasks_inside = inside;
}
#endif


static int fg_tasks_in(void)
{
    return fg_tasks_inside;
}

static const fg_tasks_api fg_tasks_entry = {fg_tasks_run, fg_tasks_in};

const fg_tasks_api *fg_tasks_get_api(void)
{
    return &fg_tasks_entry;
}
