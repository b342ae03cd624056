/* A kernel family's handle on fastgraph's one thread pool (tasks.h).  The
 * family's Cython shim connects it at import, with the entry points that
 * fastgraph._kernels.tasks gives; unconnected, every job runs in the
 * caller (fg_pool_connect, called by the family's own setter). */
#ifndef FG_POOL_H
#define FG_POOL_H

#include <stddef.h>

#include "tasks.h"

static const fg_tasks_api *fg_pool_api;

static inline void fg_pool_connect(const void *api)
{
    fg_pool_api = (const fg_tasks_api *)api;
}

static inline void fg_pool_run(fg_idx ntasks, int slots, fg_task_fn fn, void *ctx)
{
    if (fg_pool_api != NULL) {
        fg_pool_api->run(ntasks, slots, fn, ctx);
        return;
    }
    for (fg_idx t = 0; t < ntasks; t++)
        fn(ctx, t, 0);
}

/* Inside a pool task the family's OpenMP regions stay single-threaded. */
static inline int fg_pool_in_task(void)
{
    return fg_pool_api != NULL && fg_pool_api->inside();
}

#endif
