/* im2col / col2im for channels-last 2-D convolution.
 *
 * In NHWC a kernel row's taps at consecutive x positions are consecutive
 * pixels, so with dilation 1 a whole kernel row (kw*c values) is one
 * contiguous copy whenever it lies inside the image. */
#include <stdlib.h>
#include <string.h>

#include "im2col.h"

/* Parallel regions only pay above this many column elements. */
#define FG_PAR_MIN 32768

void fg_im2col(const void *x_, void *cols_, size_t esz, const fg_conv_geom *g,
               fg_idx r0, fg_idx r1)
{
    const char *x = (const char *)x_;
    char *cols = (char *)cols_;
    const size_t pix = (size_t)g->c * esz;
    const size_t krow = (size_t)g->kw * pix;
    const size_t img = (size_t)g->h * g->w * pix;
    const fg_idx K = g->kh * g->kw * g->c;

#if FG_HAVE_OPENMP
#pragma omp parallel for schedule(static) if ((r1 - r0) * g->ow * K > FG_PAR_MIN)
#endif
    for (fg_idx r = r0; r < r1; r++) {
        const fg_idx n = r / g->oh, i = r % g->oh;
        const char *src = x + (size_t)n * img;
        char *dst = cols + (size_t)(r - r0) * g->ow * K * esz;
        for (fg_idx j = 0; j < g->ow; j++) {
            const fg_idx x0 = j * g->sw - g->pl;
            const int row_inside = g->dw == 1 && x0 >= 0 && x0 + g->kw <= g->w;
            for (fg_idx a = 0; a < g->kh; a++) {
                const fg_idx y = i * g->sh - g->pt + a * g->dh;
                if (y < 0 || y >= g->h) {
                    memset(dst, 0, krow);
                    dst += krow;
                    continue;
                }
                const char *line = src + (size_t)y * g->w * pix;
                if (row_inside) {
                    memcpy(dst, line + (size_t)x0 * pix, krow);
                    dst += krow;
                    continue;
                }
                for (fg_idx b = 0; b < g->kw; b++, dst += pix) {
                    const fg_idx xx = x0 + b * g->dw;
                    if (xx < 0 || xx >= g->w)
                        memset(dst, 0, pix);
                    else
                        memcpy(dst, line + (size_t)xx * pix, pix);
                }
            }
        }
    }
}

#if FG_HAVE_OPENMP
#define FG_OMP_PARALLEL _Pragma("omp parallel if (par)")
#define FG_OMP_FOR _Pragma("omp for schedule(static)")
#define FG_OMP_PARALLEL_FOR _Pragma("omp parallel for schedule(static) if (par)")
#define FG_OMP_PARALLEL_NT(nt) _Pragma("omp parallel num_threads(nt)")
static int fg_max_threads(void) { return omp_get_max_threads(); }
static fg_idx fg_thread_num(void) { return omp_get_thread_num(); }
static fg_idx fg_num_threads(void) { return omp_get_num_threads(); }
#else
#define FG_OMP_PARALLEL (void)par;
#define FG_OMP_FOR
#define FG_OMP_PARALLEL_FOR
#define FG_OMP_PARALLEL_NT(nt)
static int fg_max_threads(void) { return 1; }
static fg_idx fg_thread_num(void) { return 0; }
static fg_idx fg_num_threads(void) { return 1; }
#endif

/* Race-free in parallel: for a fixed kernel row a, distinct output rows
 * (n, i) write distinct input rows (n, i*sh - pt + a*dh), so the kernel rows
 * are processed one after another, each split across threads by output row. */
#define FG_COL2IM(SUF, T)                                                     \
void fg_col2im_##SUF(const T *cols, T *dx, const fg_conv_geom *g,             \
                     fg_idx r0, fg_idx r1)                                    \
{                                                                             \
    const fg_idx C = g->c, W = g->w;                                          \
    const fg_idx K = g->kh * g->kw * C;                                       \
    const int par = (r1 - r0) * g->ow * K > FG_PAR_MIN;                       \
    FG_OMP_PARALLEL                                                           \
    {                                                                         \
        for (fg_idx a = 0; a < g->kh; a++) {                                  \
            FG_OMP_FOR                                                        \
            for (fg_idx r = r0; r < r1; r++) {                                \
                const fg_idx n = r / g->oh, i = r % g->oh;                    \
                const fg_idx y = i * g->sh - g->pt + a * g->dh;               \
                if (y < 0 || y >= g->h)                                       \
                    continue;                                                 \
                T *FG_RESTRICT line = dx + (n * g->h + y) * W * C;            \
                const T *src = cols + (r - r0) * g->ow * K + a * g->kw * C;   \
                for (fg_idx j = 0; j < g->ow; j++, src += K) {                \
                    const fg_idx x0 = j * g->sw - g->pl;                      \
                    for (fg_idx b = 0; b < g->kw; b++) {                      \
                        const fg_idx xx = x0 + b * g->dw;                     \
                        if (xx < 0 || xx >= W)                                \
                            continue;                                         \
                        T *FG_RESTRICT d = line + xx * C;                     \
                        const T *FG_RESTRICT s = src + b * C;                 \
                        for (fg_idx ch = 0; ch < C; ch++)                     \
                            d[ch] += s[ch];                                   \
                    }                                                         \
                }                                                             \
            }                                                                 \
        }                                                                     \
    }                                                                         \
}

FG_COL2IM(f32, float)
FG_COL2IM(f64, double)

#define FG_CONV_BIAS_ACT(SUF, T)                                              \
void fg_conv_bias_act_##SUF(T *y, const T *b, fg_idx rows, fg_idx cols,       \
                            int relu)                                         \
{                                                                             \
    const int par = rows * cols > FG_PAR_MIN;                                 \
    (void)par;                                                                \
    FG_OMP_PARALLEL_FOR                                                       \
    for (fg_idx r = 0; r < rows; r++) {                                       \
        T *FG_RESTRICT row = y + r * cols;                                    \
        if (b != NULL) {                                                      \
            const T *FG_RESTRICT bb = b;                                      \
            for (fg_idx c = 0; c < cols; c++)                                 \
                row[c] += bb[c];                                              \
        }                                                                     \
        if (relu)                                                             \
            for (fg_idx c = 0; c < cols; c++)                                 \
                row[c] = row[c] > 0 ? row[c] : 0;                             \
    }                                                                         \
}

/* Rows [r0, r1) of the epilogue's backward; acc (may be NULL) accumulates. */
#define FG_CONV_ACT_GRAD_ROWS(SUF, T)                                         \
static void act_grad_rows_##SUF(const T *y, const T *g, T *dz, double *acc,   \
                                fg_idx r0, fg_idx r1, fg_idx cols, int relu)  \
{                                                                             \
    for (fg_idx r = r0; r < r1; r++) {                                        \
        const T *FG_RESTRICT gr = g + r * cols;                               \
        double *FG_RESTRICT a = acc;                                          \
        if (relu) {                                                           \
            const T *FG_RESTRICT yr = y + r * cols;                           \
            T *FG_RESTRICT d = dz + r * cols;                                 \
            for (fg_idx c = 0; c < cols; c++)                                 \
                d[c] = yr[c] > 0 ? gr[c] : 0;                                 \
            gr = d;                                                           \
        }                                                                     \
        if (a != NULL)                                                        \
            for (fg_idx c = 0; c < cols; c++)                                 \
                a[c] += (double)gr[c];                                        \
    }                                                                         \
}

#define FG_CONV_ACT_GRAD(SUF, T)                                              \
void fg_conv_act_grad_##SUF(const T *y, const T *g, T *dz, double *db,        \
                            fg_idx rows, fg_idx cols, int relu)               \
{                                                                             \
    int nt = 1;                                                               \
    double *part = NULL;                                                      \
    if (FG_HAVE_OPENMP && rows * cols > FG_PAR_MIN)                           \
        nt = fg_max_threads();                                                \
    if (nt > 1 && db != NULL) {                                               \
        part = calloc((size_t)nt * (size_t)cols, sizeof(double));             \
        if (part == NULL)                                                     \
            nt = 1;                                                           \
    }                                                                         \
    if (nt == 1) {                                                            \
        act_grad_rows_##SUF(y, g, dz, db, 0, rows, cols, relu);               \
        return;                                                               \
    }                                                                         \
    FG_OMP_PARALLEL_NT(nt)                                                    \
    {                                                                         \
        const fg_idx id = fg_thread_num(), n = fg_num_threads();              \
        act_grad_rows_##SUF(y, g, dz, part ? part + id * cols : NULL,         \
                            rows * id / n, rows * (id + 1) / n, cols, relu);  \
    }                                                                         \
    if (part != NULL) {                                                       \
        for (int t = 0; t < nt; t++)                                          \
            for (fg_idx c = 0; c < cols; c++)                                 \
                db[c] += part[(fg_idx)t * cols + c];                          \
        free(part);                                                           \
    }                                                                         \
}

FG_CONV_BIAS_ACT(f32, float)
FG_CONV_BIAS_ACT(f64, double)
FG_CONV_ACT_GRAD_ROWS(f32, float)
FG_CONV_ACT_GRAD_ROWS(f64, double)
FG_CONV_ACT_GRAD(f32, float)
FG_CONV_ACT_GRAD(f64, double)


/* Winograd transforms, Toom-Cook with points 0, 1, -1 (, 2, -1/2: less
 * rounding error than 2, -2) and infinity; the kernel transform G g G^T is
 * the caller's.  Written out so that zeros and ones cost nothing; the same
 * macros serve scalars and vectors.  FG_BT: o = B^T d (alpha values);
 * FG_AT: o = A^T m (2 values). */
#define FG_BT4(o, d)                                                          \
    do {                                                                      \
        (o)[0] = (d)[2] - (d)[0];                                             \
        (o)[1] = (d)[1] + (d)[2];                                             \
        (o)[2] = (d)[2] - (d)[1];                                             \
        (o)[3] = (d)[3] - (d)[1];                                             \
    } while (0)
#define FG_AT4(o, m)                                                          \
    do {                                                                      \
        (o)[0] = (m)[0] + (m)[1] + (m)[2];                                    \
        (o)[1] = (m)[1] - (m)[2] + (m)[3];                                    \
    } while (0)
#define FG_BT6(o, d)                                                          \
    do {                                                                      \
        (o)[0] = (d)[0] + 1.5f * ((d)[1] - (d)[3]) - 2 * (d)[2] + (d)[4];     \
        (o)[1] = (d)[4] - (d)[1] - 2.5f * (d)[2] - 0.5f * (d)[3];             \
        (o)[2] = (d)[1] + 0.5f * (d)[2] - 2.5f * (d)[3] + (d)[4];             \
        (o)[3] = 0.5f * ((d)[3] - (d)[1]) - (d)[2] + (d)[4];                  \
        (o)[4] = 2 * ((d)[1] - (d)[3]) - (d)[2] + (d)[4];                     \
        (o)[5] = (d)[1] + 1.5f * ((d)[2] - (d)[4]) - 2 * (d)[3] + (d)[5];     \
    } while (0)
#define FG_AT6(o, m)                                                          \
    do {                                                                      \
        (o)[0] = (m)[0] + (m)[1] + (m)[2] + (m)[3] + (m)[4];                  \
        (o)[1] = (m)[1] - (m)[2] + 2 * (m)[3] - 0.5f * (m)[4] + (m)[5];       \
    } while (0)

/* 32-byte vectors of float / double (GCC / Clang), else plain scalars. */
#if defined(__GNUC__)
typedef float fg_vf32 __attribute__((vector_size(32), may_alias, aligned(4)));
typedef double fg_vf64 __attribute__((vector_size(32), may_alias, aligned(8)));
#else
typedef float fg_vf32;
typedef double fg_vf64;
#endif

/* B^T d B of one tile for the channels [c0, c0 + lanes of VT): px[k*A + j]
 * is the patch pixel (k, j) or NULL (outside the image: zeros); the result
 * goes to V[(i*A + j)*PC + c0]. */
#define FG_WINO_IN_BODY(T, VT, A, BT, px, V, PC, c0)                          \
    do {                                                                      \
        VT d_[A][A], t_[A][A], col_[A], res_[A];                              \
        for (int k_ = 0; k_ < (A); k_++)                                      \
            for (int j_ = 0; j_ < (A); j_++) {                                \
                const T *p_ = (px)[k_ * (A) + j_];                            \
                if (p_ != NULL)                                               \
                    memcpy(&d_[k_][j_], p_ + (c0), sizeof(VT));               \
                else                                                          \
                    memset(&d_[k_][j_], 0, sizeof(VT));                       \
            }                                                                 \
        for (int j_ = 0; j_ < (A); j_++) {                                    \
            for (int k_ = 0; k_ < (A); k_++)                                  \
                col_[k_] = d_[k_][j_];                                        \
            BT(res_, col_);                                                   \
            for (int i_ = 0; i_ < (A); i_++)                                  \
                t_[i_][j_] = res_[i_];                                        \
        }                                                                     \
        for (int i_ = 0; i_ < (A); i_++) {                                    \
            BT(res_, t_[i_]);                                                 \
            for (int j_ = 0; j_ < (A); j_++)                                  \
                memcpy((V) + (fg_idx)(i_ * (A) + j_) * (PC) + (c0), &res_[j_], \
                       sizeof(VT));                                           \
        }                                                                     \
    } while (0)

/* A^T m A of one tile for the channels [c0, c0 + lanes of VT) of M (planes
 * PC apart) into the outputs out[p*2 + q] that are not NULL. */
#define FG_WINO_OUT_BODY(T, VT, A, AT, M, PC, c0, out)                        \
    do {                                                                      \
        VT m_[A][A], u_[2][A], col_[A], res_[2];                              \
        for (int i_ = 0; i_ < (A); i_++)                                      \
            for (int j_ = 0; j_ < (A); j_++)                                  \
                memcpy(&m_[i_][j_], (M) + (fg_idx)(i_ * (A) + j_) * (PC) + (c0), \
                       sizeof(VT));                                           \
        for (int j_ = 0; j_ < (A); j_++) {                                    \
            for (int i_ = 0; i_ < (A); i_++)                                  \
                col_[i_] = m_[i_][j_];                                        \
            AT(res_, col_);                                                   \
            u_[0][j_] = res_[0];                                              \
            u_[1][j_] = res_[1];                                              \
        }                                                                     \
        for (int p_ = 0; p_ < 2; p_++) {                                      \
            AT(res_, u_[p_]);                                                 \
            for (int q_ = 0; q_ < 2; q_++)                                    \
                if ((out)[p_ * 2 + q_] != NULL)                               \
                    memcpy((out)[p_ * 2 + q_] + (c0), &res_[q_], sizeof(VT)); \
        }                                                                     \
    } while (0)

#define FG_WINO_LANES(T, VT) ((fg_idx)(sizeof(VT) / sizeof(T)))

/* Tile t of the image: its image n and output origin (2ty, 2tx). */
#define FG_WINO_TILE(g, t, n, ty, tx)                                         \
    const fg_idx tw_ = ((g)->ow + 1) / 2, per_ = ((g)->oh + 1) / 2 * tw_;     \
    const fg_idx n = (t) / per_, ty = (t) % per_ / tw_, tx = (t) % tw_

#define FG_WINO_INPUT_A(SUF, T, VT, A, BT)                                    \
static void wino_input_##SUF##_##A(const T *x, T *V, fg_idx PC,               \
                                   const fg_wino_geom *g, fg_idx t0, fg_idx t1) \
{                                                                             \
    const fg_idx C = g->c, L = FG_WINO_LANES(T, VT);                          \
    const int par = (t1 - t0) * (A) * (A) * C > FG_PAR_MIN;                   \
    (void)par;                                                                \
    FG_OMP_PARALLEL_FOR                                                       \
    for (fg_idx t = t0; t < t1; t++) {                                        \
        FG_WINO_TILE(g, t, n, ty, tx);                                        \
        const T *px[(A) * (A)];                                               \
        T *v = V + (t - t0) * C;                                              \
        for (int k = 0; k < (A); k++)                                         \
            for (int j = 0; j < (A); j++) {                                   \
                const fg_idx yy = 2 * ty - g->pt + k, xx = 2 * tx - g->pl + j; \
                px[k * (A) + j] = yy < 0 || yy >= g->h || xx < 0 || xx >= g->w \
                    ? NULL : x + ((n * g->h + yy) * g->w + xx) * C;           \
            }                                                                 \
        fg_idx c0 = 0;                                                        \
        for (; c0 + L <= C; c0 += L)                                          \
            FG_WINO_IN_BODY(T, VT, A, BT, px, v, PC, c0);                     \
        for (; c0 < C; c0++)                                                  \
            FG_WINO_IN_BODY(T, T, A, BT, px, v, PC, c0);                      \
    }                                                                         \
}

#define FG_WINO_OUTPUT_A(SUF, T, VT, A, AT)                                   \
static void wino_output_##SUF##_##A(const T *M, fg_idx PC, T *y,              \
                                    const T *bias, int relu,                  \
                                    const fg_wino_geom *g, fg_idx O,          \
                                    fg_idx t0, fg_idx t1)                     \
{                                                                             \
    const fg_idx L = FG_WINO_LANES(T, VT);                                    \
    const int par = (t1 - t0) * (A) * (A) * O > FG_PAR_MIN;                   \
    (void)par;                                                                \
    FG_OMP_PARALLEL_FOR                                                       \
    for (fg_idx t = t0; t < t1; t++) {                                        \
        FG_WINO_TILE(g, t, n, ty, tx);                                        \
        T *out[4];                                                            \
        const T *m = M + (t - t0) * O;                                        \
        for (int p = 0; p < 2; p++)                                           \
            for (int q = 0; q < 2; q++) {                                     \
                const fg_idx yy = 2 * ty + p, xx = 2 * tx + q;                \
                out[p * 2 + q] = yy < g->oh && xx < g->ow                     \
                    ? y + ((n * g->oh + yy) * g->ow + xx) * O : NULL;         \
            }                                                                 \
        fg_idx c0 = 0;                                                        \
        for (; c0 + L <= O; c0 += L)                                          \
            FG_WINO_OUT_BODY(T, VT, A, AT, m, PC, c0, out);                   \
        for (; c0 < O; c0++)                                                  \
            FG_WINO_OUT_BODY(T, T, A, AT, m, PC, c0, out);                    \
        if (bias == NULL && !relu)                                            \
            continue;                                                         \
        for (int k = 0; k < 4; k++) {                                         \
            T *FG_RESTRICT o = out[k];                                        \
            if (o == NULL)                                                    \
                continue;                                                     \
            if (bias != NULL)                                                 \
                for (fg_idx c = 0; c < O; c++)                                \
                    o[c] += bias[c];                                          \
            if (relu)                                                         \
                for (fg_idx c = 0; c < O; c++)                                \
                    o[c] = o[c] > 0 ? o[c] : 0;                               \
        }                                                                     \
    }                                                                         \
}

/* The kernel-gradient transform G' dz G'^T (G' is alpha x 2: F(r, 2), whose
 * B^T is the same as F(2, r)'s) of a 2x2 output-gradient tile. */
static const double fg_wino_gg4[8] = {-1, 0, 0.5, 0.5, 0.5, -0.5, 0, 1};
static const double fg_wino_gg6[12] = {
    1, 0, -1.0 / 3, -1.0 / 3, 1.0 / 3, -1.0 / 3,
    1.0 / 15, 2.0 / 15, -16.0 / 15, 8.0 / 15, 0, 1};

/* G' dz G'^T of one tile for the channels [c0, c0 + lanes of VT): dz[p*2 + q]
 * is the gradient pixel (p, q) or NULL (outside the output: zeros); the
 * result goes to W[(i*A + j)*PC + c0]. */
#define FG_WINO_GRAD_BODY(T, VT, A, GG, dz, W, PC, c0)                        \
    do {                                                                      \
        VT e_[2][2], h_[A][2], res_;                                          \
        for (int k_ = 0; k_ < 4; k_++) {                                      \
            if ((dz)[k_] != NULL)                                             \
                memcpy(&e_[k_ / 2][k_ % 2], (dz)[k_] + (c0), sizeof(VT));     \
            else                                                              \
                memset(&e_[k_ / 2][k_ % 2], 0, sizeof(VT));                   \
        }                                                                     \
        for (int i_ = 0; i_ < (A); i_++)                                      \
            for (int q_ = 0; q_ < 2; q_++)                                    \
                h_[i_][q_] = (T)(GG)[i_ * 2] * e_[0][q_]                      \
                    + (T)(GG)[i_ * 2 + 1] * e_[1][q_];                        \
        for (int i_ = 0; i_ < (A); i_++)                                      \
            for (int j_ = 0; j_ < (A); j_++) {                                \
                res_ = (T)(GG)[j_ * 2] * h_[i_][0] + (T)(GG)[j_ * 2 + 1] * h_[i_][1]; \
                memcpy((W) + (fg_idx)(i_ * (A) + j_) * (PC) + (c0), &res_,    \
                       sizeof(VT));                                           \
            }                                                                 \
    } while (0)

#define FG_WINO_GRAD_A(SUF, T, VT, A, GG)                                     \
static void wino_grad_##SUF##_##A(const T *dy, T *W, fg_idx PC,               \
                                  const fg_wino_geom *g, fg_idx O,            \
                                  fg_idx t0, fg_idx t1)                       \
{                                                                             \
    const fg_idx L = FG_WINO_LANES(T, VT);                                    \
    const int par = (t1 - t0) * (A) * (A) * O > FG_PAR_MIN;                   \
    (void)par;                                                                \
    FG_OMP_PARALLEL_FOR                                                       \
    for (fg_idx t = t0; t < t1; t++) {                                        \
        FG_WINO_TILE(g, t, n, ty, tx);                                        \
        const T *dz[4];                                                       \
        T *w = W + (t - t0) * O;                                              \
        for (int p = 0; p < 2; p++)                                           \
            for (int q = 0; q < 2; q++) {                                     \
                const fg_idx yy = 2 * ty + p, xx = 2 * tx + q;                \
                dz[p * 2 + q] = yy < g->oh && xx < g->ow                      \
                    ? dy + ((n * g->oh + yy) * g->ow + xx) * O : NULL;        \
            }                                                                 \
        fg_idx c0 = 0;                                                        \
        for (; c0 + L <= O; c0 += L)                                          \
            FG_WINO_GRAD_BODY(T, VT, A, GG, dz, w, PC, c0);                   \
        for (; c0 < O; c0++)                                                  \
            FG_WINO_GRAD_BODY(T, T, A, GG, dz, w, PC, c0);                    \
    }                                                                         \
}

#define FG_WINO(SUF, T, VT)                                                   \
FG_WINO_GRAD_A(SUF, T, VT, 4, fg_wino_gg4)                                    \
FG_WINO_GRAD_A(SUF, T, VT, 6, fg_wino_gg6)                                    \
void fg_wino_grad_##SUF(const T *dy, T *W, fg_idx ps, const fg_wino_geom *g,  \
                        fg_idx O, fg_idx t0, fg_idx t1)                       \
{                                                                             \
    if (g->r == 3)                                                            \
        wino_grad_##SUF##_4(dy, W, ps, g, O, t0, t1);                         \
    else                                                                      \
        wino_grad_##SUF##_6(dy, W, ps, g, O, t0, t1);                         \
}                                                                             \
FG_WINO_INPUT_A(SUF, T, VT, 4, FG_BT4)                                        \
FG_WINO_INPUT_A(SUF, T, VT, 6, FG_BT6)                                        \
FG_WINO_OUTPUT_A(SUF, T, VT, 4, FG_AT4)                                       \
FG_WINO_OUTPUT_A(SUF, T, VT, 6, FG_AT6)                                       \
void fg_wino_input_##SUF(const T *x, T *V, fg_idx ps, const fg_wino_geom *g, \
                         fg_idx t0, fg_idx t1)                                \
{                                                                             \
    if (g->r == 3)                                                            \
        wino_input_##SUF##_4(x, V, ps, g, t0, t1);                            \
    else                                                                      \
        wino_input_##SUF##_6(x, V, ps, g, t0, t1);                            \
}                                                                             \
void fg_wino_output_##SUF(const T *M, fg_idx ps, T *y, const T *bias,         \
                          int relu, const fg_wino_geom *g, fg_idx O,          \
                          fg_idx t0, fg_idx t1)                               \
{                                                                             \
    if (g->r == 3)                                                            \
        wino_output_##SUF##_4(M, ps, y, bias, relu, g, O, t0, t1);            \
    else                                                                      \
        wino_output_##SUF##_6(M, ps, y, bias, relu, g, O, t0, t1);            \
}

FG_WINO(f32, float, fg_vf32)
FG_WINO(f64, double, fg_vf64)


/* Batched small GEMMs for the Winograd planes, in registers: blocks of up to
 * 6 rows by JB = two vectors of columns (12 accumulators), every element
 * summing over k in order.  A is row-major (A[i*lda + k]) or, with trans_a,
 * column-major (A[k*lda + i]); B is row-major. */
#define FG_GEMM_KB 64

#define FG_GEMM_TILE(SUF, T, VT, RB)                                          \
static void gemm_tile_##SUF##_##RB(fg_idx K, const T *FG_RESTRICT A,         \
                                   fg_idx si, fg_idx sk,                      \
                                   const T *FG_RESTRICT B, fg_idx ldb,        \
                                   T *FG_RESTRICT C, fg_idx ldc, int acc)     \
{                                                                             \
    const fg_idx h = FG_WINO_LANES(T, VT);                                    \
    const VT zero = {0};                                                      \
    VT c0[RB], c1[RB];                                                        \
    for (int i = 0; i < (RB); i++) {                                          \
        c0[i] = acc ? *(const VT *)(C + i * ldc) : zero;                      \
        c1[i] = acc ? *(const VT *)(C + i * ldc + h) : zero;                  \
    }                                                                         \
    for (fg_idx k = 0; k < K; k++) {                                          \
        const VT b0 = *(const VT *)(B + k * ldb);                             \
        const VT b1 = *(const VT *)(B + k * ldb + h);                         \
        for (int i = 0; i < (RB); i++) {                                      \
            const T x = A[i * si + k * sk];                                   \
            c0[i] += x * b0;                                                  \
            c1[i] += x * b1;                                                  \
        }                                                                     \
    }                                                                         \
    for (int i = 0; i < (RB); i++) {                                          \
        *(VT *)(C + i * ldc) = c0[i];                                         \
        *(VT *)(C + i * ldc + h) = c1[i];                                     \
    }                                                                         \
}

#define FG_BATCHED_GEMM(SUF, T, VT)                                           \
FG_GEMM_TILE(SUF, T, VT, 1)                                                   \
FG_GEMM_TILE(SUF, T, VT, 2)                                                   \
FG_GEMM_TILE(SUF, T, VT, 3)                                                   \
FG_GEMM_TILE(SUF, T, VT, 4)                                                   \
FG_GEMM_TILE(SUF, T, VT, 5)                                                   \
FG_GEMM_TILE(SUF, T, VT, 6)                                                   \
void fg_batched_gemm_##SUF(fg_idx batch, fg_idx R, fg_idx K, fg_idx M,        \
                           const T *A, fg_idx sa, fg_idx lda, int trans_a,    \
                           const T *B, fg_idx sb, fg_idx ldb,                 \
                           T *C, fg_idx sc, fg_idx ldc, int acc)              \
{                                                                             \
    const fg_idx JB = 2 * FG_WINO_LANES(T, VT), Mf = M / JB * JB;             \
    const fg_idx nrb = (R + 5) / 6;                                           \
    const fg_idx si = trans_a ? 1 : lda, sk = trans_a ? lda : 1;              \
    const int par = (double)batch * R * K * M > 4.0 * FG_PAR_MIN * 64;        \
    (void)par;                                                                \
    FG_OMP_PARALLEL_FOR                                                       \
    for (fg_idx wi = 0; wi < batch * nrb; wi++) {                             \
        const fg_idx b = wi / nrb, r0 = wi % nrb * 6;                         \
        const fg_idx rows = R - r0 < 6 ? R - r0 : 6;                          \
        const T *a = A + b * sa + r0 * si;                                    \
        const T *bb = B + b * sb;                                             \
        T *c = C + b * sc + r0 * ldc;                                         \
        /* k in blocks of FG_GEMM_KB, so that a long K's slices of A and B   \
         * stay in L1 across the column tiles */                              \
        for (fg_idx k0 = 0; k0 < K; k0 += FG_GEMM_KB) {                       \
            const fg_idx kn = K - k0 < FG_GEMM_KB ? K - k0 : FG_GEMM_KB;      \
            const T *ak = a + k0 * sk, *bk = bb + k0 * ldb;                   \
            const int ac = acc || k0 > 0;                                     \
            for (fg_idx j0 = 0; j0 < Mf; j0 += JB) {                          \
                switch (rows) {                                               \
                case 6: gemm_tile_##SUF##_6(kn, ak, si, sk, bk + j0, ldb, c + j0, ldc, ac); break; \
                case 5: gemm_tile_##SUF##_5(kn, ak, si, sk, bk + j0, ldb, c + j0, ldc, ac); break; \
                case 4: gemm_tile_##SUF##_4(kn, ak, si, sk, bk + j0, ldb, c + j0, ldc, ac); break; \
                case 3: gemm_tile_##SUF##_3(kn, ak, si, sk, bk + j0, ldb, c + j0, ldc, ac); break; \
                case 2: gemm_tile_##SUF##_2(kn, ak, si, sk, bk + j0, ldb, c + j0, ldc, ac); break; \
                default: gemm_tile_##SUF##_1(kn, ak, si, sk, bk + j0, ldb, c + j0, ldc, ac); break; \
                }                                                             \
            }                                                                 \
        }                                                                     \
        for (fg_idx i = 0; i < rows; i++)                                     \
            for (fg_idx j = Mf; j < M; j++) {                                 \
                T sum = acc ? c[i * ldc + j] : 0;                             \
                for (fg_idx k = 0; k < K; k++)                                \
                    sum += a[i * si + k * sk] * bb[k * ldb + j];              \
                c[i * ldc + j] = sum;                                         \
            }                                                                 \
    }                                                                         \
}

FG_BATCHED_GEMM(f32, float, fg_vf32)
FG_BATCHED_GEMM(f64, double, fg_vf64)
