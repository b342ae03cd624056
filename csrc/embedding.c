/* Embedding lookup (row gather) and its gradient (row scatter-add). */
#include <string.h>
#include "fg_kernels.h"
#include "embedding.h"

/* Below this many copied elements a parallel region costs more than it saves. */
#define FG_EMB_PAR_MIN 65536
/* Scatter-add splits the D columns into blocks, one thread per block, so no
 * two threads touch one element and each element sums its rows in order.
 * A block is 64 elements: whole cache lines, no false sharing. */
#define FG_EMB_COL_BLOCK 64

#define FG_EMB_CHECK(ITYPE, SUFFIX)                                          \
fg_idx fg_embedding_check_##SUFFIX(const ITYPE *idx, fg_idx n, fg_idx V)     \
{                                                                            \
    int bad = 0;                                                             \
    for (fg_idx i = 0; i < n; i++)                                           \
        bad |= (idx[i] < 0) | ((int64_t)idx[i] >= (int64_t)V);               \
    if (!bad)                                                                \
        return -1;                                                           \
    for (fg_idx i = 0; i < n; i++)                                           \
        if (idx[i] < 0 || (int64_t)idx[i] >= (int64_t)V)                     \
            return i;                                                        \
    return -1;                                                               \
}

FG_EMB_CHECK(int32_t, i32)
FG_EMB_CHECK(int64_t, i64)

#define FG_EMB_GATHER(T, ITYPE, SUFFIX)                                      \
void fg_embedding_gather_##SUFFIX(const T *table, fg_idx D,                  \
                                  const ITYPE *idx, fg_idx n, T *out)        \
{                                                                            \
    const size_t row = (size_t)D * sizeof(T);                                \
    _Pragma("omp parallel for schedule(static) if(n * D >= FG_EMB_PAR_MIN)") \
    for (fg_idx i = 0; i < n; i++)                                           \
        memcpy(out + i * D, table + (fg_idx)idx[i] * D, row);                \
}

FG_EMB_GATHER(float, int32_t, f32_i32)
FG_EMB_GATHER(float, int64_t, f32_i64)
FG_EMB_GATHER(double, int32_t, f64_i32)
FG_EMB_GATHER(double, int64_t, f64_i64)

#define FG_EMB_SCATTER(T, ITYPE, SUFFIX)                                     \
void fg_embedding_scatter_add_##SUFFIX(const T *g, fg_idx D,                 \
                                       const ITYPE *idx, fg_idx n, T *grad)  \
{                                                                            \
    const fg_idx nblocks = (D + FG_EMB_COL_BLOCK - 1) / FG_EMB_COL_BLOCK;    \
    _Pragma("omp parallel for schedule(static) if(nblocks > 1 && n * D >= FG_EMB_PAR_MIN)") \
    for (fg_idx b = 0; b < nblocks; b++) {                                   \
        const fg_idx c0 = b * FG_EMB_COL_BLOCK;                              \
        const fg_idx c1 = c0 + FG_EMB_COL_BLOCK < D ? c0 + FG_EMB_COL_BLOCK : D; \
        for (fg_idx i = 0; i < n; i++) {                                     \
            T *FG_RESTRICT dst = grad + (fg_idx)idx[i] * D;                  \
            const T *FG_RESTRICT src = g + i * D;                            \
            for (fg_idx c = c0; c < c1; c++)                                 \
                dst[c] += src[c];                                            \
        }                                                                    \
    }                                                                        \
}

FG_EMB_SCATTER(float, int32_t, f32_i32)
FG_EMB_SCATTER(float, int64_t, f32_i64)
FG_EMB_SCATTER(double, int32_t, f64_i32)
FG_EMB_SCATTER(double, int64_t, f64_i64)
