/* im2col / col2im for channels-last (NHWC) 2-D convolution. */
#ifndef FG_IM2COL_H
#define FG_IM2COL_H

#include "fg_kernels.h"

/* Geometry of one convolution; the padding after is implied by oh, ow. */
typedef struct {
    fg_idx n, h, w, c;   /* input batch, height, width, channels */
    fg_idx kh, kw;       /* kernel height, width */
    fg_idx sh, sw;       /* strides */
    fg_idx dh, dw;       /* dilation */
    fg_idx pt, pl;       /* zero padding before: top, left */
    fg_idx oh, ow;       /* output height, width */
} fg_conv_geom;

/* Output rows r = n*oh + i in [r0, r1), i.e. any run of output rows across
 * the batch, so callers bound the column buffer whatever the image size:
 * cols[(r - r0)*ow + j][(a*kw + b)*c + ch] = x[n][i*sh-pt+a*dh][j*sw-pl+b*dw][ch]
 * (0 outside the image).  Element type agnostic: esz is sizeof(element). */
void fg_im2col(const void *x, void *cols, size_t esz, const fg_conv_geom *g,
               fg_idx r0, fg_idx r1);

/* The adjoint of fg_im2col over the same rows: every column entry is added
 * to the input pixel it was copied from (dx accumulates; zero it first). */
void fg_col2im_f32(const float *cols, float *dx, const fg_conv_geom *g,
                   fg_idx r0, fg_idx r1);
void fg_col2im_f64(const double *cols, double *dx, const fg_conv_geom *g,
                   fg_idx r0, fg_idx r1);

#endif
