/* Embedding kernels for the index type FG_I (suffix FG_I_SUFFIX), compiled
 * by embedding.c once per index type. */
fg_idx FG_CAT(fg_embedding_check_, FG_I_SUFFIX)(const FG_I *idx, fg_idx n, fg_idx V)
{
    int bad = 0;
    for (fg_idx i = 0; i < n; i++)
        bad |= (idx[i] < 0) | ((int64_t)idx[i] >= (int64_t)V);
    if (!bad)
        return -1;
    for (fg_idx i = 0; i < n; i++)
        if (idx[i] < 0 || (int64_t)idx[i] >= (int64_t)V)
            return i;
    return -1;
}

#define FG_TWINS_BODY "embedding_rows_t.h"
#include "fg_twins.h"
