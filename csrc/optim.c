/* Fused in-place optimizer updates (see optim.h for the rules).
 *
 * Each kernel is written once as a macro over the element type T and its
 * square root, then instantiated for float and double.  The loops are
 * element-wise, so the result is the same with any number of threads;
 * OpenMP only starts for parameters of at least FG_OPTIM_PAR_MIN elements,
 * below which thread start-up costs more than the memory-bound loop. */
#include <math.h>
#include <stdlib.h>

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

#define FG_DEF_SQNORM(T, SFX)                                                 \
    static double block_sqnorm_##SFX(const T *g, fg_idx n, T c)               \
    {                                                                         \
        double acc = 0.0;                                                     \
        const T s = (T)1;                                                     \
        FG_OPTIM_SIMD_SUM                                                     \
        for (fg_idx i = 0; i < n; i++) {                                      \
            const double x = (double)FG_G(i);                                 \
            acc += x * x;                                                     \
        }                                                                     \
        return acc;                                                           \
    }                                                                         \
                                                                              \
    double fg_optim_sqnorm_##SFX(const T *g, fg_idx n, double clip)           \
    {                                                                         \
        const T c = (T)clip;                                                  \
        const fg_idx nb = (n + FG_OPTIM_NORM_BLOCK - 1) / FG_OPTIM_NORM_BLOCK; \
        double total = 0.0;                                                   \
        double *part = n >= FG_OPTIM_PAR_MIN && FG_HAVE_OPENMP                \
            ? malloc((size_t)nb * sizeof(double)) : NULL;                     \
        if (part != NULL) {                                                   \
            FG_OPTIM_FOR_BLOCKS                                               \
            for (fg_idx b = 0; b < nb; b++) {                                 \
                const fg_idx lo = b * FG_OPTIM_NORM_BLOCK;                    \
                const fg_idx len = n - lo < FG_OPTIM_NORM_BLOCK               \
                    ? n - lo : FG_OPTIM_NORM_BLOCK;                           \
                part[b] = block_sqnorm_##SFX(g + lo, len, c);                 \
            }                                                                 \
            for (fg_idx b = 0; b < nb; b++)                                   \
                total += part[b];                                             \
            free(part);                                                       \
            return total;                                                     \
        }                                                                     \
        for (fg_idx b = 0; b < nb; b++) {                                     \
            const fg_idx lo = b * FG_OPTIM_NORM_BLOCK;                        \
            const fg_idx len = n - lo < FG_OPTIM_NORM_BLOCK                   \
                ? n - lo : FG_OPTIM_NORM_BLOCK;                               \
            total += block_sqnorm_##SFX(g + lo, len, c);                      \
        }                                                                     \
        return total;                                                         \
    }

#define FG_DEF_SGD(T, SFX)                                                    \
    void fg_optim_sgd_##SFX(T *FG_RESTRICT p, const T *FG_RESTRICT g,         \
                            fg_idx n, double lr, double clip, double scale)   \
    {                                                                         \
        const T c = (T)clip, s = (T)scale, a = (T)lr;                         \
        FG_OPTIM_FOR                                                          \
        for (fg_idx i = 0; i < n; i++)                                        \
            p[i] -= a * FG_G(i);                                              \
    }

#define FG_DEF_MOMENTUM(T, SFX)                                               \
    void fg_optim_momentum_##SFX(T *FG_RESTRICT p, const T *FG_RESTRICT g,    \
                                 T *FG_RESTRICT mom, fg_idx n, double lr,     \
                                 double momentum, int nesterov, double clip,  \
                                 double scale)                                \
    {                                                                         \
        const T c = (T)clip, s = (T)scale, a = (T)lr, mu = (T)momentum;       \
        if (nesterov) {                                                       \
            FG_OPTIM_FOR                                                      \
            for (fg_idx i = 0; i < n; i++) {                                  \
                const T ag = FG_G(i) * a;                                     \
                const T m = mom[i] * mu - ag;                                 \
                mom[i] = m;                                                   \
                p[i] += m * mu - ag;                                          \
            }                                                                 \
        } else {                                                              \
            FG_OPTIM_FOR                                                      \
            for (fg_idx i = 0; i < n; i++) {                                  \
                const T m = mom[i] * mu - FG_G(i) * a;                        \
                mom[i] = m;                                                   \
                p[i] += m;                                                    \
            }                                                                 \
        }                                                                     \
    }

/* One element of plain RMSprop (the dense and the row-sparse kernels
 * share it, so both compile to the same arithmetic). */
#define FG_RMSPROP_STEP(T, SQRT, P, MS, GI)                                   \
    do {                                                                      \
        const T v_ = r * (MS) + r1 * ((GI) * (GI));                           \
        (MS) = v_;                                                            \
        (P) -= a * (GI) / (SQRT(v_) + e);                                     \
    } while (0)

/* Plain RMSprop when the gradient is zero outside the flagged rows: flagged
 * rows get FG_RMSPROP_STEP; elsewhere ms gets what FG_RMSPROP_STEP gives it
 * for a zero gradient, and p, which the step leaves unchanged when a >= 0
 * and the denominator is positive (so when e > 0 and the new ms >= 0), is
 * only written when that fails. */
#define FG_DEF_RMSPROP_ROWS(T, SFX, SQRT)                                     \
    void fg_optim_rmsprop_rows_##SFX(T *FG_RESTRICT p, const T *FG_RESTRICT g, \
                                     T *FG_RESTRICT ms,                       \
                                     const uint8_t *touched, fg_idx rows,     \
                                     fg_idx cols, double lr, double rho,      \
                                     double eps, double clip)                 \
    {                                                                         \
        const T c = (T)clip, s = (T)1, a = (T)lr, r = (T)rho;                 \
        const T r1 = (T)1 - (T)rho, e = (T)eps, zero = (T)0;                  \
        const fg_idx n = rows * cols;                                         \
        (void)n;                                                              \
        FG_OPTIM_FOR_ROWS                                                     \
        for (fg_idx row = 0; row < rows; row++) {                             \
            T *FG_RESTRICT pr = p + row * cols;                               \
            T *FG_RESTRICT mr = ms + row * cols;                              \
            if (touched[row]) {                                               \
                const T *FG_RESTRICT gr = g + row * cols;                     \
                for (fg_idx j = 0; j < cols; j++) {                           \
                    const T gj = gr[j];                                       \
                    const T gi = (gj > c ? c : (gj < -c ? -c : gj)) * s;      \
                    FG_RMSPROP_STEP(T, SQRT, pr[j], mr[j], gi);               \
                }                                                             \
                continue;                                                     \
            }                                                                 \
            int bad = !(a >= 0 && e > 0);                                     \
            for (fg_idx j = 0; j < cols; j++) {                               \
                const T v = r * mr[j] + r1 * (zero * zero);                   \
                mr[j] = v;                                                    \
                bad |= !(v >= 0);                                             \
            }                                                                 \
            if (bad)                                                          \
                for (fg_idx j = 0; j < cols; j++)                             \
                    pr[j] -= a * zero / (SQRT(mr[j]) + e);                    \
        }                                                                     \
    }

#define FG_DEF_RMSPROP(T, SFX, SQRT)                                          \
    void fg_optim_rmsprop_##SFX(T *FG_RESTRICT p, const T *FG_RESTRICT g,     \
                                T *FG_RESTRICT ms, T *FG_RESTRICT mg,         \
                                fg_idx n, double lr, double rho, double eps,  \
                                double clip, double scale)                    \
    {                                                                         \
        const T c = (T)clip, s = (T)scale, a = (T)lr, r = (T)rho;             \
        const T r1 = (T)1 - (T)rho, e = (T)eps;                               \
        if (mg == NULL) {                                                     \
            FG_OPTIM_FOR                                                      \
            for (fg_idx i = 0; i < n; i++) {                                  \
                const T gi = FG_G(i);                                         \
                FG_RMSPROP_STEP(T, SQRT, p[i], ms[i], gi);                    \
            }                                                                 \
        } else {                                                              \
            FG_OPTIM_FOR                                                      \
            for (fg_idx i = 0; i < n; i++) {                                  \
                const T gi = FG_G(i);                                         \
                const T v = r * ms[i] + r1 * (gi * gi);                       \
                const T mgi = r * mg[i] + r1 * gi;                            \
                ms[i] = v;                                                    \
                mg[i] = mgi;                                                  \
                p[i] -= a * gi / (SQRT(v - mgi * mgi) + e);                   \
            }                                                                 \
        }                                                                     \
    }

#define FG_DEF_RMSPROP_MOMENTUM(T, SFX, SQRT)                                 \
    void fg_optim_rmsprop_momentum_##SFX(                                     \
        T *FG_RESTRICT p, const T *FG_RESTRICT g, T *FG_RESTRICT ms,          \
        T *FG_RESTRICT mom, T *FG_RESTRICT mg, fg_idx n, double lr,           \
        double rho, double momentum, double eps, double clip, double scale)   \
    {                                                                         \
        const T c = (T)clip, s = (T)scale, a = (T)lr, mu = (T)momentum;       \
        const T r1 = (T)1 - (T)rho, e = (T)eps;                               \
        if (mg == NULL) {                                                     \
            FG_OPTIM_FOR                                                      \
            for (fg_idx i = 0; i < n; i++) {                                  \
                const T gi = FG_G(i);                                         \
                const T v = ms[i] + (gi * gi - ms[i]) * r1;                   \
                const T m = mom[i] * mu + a * gi / SQRT(v + e);               \
                ms[i] = v;                                                    \
                mom[i] = m;                                                   \
                p[i] -= m;                                                    \
            }                                                                 \
        } else {                                                              \
            FG_OPTIM_FOR                                                      \
            for (fg_idx i = 0; i < n; i++) {                                  \
                const T gi = FG_G(i);                                         \
                const T v = ms[i] + (gi * gi - ms[i]) * r1;                   \
                const T mgi = mg[i] + (gi - mg[i]) * r1;                      \
                const T m = mom[i] * mu + a * gi / SQRT(v - mgi * mgi + e);   \
                ms[i] = v;                                                    \
                mg[i] = mgi;                                                  \
                mom[i] = m;                                                   \
                p[i] -= m;                                                    \
            }                                                                 \
        }                                                                     \
    }

#define FG_DEF_ADAGRAD(T, SFX, SQRT)                                          \
    void fg_optim_adagrad_##SFX(T *FG_RESTRICT p, const T *FG_RESTRICT g,     \
                                T *FG_RESTRICT acc, fg_idx n, double lr,      \
                                double eps, double clip, double scale)        \
    {                                                                         \
        const T c = (T)clip, s = (T)scale, a = (T)lr, e = (T)eps;             \
        FG_OPTIM_FOR                                                          \
        for (fg_idx i = 0; i < n; i++) {                                      \
            const T gi = FG_G(i);                                             \
            const T v = acc[i] + gi * gi;                                     \
            acc[i] = v;                                                       \
            p[i] -= gi * a / (SQRT(v) + e);                                   \
        }                                                                     \
    }

#define FG_DEF_ADADELTA(T, SFX, SQRT)                                         \
    void fg_optim_adadelta_##SFX(T *FG_RESTRICT p, const T *FG_RESTRICT g,    \
                                 T *FG_RESTRICT acc, T *FG_RESTRICT upd,      \
                                 fg_idx n, double lr, double rho, double eps, \
                                 double clip, double scale)                   \
    {                                                                         \
        const T c = (T)clip, s = (T)scale, a = (T)lr, r = (T)rho;             \
        const T r1 = (T)1 - (T)rho, e = (T)eps;                               \
        FG_OPTIM_FOR                                                          \
        for (fg_idx i = 0; i < n; i++) {                                      \
            const T gi = FG_G(i);                                             \
            const T v = acc[i] * r + gi * gi * r1;                            \
            const T u = SQRT(upd[i] + e) / SQRT(v + e) * gi;                  \
            acc[i] = v;                                                       \
            p[i] -= u * a;                                                    \
            upd[i] = upd[i] * r + u * u * r1;                                 \
        }                                                                     \
    }

#define FG_DEF_ADAM(T, SFX, SQRT)                                             \
    void fg_optim_adam_##SFX(T *FG_RESTRICT p, const T *FG_RESTRICT g,        \
                             T *FG_RESTRICT m, T *FG_RESTRICT v,              \
                             T *FG_RESTRICT vhat, fg_idx n, double alpha,     \
                             double b1, double b2, double eps, double clip,   \
                             double scale)                                    \
    {                                                                         \
        const T c = (T)clip, s = (T)scale, a = (T)alpha, e = (T)eps;          \
        const T c1 = (T)1 - (T)b1, c2 = (T)1 - (T)b2;                         \
        if (vhat == NULL) {                                                   \
            FG_OPTIM_FOR                                                      \
            for (fg_idx i = 0; i < n; i++) {                                  \
                const T gi = FG_G(i);                                         \
                const T mi = m[i] + (gi - m[i]) * c1;                         \
                const T vi = v[i] + (gi * gi - v[i]) * c2;                    \
                m[i] = mi;                                                    \
                v[i] = vi;                                                    \
                p[i] -= mi * a / (SQRT(vi) + e);                              \
            }                                                                 \
        } else {                                                              \
            FG_OPTIM_FOR                                                      \
            for (fg_idx i = 0; i < n; i++) {                                  \
                const T gi = FG_G(i);                                         \
                const T mi = m[i] + (gi - m[i]) * c1;                         \
                const T vi = v[i] + (gi * gi - v[i]) * c2;                    \
                const T hi = vhat[i] > vi ? vhat[i] : vi;                     \
                m[i] = mi;                                                    \
                v[i] = vi;                                                    \
                vhat[i] = hi;                                                 \
                p[i] -= mi * a / (SQRT(hi) + e);                              \
            }                                                                 \
        }                                                                     \
    }

#define FG_DEF_ADAMAX(T, SFX)                                                 \
    void fg_optim_adamax_##SFX(T *FG_RESTRICT p, const T *FG_RESTRICT g,      \
                               T *FG_RESTRICT m, T *FG_RESTRICT v, fg_idx n,  \
                               double lr_t, double b1, double b2, double eps, \
                               double clip, double scale)                     \
    {                                                                         \
        const T c = (T)clip, s = (T)scale, a = (T)lr_t, e = (T)eps;           \
        const T c1 = (T)1 - (T)b1, bb = (T)b2;                                \
        FG_OPTIM_FOR                                                          \
        for (fg_idx i = 0; i < n; i++) {                                      \
            const T gi = FG_G(i);                                             \
            const T ag = gi < 0 ? -gi : gi;                                   \
            const T mi = m[i] + (gi - m[i]) * c1;                             \
            const T dv = bb * v[i];                                           \
            const T vi = dv > ag ? dv : ag;                                   \
            m[i] = mi;                                                        \
            v[i] = vi;                                                        \
            p[i] -= a * (mi / (vi + e));                                      \
        }                                                                     \
    }

#define FG_DEF_NADAM(T, SFX, SQRT)                                            \
    void fg_optim_nadam_##SFX(T *FG_RESTRICT p, const T *FG_RESTRICT g,       \
                              T *FG_RESTRICT m, T *FG_RESTRICT v, fg_idx n,   \
                              double lr, double b1, double b2, double eps,    \
                              double cg, double cm, double cv, double clip,   \
                              double scale)                                   \
    {                                                                         \
        const T c = (T)clip, s = (T)scale, a = (T)lr, e = (T)eps;             \
        const T k1 = (T)b1, k2 = (T)b2, c1 = (T)1 - (T)b1;                    \
        const T c2 = (T)1 - (T)b2, kg = (T)cg, km = (T)cm, kv = (T)cv;        \
        FG_OPTIM_FOR                                                          \
        for (fg_idx i = 0; i < n; i++) {                                      \
            const T gi = FG_G(i);                                             \
            const T mi = k1 * m[i] + c1 * gi;                                 \
            const T vi = k2 * v[i] + c2 * (gi * gi);                          \
            m[i] = mi;                                                        \
            v[i] = vi;                                                        \
            p[i] -= a * (kg * gi + km * mi) / (SQRT(vi * kv) + e);            \
        }                                                                     \
    }

#define FG_DEF_ALL(T, SFX, SQRT)                                              \
    FG_DEF_SQNORM(T, SFX)                                                     \
    FG_DEF_SGD(T, SFX)                                                        \
    FG_DEF_MOMENTUM(T, SFX)                                                   \
    FG_DEF_RMSPROP(T, SFX, SQRT)                                              \
    FG_DEF_RMSPROP_ROWS(T, SFX, SQRT)                                         \
    FG_DEF_RMSPROP_MOMENTUM(T, SFX, SQRT)                                     \
    FG_DEF_ADAGRAD(T, SFX, SQRT)                                              \
    FG_DEF_ADADELTA(T, SFX, SQRT)                                             \
    FG_DEF_ADAM(T, SFX, SQRT)                                                 \
    FG_DEF_ADAMAX(T, SFX)                                                     \
    FG_DEF_NADAM(T, SFX, SQRT)

FG_DEF_ALL(float, f32, sqrtf)
FG_DEF_ALL(double, f64, sqrt)
