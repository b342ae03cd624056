"""fastgraph's one thread pool (csrc/tasks.c), shared by every kernel family.

Built once: the families' C code reaches the pool through the entry points
whose address `api_address` gives, which their shims hand to C at import
(csrc/fg_pool.h), so that all their jobs run on the same kept workers.
"""
from libc.time cimport time_t
from posix.time cimport timespec, nanosleep, clock_gettime, CLOCK_MONOTONIC

cdef extern from "tasks.h":
    ctypedef Py_ssize_t fg_idx
    ctypedef void (*fg_task_fn)(void *ctx, fg_idx task, int slot) noexcept nogil
    ctypedef struct fg_tasks_api:
        void (*run)(fg_idx ntasks, int slots, fg_task_fn fn, void *ctx) noexcept nogil
    const fg_tasks_api *fg_tasks_get_api() nogil

cdef extern from *:
    """
    static inline void fg_flag_raise(int *p) { __atomic_store_n(p, 1, __ATOMIC_RELEASE); }
    static inline int fg_flag_up(int *p) { return __atomic_load_n(p, __ATOMIC_ACQUIRE); }
    """
    void fg_flag_raise(int *p) noexcept nogil
    int fg_flag_up(int *p) noexcept nogil


def api_address():
    """The address of the pool's entry points (a C fg_tasks_api)."""
    return <size_t>fg_tasks_get_api()


ctypedef struct _stall:
    int slots[64]        # the slot that ran each task
    int worker_started   # a worker has begun a task
    long stall_ns        # how long a worker's task takes
    double patience      # how long the caller's tasks wait for a worker to begin


cdef double _now() noexcept nogil:
    cdef timespec ts
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return ts.tv_sec + ts.tv_nsec * 1e-9


cdef void _stall_task(void *ctx, fg_idx t, int slot) noexcept nogil:
    cdef _stall *s = <_stall *>ctx
    cdef timespec ts
    cdef double until
    s.slots[t] = slot
    if slot != 0:
        fg_flag_raise(&s.worker_started)
        ts.tv_sec = <time_t>(s.stall_ns // 1000000000)
        ts.tv_nsec = s.stall_ns % 1000000000
        nanosleep(&ts, NULL)
    elif s.stall_ns > 0:
        until = _now() + s.patience
        while not fg_flag_up(&s.worker_started) and _now() < until:
            pass


def _stalled_job(int ntasks, int slots, double stall, double patience=2.0):
    """Run a job of `ntasks` tasks on up to `slots` threads in which a worker's
    task takes `stall` seconds, as if another process had descheduled it (the
    caller's tasks wait until a worker has begun one, up to `patience`
    seconds; with stall 0 nothing waits).  The slot that ran each task, for the tests of
    the pool's backing off."""
    if not 0 < ntasks <= 64:
        raise ValueError(f"_stalled_job: ntasks must be in 1..64, got {ntasks}")
    cdef _stall s
    s.worker_started = 0
    s.stall_ns = <long>(stall * 1e9)
    s.patience = patience
    with nogil:
        fg_tasks_get_api().run(ntasks, slots, _stall_task, &s)
    return [s.slots[i] for i in range(ntasks)]
