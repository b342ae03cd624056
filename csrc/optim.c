/* Fused in-place optimizer updates (see optim.h for the rules).
 *
 * The kernels are written once over the element type, in optim_t.h, and
 * compiled for float and double below; <tgmath.h> picks sqrtf or sqrt.
 * The loops are element-wise, so the result is the same with any number
 * of threads; OpenMP only starts for parameters of at least
 * FG_OPTIM_PAR_MIN elements, below which thread start-up costs more than
 * the memory-bound loop. */
#include <stdlib.h>
#include <tgmath.h>

#include "fg_kernels.h"
#include "optim.h"

#define FG_OPTIM_PAR_MIN 65536
#define FG_OPTIM_NORM_BLOCK 8192

#if FG_HAVE_OPENMP
#define FG_OPTIM_FOR                                                          \
    _Pragma("omp parallel for simd schedule(static) if(n >= FG_OPTIM_PAR_MIN)")
#define FG_OPTIM_FOR_BLOCKS _Pragma("omp parallel for schedule(static)")
#define FG_OPTIM_FOR_ROWS \
    _Pragma("omp parallel for schedule(static) if(n >= FG_OPTIM_PAR_MIN)")
#define FG_OPTIM_SIMD_SUM _Pragma("omp simd reduction(+:acc)")
#else
#define FG_OPTIM_FOR
#define FG_OPTIM_FOR_BLOCKS
#define FG_OPTIM_FOR_ROWS
#define FG_OPTIM_SIMD_SUM
#endif

/* Gradient element i after clipping by value and scaling by the norm factor
 * (a NaN gradient stays NaN). */
#define FG_G(i) ((g[i] > c ? c : (g[i] < -c ? -c : g[i])) * s)

/* One element of plain RMSprop (the dense and the row-sparse kernels
 * share it, so both compile to the same arithmetic). */
#define FG_RMSPROP_STEP(P, MS, GI)                                            \
    do {                                                                      \
        const FG_T v_ = r * (MS) + r1 * ((GI) * (GI));                        \
        (MS) = v_;                                                            \
        (P) -= a * (GI) / (sqrt(v_) + e);                                     \
    } while (0)

#define FG_TWINS_BODY "optim_t.h"
#include "fg_twins.h"
