/* Max and average pooling, channels-last: the channel loop is innermost, so
 * each window tap is a contiguous, vectorisable run of c values.  Forward
 * passes split output rows across threads; backward passes scatter into
 * their image only, so they split images across threads. */
#include <string.h>

#include "pool.h"

#define FG_PAR_MIN 32768

/* Each function sets `par` (is the work worth the threads?) before its loop. */
#if FG_HAVE_OPENMP
#define FG_OMP_FOR _Pragma("omp parallel for schedule(static) if (par)")
#define FG_OMP_FOR_BAD                                                        \
    _Pragma("omp parallel for schedule(static) reduction(+:bad) if (par)")
#else
#define FG_OMP_FOR
#define FG_OMP_FOR_BAD
#endif

/* The in-image part [y0, y1) x [x0, x1) of output row i's windows and of
 * column j's window. */
#define FG_WINDOW_ROWS(g, i, y0, y1)                                          \
    fg_idx y0 = (i) * (g)->sh - (g)->pt, y1 = y0 + (g)->ph;                   \
    if (y0 < 0) y0 = 0;                                                       \
    if (y1 > (g)->h) y1 = (g)->h
#define FG_WINDOW_COLS(g, j, x0, x1)                                          \
    fg_idx x0 = (j) * (g)->sw - (g)->pl, x1 = x0 + (g)->pw;                   \
    if (x0 < 0) x0 = 0;                                                       \
    if (x1 > (g)->w) x1 = (g)->w

#define FG_MAX_POOL(SUF, T)                                                   \
void fg_max_pool_##SUF(const T *x, T *out, int32_t *argmax,                   \
                       const fg_pool_geom *g)                                 \
{                                                                             \
    const fg_idx C = g->c, rows = g->n * g->oh;                               \
    const int par = rows * g->ow * C * g->ph * g->pw > FG_PAR_MIN;            \
    (void)par;                                                                \
    FG_OMP_FOR                                                                \
    for (fg_idx r = 0; r < rows; r++) {                                       \
        const fg_idx n = r / g->oh, i = r % g->oh;                            \
        const T *img = x + n * g->h * g->w * C;                               \
        FG_WINDOW_ROWS(g, i, y0, y1);                                         \
        for (fg_idx j = 0; j < g->ow; j++) {                                  \
            FG_WINDOW_COLS(g, j, x0, x1);                                     \
            T *FG_RESTRICT o = out + (r * g->ow + j) * C;                     \
            int32_t *FG_RESTRICT am = argmax + (r * g->ow + j) * C;           \
            const int32_t first = (int32_t)((y0 * g->w + x0) * C);            \
            for (fg_idx ch = 0; ch < C; ch++) {                               \
                o[ch] = img[first + ch];                                      \
                am[ch] = first + (int32_t)ch;                                 \
            }                                                                 \
            for (fg_idx y = y0; y < y1; y++)                                  \
                for (fg_idx xx = (y == y0 ? x0 + 1 : x0); xx < x1; xx++) {    \
                    const int32_t base = (int32_t)((y * g->w + xx) * C);      \
                    const T *FG_RESTRICT s = img + base;                      \
                    /* selects, not branches: the channel loop vectorizes */  \
                    for (fg_idx ch = 0; ch < C; ch++) {                       \
                        const int better = s[ch] > o[ch];                     \
                        am[ch] = better ? base + (int32_t)ch : am[ch];        \
                        o[ch] = better ? s[ch] : o[ch];                       \
                    }                                                         \
                }                                                             \
        }                                                                     \
    }                                                                         \
}

#define FG_MAX_POOL_BWD(SUF, T)                                               \
fg_idx fg_max_pool_bwd_##SUF(const T *dy, const int32_t *argmax, T *dx,       \
                             fg_idx n, fg_idx per, fg_idx img)                \
{                                                                             \
    fg_idx bad = 0;                                                           \
    const int par = n * (per + img) > FG_PAR_MIN;                             \
    (void)par;                                                                \
    FG_OMP_FOR_BAD                                                            \
    for (fg_idx b = 0; b < n; b++) {                                          \
        T *FG_RESTRICT d = dx + b * img;                                      \
        const T *g = dy + b * per;                                            \
        const int32_t *am = argmax + b * per;                                 \
        memset(d, 0, (size_t)img * sizeof(T));                                \
        for (fg_idx k = 0; k < per; k++) {                                    \
            const fg_idx idx = am[k];                                         \
            if (idx < 0 || idx >= img)                                        \
                bad++;                                                        \
            else                                                              \
                d[idx] += g[k];                                               \
        }                                                                     \
    }                                                                         \
    return bad;                                                               \
}

/* Windows that do not overlap (stride >= window): each input pixel lies in
 * at most one window, so every window's pixels are written once, dy where
 * argmax points and 0 elsewhere, instead of clearing dx and scattering.
 * Pixels outside every window are cleared first, only when there are any. */
#define FG_MAX_POOL_BWD_TILED(SUF, T)                                         \
void fg_max_pool_bwd_tiled_##SUF(const T *dy, const int32_t *argmax, T *dx,   \
                                 const fg_pool_geom *g)                       \
{                                                                             \
    const fg_idx C = g->c, img = g->h * g->w * C, per = g->oh * g->ow * C;    \
    const int covered = g->sh == g->ph && g->sw == g->pw &&                   \
        g->oh * g->sh - g->pt >= g->h && g->ow * g->sw - g->pl >= g->w;       \
    const int par = g->n * (per + img) > FG_PAR_MIN;                          \
    (void)par;                                                                \
    FG_OMP_FOR                                                                \
    for (fg_idx n = 0; n < g->n; n++) {                                       \
        T *d = dx + n * img;                                                  \
        if (!covered)                                                         \
            memset(d, 0, (size_t)img * sizeof(T));                            \
        for (fg_idx i = 0; i < g->oh; i++) {                                  \
            FG_WINDOW_ROWS(g, i, y0, y1);                                     \
            for (fg_idx j = 0; j < g->ow; j++) {                              \
                FG_WINDOW_COLS(g, j, x0, x1);                                 \
                const fg_idx k0 = n * per + (i * g->ow + j) * C;              \
                const T *FG_RESTRICT gv = dy + k0;                            \
                const int32_t *FG_RESTRICT am = argmax + k0;                  \
                for (fg_idx y = y0; y < y1; y++)                              \
                    for (fg_idx xx = x0; xx < x1; xx++) {                     \
                        const int32_t base = (int32_t)((y * g->w + xx) * C);  \
                        T *FG_RESTRICT t = d + base;                          \
                        for (fg_idx ch = 0; ch < C; ch++)                     \
                            t[ch] = am[ch] == base + (int32_t)ch ? gv[ch] : 0; \
                    }                                                         \
            }                                                                 \
        }                                                                     \
    }                                                                         \
}

#define FG_AVG_POOL(SUF, T)                                                   \
void fg_avg_pool_##SUF(const T *x, T *out, const fg_pool_geom *g)             \
{                                                                             \
    const fg_idx C = g->c, rows = g->n * g->oh;                               \
    const int par = rows * g->ow * C * g->ph * g->pw > FG_PAR_MIN;            \
    (void)par;                                                                \
    FG_OMP_FOR                                                                \
    for (fg_idx r = 0; r < rows; r++) {                                       \
        const fg_idx n = r / g->oh, i = r % g->oh;                            \
        const T *img = x + n * g->h * g->w * C;                               \
        FG_WINDOW_ROWS(g, i, y0, y1);                                         \
        for (fg_idx j = 0; j < g->ow; j++) {                                  \
            FG_WINDOW_COLS(g, j, x0, x1);                                     \
            T *FG_RESTRICT o = out + (r * g->ow + j) * C;                     \
            const T scale = (T)1 / (T)((y1 - y0) * (x1 - x0));                \
            memset(o, 0, (size_t)C * sizeof(T));                              \
            for (fg_idx y = y0; y < y1; y++)                                  \
                for (fg_idx xx = x0; xx < x1; xx++) {                         \
                    const T *FG_RESTRICT s = img + (y * g->w + xx) * C;       \
                    for (fg_idx ch = 0; ch < C; ch++)                         \
                        o[ch] += s[ch];                                       \
                }                                                             \
            for (fg_idx ch = 0; ch < C; ch++)                                 \
                o[ch] *= scale;                                               \
        }                                                                     \
    }                                                                         \
}

#define FG_AVG_POOL_BWD(SUF, T)                                               \
void fg_avg_pool_bwd_##SUF(const T *dy, T *dx, const fg_pool_geom *g)         \
{                                                                             \
    const fg_idx C = g->c, img = g->h * g->w * C;                             \
    const int par = g->n * g->oh * g->ow * C * g->ph * g->pw > FG_PAR_MIN;    \
    (void)par;                                                                \
    FG_OMP_FOR                                                                \
    for (fg_idx n = 0; n < g->n; n++) {                                       \
        T *d = dx + n * img;                                                  \
        memset(d, 0, (size_t)img * sizeof(T));                                \
        for (fg_idx i = 0; i < g->oh; i++) {                                  \
            FG_WINDOW_ROWS(g, i, y0, y1);                                     \
            for (fg_idx j = 0; j < g->ow; j++) {                              \
                FG_WINDOW_COLS(g, j, x0, x1);                                 \
                const T *FG_RESTRICT s =                                      \
                    dy + ((n * g->oh + i) * g->ow + j) * C;                   \
                const T scale = (T)1 / (T)((y1 - y0) * (x1 - x0));            \
                for (fg_idx y = y0; y < y1; y++)                              \
                    for (fg_idx xx = x0; xx < x1; xx++) {                     \
                        T *FG_RESTRICT t = d + (y * g->w + xx) * C;           \
                        for (fg_idx ch = 0; ch < C; ch++)                     \
                            t[ch] += s[ch] * scale;                           \
                    }                                                         \
            }                                                                 \
        }                                                                     \
    }                                                                         \
}

FG_MAX_POOL(f32, float)
FG_MAX_POOL(f64, double)
FG_MAX_POOL_BWD(f32, float)
FG_MAX_POOL_BWD(f64, double)
FG_MAX_POOL_BWD_TILED(f32, float)
FG_MAX_POOL_BWD_TILED(f64, double)
FG_AVG_POOL(f32, float)
FG_AVG_POOL(f64, double)
FG_AVG_POOL_BWD(f32, float)
FG_AVG_POOL_BWD(f64, double)
