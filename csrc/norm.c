/* Batch and layer normalisation kernels (forward and backward).
 *
 * Reductions accumulate in double.  Per-channel reductions split the rows
 * between threads, each with its own accumulators, summed afterwards in
 * thread order, so a result depends only on the data and the thread count. */
#include <math.h>
#include <stdlib.h>
#include "fg_kernels.h"
#include "norm.h"

/* Below this many elements a parallel region costs more than it saves. */
#define FG_NORM_PAR_MIN 32768

#if FG_HAVE_OPENMP
#define FG_TID() omp_get_thread_num()
#define FG_NTEAM() omp_get_num_threads()
#else
#define FG_TID() 0
#define FG_NTEAM() 1
#endif

static int fg_norm_threads(fg_idx work)
{
#if FG_HAVE_OPENMP
    return work >= FG_NORM_PAR_MIN ? omp_get_max_threads() : 1;
#else
    (void)work;
    return 1;
#endif
}

/* Sum the per-thread accumulator blocks acc[t * len .. (t+1) * len) into acc[0 .. len). */
static void fg_norm_fold(double *acc, int nt, fg_idx len)
{
    for (int t = 1; t < nt; t++)
        for (fg_idx j = 0; j < len; j++)
            acc[j] += acc[t * len + j];
}

#define FG_TWINS_BODY "norm_t.h"
#include "fg_twins.h"
