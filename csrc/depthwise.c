/* Depthwise convolution, channels-last: every pixel's channels are one
 * contiguous run, so each tap is a vectorisable product along the channels.
 *
 * The forward pass keeps blocks of FG_DW_NV vectors of output channels of
 * one pixel in registers across all the taps (one store per output); the input gradient
 * is gathered per input row (each thread owns the rows it writes); the
 * kernel gradient sums per-thread partials in thread order. */
#include <stdlib.h>
#include <string.h>

#include "depthwise.h"

/* Parallel regions only pay above this many multiply-adds. */
#define FG_PAR_MIN 32768
/* 32-byte vectors of float / double (GCC / Clang), else plain scalars; the
 * forward pass keeps FG_DW_NV of them per pixel in registers. */
#if defined(__GNUC__)
typedef float fg_dwv_f32 __attribute__((vector_size(32), may_alias, aligned(4)));
typedef double fg_dwv_f64 __attribute__((vector_size(32), may_alias, aligned(8)));
#else
typedef float fg_dwv_f32;
typedef double fg_dwv_f64;
#endif
#define FG_DW_VT FG_TYPED(fg_dwv_)
#define FG_DW_LANES ((fg_idx)(sizeof(FG_DW_VT) / sizeof(FG_T)))
#define FG_DW_NV 4
/* Taps gathered per output pixel before their products are summed (larger
 * kernels are summed in several passes). */
#define FG_DW_TAPS 64

#if FG_HAVE_OPENMP
#define FG_OMP_FOR _Pragma("omp parallel for schedule(static) if (par)")
#define FG_OMP_PARALLEL_NT(nt) _Pragma("omp parallel num_threads(nt)")
static int fg_dw_threads(void) { return omp_get_max_threads(); }
static fg_idx fg_dw_tid(void) { return omp_get_thread_num(); }
static fg_idx fg_dw_team(void) { return omp_get_num_threads(); }
#else
#define FG_OMP_FOR
#define FG_OMP_PARALLEL_NT(nt)
static int fg_dw_threads(void) { return 1; }
static fg_idx fg_dw_tid(void) { return 0; }
static fg_idx fg_dw_team(void) { return 1; }
#endif

/* The outputs j in [*j0, *j1) whose tap at offset `off` (= b*dw - pl) reads
 * inside [0, w): 0 <= j*s + off < w. */
static void fg_dw_span(fg_idx off, fg_idx s, fg_idx w, fg_idx ow, fg_idx *j0,
                       fg_idx *j1)
{
    fg_idx lo = off >= 0 ? 0 : (-off + s - 1) / s;
    fg_idx hi = w - off <= 0 ? 0 : (w - off - 1) / s + 1;
    *j0 = lo;
    *j1 = hi < ow ? hi : ow;
}

#define FG_TWINS_BODY "depthwise_t.h"
#include "fg_twins.h"
