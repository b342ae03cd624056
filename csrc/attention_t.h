/* The attention softmax over FG_T (see fg_twins.h), compiled by attention.c. */

/* One row: v = scale * x (+ NEG where masked out), then softmax(v) into y. */
static inline void FG_FN(attn_row)(const FG_T *x, const uint8_t *m, FG_T *y, fg_idx n,
                                   fg_idx visible, FG_T scale)
{
    const FG_T neg = (FG_T)FG_ATTN_NEG;
    FG_T mx = -(FG_T)INFINITY;
    for (fg_idx k = 0; k < n; k++) {
        FG_T v = scale * x[k];
        if (m && !m[k])
            v += neg;
        if (k >= visible)
            v += neg;
        y[k] = v;
        mx = v > mx ? v : mx;
    }
    double sum = 0.0;
    for (fg_idx k = 0; k < n; k++) {
        const FG_T e = FG_FN(fg_vexp)(y[k] - mx);
        y[k] = e;
        sum += e;
    }
    const FG_T inv = (FG_T)(1.0 / sum);
    for (fg_idx k = 0; k < n; k++)
        y[k] *= inv;
}

void FG_FN(fg_attn_softmax)(const FG_T *x, const uint8_t *mask, FG_T *y, fg_idx rows,
                            fg_idx n, fg_idx heads, fg_idx qlen, int causal, double scale)
{
    if (n <= 0)
        return;
    const FG_T s = (FG_T)scale;
    const fg_idx group = heads * qlen;
    #pragma omp parallel for if(rows * n > FG_ATTN_PAR) schedule(static)
    for (fg_idx r = 0; r < rows; r++) {
        const fg_idx q = r % qlen;
        const uint8_t *m = mask ? mask + ((r / group) * qlen + q) * n : NULL;
        FG_FN(attn_row)(x + r * n, m, y + r * n, n, causal ? q + 1 : n, s);
    }
}
