/* Row gather and scatter-add over the element type FG_T and the index type
 * FG_I (see embedding.c). */
void FG_EMB_FN(fg_embedding_gather)(const FG_T *table, fg_idx D, const FG_I *idx,
                                    fg_idx n, FG_T *out)
{
    const size_t row = (size_t)D * sizeof(FG_T);
    #pragma omp parallel for schedule(static) if(n * D >= FG_EMB_PAR_MIN)
    for (fg_idx i = 0; i < n; i++)
        memcpy(out + i * D, table + (fg_idx)idx[i] * D, row);
}

void FG_EMB_FN(fg_embedding_scatter_add)(const FG_T *g, fg_idx D, const FG_I *idx,
                                         fg_idx n, FG_T *grad)
{
    const fg_idx nblocks = (D + FG_EMB_COL_BLOCK - 1) / FG_EMB_COL_BLOCK;
    #pragma omp parallel for schedule(static) if(nblocks > 1 && n * D >= FG_EMB_PAR_MIN)
    for (fg_idx b = 0; b < nblocks; b++) {
        const fg_idx c0 = b * FG_EMB_COL_BLOCK;
        const fg_idx c1 = c0 + FG_EMB_COL_BLOCK < D ? c0 + FG_EMB_COL_BLOCK : D;
        for (fg_idx i = 0; i < n; i++) {
            FG_T *FG_RESTRICT dst = grad + (fg_idx)idx[i] * D;
            const FG_T *FG_RESTRICT src = g + i * D;
            for (fg_idx c = c0; c < c1; c++)
                dst[c] += src[c];
        }
    }
}
