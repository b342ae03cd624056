/* Max and average pooling, channels-last (NHWC, NDHWC; 2-D pooling is 3-D
 * pooling of unit depth). */
#ifndef FG_POOLING_H
#define FG_POOLING_H

#include <stdint.h>

#include "fg_kernels.h"

/* Geometry of one pooling; windows must overlap the volume (pf < pd,
 * pt < ph, pl < pw, (od-1)*sd - pf < d, (oh-1)*sh - pt < h,
 * (ow-1)*sw - pl < w): the callers check. */
typedef struct {
    fg_idx n, d, h, w, c;   /* input batch, depth, height, width, channels */
    fg_idx pd, ph, pw;      /* window depth, height, width */
    fg_idx sd, sh, sw;      /* strides */
    fg_idx pf, pt, pl;      /* padding before: front, top, left (ignored cells) */
    fg_idx od, oh, ow;      /* output depth, height, width */
} fg_pool_geom;

/* out = max over each window; argmax = its index ((z*h + y)*w + x)*c + ch
 * within the volume (the first maximum in row-major window order). */
void fg_max_pool_f32(const float *x, float *out, int32_t *argmax, const fg_pool_geom *g);
void fg_max_pool_f64(const double *x, double *out, int32_t *argmax, const fg_pool_geom *g);

/* dx = 0, then dx[image][argmax] += dy for every output element.  dx has
 * `img` elements per image and dy `per` elements per image; indices outside
 * [0, img) are skipped and counted in the return value. */
fg_idx fg_max_pool_bwd_f32(const float *dy, const int32_t *argmax, float *dx,
                           fg_idx n, fg_idx per, fg_idx img);
fg_idx fg_max_pool_bwd_f64(const double *dy, const int32_t *argmax, double *dx,
                           fg_idx n, fg_idx per, fg_idx img);

/* The same as fg_max_pool_bwd for windows that do not overlap (sd >= pd,
 * sh >= ph, sw >= pw: the caller checks), in one pass writing dx: each window's
 * pixels get dy where argmax points and 0 elsewhere.  Writes only inside
 * dx whatever argmax holds; an entry pointing outside its window adds
 * nothing. */
void fg_max_pool_bwd_tiled_f32(const float *dy, const int32_t *argmax, float *dx,
                               const fg_pool_geom *g);
void fg_max_pool_bwd_tiled_f64(const double *dy, const int32_t *argmax, double *dx,
                               const fg_pool_geom *g);

/* out = mean over the part of each window inside the volume. */
void fg_avg_pool_f32(const float *x, float *out, const fg_pool_geom *g);
void fg_avg_pool_f64(const double *x, double *out, const fg_pool_geom *g);

/* dx = gradient of fg_avg_pool given dy (overwrites dx). */
void fg_avg_pool_bwd_f32(const float *dy, float *dx, const fg_pool_geom *g);
void fg_avg_pool_bwd_f64(const double *dy, double *dx, const fg_pool_geom *g);

/* Connect the family to fastgraph's thread pool (fg_pool.h). */
void fg_pooling_set_pool(const void *api);

#endif
