/* im2col / col2im for channels-last convolution.
 *
 * In NHWC a kernel row's taps at consecutive x positions are consecutive
 * pixels, so with dilation 1 and one group a whole kernel row (kw*c values)
 * is one contiguous copy whenever it lies inside the input. */
#include <stdlib.h>
#include <string.h>

#include "im2col.h"
#include "fg_pool.h"
#include "fg_blas.h"

/* Parallel regions only pay above this many column elements. */
#define FG_PAR_MIN 32768

/* Output row r's batch index n and output position (z, i). */
#define FG_CONV_ROW(g, r, n, z, i)                                            \
    const fg_idx n = (r) / ((g)->od * (g)->oh);                               \
    const fg_idx z = (r) / (g)->oh % (g)->od, i = (r) % (g)->oh

/* The input lines an output row (z, i) reads, per kernel plane and row
 * (e, a): NULL where the line lies in the padding.  Returns 0 when the
 * kernel has more than FG_LINES of them (the caller finds them itself). */
#define FG_LINES 64
static int fg_row_lines(const char *src, size_t pix, const fg_conv_geom *g, fg_idx z,
                        fg_idx i, const char **lines)
{
    if (g->kd * g->kh > FG_LINES)
        return 0;
    for (fg_idx e = 0; e < g->kd; e++) {
        const fg_idx zz = z * g->sd - g->pf + e * g->dd;
        for (fg_idx a = 0; a < g->kh; a++) {
            const fg_idx y = i * g->sh - g->pt + a * g->dh;
            lines[e * g->kh + a] = zz < 0 || zz >= g->d || y < 0 || y >= g->h ? NULL
                : src + (size_t)(zz * g->h + y) * g->w * pix;
        }
    }
    return 1;
}

/* The input line of kernel plane and row ea = e*kh + a for output row
 * (z, i), or NULL in the padding. */
static const char *fg_line(const char *src, size_t pix, const fg_conv_geom *g,
                           fg_idx z, fg_idx i, fg_idx ea)
{
    const fg_idx zz = z * g->sd - g->pf + ea / g->kh * g->dd;
    const fg_idx y = i * g->sh - g->pt + ea % g->kh * g->dh;
    if (zz < 0 || zz >= g->d || y < 0 || y >= g->h)
        return NULL;
    return src + (size_t)(zz * g->h + y) * g->w * pix;
}

/* One output row (z, i) of one group: with dilation 1 a kernel row inside
 * the input is one copy of kw*c values. */
static void fg_im2col_row(const char *src, char *dst, size_t esz,
                          const fg_conv_geom *g, fg_idx z, fg_idx i)
{
    const size_t pix = (size_t)g->c * esz, krow = (size_t)g->kw * pix;
    const fg_idx rows = g->kd * g->kh;
    const char *lines[FG_LINES];
    const int known = fg_row_lines(src, pix, g, z, i, lines);
    for (fg_idx j = 0; j < g->ow; j++) {
        const fg_idx x0 = j * g->sw - g->pl;
        const int row_inside = g->dw == 1 && x0 >= 0 && x0 + g->kw <= g->w;
        for (fg_idx ea = 0; ea < rows; ea++) {
            const char *line = known ? lines[ea] : fg_line(src, pix, g, z, i, ea);
            if (line == NULL) {
                memset(dst, 0, krow);
                dst += krow;
            } else if (row_inside) {
                memcpy(dst, line + (size_t)x0 * pix, krow);
                dst += krow;
            } else {
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

/* The same with channel groups: the taps of group grp are a block of
 * taps * c/groups columns, each tap c/groups values of its pixel. */
static void fg_im2col_row_grouped(const char *src, char *dst, size_t esz,
                                  const fg_conv_geom *g, fg_idx z, fg_idx i)
{
    const fg_idx G = g->groups, taps = g->kd * g->kh * g->kw;
    const size_t pix = (size_t)g->c * esz, gsz = pix / (size_t)G;
    for (fg_idx j = 0; j < g->ow; j++, dst += (size_t)taps * pix) {
        const fg_idx x0 = j * g->sw - g->pl;
        for (fg_idx ea = 0; ea < g->kd * g->kh; ea++) {
            const char *line = fg_line(src, pix, g, z, i, ea);
            for (fg_idx b = 0; b < g->kw; b++) {
                const fg_idx xx = x0 + b * g->dw;
                const int ok = line != NULL && xx >= 0 && xx < g->w;
                for (fg_idx grp = 0; grp < G; grp++) {
                    char *d = dst + (size_t)(grp * taps + ea * g->kw + b) * gsz;
                    if (ok)
                        memcpy(d, line + (size_t)xx * pix + grp * gsz, gsz);
                    else
                        memset(d, 0, gsz);
                }
            }
        }
    }
}

void fg_im2col(const void *x_, void *cols_, size_t esz, const fg_conv_geom *g,
               fg_idx r0, fg_idx r1)
{
    const char *x = (const char *)x_;
    char *cols = (char *)cols_;
    const size_t pix = (size_t)g->c * esz;
    const size_t img = (size_t)g->d * g->h * g->w * pix;
    const fg_idx K = g->kd * g->kh * g->kw * g->c;

#if FG_HAVE_OPENMP
#pragma omp parallel for schedule(static) \
    if ((r1 - r0) * g->ow * K > FG_PAR_MIN && !fg_pool_in_task())
#endif
    for (fg_idx r = r0; r < r1; r++) {
        FG_CONV_ROW(g, r, n, z, i);
        const char *src = x + (size_t)n * img;
        char *row = cols + (size_t)(r - r0) * g->ow * K * esz;
        if (g->groups == 1)
            fg_im2col_row(src, row, esz, g, z, i);
        else
            fg_im2col_row_grouped(src, row, esz, g, z, i);
    }
}

#if FG_HAVE_OPENMP
/* Inside a pool task (fg_pool.h) every kernel runs single-threaded. */
#define FG_OMP_PARALLEL _Pragma("omp parallel if (par && !fg_pool_in_task())")
#define FG_OMP_FOR _Pragma("omp for schedule(static)")
#define FG_OMP_PARALLEL_FOR \
    _Pragma("omp parallel for schedule(static) if (par && !fg_pool_in_task())")
#define FG_OMP_PARALLEL_NT(nt) _Pragma("omp parallel num_threads(nt)")
static int fg_max_threads(void) { return fg_pool_in_task() ? 1 : omp_get_max_threads(); }
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

/* Winograd transforms F(m x m, r x r), Toom-Cook on alpha = m + r - 1
 * points: 0, 1, -1 (F(2, 3)); 0, 1, -1, 2, -1/2 (F(2, 5): less rounding
 * error than 2, -2); 0, 1, -1, 2, -2 (F(4, 3)); and infinity.  The kernel
 * transform G g G^T is the caller's (fastgraph/ops/conv.py builds G from
 * the same points).  Written out so that zeros and ones cost nothing; the
 * same macros serve scalars and vectors.  FG_BT_mr: o = B^T d (alpha
 * values); FG_AT_mr: o = A^T m (m values). */
#define FG_BT_23(o, d)                                                        \
    do {                                                                      \
        (o)[0] = (d)[2] - (d)[0];                                             \
        (o)[1] = (d)[1] + (d)[2];                                             \
        (o)[2] = (d)[2] - (d)[1];                                             \
        (o)[3] = (d)[3] - (d)[1];                                             \
    } while (0)
#define FG_AT_23(o, m)                                                        \
    do {                                                                      \
        (o)[0] = (m)[0] + (m)[1] + (m)[2];                                    \
        (o)[1] = (m)[1] - (m)[2] + (m)[3];                                    \
    } while (0)
#define FG_BT_25(o, d)                                                        \
    do {                                                                      \
        (o)[0] = (d)[0] + 1.5f * ((d)[1] - (d)[3]) - 2 * (d)[2] + (d)[4];     \
        (o)[1] = (d)[4] - (d)[1] - 2.5f * (d)[2] - 0.5f * (d)[3];             \
        (o)[2] = (d)[1] + 0.5f * (d)[2] - 2.5f * (d)[3] + (d)[4];             \
        (o)[3] = 0.5f * ((d)[3] - (d)[1]) - (d)[2] + (d)[4];                  \
        (o)[4] = 2 * ((d)[1] - (d)[3]) - (d)[2] + (d)[4];                     \
        (o)[5] = (d)[1] + 1.5f * ((d)[2] - (d)[4]) - 2 * (d)[3] + (d)[5];     \
    } while (0)
#define FG_AT_25(o, m)                                                        \
    do {                                                                      \
        (o)[0] = (m)[0] + (m)[1] + (m)[2] + (m)[3] + (m)[4];                  \
        (o)[1] = (m)[1] - (m)[2] + 2 * (m)[3] - 0.5f * (m)[4] + (m)[5];       \
    } while (0)
#define FG_BT_43(o, d)                                                        \
    do {                                                                      \
        (o)[0] = 4 * (d)[0] - 5 * (d)[2] + (d)[4];                            \
        (o)[1] = (d)[4] - 4 * (d)[2] + ((d)[3] - 4 * (d)[1]);                 \
        (o)[2] = (d)[4] - 4 * (d)[2] - ((d)[3] - 4 * (d)[1]);                 \
        (o)[3] = (d)[4] - (d)[2] + 2 * ((d)[3] - (d)[1]);                     \
        (o)[4] = (d)[4] - (d)[2] - 2 * ((d)[3] - (d)[1]);                     \
        (o)[5] = 4 * (d)[1] - 5 * (d)[3] + (d)[5];                            \
    } while (0)
#define FG_AT_43(o, m)                                                        \
    do {                                                                      \
        (o)[0] = (m)[0] + ((m)[1] + (m)[2]) + ((m)[3] + (m)[4]);              \
        (o)[1] = (m)[1] - (m)[2] + 2 * ((m)[3] - (m)[4]);                     \
        (o)[2] = (m)[1] + (m)[2] + 4 * ((m)[3] + (m)[4]);                     \
        (o)[3] = (m)[1] - (m)[2] + 8 * ((m)[3] - (m)[4]) + (m)[5];            \
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
 * PC apart) into the outputs out[p*MT + q] (MT x MT) that are not NULL. */
#define FG_WINO_OUT_BODY(T, VT, A, MT, AT, M, PC, c0, out)                    \
    do {                                                                      \
        VT m_[A][A], u_[MT][A], col_[A], res_[MT];                            \
        for (int i_ = 0; i_ < (A); i_++)                                      \
            for (int j_ = 0; j_ < (A); j_++)                                  \
                memcpy(&m_[i_][j_], (M) + (fg_idx)(i_ * (A) + j_) * (PC) + (c0), \
                       sizeof(VT));                                           \
        for (int j_ = 0; j_ < (A); j_++) {                                    \
            for (int i_ = 0; i_ < (A); i_++)                                  \
                col_[i_] = m_[i_][j_];                                        \
            AT(res_, col_);                                                   \
            for (int p_ = 0; p_ < (MT); p_++)                                 \
                u_[p_][j_] = res_[p_];                                        \
        }                                                                     \
        for (int p_ = 0; p_ < (MT); p_++) {                                   \
            AT(res_, u_[p_]);                                                 \
            for (int q_ = 0; q_ < (MT); q_++)                                 \
                if ((out)[p_ * (MT) + q_] != NULL)                            \
                    memcpy((out)[p_ * (MT) + q_] + (c0), &res_[q_], sizeof(VT)); \
        }                                                                     \
    } while (0)

#define FG_WINO_LANES(T, VT) ((fg_idx)(sizeof(VT) / sizeof(T)))

/* The tiles of geometry g's output, and its alpha^2 Winograd planes. */
static fg_idx fg_wino_tiles(const fg_wino_geom *g)
{
    return g->n * ((g->oh + g->m - 1) / g->m) * ((g->ow + g->m - 1) / g->m);
}

static fg_idx fg_wino_planes(const fg_wino_geom *g)
{
    return (g->m + g->r - 1) * (g->m + g->r - 1);
}

/* Tile t of the image: its image n and output origin (MT*ty, MT*tx). */
#define FG_WINO_TILE(g, MT, t, n, ty, tx)                                     \
    const fg_idx tw_ = ((g)->ow + (MT) - 1) / (MT);                           \
    const fg_idx per_ = ((g)->oh + (MT) - 1) / (MT) * tw_;                    \
    const fg_idx n = (t) / per_, ty = (t) % per_ / tw_, tx = (t) % tw_

/* The transforms of F(MT x MT, r x r) (alpha A) as functions named
 * wino_input_MR etc., MR = MT and r written together. */
#define FG_WINO_INPUT_FN(MR, A, MT, BT)                                       \
static void FG_FN(FG_CAT(wino_input_, MR))(                                   \
    const FG_T *x, FG_T *V, fg_idx PC, const fg_wino_geom *g, fg_idx t0,      \
    fg_idx t1)                                                                \
{                                                                             \
    const fg_idx C = g->c, L = FG_WINO_LANES(FG_T, FG_VT);                    \
    const int par = (t1 - t0) * (A) * (A) * C > FG_PAR_MIN;                   \
    (void)par;                                                                \
    FG_OMP_PARALLEL_FOR                                                       \
    for (fg_idx t = t0; t < t1; t++) {                                        \
        FG_WINO_TILE(g, MT, t, n, ty, tx);                                    \
        const FG_T *px[(A) * (A)];                                            \
        FG_T *v = V + (t - t0) * C;                                           \
        for (int k = 0; k < (A); k++)                                         \
            for (int j = 0; j < (A); j++) {                                   \
                const fg_idx yy = (MT) * ty - g->pt + k;                      \
                const fg_idx xx = (MT) * tx - g->pl + j;                      \
                px[k * (A) + j] = yy < 0 || yy >= g->h || xx < 0 || xx >= g->w \
                    ? NULL : x + ((n * g->h + yy) * g->w + xx) * C;           \
            }                                                                 \
        fg_idx c0 = 0;                                                        \
        for (; c0 + L <= C; c0 += L)                                          \
            FG_WINO_IN_BODY(FG_T, FG_VT, A, BT, px, v, PC, c0);               \
        for (; c0 < C; c0++)                                                  \
            FG_WINO_IN_BODY(FG_T, FG_T, A, BT, px, v, PC, c0);                \
    }                                                                         \
}

#define FG_WINO_OUTPUT_FN(MR, A, MT, AT)                                      \
static void FG_FN(FG_CAT(wino_output_, MR))(const FG_T *M, fg_idx PC, FG_T *y, \
                                            const FG_T *bias, int relu,       \
                                            const fg_wino_geom *g, fg_idx O,  \
                                            fg_idx t0, fg_idx t1)             \
{                                                                             \
    const fg_idx L = FG_WINO_LANES(FG_T, FG_VT);                              \
    const int par = (t1 - t0) * (A) * (A) * O > FG_PAR_MIN;                   \
    (void)par;                                                                \
    FG_OMP_PARALLEL_FOR                                                       \
    for (fg_idx t = t0; t < t1; t++) {                                        \
        FG_WINO_TILE(g, MT, t, n, ty, tx);                                    \
        FG_T *out[(MT) * (MT)];                                               \
        const FG_T *m = M + (t - t0) * O;                                     \
        for (int p = 0; p < (MT); p++)                                        \
            for (int q = 0; q < (MT); q++) {                                  \
                const fg_idx yy = (MT) * ty + p, xx = (MT) * tx + q;          \
                out[p * (MT) + q] = yy < g->oh && xx < g->ow                  \
                    ? y + ((n * g->oh + yy) * g->ow + xx) * O : NULL;         \
            }                                                                 \
        fg_idx c0 = 0;                                                        \
        for (; c0 + L <= O; c0 += L)                                          \
            FG_WINO_OUT_BODY(FG_T, FG_VT, A, MT, AT, m, PC, c0, out);         \
        for (; c0 < O; c0++)                                                  \
            FG_WINO_OUT_BODY(FG_T, FG_T, A, MT, AT, m, PC, c0, out);          \
        if (bias == NULL && !relu)                                            \
            continue;                                                         \
        for (int k = 0; k < (MT) * (MT); k++) {                               \
            FG_T *FG_RESTRICT o = out[k];                                     \
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

/* The kernel-gradient transform G' dz G'^T (G' is alpha x MT: F(r, MT),
 * whose B^T is the same as F(MT, r)'s) of an MT x MT output-gradient tile;
 * G' row i is p_i^q / prod_{l != i} (p_i - p_l) over the finite points
 * (infinity: 0, ..., 0, 1).  FG_GT_mr: o = G' e (alpha values of m), its
 * constants in type T. */
#define FG_GT_23(T, o, e)                                                     \
    do {                                                                      \
        (o)[0] = -(e)[0];                                                     \
        (o)[1] = (T)0.5 * ((e)[0] + (e)[1]);                                  \
        (o)[2] = (T)0.5 * ((e)[0] - (e)[1]);                                  \
        (o)[3] = (e)[1];                                                      \
    } while (0)
#define FG_GT_25(T, o, e)                                                     \
    do {                                                                      \
        (o)[0] = (e)[0];                                                      \
        (o)[1] = (T)(-1.0 / 3) * ((e)[0] + (e)[1]);                           \
        (o)[2] = (T)(1.0 / 3) * ((e)[0] - (e)[1]);                            \
        (o)[3] = (T)(1.0 / 15) * ((e)[0] + 2 * (e)[1]);                       \
        (o)[4] = (T)(8.0 / 15) * ((e)[1] - 2 * (e)[0]);                       \
        (o)[5] = (e)[1];                                                      \
    } while (0)
#define FG_GT_43(T, o, e)                                                     \
    do {                                                                      \
        (o)[0] = (T)0.25 * (e)[0];                                            \
        (o)[1] = (T)(-1.0 / 6) * (((e)[0] + (e)[2]) + ((e)[1] + (e)[3]));     \
        (o)[2] = (T)(-1.0 / 6) * (((e)[0] + (e)[2]) - ((e)[1] + (e)[3]));     \
        (o)[3] = (T)(1.0 / 24) * (((e)[0] + 4 * (e)[2])                       \
                                  + 2 * ((e)[1] + 4 * (e)[3]));               \
        (o)[4] = (T)(1.0 / 24) * (((e)[0] + 4 * (e)[2])                       \
                                  - 2 * ((e)[1] + 4 * (e)[3]));               \
        (o)[5] = (e)[3];                                                      \
    } while (0)

/* G' dz G'^T of one tile for the channels [c0, c0 + lanes of VT):
 * dz[p*MT + q] is the gradient pixel (p, q) or NULL (outside the output:
 * zeros); the result goes to W[(i*A + j)*PC + c0]. */
#define FG_WINO_GRAD_BODY(T, VT, A, MT, GT, dz, W, PC, c0)                    \
    do {                                                                      \
        VT e_[MT][MT], h_[A][MT], col_[MT], res_[A];                          \
        for (int k_ = 0; k_ < (MT) * (MT); k_++) {                            \
            if ((dz)[k_] != NULL)                                             \
                memcpy(&e_[k_ / (MT)][k_ % (MT)], (dz)[k_] + (c0), sizeof(VT)); \
            else                                                              \
                memset(&e_[k_ / (MT)][k_ % (MT)], 0, sizeof(VT));             \
        }                                                                     \
        for (int q_ = 0; q_ < (MT); q_++) {                                   \
            for (int p_ = 0; p_ < (MT); p_++)                                 \
                col_[p_] = e_[p_][q_];                                        \
            GT(T, res_, col_);                                                \
            for (int i_ = 0; i_ < (A); i_++)                                  \
                h_[i_][q_] = res_[i_];                                        \
        }                                                                     \
        for (int i_ = 0; i_ < (A); i_++) {                                    \
            GT(T, res_, h_[i_]);                                              \
            for (int j_ = 0; j_ < (A); j_++)                                  \
                memcpy((W) + (fg_idx)(i_ * (A) + j_) * (PC) + (c0), &res_[j_], \
                       sizeof(VT));                                           \
        }                                                                     \
    } while (0)

#define FG_WINO_GRAD_FN(MR, A, MT, GT)                                        \
static void FG_FN(FG_CAT(wino_grad_, MR))(const FG_T *dy, FG_T *W, fg_idx PC, \
                                          const fg_wino_geom *g, fg_idx O,    \
                                          fg_idx t0, fg_idx t1)               \
{                                                                             \
    const fg_idx L = FG_WINO_LANES(FG_T, FG_VT);                              \
    const int par = (t1 - t0) * (A) * (A) * O > FG_PAR_MIN;                   \
    (void)par;                                                                \
    FG_OMP_PARALLEL_FOR                                                       \
    for (fg_idx t = t0; t < t1; t++) {                                        \
        FG_WINO_TILE(g, MT, t, n, ty, tx);                                    \
        const FG_T *dz[(MT) * (MT)];                                          \
        FG_T *w = W + (t - t0) * O;                                           \
        for (int p = 0; p < (MT); p++)                                        \
            for (int q = 0; q < (MT); q++) {                                  \
                const fg_idx yy = (MT) * ty + p, xx = (MT) * tx + q;          \
                dz[p * (MT) + q] = yy < g->oh && xx < g->ow                   \
                    ? dy + ((n * g->oh + yy) * g->ow + xx) * O : NULL;        \
            }                                                                 \
        fg_idx c0 = 0;                                                        \
        for (; c0 + L <= O; c0 += L)                                          \
            FG_WINO_GRAD_BODY(FG_T, FG_VT, A, MT, GT, dz, w, PC, c0);         \
        for (; c0 < O; c0++)                                                  \
            FG_WINO_GRAD_BODY(FG_T, FG_T, A, MT, GT, dz, w, PC, c0);          \
    }                                                                         \
}

/* One of the three (m, r) variants per call, as g->m and g->r say. */
#define FG_WINO_DISPATCH(fn, args)                                            \
    do {                                                                      \
        if (g->r == 5)                                                        \
            FG_FN(FG_CAT(fn, 25)) args;                                       \
        else if (g->m == 4)                                                   \
            FG_FN(FG_CAT(fn, 43)) args;                                       \
        else                                                                  \
            FG_FN(FG_CAT(fn, 23)) args;                                       \
    } while (0)

/* Batched small GEMMs for the Winograd planes, in registers: blocks of up to
 * 6 rows by JB = two vectors of columns (12 accumulators), every element
 * summing over k in order.  A is row-major (A[i*lda + k]) or, with trans_a,
 * column-major (A[k*lda + i]); B is row-major. */
#define FG_GEMM_KB 64

#define FG_GEMM_TILE(RB)                                                      \
static void FG_FN(FG_CAT(gemm_tile_, RB))(                                     \
    fg_idx K, const FG_T *FG_RESTRICT A, fg_idx si, fg_idx sk,                \
    const FG_T *FG_RESTRICT B, fg_idx ldb, FG_T *FG_RESTRICT C, fg_idx ldc,   \
    int acc)                                                                  \
{                                                                             \
    const fg_idx h = FG_WINO_LANES(FG_T, FG_VT);                              \
    const FG_VT zero = {0};                                                   \
    FG_VT c0[RB], c1[RB];                                                     \
    for (int i = 0; i < (RB); i++) {                                          \
        c0[i] = acc ? *(const FG_VT *)(C + i * ldc) : zero;                   \
        c1[i] = acc ? *(const FG_VT *)(C + i * ldc + h) : zero;               \
    }                                                                         \
    for (fg_idx k = 0; k < K; k++) {                                          \
        const FG_VT b0 = *(const FG_VT *)(B + k * ldb);                       \
        const FG_VT b1 = *(const FG_VT *)(B + k * ldb + h);                   \
        for (int i = 0; i < (RB); i++) {                                      \
            const FG_T x = A[i * si + k * sk];                                \
            c0[i] += x * b0;                                                  \
            c1[i] += x * b1;                                                  \
        }                                                                     \
    }                                                                         \
    for (int i = 0; i < (RB); i++) {                                          \
        *(FG_VT *)(C + i * ldc) = c0[i];                                      \
        *(FG_VT *)(C + i * ldc + h) = c1[i];                                  \
    }                                                                         \
}

/* The vector of FG_T in the bodies. */
#define FG_VT FG_TYPED(fg_v)

#define FG_TWINS_BODY "im2col_t.h"
#include "fg_twins.h"

#define FG_TWINS_BODY "conv_par_t.h"
#include "fg_twins.h"

void fg_set_pool(const void *api)
{
    fg_pool_connect(api);
}

void fg_set_blas(void *sgemm, void *dgemm, int ilp64, void *set_threads,
                 void *get_threads)
{
    fg_blas_connect(sgemm, dgemm, ilp64, set_threads, get_threads);
}

#define FG_TWINS_BODY "fg_blas_t.h"
#include "fg_twins.h"

#define FG_TWINS_BODY "pool_gemm_t.h"
#include "fg_twins.h"
