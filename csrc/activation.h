/* Activations (optionally with a fused bias add), softmax along any axis,
 * and the fused crossentropies over logits.
 *
 * Each function exists as _f32 (float) and _f64 (double).  `out` arrays may
 * be the very same array as an input (in-place), never a partial overlap.
 * Backward kernels compute the derivative from the saved OUTPUT y, which is
 * exact for every code below given RELU with threshold 0 and alpha >= 0 and
 * ELU with alpha >= 0 (callers handle the other parameters themselves). */
#ifndef FG_ACTIVATION_H
#define FG_ACTIVATION_H

#include "fg_kernels.h"

enum {
    FG_ACT_LINEAR = 0,
    FG_ACT_RELU = 1,        /* tf-keras K.relu(alpha, max_value, threshold) */
    FG_ACT_ELU = 2,         /* alpha */
    FG_ACT_SELU = 3,
    FG_ACT_SOFTPLUS = 4,
    FG_ACT_SIGMOID = 5,
    FG_ACT_HARD_SIGMOID = 6, /* clip(0.2 x + 0.5, 0, 1) */
    FG_ACT_TANH = 7,
    FG_ACT_SOFTSIGN = 8,
    FG_ACT_EXPONENTIAL = 9,
    FG_ACT_GELU = 10,       /* 0.5 x (1 + erf(x / sqrt 2)) */
    FG_ACT_GELU_TANH = 11,  /* 0.5 x (1 + tanh(sqrt(2 / pi) (x + 0.044715 x^3))) */
    FG_ACT_MISH = 12        /* x tanh(softplus(x)) */
};

/* The codes from FG_ACT_GELU on have no derivative in terms of their
 * output: their backward is fg_act_backward_x, from the input. */
#define FG_ACT_FIRST_FROM_X FG_ACT_GELU

/* y[r, c] = act(x[r, c] + bias[c]) over a (rows, cols) array; bias may be
 * NULL.  max_value = +inf means no clipping (RELU). */
void fg_act_forward_f32(int act, double alpha, double max_value, double threshold,
                        const float *x, const float *bias, float *y,
                        fg_idx rows, fg_idx cols);
void fg_act_forward_f64(int act, double alpha, double max_value, double threshold,
                        const double *x, const double *bias, double *y,
                        fg_idx rows, fg_idx cols);

/* dz = act'(x) * g over n elements, act' written in terms of y = act(x). */
void fg_act_backward_f32(int act, double alpha, double max_value,
                         const float *y, const float *g, float *dz, fg_idx n);
void fg_act_backward_f64(int act, double alpha, double max_value,
                         const double *y, const double *g, double *dz, fg_idx n);

/* dz = act'(x) * g over n elements, from the forward INPUT x; only for
 * the codes from FG_ACT_FIRST_FROM_X on (others leave dz alone). */
void fg_act_backward_x_f32(int act, const float *x, const float *g,
                           float *dz, fg_idx n);
void fg_act_backward_x_f64(int act, const double *x, const double *g,
                           double *dz, fg_idx n);

/* Softmax of an (outer, n, inner) array along its middle axis. */
void fg_softmax_forward_f32(const float *x, float *y,
                            fg_idx outer, fg_idx n, fg_idx inner);
void fg_softmax_forward_f64(const double *x, double *y,
                            fg_idx outer, fg_idx n, fg_idx inner);
/* dx = y * (g - sum(g * y)) along the middle axis. */
void fg_softmax_backward_f32(const float *y, const float *g, float *dx,
                             fg_idx outer, fg_idx n, fg_idx inner);
void fg_softmax_backward_f64(const double *y, const double *g, double *dx,
                             fg_idx outer, fg_idx n, fg_idx inner);

/* Per row of (rows, n) logits z: loss = sum_j t_j (logsumexp(z) - z_j);
 * p (may be NULL) receives softmax(z) for the backward. */
void fg_softmax_xent_forward_f32(const float *z, const float *t, float *loss,
                                 float *p, fg_idx rows, fg_idx n);
void fg_softmax_xent_forward_f64(const double *z, const double *t, double *loss,
                                 double *p, fg_idx rows, fg_idx n);
/* dz = (p * sum(t) - t) * g[row]. */
void fg_softmax_xent_backward_f32(const float *p, const float *t, const float *g,
                                  float *dz, fg_idx rows, fg_idx n);
void fg_softmax_xent_backward_f64(const double *p, const double *t, const double *g,
                                  double *dz, fg_idx rows, fg_idx n);

/* Same with integer labels: loss = logsumexp(z) - z[label].  Returns the
 * first row whose label is outside [0, n) (nothing written then), or -1. */
fg_idx fg_sparse_xent_forward_f32(const float *z, const int64_t *labels,
                                  float *loss, float *p, fg_idx rows, fg_idx n);
fg_idx fg_sparse_xent_forward_f64(const double *z, const int64_t *labels,
                                  double *loss, double *p, fg_idx rows, fg_idx n);
/* dz = (p - onehot(label)) * g[row]; labels already checked by the forward. */
void fg_sparse_xent_backward_f32(const float *p, const int64_t *labels,
                                 const float *g, float *dz, fg_idx rows, fg_idx n);
void fg_sparse_xent_backward_f64(const double *p, const int64_t *labels,
                                 const double *g, double *dz, fg_idx rows, fg_idx n);

/* Elementwise: loss = max(z, 0) - z t + log1p(exp(-|z|)); s (may be NULL)
 * receives sigmoid(z). */
void fg_sigmoid_xent_forward_f32(const float *z, const float *t, float *loss,
                                 float *s, fg_idx n);
void fg_sigmoid_xent_forward_f64(const double *z, const double *t, double *loss,
                                 double *s, fg_idx n);
/* dz = (s - t) * g. */
void fg_sigmoid_xent_backward_f32(const float *s, const float *t, const float *g,
                                  float *dz, fg_idx n);
void fg_sigmoid_xent_backward_f64(const double *s, const double *t, const double *g,
                                  double *dz, fg_idx n);

#endif
