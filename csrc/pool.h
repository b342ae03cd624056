/* Max and average pooling, channels-last (NHWC). */
#ifndef FG_POOL_H
#define FG_POOL_H

#include <stdint.h>

#include "fg_kernels.h"

/* Geometry of one pooling; windows must overlap the image (pt < ph,
 * pl < pw, (oh-1)*sh - pt < h, (ow-1)*sw - pl < w): the callers check. */
typedef struct {
    fg_idx n, h, w, c;   /* input batch, height, width, channels */
    fg_idx ph, pw;       /* window height, width */
    fg_idx sh, sw;       /* strides */
    fg_idx pt, pl;       /* padding before: top, left (padding is ignored) */
    fg_idx oh, ow;       /* output height, width */
} fg_pool_geom;

/* out = max over each window; argmax = its index (y*w + x)*c + ch within the
 * image (the first maximum in row-major window order). */
void fg_max_pool_f32(const float *x, float *out, int32_t *argmax, const fg_pool_geom *g);
void fg_max_pool_f64(const double *x, double *out, int32_t *argmax, const fg_pool_geom *g);

/* dx = 0, then dx[image][argmax] += dy for every output element.  dx has
 * `img` elements per image and dy `per` elements per image; indices outside
 * [0, img) are skipped and counted in the return value. */
fg_idx fg_max_pool_bwd_f32(const float *dy, const int32_t *argmax, float *dx,
                           fg_idx n, fg_idx per, fg_idx img);
fg_idx fg_max_pool_bwd_f64(const double *dy, const int32_t *argmax, double *dx,
                           fg_idx n, fg_idx per, fg_idx img);

/* The same as fg_max_pool_bwd for windows that do not overlap (sh >= ph,
 * sw >= pw: the caller checks), in one pass writing dx: each window's
 * pixels get dy where argmax points and 0 elsewhere.  Writes only inside
 * dx whatever argmax holds; an entry pointing outside its window adds
 * nothing. */
void fg_max_pool_bwd_tiled_f32(const float *dy, const int32_t *argmax, float *dx,
                               const fg_pool_geom *g);
void fg_max_pool_bwd_tiled_f64(const double *dy, const int32_t *argmax, double *dx,
                               const fg_pool_geom *g);

/* out = mean over the part of each window inside the image. */
void fg_avg_pool_f32(const float *x, float *out, const fg_pool_geom *g);
void fg_avg_pool_f64(const double *x, double *out, const fg_pool_geom *g);

/* dx = gradient of fg_avg_pool given dy (overwrites dx). */
void fg_avg_pool_bwd_f32(const float *dy, float *dx, const fg_pool_geom *g);
void fg_avg_pool_bwd_f64(const double *dy, double *dx, const fg_pool_geom *g);

#endif
