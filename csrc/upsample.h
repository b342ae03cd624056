/* Upsampling by integer factors, channels-last (NWC as NHWC of height 1,
 * NHWC, NDHWC): nearest-neighbour repetition in 1 to 3 dimensions and
 * bilinear interpolation in 2 (tf.image.resize, half-pixel centres). */
#ifndef FG_UPSAMPLE_H
#define FG_UPSAMPLE_H

#include "fg_kernels.h"

/* Input (n, d, h, w, c); output (n, d*fd, h*fh, w*fw, c). */
typedef struct {
    fg_idx n, d, h, w, c;   /* input batch, depth, height, width, channels */
    fg_idx fd, fh, fw;      /* factors */
} fg_up_geom;

/* y[n][z][i][j] = x[n][z/fd][i/fh][j/fw]. */
void fg_upsample_nearest_f32(const float *x, float *y, const fg_up_geom *g);
void fg_upsample_nearest_f64(const double *x, double *y, const fg_up_geom *g);

/* dx (overwritten) = the sum of dy over each pixel's fd*fh*fw copies. */
void fg_upsample_nearest_bwd_f32(const float *dy, float *dx, const fg_up_geom *g);
void fg_upsample_nearest_bwd_f64(const double *dy, double *dx, const fg_up_geom *g);

/* Bilinear, 2-D (d = fd = 1): output row i reads input rows lo(i), hi(i)
 * with weight t(i) on hi, where s = (i + 0.5) * h / (h*fh) - 0.5 in FG_T,
 * lo = max(floor(s), 0), hi = min(ceil(s), h - 1), t = s - floor(s); the
 * same along the width; y = top + (bottom - top) * ty with top = tl + (tr -
 * tl) * tx, as TensorFlow's ResizeBilinear.  Returns -1 when the tables
 * cannot be allocated, else 0. */
int fg_upsample_bilinear_f32(const float *x, float *y, const fg_up_geom *g);
int fg_upsample_bilinear_f64(const double *x, double *y, const fg_up_geom *g);

/* dx (overwritten) = the gradient of fg_upsample_bilinear given dy. */
int fg_upsample_bilinear_bwd_f32(const float *dy, float *dx, const fg_up_geom *g);
int fg_upsample_bilinear_bwd_f64(const double *dy, double *dx, const fg_up_geom *g);

#endif
