/* Kernels declared in activation.h, written once over the element type in
 * activation_t.h and compiled below for float and double.
 *
 * exp and tanh are our own branch-free versions (fg_vmath.h), written for
 * float and for double; the body calls them as FG_FN(fg_vexp) and
 * FG_FN(fg_vtanh). */
#include <math.h>
#include <string.h>
#include <tgmath.h>
#include "activation.h"
#include "fg_vmath.h"

/* Below these many elements a loop runs on one thread: waking threads costs
 * more than the work.  Arithmetic-only loops are memory bound and gain
 * little from threads, so they start much later than exp / tanh loops. */
#define FG_PAR_MATH 32768
#define FG_PAR_ARITH 262144

#define FG_SELU_ALPHA 1.6732632423543772848170429916717
#define FG_SELU_SCALE 1.0507009873554804934193349852946

/* OpenMP's if clause still enters the runtime (a team of one thread), which
 * costs more than a small loop; FG_PAR_IF branches around it instead. */
#define FG_PAR_IF(COND, LOOP)                                                  \
    do {                                                                       \
        if (COND) {                                                            \
            _Pragma("omp parallel for schedule(static)")                       \
            LOOP                                                               \
        } else {                                                               \
            LOOP                                                               \
        }                                                                      \
    } while (0)

#define FG_ACT_BIAS_ROWS(EXPR)                                                 \
    for (fg_idx r = 0; r < rows; r++) {                                        \
        const FG_T *xr = x + r * cols;                                         \
        FG_T *yr = y + r * cols;                                               \
        for (fg_idx c = 0; c < cols; c++) {                                    \
            FG_T v = xr[c] + bias[c];                                          \
            yr[c] = (EXPR);                                                    \
        }                                                                      \
    }

#define FG_ACT_FLAT(EXPR)                                                      \
    for (fg_idx i = 0; i < total; i++) {                                       \
        FG_T v = x[i];                                                         \
        y[i] = (EXPR);                                                         \
    }

/* y = EXPR(v) with v = x (+ bias along the last axis); threads from PAR on. */
#define FG_ACT_LOOP(PAR, EXPR)                                                 \
    do {                                                                       \
        const fg_idx total = rows * cols;                                      \
        if (bias)                                                              \
            FG_PAR_IF(total > (PAR), FG_ACT_BIAS_ROWS(EXPR));                  \
        else                                                                   \
            FG_PAR_IF(total > (PAR), FG_ACT_FLAT(EXPR));                       \
    } while (0)

#define FG_GRAD_FLAT(EXPR)                                                     \
    for (fg_idx i = 0; i < n; i++) {                                           \
        FG_T v = y[i], gi = g[i];                                              \
        dz[i] = (EXPR);                                                        \
    }

/* dz = EXPR(v, gi) with v = y[i], gi = g[i]. */
#define FG_GRAD_LOOP(PAR, EXPR) FG_PAR_IF(n > (PAR), FG_GRAD_FLAT(EXPR))

#define FG_TWINS_BODY "activation_t.h"
#include "fg_twins.h"
