#ifndef FG_NORM_H
#define FG_NORM_H
#include "fg_kernels.h"

/* Batch normalisation over channels-last data viewed as (N, C): statistics
 * per channel c over the N rows.  Functions returning int give 0, or -1
 * when scratch memory could not be allocated. */

/* mean[c] and population var[c] of x[:, c]. */
int fg_bn_stats_f32(const float *x, fg_idx N, fg_idx C, float *mean, float *var);
int fg_bn_stats_f64(const double *x, fg_idx N, fg_idx C, double *mean, double *var);

/* y = (x - mean[c]) * scale[c] + shift[c]. */
void fg_bn_apply_f32(const float *x, fg_idx N, fg_idx C, const float *mean,
                     const float *scale, const float *shift, float *y);
void fg_bn_apply_f64(const double *x, fg_idx N, fg_idx C, const double *mean,
                     const double *scale, const double *shift, double *y);

/* sum_g[c] = sum_r g[r, c]; sum_gxhat[c] = sum_r g[r, c] * (x[r, c] - mean[c]) * invstd[c]. */
int fg_bn_reduce_f32(const float *x, const float *g, fg_idx N, fg_idx C,
                     const float *mean, const float *invstd,
                     float *sum_g, float *sum_gxhat);
int fg_bn_reduce_f64(const double *x, const double *g, fg_idx N, fg_idx C,
                     const double *mean, const double *invstd,
                     double *sum_g, double *sum_gxhat);

/* dx = g * a[c] + (x - mean[c]) * b[c] + k[c]. */
void fg_bn_dx_f32(const float *x, const float *g, fg_idx N, fg_idx C,
                  const float *mean, const float *a, const float *b,
                  const float *k, float *dx);
void fg_bn_dx_f64(const double *x, const double *g, fg_idx N, fg_idx C,
                  const double *mean, const double *a, const double *b,
                  const double *k, double *dx);

/* Layer normalisation over the rows of x viewed as (N, D):
 * y = (x - mean_r) * invstd_r * gamma + beta (gamma, beta may be NULL);
 * writes mean[r] and invstd[r] = 1 / sqrt(var_r + eps) for the backward. */
void fg_ln_forward_f32(const float *x, fg_idx N, fg_idx D, const float *gamma,
                       const float *beta, double eps, float *y, float *mean,
                       float *invstd);
void fg_ln_forward_f64(const double *x, fg_idx N, fg_idx D, const double *gamma,
                       const double *beta, double eps, double *y, double *mean,
                       double *invstd);

/* dx of layer normalisation; dgamma += sum_r g * xhat and dbeta += sum_r g
 * when not NULL (they must start zeroed). */
int fg_ln_backward_f32(const float *x, const float *g, fg_idx N, fg_idx D,
                       const float *gamma, const float *mean, const float *invstd,
                       float *dx, float *dgamma, float *dbeta);
int fg_ln_backward_f64(const double *x, const double *g, fg_idx N, fg_idx D,
                       const double *gamma, const double *mean, const double *invstd,
                       double *dx, double *dgamma, double *dbeta);
#endif
