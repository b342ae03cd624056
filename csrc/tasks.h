/* fastgraph's one thread pool, shared by every kernel family: the caller
 * and up to slots - 1 kept workers take the tasks of a job from one atomic
 * counter.  Built once (fastgraph._kernels.tasks); each family reaches it
 * through fg_pool.h, connected by its Cython shim at import.
 *
 * Why not an OpenMP parallel region: its end barrier waits for every
 * thread of the team, so when a neighbour process has descheduled one of
 * them, each region costs a time slice (a 2-thread step became 5x slower
 * than a 1-thread one).  Here the caller takes tasks too and waits only
 * for tasks a worker has actually started: a worker that is not running
 * simply takes none.  An idle worker polls for the next job for a short
 * while (yielding the core to anything runnable), so that the jobs of one
 * training step find it awake, then sleeps.  Why one pool for all
 * families: one family's workers polling while another's run would hold
 * the cores the step needs, and one warm worker serves every kind of job.
 *
 * One job runs at a time; a second caller (another Python thread, or a
 * task's own kernels) runs its tasks itself.  Inside a task, kernels run
 * single-threaded: fg_tasks_api.inside tells the families to skip their
 * OpenMP regions, and the workers' OpenMP count is 1. */
#ifndef FG_TASKS_H
#define FG_TASKS_H

#include "fg_kernels.h"

/* Task `task` of a job, run by slot `slot` (0 is the caller): slots own
 * scratch memory, so no two tasks of a job run on one slot at once. */
typedef void (*fg_task_fn)(void *ctx, fg_idx task, int slot);

typedef struct {
    /* Run fn(ctx, t, slot) for t < ntasks on up to `slots` threads (the
     * caller one of them); returns when every task has run. */
    void (*run)(fg_idx ntasks, int slots, fg_task_fn fn, void *ctx);
    /* Nonzero on a thread running tasks of a job. */
    int (*inside)(void);
} fg_tasks_api;

const fg_tasks_api *fg_tasks_get_api(void);

#endif
