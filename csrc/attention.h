/* Attention's softmax: scaled, masked and causal in one pass.
 *
 * Scores x are (rows, n): rows = batch * heads * qlen query rows of n keys
 * each (heads = qlen = 1 for a plain masked softmax over rows).  Each entry
 * becomes scale * x, plus NEG (tf-keras's -1e9) where the key is masked
 * out, then the row its softmax.  The mask, when not NULL, is uint8
 * (batch * qlen, n), shared by the heads: query row r reads mask row
 * (r / (heads * qlen)) * qlen + r % qlen.  With `causal`, key k of query q
 * (q = r % qlen) is masked out when k > q, as tf-keras's lower-triangular
 * mask.  y may be x itself.  The backward is the plain softmax's times
 * scale (activation.h). */
#ifndef FG_ATTENTION_H
#define FG_ATTENTION_H

#include "fg_kernels.h"

#define FG_ATTN_NEG (-1e9)

void fg_attn_softmax_f32(const float *x, const uint8_t *mask, float *y, fg_idx rows,
                         fg_idx n, fg_idx heads, fg_idx qlen, int causal, double scale);
void fg_attn_softmax_f64(const double *x, const uint8_t *mask, double *y, fg_idx rows,
                         fg_idx n, fg_idx heads, fg_idx qlen, int causal, double scale);

/* dx = scale * y * (g - sum(g * y)) over each row of (rows, n): the
 * gradient of the scores from that of the softmax output y. */
void fg_attn_softmax_backward_f32(const float *y, const float *g, float *dx, fg_idx rows,
                                  fg_idx n, double scale);
void fg_attn_softmax_backward_f64(const double *y, const double *g, double *dx,
                                  fg_idx rows, fg_idx n, double scale);

#endif
