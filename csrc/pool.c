/* Max and average pooling, channels-last (2-D as 3-D of unit depth): the
 * channel loop is innermost, so each window tap is a contiguous,
 * vectorisable run of c values.  Forward passes split output rows across
 * threads; backward passes scatter into their volume only, so they split
 * volumes across threads.  The threads are the pool's (fg_pool.h), not an
 * OpenMP team: a team's end barrier waits for a thread that a neighbour
 * process has descheduled (a 1.5 ms max-pool backward took 10 ms at two
 * threads beside one). */
#include <string.h>

#include "pool.h"
#include "fg_pool.h"

#if FG_HAVE_OPENMP
#include <omp.h>
#endif

#define FG_PAR_MIN 32768
/* Tasks per thread: short ones, so that a worker that stalls mid-task holds
 * little of the pass. */
#define FG_TASKS_PER_SLOT 4

void fg_pooling_set_pool(const void *api)
{
    fg_pool_connect(api);
}

/* fastgraph's thread count (set_num_threads sets OpenMP's). */
static int fg_pooling_threads(void)
{
#if FG_HAVE_OPENMP
    return omp_get_max_threads();
#else
    return 1;
#endif
}

/* The in-volume part [z0, z1) x [y0, y1) x [x0, x1) of output plane z's,
 * row i's and column j's windows. */
#define FG_WINDOW_PLANES(g, z, z0, z1)                                        \
    fg_idx z0 = (z) * (g)->sd - (g)->pf, z1 = z0 + (g)->pd;                   \
    if (z0 < 0) z0 = 0;                                                       \
    if (z1 > (g)->d) z1 = (g)->d
#define FG_WINDOW_ROWS(g, i, y0, y1)                                          \
    fg_idx y0 = (i) * (g)->sh - (g)->pt, y1 = y0 + (g)->ph;                   \
    if (y0 < 0) y0 = 0;                                                       \
    if (y1 > (g)->h) y1 = (g)->h
/* Loop over the lines (zz, y) of a window, planes outer: one loop, so that a
 * window of one plane costs what a 2-D window does. */
#define FG_WINDOW_LINES(zz, y, z0, z1, y0, y1)                                \
    for (fg_idx zz = (z0), y = (y0); zz < (z1);                               \
         ++y == (y1) ? (y = (y0), ++zz) : 0)
#define FG_WINDOW_COLS(g, j, x0, x1)                                          \
    fg_idx x0 = (j) * (g)->sw - (g)->pl, x1 = x0 + (g)->pw;                   \
    if (x0 < 0) x0 = 0;                                                       \
    if (x1 > (g)->w) x1 = (g)->w

#define FG_TWINS_BODY "pool_t.h"
#include "fg_twins.h"
