#ifndef FG_EMBEDDING_H
#define FG_EMBEDDING_H
#include "fg_kernels.h"

/* Position of the first index outside [0, V) among idx[0..n), or -1. */
fg_idx fg_embedding_check_i32(const int32_t *idx, fg_idx n, fg_idx V);
fg_idx fg_embedding_check_i64(const int64_t *idx, fg_idx n, fg_idx V);

/* out[i, :] = table[idx[i], :] for i < n; table is (V, D), out is (n, D). */
void fg_embedding_gather_f32_i32(const float *table, fg_idx D,
                                 const int32_t *idx, fg_idx n, float *out);
void fg_embedding_gather_f32_i64(const float *table, fg_idx D,
                                 const int64_t *idx, fg_idx n, float *out);
void fg_embedding_gather_f64_i32(const double *table, fg_idx D,
                                 const int32_t *idx, fg_idx n, double *out);
void fg_embedding_gather_f64_i64(const double *table, fg_idx D,
                                 const int64_t *idx, fg_idx n, double *out);

/* grad[idx[i], :] += g[i, :] for i < n, in order of i (deterministic). */
void fg_embedding_scatter_add_f32_i32(const float *g, fg_idx D,
                                      const int32_t *idx, fg_idx n, float *grad);
void fg_embedding_scatter_add_f32_i64(const float *g, fg_idx D,
                                      const int64_t *idx, fg_idx n, float *grad);
void fg_embedding_scatter_add_f64_i32(const double *g, fg_idx D,
                                      const int32_t *idx, fg_idx n, double *grad);
void fg_embedding_scatter_add_f64_i64(const double *g, fg_idx D,
                                      const int64_t *idx, fg_idx n, double *grad);
#endif
