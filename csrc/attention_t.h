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

/* Fused attention (attention.h): one task per (batch, head), its query rows
 * in blocks of j->block so that a block's scores stay in cache. */
typedef struct {
    const FG_T *q, *k, *v, *dout;
    const uint8_t *mask;
    FG_T *out, *dq, *dk, *dv, *scratch;
    fg_idx Tq, Tk, H, D, Dv, heads, qlen, block, ldq, ldk, ldv;
    int causal;
    FG_T scale;
} FG_FN(attn_job);

/* The weights of query rows i0 .. i0 + nb of (b, h) into p (nb, Tk). */
static void FG_FN(attn_block_weights)(const FG_FN(attn_job) *j, fg_idx b, fg_idx h,
                                      fg_idx i0, fg_idx nb, FG_T *p)
{
    const fg_idx Tk = j->Tk;
    FG_FN(blas_gemm)(0, 1, nb, Tk, j->D, j->q + (b * j->Tq + i0) * j->ldq + h * j->D,
                     j->ldq, j->k + b * Tk * j->ldk + h * j->D, j->ldk, 0, p, Tk);
    const fg_idx group = j->heads * j->qlen;
    for (fg_idx i = 0; i < nb; i++) {
        const fg_idx r = (b * j->H + h) * j->Tq + i0 + i, qi = r % j->qlen;
        const uint8_t *m = j->mask ? j->mask + ((r / group) * j->qlen + qi) * Tk : NULL;
        FG_FN(attn_row)(p + i * Tk, m, p + i * Tk, Tk,
                        j->causal && qi + 1 < Tk ? qi + 1 : Tk, j->scale);
    }
}

static void FG_FN(attn_forward_task)(void *ctx, fg_idx t, int slot)
{
    const FG_FN(attn_job) *j = ctx;
    const fg_idx b = t / j->H, h = t % j->H, ldo = j->H * j->Dv;
    FG_T *p = j->scratch + (fg_idx)slot * 2 * j->block * j->Tk;
    for (fg_idx i0 = 0; i0 < j->Tq; i0 += j->block) {
        const fg_idx nb = j->Tq - i0 < j->block ? j->Tq - i0 : j->block;
        FG_FN(attn_block_weights)(j, b, h, i0, nb, p);
        FG_FN(blas_gemm)(0, 0, nb, j->Dv, j->Tk, p, j->Tk,
                         j->v + b * j->Tk * j->ldv + h * j->Dv, j->ldv, 0,
                         j->out + (b * j->Tq + i0) * ldo + h * j->Dv, ldo);
    }
}

static void FG_FN(attn_backward_task)(void *ctx, fg_idx t, int slot)
{
    const FG_FN(attn_job) *j = ctx;
    const fg_idx b = t / j->H, h = t % j->H, Tk = j->Tk;
    const fg_idx ldq = j->ldq, ldk = j->ldk, ldv = j->ldv, ldo = j->H * j->Dv;
    FG_T *p = j->scratch + (fg_idx)slot * 2 * j->block * Tk, *ds = p + j->block * Tk;
    const FG_T *kb = j->k + b * Tk * ldk + h * j->D;
    const FG_T *vb = j->v + b * Tk * ldv + h * j->Dv;
    FG_T *dkb = j->dk + b * Tk * ldk + h * j->D, *dvb = j->dv + b * Tk * ldv + h * j->Dv;
    for (fg_idx i0 = 0; i0 < j->Tq; i0 += j->block) {
        const fg_idx nb = j->Tq - i0 < j->block ? j->Tq - i0 : j->block;
        const FG_T *qb = j->q + (b * j->Tq + i0) * ldq + h * j->D;
        const FG_T *gb = j->dout + (b * j->Tq + i0) * ldo + h * j->Dv;
        const FG_T beta = i0 ? 1 : 0;     /* dk, dv sum over the query blocks */
        FG_FN(attn_block_weights)(j, b, h, i0, nb, p);
        FG_FN(blas_gemm)(0, 1, nb, Tk, j->Dv, gb, ldo, vb, ldv, 0, ds, Tk);
        FG_FN(blas_gemm)(1, 0, Tk, j->Dv, nb, p, Tk, gb, ldo, beta, dvb, ldv);
        for (fg_idx i = 0; i < nb; i++) {
            const FG_T *pr = p + i * Tk;
            FG_T *dr = ds + i * Tk;
            const FG_T d = (FG_T)FG_FN(dot_row)(dr, pr, Tk);
            for (fg_idx c = 0; c < Tk; c++)
                dr[c] = j->scale * pr[c] * (dr[c] - d);
        }
        FG_FN(blas_gemm)(0, 0, nb, j->D, Tk, ds, Tk, kb, ldk, 0,
                         j->dq + (b * j->Tq + i0) * ldq + h * j->D, ldq);
        FG_FN(blas_gemm)(1, 0, Tk, j->D, nb, ds, Tk, qb, ldq, beta, dkb, ldk);
    }
}

int FG_FN(fg_attn_fused)(const FG_T *q, const FG_T *k, const FG_T *v,
                         const uint8_t *mask, FG_T *out, const FG_T *dout, FG_T *dq,
                         FG_T *dk, FG_T *dv, fg_idx B, fg_idx Tq, fg_idx Tk, fg_idx H,
                         fg_idx D, fg_idx Dv, fg_idx ldq, fg_idx ldk, fg_idx ldv,
                         fg_idx heads, fg_idx qlen, int causal, double scale,
                         FG_T *scratch, fg_idx block, int slots)
{
    if (FG_TYPED(fg_blas_gemm_) == NULL)
        return -1;
    FG_FN(attn_job) j = {q, k, v, dout, mask, out, dq, dk, dv, scratch, Tq, Tk, H, D,
                         Dv, heads, qlen, block, ldq, ldk, ldv, causal, (FG_T)scale};
    const int before = fg_blas_hold_one();
    fg_pool_run(B * H, slots, dout ? FG_FN(attn_backward_task) : FG_FN(attn_forward_task),
                &j);
    fg_blas_restore(before);
    return 0;
}
