/* im2col / col2im for channels-last 2-D convolution.
 *
 * In NHWC a kernel row's taps at consecutive x positions are consecutive
 * pixels, so with dilation 1 a whole kernel row (kw*c values) is one
 * contiguous copy whenever it lies inside the image. */
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
#else
#define FG_OMP_PARALLEL (void)par;
#define FG_OMP_FOR
#endif

/* Race-free in parallel: for a fixed kernel row a, distinct output rows
 * (n, i) write distinct input rows (n, i*sh - pt + a*dh), so the kernel rows
 * are processed one after another, each split across threads by output row. */
#define FG_COL2IM(SUF, T)                                                     \
void fg_col2im_##SUF(const T *cols, T *dx, const fg_conv_geom *g,            \
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
