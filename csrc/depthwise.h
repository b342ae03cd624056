/* Depthwise convolution, channels-last (NHWC; 1-D as height 1). */
#ifndef FG_DEPTHWISE_H
#define FG_DEPTHWISE_H

#include "fg_kernels.h"

/* Geometry: every input channel ch is convolved with its own m filters, the
 * kernel is (kh, kw, c, m) and output channel ch*m + q comes from filter q
 * of channel ch, as tf.nn.depthwise_conv2d. */
typedef struct {
    fg_idx n, h, w, c, m;   /* input batch, height, width, channels; multiplier */
    fg_idx kh, kw;          /* kernel height, width */
    fg_idx sh, sw;          /* strides */
    fg_idx dh, dw;          /* dilation */
    fg_idx pt, pl;          /* zero padding before: top, left */
    fg_idx oh, ow;          /* output height, width */
} fg_dw_geom;

/* y (n, oh, ow, c*m) = the convolution of x (n, h, w, c) with k, plus bias
 * (c*m values, may be NULL); y is overwritten. */
void fg_depthwise_f32(const float *x, const float *k, const float *bias, float *y,
                      const fg_dw_geom *g);
void fg_depthwise_f64(const double *x, const double *k, const double *bias,
                      double *y, const fg_dw_geom *g);

/* dx (n, h, w, c) = the input gradient given dy (n, oh, ow, c*m); overwritten. */
void fg_depthwise_dx_f32(const float *dy, const float *k, float *dx,
                         const fg_dw_geom *g);
void fg_depthwise_dx_f64(const double *dy, const double *k, double *dx,
                         const fg_dw_geom *g);

/* dk (kh, kw, c, m) = the kernel gradient given x and dy; overwritten.  The
 * threads sum disjoint runs of output rows, the partial sums are added in
 * thread order: deterministic for a given thread count.  Returns -1 when
 * the partial sums cannot be allocated (dk untouched), else 0. */
int fg_depthwise_dk_f32(const float *x, const float *dy, float *dk,
                        const fg_dw_geom *g);
int fg_depthwise_dk_f64(const double *x, const double *dy, double *dk,
                        const fg_dw_geom *g);

#endif
