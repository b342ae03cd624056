/* NumPy's BLAS called from C: the cblas ?gemm and thread-count functions
 * that Python finds (fastgraph/_threads.py, blas_gemm) and hands to a
 * family through its set-BLAS call, which stores them with fg_blas_connect.
 * 64-bit integers in ILP64 builds (NumPy's own OpenBLAS), int otherwise.
 *
 * Static state: each family that includes this holds its own copy.  The
 * typed call itself, blas_gemm, is the twin body fg_blas_t.h. */
#ifndef FG_BLAS_H
#define FG_BLAS_H

#include <stdint.h>

#define FG_CBLAS_ROW_MAJOR 101
#define FG_CBLAS_NO_TRANS 111
#define FG_CBLAS_TRANS 112
typedef void (*fg_gemm64_f32)(int, int, int, int64_t, int64_t, int64_t, float,
                              const float *, int64_t, const float *, int64_t, float,
                              float *, int64_t);
typedef void (*fg_gemm64_f64)(int, int, int, int64_t, int64_t, int64_t, double,
                              const double *, int64_t, const double *, int64_t, double,
                              double *, int64_t);
typedef void (*fg_gemm32_f32)(int, int, int, int, int, int, float, const float *, int,
                              const float *, int, float, float *, int);
typedef void (*fg_gemm32_f64)(int, int, int, int, int, int, double, const double *,
                              int, const double *, int, double, double *, int);
static void *fg_blas_gemm_f32, *fg_blas_gemm_f64;
static int fg_blas_ilp64;
static void (*fg_blas_set)(int);
static int (*fg_blas_get)(void);

static void fg_blas_connect(void *sgemm, void *dgemm, int ilp64, void *set_threads,
                            void *get_threads)
{
    fg_blas_gemm_f32 = sgemm;
    fg_blas_gemm_f64 = dgemm;
    fg_blas_ilp64 = ilp64;
    fg_blas_set = (void (*)(int))set_threads;
    fg_blas_get = (int (*)(void))get_threads;
}

/* Hold the BLAS at one thread while a job's tasks call it (its own threads
 * inside ours would oversubscribe the cores); returns what to restore. */
static int fg_blas_hold_one(void)
{
    const int before = fg_blas_get != NULL ? fg_blas_get() : 1;
    if (before != 1 && fg_blas_set != NULL)
        fg_blas_set(1);
    return before;
}

static void fg_blas_restore(int before)
{
    if (before != 1 && fg_blas_set != NULL)
        fg_blas_set(before);
}

#endif
