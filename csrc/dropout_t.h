/* Dropout over FG_T (see fg_twins.h), compiled by dropout.c. */
void FG_FN(fg_dropout)(const FG_T *FG_RESTRICT x, fg_idx n, uint64_t key,
                       uint64_t threshold, FG_T scale, FG_T *FG_RESTRICT y,
                       uint8_t *FG_RESTRICT mask)
{
    const fg_idx nblocks = (n + FG_DROP_BLOCK - 1) / FG_DROP_BLOCK;
    #pragma omp parallel for schedule(static) if(n >= FG_DROP_PAR_MIN)
    for (fg_idx b = 0; b < nblocks; b++) {
        const fg_idx b0 = b * FG_DROP_BLOCK;
        const fg_idx b1 = b0 + FG_DROP_BLOCK < n ? b0 + FG_DROP_BLOCK : n;
        fg_draw_block(b0, b1, key, (uint32_t)threshold, mask);
        for (fg_idx i = b0; i < b1; i++)
            y[i] = x[i] * ((FG_T)mask[i] * scale);
    }
}

void FG_FN(fg_dropout_backward)(const FG_T *FG_RESTRICT g,
                                const uint8_t *FG_RESTRICT mask, fg_idx n,
                                FG_T scale, FG_T *FG_RESTRICT dx)
{
    #pragma omp parallel for schedule(static) if(n >= FG_DROP_PAR_MIN)
    for (fg_idx i = 0; i < n; i++)
        dx[i] = g[i] * ((FG_T)mask[i] * scale);
}
