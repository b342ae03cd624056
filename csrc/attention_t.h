/* The attention softmax over FG_T (see fg_twins.h), compiled by attention.c. */
#include "fg_rows_t.h"

/* One row: v = scale * x, plus NEG where masked out (mask m[k] == 0, or
 * k >= visible), then softmax(v) into y; each pass a loop that vectorizes. */
static inline void FG_FN(attn_row)(const FG_T *x, const uint8_t *m, FG_T *y, fg_idx n,
                                   fg_idx visible, FG_T scale)
{
    const FG_T neg = (FG_T)FG_ATTN_NEG;
    if (m) {
        for (fg_idx k = 0; k < n; k++)
            y[k] = scale * x[k] + (m[k] ? (FG_T)0 : neg);
    } else {
        for (fg_idx k = 0; k < n; k++)
            y[k] = scale * x[k];
    }
    for (fg_idx k = visible; k < n; k++)
        y[k] += neg;
    const FG_T mx = FG_FN(max_row)(y, n);
    for (fg_idx k = 0; k < n; k++)
        y[k] = FG_FN(fg_vexp)(y[k] - mx);
    const FG_T inv = (FG_T)(1.0 / FG_FN(dot_row)(y, NULL, n));
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
        FG_FN(attn_row)(x + r * n, m, y + r * n, n, causal && q + 1 < n ? q + 1 : n, s);
    }
}

void FG_FN(fg_attn_softmax_backward)(const FG_T *y, const FG_T *g, FG_T *dx, fg_idx rows,
                                     fg_idx n, double scale)
{
    const FG_T s = (FG_T)scale;
    #pragma omp parallel for if(rows * n > FG_ATTN_PAR) schedule(static)
    for (fg_idx r = 0; r < rows; r++) {
        const FG_T *yr = y + r * n, *gr = g + r * n;
        FG_T *dr = dx + r * n;
        const FG_T d = (FG_T)FG_FN(dot_row)(gr, yr, n);
        for (fg_idx k = 0; k < n; k++)
            dr[k] = s * yr[k] * (gr[k] - d);
    }
}
