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

#define FG_NORM_KERNELS(T, SUFFIX)                                             \
int fg_bn_stats_##SUFFIX(const T *FG_RESTRICT x, fg_idx N, fg_idx C,           \
                         T *FG_RESTRICT mean, T *FG_RESTRICT var)              \
{                                                                              \
    if (C == 0)                                                                \
        return 0;                                                              \
    if (N == 0) {                                                              \
        for (fg_idx c = 0; c < C; c++)                                         \
            mean[c] = var[c] = (T)NAN;                                         \
        return 0;                                                              \
    }                                                                          \
    const int nt = fg_norm_threads(N * C);                                     \
    double *acc = calloc((size_t)nt * 2 * (size_t)C, sizeof(double));          \
    if (!acc)                                                                  \
        return -1;                                                             \
    /* Sums of x - x[0, c] (the first row as shift) avoid cancellation. */     \
    _Pragma("omp parallel num_threads(nt) if(nt > 1)")                         \
    {                                                                          \
        const int tid = FG_TID(), team = FG_NTEAM();                           \
        double *FG_RESTRICT s = acc + (fg_idx)tid * 2 * C;                     \
        double *FG_RESTRICT q = s + C;                                         \
        const fg_idx r0 = N * tid / team, r1 = N * (tid + 1) / team;           \
        for (fg_idx r = r0; r < r1; r++) {                                     \
            const T *FG_RESTRICT row = x + r * C;                              \
            for (fg_idx c = 0; c < C; c++) {                                   \
                const double d = (double)row[c] - (double)x[c];                \
                s[c] += d;                                                     \
                q[c] += d * d;                                                 \
            }                                                                  \
        }                                                                      \
    }                                                                          \
    fg_norm_fold(acc, nt, 2 * C);                                              \
    for (fg_idx c = 0; c < C; c++) {                                           \
        const double m = acc[c] / (double)N;                                   \
        const double v = acc[C + c] / (double)N - m * m;                       \
        mean[c] = (T)((double)x[c] + m);                                       \
        var[c] = (T)(v > 0.0 ? v : 0.0);                                       \
    }                                                                          \
    free(acc);                                                                 \
    return 0;                                                                  \
}                                                                              \
                                                                               \
void fg_bn_apply_##SUFFIX(const T *FG_RESTRICT x, fg_idx N, fg_idx C,          \
                          const T *FG_RESTRICT mean, const T *FG_RESTRICT scale, \
                          const T *FG_RESTRICT shift, T *FG_RESTRICT y)        \
{                                                                              \
    _Pragma("omp parallel for schedule(static) if(N * C >= FG_NORM_PAR_MIN)")  \
    for (fg_idx r = 0; r < N; r++) {                                           \
        const T *FG_RESTRICT xr = x + r * C;                                   \
        T *FG_RESTRICT yr = y + r * C;                                         \
        for (fg_idx c = 0; c < C; c++)                                         \
            yr[c] = (xr[c] - mean[c]) * scale[c] + shift[c];                   \
    }                                                                          \
}                                                                              \
                                                                               \
int fg_bn_reduce_##SUFFIX(const T *FG_RESTRICT x, const T *FG_RESTRICT g,      \
                          fg_idx N, fg_idx C, const T *FG_RESTRICT mean,       \
                          const T *FG_RESTRICT invstd, T *FG_RESTRICT sum_g,   \
                          T *FG_RESTRICT sum_gxhat)                            \
{                                                                              \
    if (C == 0)                                                                \
        return 0;                                                              \
    const int nt = fg_norm_threads(N * C);                                     \
    double *acc = calloc((size_t)nt * 2 * (size_t)C, sizeof(double));          \
    if (!acc)                                                                  \
        return -1;                                                             \
    _Pragma("omp parallel num_threads(nt) if(nt > 1)")                         \
    {                                                                          \
        const int tid = FG_TID(), team = FG_NTEAM();                           \
        double *FG_RESTRICT s = acc + (fg_idx)tid * 2 * C;                     \
        double *FG_RESTRICT q = s + C;                                         \
        const fg_idx r0 = N * tid / team, r1 = N * (tid + 1) / team;           \
        for (fg_idx r = r0; r < r1; r++) {                                     \
            const T *FG_RESTRICT xr = x + r * C;                               \
            const T *FG_RESTRICT gr = g + r * C;                               \
            for (fg_idx c = 0; c < C; c++) {                                   \
                s[c] += (double)gr[c];                                         \
                q[c] += (double)gr[c] * (double)(xr[c] - mean[c]);             \
            }                                                                  \
        }                                                                      \
    }                                                                          \
    fg_norm_fold(acc, nt, 2 * C);                                              \
    for (fg_idx c = 0; c < C; c++) {                                           \
        sum_g[c] = (T)acc[c];                                                  \
        sum_gxhat[c] = (T)(acc[C + c] * (double)invstd[c]);                    \
    }                                                                          \
    free(acc);                                                                 \
    return 0;                                                                  \
}                                                                              \
                                                                               \
void fg_bn_dx_##SUFFIX(const T *FG_RESTRICT x, const T *FG_RESTRICT g,         \
                       fg_idx N, fg_idx C, const T *FG_RESTRICT mean,          \
                       const T *FG_RESTRICT a, const T *FG_RESTRICT b,         \
                       const T *FG_RESTRICT k, T *FG_RESTRICT dx)              \
{                                                                              \
    _Pragma("omp parallel for schedule(static) if(N * C >= FG_NORM_PAR_MIN)")  \
    for (fg_idx r = 0; r < N; r++) {                                           \
        const T *FG_RESTRICT xr = x + r * C;                                   \
        const T *FG_RESTRICT gr = g + r * C;                                   \
        T *FG_RESTRICT dr = dx + r * C;                                        \
        for (fg_idx c = 0; c < C; c++)                                         \
            dr[c] = gr[c] * a[c] + (xr[c] - mean[c]) * b[c] + k[c];            \
    }                                                                          \
}                                                                              \
                                                                               \
void fg_ln_forward_##SUFFIX(const T *FG_RESTRICT x, fg_idx N, fg_idx D,        \
                            const T *FG_RESTRICT gamma, const T *FG_RESTRICT beta, \
                            double eps, T *FG_RESTRICT y, T *FG_RESTRICT mean, \
                            T *FG_RESTRICT invstd)                             \
{                                                                              \
    _Pragma("omp parallel for schedule(static) if(N * D >= FG_NORM_PAR_MIN)")  \
    for (fg_idx r = 0; r < N; r++) {                                           \
        const T *FG_RESTRICT xr = x + r * D;                                   \
        T *FG_RESTRICT yr = y + r * D;                                         \
        double s = 0.0, q = 0.0;                                               \
        _Pragma("omp simd reduction(+:s)")                                     \
        for (fg_idx i = 0; i < D; i++)                                         \
            s += (double)xr[i];                                                \
        const double m = s / (double)D;                                        \
        _Pragma("omp simd reduction(+:q)")                                     \
        for (fg_idx i = 0; i < D; i++) {                                       \
            const double d = (double)xr[i] - m;                                \
            q += d * d;                                                        \
        }                                                                      \
        const double is = 1.0 / sqrt(q / (double)D + eps);                     \
        const T mt = (T)m, it = (T)is;                                         \
        mean[r] = mt;                                                          \
        invstd[r] = it;                                                        \
        if (gamma && beta)                                                     \
            for (fg_idx i = 0; i < D; i++)                                     \
                yr[i] = (xr[i] - mt) * it * gamma[i] + beta[i];                \
        else if (gamma)                                                        \
            for (fg_idx i = 0; i < D; i++)                                     \
                yr[i] = (xr[i] - mt) * it * gamma[i];                          \
        else if (beta)                                                         \
            for (fg_idx i = 0; i < D; i++)                                     \
                yr[i] = (xr[i] - mt) * it + beta[i];                           \
        else                                                                   \
            for (fg_idx i = 0; i < D; i++)                                     \
                yr[i] = (xr[i] - mt) * it;                                     \
    }                                                                          \
}                                                                              \
                                                                               \
int fg_ln_backward_##SUFFIX(const T *FG_RESTRICT x, const T *FG_RESTRICT g,    \
                            fg_idx N, fg_idx D, const T *FG_RESTRICT gamma,    \
                            const T *FG_RESTRICT mean, const T *FG_RESTRICT invstd, \
                            T *FG_RESTRICT dx, T *FG_RESTRICT dgamma,          \
                            T *FG_RESTRICT dbeta)                              \
{                                                                              \
    if (D == 0)                                                                \
        return 0;                                                              \
    const int want = dgamma != NULL || dbeta != NULL;                          \
    const int nt = fg_norm_threads(N * D);                                     \
    double *acc = want ? calloc((size_t)nt * 2 * (size_t)D, sizeof(double)) : NULL; \
    if (want && !acc)                                                          \
        return -1;                                                             \
    _Pragma("omp parallel num_threads(nt) if(nt > 1)")                         \
    {                                                                          \
        const int tid = FG_TID(), team = FG_NTEAM();                           \
        double *FG_RESTRICT ag = want ? acc + (fg_idx)tid * 2 * D : NULL;      \
        double *FG_RESTRICT ab = want ? ag + D : NULL;                         \
        const fg_idx r0 = N * tid / team, r1 = N * (tid + 1) / team;           \
        for (fg_idx r = r0; r < r1; r++) {                                     \
            const T *FG_RESTRICT xr = x + r * D;                               \
            const T *FG_RESTRICT gr = g + r * D;                               \
            T *FG_RESTRICT dr = dx + r * D;                                    \
            const T m = mean[r], is = invstd[r];                               \
            double s1 = 0.0, s2 = 0.0;                                         \
            _Pragma("omp simd reduction(+:s1, s2)")                            \
            for (fg_idx i = 0; i < D; i++) {                                   \
                const T xh = (xr[i] - m) * is;                                 \
                const T gg = gamma ? gr[i] * gamma[i] : gr[i];                 \
                s1 += (double)gg;                                              \
                s2 += (double)gg * (double)xh;                                 \
            }                                                                  \
            if (want)                                                          \
                for (fg_idx i = 0; i < D; i++) {                               \
                    ag[i] += (double)gr[i] * (double)((xr[i] - m) * is);       \
                    ab[i] += (double)gr[i];                                    \
                }                                                              \
            const T m1 = (T)(s1 / (double)D), m2 = (T)(s2 / (double)D);        \
            for (fg_idx i = 0; i < D; i++) {                                   \
                const T xh = (xr[i] - m) * is;                                 \
                const T gg = gamma ? gr[i] * gamma[i] : gr[i];                 \
                dr[i] = is * (gg - m1 - xh * m2);                              \
            }                                                                  \
        }                                                                      \
    }                                                                          \
    if (want) {                                                                \
        fg_norm_fold(acc, nt, 2 * D);                                          \
        for (fg_idx i = 0; i < D; i++) {                                       \
            if (dgamma)                                                        \
                dgamma[i] += (T)acc[i];                                        \
            if (dbeta)                                                         \
                dbeta[i] += (T)acc[D + i];                                     \
        }                                                                      \
        free(acc);                                                             \
    }                                                                          \
    return 0;                                                                  \
}

FG_NORM_KERNELS(float, f32)
FG_NORM_KERNELS(double, f64)
