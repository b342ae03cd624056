/* OpenMP thread control, so Python can size the kernels' thread pool. */
#include "fg_kernels.h"
#include "threads.h"

int fg_openmp_available(void) { return FG_HAVE_OPENMP; }

void fg_set_omp_threads(int n)
{
#if FG_HAVE_OPENMP
    omp_set_num_threads(n);
#else
    (void)n;
#endif
}

int fg_get_omp_threads(void)
{
#if FG_HAVE_OPENMP
    return omp_get_max_threads();
#else
    return 1;
#endif
}
