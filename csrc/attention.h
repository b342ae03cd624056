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

/* Fused scaled dot-product attention over (batch, head) pairs on the pool
 * (fg_pool.h, up to `slots` threads), each query block's weights computed
 * in scratch and never stored: q (B, Tq, H, D), k (B, Tk, H, D), v (B, Tk,
 * H, Dv), their rows (one per batch entry and step) ldq, ldk, ldv elements
 * apart (H * D for contiguous ones; 3 * H * D for the three packed in one
 * (B, T, 3, H, D) array), dq, dk, dv laid out as q, k, v; out / dout (B, Tq,
 * H, Dv) contiguous; mask, heads, qlen and
 * causal as for fg_attn_softmax over the (B * H * Tq, Tk) scores.
 * Forward (dout NULL): out = softmax(scale q.k, masked) @ v.  Backward:
 * dq, dk, dv from dout, the weights recomputed block by block (the same
 * arithmetic, so the same values).  scratch holds slots * 2 * block * Tk
 * elements.  Returns -1 when no BLAS was handed over (fg_attn_set_blas). */
int fg_attn_fused_f32(const float *q, const float *k, const float *v,
                      const uint8_t *mask, float *out, const float *dout, float *dq,
                      float *dk, float *dv, fg_idx B, fg_idx Tq, fg_idx Tk, fg_idx H,
                      fg_idx D, fg_idx Dv, fg_idx ldq, fg_idx ldk, fg_idx ldv,
                      fg_idx heads, fg_idx qlen, int causal, double scale,
                      float *scratch, fg_idx block, int slots);
int fg_attn_fused_f64(const double *q, const double *k, const double *v,
                      const uint8_t *mask, double *out, const double *dout, double *dq,
                      double *dk, double *dv, fg_idx B, fg_idx Tq, fg_idx Tk, fg_idx H,
                      fg_idx D, fg_idx Dv, fg_idx ldq, fg_idx ldk, fg_idx ldv,
                      fg_idx heads, fg_idx qlen, int causal, double scale,
                      double *scratch, fg_idx block, int slots);

/* Connect the family to fastgraph's thread pool (fg_pool.h). */
void fg_attn_set_pool(const void *api);

/* Hand the family NumPy's BLAS (as fg_set_blas does for im2col's pool). */
void fg_attn_set_blas(void *sgemm, void *dgemm, int ilp64, void *set_threads,
                      void *get_threads);

#endif
