#ifndef FG_IMAGE_H
#define FG_IMAGE_H
#include "fg_kernels.h"

/* Projective resampling of channels-last images as TensorFlow's
 * ImageProjectiveTransformV3: output pixel (x, y) of image b reads input
 * ((a0 x + a1 y + a2) / k, (b0 x + b1 y + b2) / k), k = c0 x + c1 y + 1,
 * with t[b] = (a0, a1, a2, b0, b1, b2, c0, c1); coordinates are float32 as
 * in tf, folded by the fill mode, then read by nearest (C round) or bilinear
 * interpolation; reads outside the image give fill_value. */
enum { FG_FILL_REFLECT = 0, FG_FILL_WRAP = 1, FG_FILL_CONSTANT = 2, FG_FILL_NEAREST = 3 };

typedef struct {
    fg_idx n, h, w, c;      /* input images (n, h, w, c) */
    fg_idx oh, ow;          /* output size */
    int fill_mode;          /* FG_FILL_* */
    int nearest;            /* 1: nearest, 0: bilinear */
    double fill_value;
} fg_affine_geom;

/* y (n, oh, ow, c) from x and the transforms t (n, 8, float32). */
void fg_affine_f32(const float *x, const float *t, float *y, const fg_affine_geom *g);
void fg_affine_f64(const double *x, const float *t, double *y, const fg_affine_geom *g);

/* dx (n, h, w, c), overwritten: the adjoint of the forward map applied to dy. */
void fg_affine_bwd_f32(const float *dy, const float *t, float *dx, const fg_affine_geom *g);
void fg_affine_bwd_f64(const double *dy, const float *t, double *dx, const fg_affine_geom *g);
#endif
