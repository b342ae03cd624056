#ifndef FG_DROPOUT_H
#define FG_DROPOUT_H
#include "fg_kernels.h"

/* Element i is kept when its 32-bit draw u_i (a function of key and i only,
 * so independent of the thread count) satisfies u_i >= threshold; the keep
 * probability is 1 - threshold / 2^32 (threshold < 2^32). */

/* mask[i] = kept(i) for i < n. */
void fg_dropout_mask(fg_idx n, uint64_t key, uint64_t threshold, uint8_t *mask);

/* y[i] = kept(i) ? x[i] * scale : 0 and mask[i] = kept(i), in one pass. */
void fg_dropout_f32(const float *x, fg_idx n, uint64_t key, uint64_t threshold,
                    float scale, float *y, uint8_t *mask);
void fg_dropout_f64(const double *x, fg_idx n, uint64_t key, uint64_t threshold,
                    double scale, double *y, uint8_t *mask);

/* dx[i] = mask[i] * scale * g[i]. */
void fg_dropout_backward_f32(const float *g, const uint8_t *mask, fg_idx n,
                             float scale, float *dx);
void fg_dropout_backward_f64(const double *g, const uint8_t *mask, fg_idx n,
                             double scale, double *dx);
#endif
