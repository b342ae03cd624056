/* Building blocks of the recurrent kernels over FG_T: packing and the small
 * GEMM, activations, and the per-row state and output bookkeeping.  Part
 * of the body rnn_t.h, so compiled once per element type (hence no include
 * guard), with R_EXP, R_TANH and JB (the GEMM tile width) from rnn.c. */

/* Copy B (K x M, row stride ldb) or, with trans, the transpose of B (then
 * B is M x K) into column tiles of width JB (the last may be narrower),
 * each stored K x width contiguously, so that the small GEMM streams it
 * linearly (a power-of-two ldb would otherwise thrash L1 sets).  Returns
 * the end of the copy. */
static FG_T *FG_FN(pack)(const FG_T *FG_RESTRICT B, fg_idx ldb, fg_idx K, fg_idx M,
                         int trans, FG_T *FG_RESTRICT dst)
{
    fg_idx j0, k, j;
    for (j0 = 0; j0 < M; j0 += JB) {
        const fg_idx w = fg_min_idx(JB, M - j0);
        for (k = 0; k < K; k++)
            for (j = 0; j < w; j++)
                *dst++ = trans ? B[(j0 + j) * ldb + k] : B[k * ldb + j0 + j];
    }
    return dst;
}

#if defined(__GNUC__)
/* Half a JB-wide tile: a 32-byte vector (GCC / Clang vector extensions,
 * which become AVX registers, or pairs of SSE ones). */
typedef FG_T FG_FN(vec) __attribute__((vector_size(JB / 2 * sizeof(FG_T)),
                                       may_alias, aligned(sizeof(FG_T))));

#ifndef FG_RNN_TILE
/* C[0:RB, 0:JB] += A[0:RB, 0:K] @ bt (K x JB, packed): the 2*RB accumulators
 * stay in registers and each k loads the tile's row of B once. */
#define FG_RNN_TILE(RB)                                                        \
static void FG_FN(tile##RB)(fg_idx K, const FG_T *FG_RESTRICT A, fg_idx lda,   \
                            const FG_T *FG_RESTRICT bt, FG_T *FG_RESTRICT C,   \
                            fg_idx ldc)                                        \
{                                                                              \
    const fg_idx h = JB / 2;                                                   \
    FG_FN(vec) c0[RB], c1[RB];                                                 \
    for (int i = 0; i < RB; i++) {                                             \
        c0[i] = *(const FG_FN(vec) *)(C + i * ldc);                            \
        c1[i] = *(const FG_FN(vec) *)(C + i * ldc + h);                        \
    }                                                                          \
    for (fg_idx k = 0; k < K; k++) {                                           \
        const FG_FN(vec) b0 = *(const FG_FN(vec) *)(bt + k * JB);              \
        const FG_FN(vec) b1 = *(const FG_FN(vec) *)(bt + k * JB + h);          \
        for (int i = 0; i < RB; i++) {                                         \
            const FG_T x = A[i * lda + k];                                     \
            c0[i] += x * b0;                                                   \
            c1[i] += x * b1;                                                   \
        }                                                                      \
    }                                                                          \
    for (int i = 0; i < RB; i++) {                                             \
        *(FG_FN(vec) *)(C + i * ldc) = c0[i];                                  \
        *(FG_FN(vec) *)(C + i * ldc + h) = c1[i];                              \
    }                                                                          \
}
#endif

FG_RNN_TILE(6)
FG_RNN_TILE(4)
FG_RNN_TILE(3)
FG_RNN_TILE(2)
FG_RNN_TILE(1)

/* The full JB-wide column tiles (Mf columns) of C += A @ B: per tile, rows
 * in blocks of 6 (12 accumulators: enough to hide the FMA latency), then
 * one block of the 1 to 5 left. */
static void FG_FN(gemm_tiles)(fg_idx R, fg_idx K, fg_idx Mf,
                              const FG_T *FG_RESTRICT A, fg_idx lda,
                              const FG_T *FG_RESTRICT Bp,
                              FG_T *FG_RESTRICT C, fg_idx ldc)
{
    fg_idx r0 = 0, j0;
    for (; r0 + 6 <= R; r0 += 6)
        for (j0 = 0; j0 < Mf; j0 += JB)
            FG_FN(tile6)(K, A + r0 * lda, lda, Bp + j0 * K, C + r0 * ldc + j0, ldc);
    if (R - r0 >= 4) {
        for (j0 = 0; j0 < Mf; j0 += JB)
            FG_FN(tile4)(K, A + r0 * lda, lda, Bp + j0 * K, C + r0 * ldc + j0, ldc);
        r0 += 4;
    }
    for (j0 = 0; j0 < Mf; j0 += JB) {
        const FG_T *bt = Bp + j0 * K;
        switch (R - r0) {
        case 3: FG_FN(tile3)(K, A + r0 * lda, lda, bt, C + r0 * ldc + j0, ldc); break;
        case 2: FG_FN(tile2)(K, A + r0 * lda, lda, bt, C + r0 * ldc + j0, ldc); break;
        case 1: FG_FN(tile1)(K, A + r0 * lda, lda, bt, C + r0 * ldc + j0, ldc); break;
        default: break;
        }
    }
}
#else
/* Portable C: blocks of 4 rows by JB columns accumulated in local arrays. */
static void FG_FN(gemm_tiles)(fg_idx R, fg_idx K, fg_idx Mf,
                              const FG_T *FG_RESTRICT A, fg_idx lda,
                              const FG_T *FG_RESTRICT Bp,
                              FG_T *FG_RESTRICT C, fg_idx ldc)
{
    fg_idx j0, r0, k, j;
    for (r0 = 0; r0 + 4 <= R; r0 += 4) {
        const FG_T *a0 = A + r0 * lda, *a1 = a0 + lda;
        const FG_T *a2 = a1 + lda, *a3 = a2 + lda;
        for (j0 = 0; j0 < Mf; j0 += JB) {
            const FG_T *bt = Bp + j0 * K;
            FG_T *c0 = C + r0 * ldc + j0, *c1 = c0 + ldc;
            FG_T *c2 = c1 + ldc, *c3 = c2 + ldc;
            FG_T s0[JB], s1[JB], s2[JB], s3[JB];
            for (j = 0; j < JB; j++) {
                s0[j] = c0[j]; s1[j] = c1[j]; s2[j] = c2[j]; s3[j] = c3[j];
            }
            for (k = 0; k < K; k++) {
                const FG_T *b = bt + k * JB;
                const FG_T x0 = a0[k], x1 = a1[k], x2 = a2[k], x3 = a3[k];
                for (j = 0; j < JB; j++) {
                    s0[j] += x0 * b[j]; s1[j] += x1 * b[j];
                    s2[j] += x2 * b[j]; s3[j] += x3 * b[j];
                }
            }
            /* one loop per row: c0..c3 may overlap as far as the compiler
             * knows, and interleaved stores would not be vectorized */
            for (j = 0; j < JB; j++) c0[j] = s0[j];
            for (j = 0; j < JB; j++) c1[j] = s1[j];
            for (j = 0; j < JB; j++) c2[j] = s2[j];
            for (j = 0; j < JB; j++) c3[j] = s3[j];
        }
    }
    for (; r0 < R; r0++) {
        const FG_T *a0 = A + r0 * lda;
        for (j0 = 0; j0 < Mf; j0 += JB) {
            const FG_T *bt = Bp + j0 * K;
            FG_T *c0 = C + r0 * ldc + j0;
            FG_T s0[JB];
            for (j = 0; j < JB; j++)
                s0[j] = c0[j];
            for (k = 0; k < K; k++) {
                const FG_T x0 = a0[k];
                for (j = 0; j < JB; j++)
                    s0[j] += x0 * bt[k * JB + j];
            }
            for (j = 0; j < JB; j++)
                c0[j] = s0[j];
        }
    }
}
#endif

/* C[r, 0:M] += A[r, 0:K] @ B for r < R, B (K x M) packed by `pack`: the
 * full tiles in registers, then the narrower last tile.  Each element sums
 * over k in order, so the result does not depend on the blocking. */
static void FG_FN(gemm_acc)(fg_idx R, fg_idx K, fg_idx M,
                            const FG_T *FG_RESTRICT A, fg_idx lda,
                            const FG_T *FG_RESTRICT Bp,
                            FG_T *FG_RESTRICT C, fg_idx ldc)
{
    const fg_idx Mf = M / JB * JB, w = M - Mf;
    const FG_T *btail = Bp + Mf * K;
    fg_idx r0, k, j;
    FG_FN(gemm_tiles)(R, K, Mf, A, lda, Bp, C, ldc);
    if (w) {
        for (r0 = 0; r0 < R; r0++) {
            FG_T *c = C + r0 * ldc + Mf;
            for (k = 0; k < K; k++) {
                const FG_T x = A[r0 * lda + k];
                for (j = 0; j < w; j++)
                    c[j] += x * btail[k * w + j];
            }
        }
    }
}

/* Start loading the n values at p: the rows a backward step reads next lie
 * T rows apart, a stride the hardware prefetchers do not follow. */
static void FG_FN(prefetch)(const FG_T *p, fg_idx n)
{
#if defined(__GNUC__)
    for (fg_idx k = 0; k < n; k += 64 / (fg_idx)sizeof(FG_T))
        __builtin_prefetch(p + k);
#else
    (void)p;
    (void)n;
#endif
}

/* x <- act(x), elementwise over n values. */
static void FG_FN(act_fwd)(int kind, FG_T *FG_RESTRICT x, fg_idx n)
{
    const FG_T alpha = (FG_T)1.6732632423543772, scale = (FG_T)1.0507009873554805;
    fg_idx k;
    switch (kind) {
    case FG_ACT_TANH:
        for (k = 0; k < n; k++) x[k] = R_TANH(x[k]);
        break;
    case FG_ACT_SIGMOID:
        for (k = 0; k < n; k++) x[k] = 1 / (1 + R_EXP(-x[k]));
        break;
    case FG_ACT_HARD_SIGMOID:
        for (k = 0; k < n; k++) {
            const FG_T v = (FG_T)0.2 * x[k] + (FG_T)0.5;
            x[k] = v < 0 ? 0 : (v > 1 ? 1 : v);
        }
        break;
    case FG_ACT_RELU:
        for (k = 0; k < n; k++) x[k] = x[k] > 0 ? x[k] : 0;
        break;
    case FG_ACT_SOFTSIGN:
        for (k = 0; k < n; k++) x[k] = x[k] / (1 + fabs(x[k]));
        break;
    case FG_ACT_SOFTPLUS:
        for (k = 0; k < n; k++)
            x[k] = (x[k] > 0 ? x[k] : 0) + log1p(R_EXP(-fabs(x[k])));
        break;
    case FG_ACT_ELU:
        for (k = 0; k < n; k++) x[k] = x[k] > 0 ? x[k] : R_EXP(x[k]) - 1;
        break;
    case FG_ACT_SELU:
        for (k = 0; k < n; k++)
            x[k] = scale * (x[k] > 0 ? x[k] : alpha * (R_EXP(x[k]) - 1));
        break;
    case FG_ACT_EXPONENTIAL:
        for (k = 0; k < n; k++) x[k] = R_EXP(x[k]);
        break;
    default:
        break;
    }
}

/* g <- g * act'(.) where y = act(.) is the saved output. */
static void FG_FN(dact_mul)(int kind, const FG_T *FG_RESTRICT y,
                            FG_T *FG_RESTRICT g, fg_idx n)
{
    const FG_T alpha = (FG_T)1.6732632423543772, scale = (FG_T)1.0507009873554805;
    fg_idx k;
    switch (kind) {
    case FG_ACT_TANH:
        for (k = 0; k < n; k++) g[k] *= 1 - y[k] * y[k];
        break;
    case FG_ACT_SIGMOID:
        for (k = 0; k < n; k++) g[k] *= y[k] * (1 - y[k]);
        break;
    case FG_ACT_HARD_SIGMOID:
        for (k = 0; k < n; k++) g[k] = (y[k] > 0 && y[k] < 1) ? (FG_T)0.2 * g[k] : 0;
        break;
    case FG_ACT_RELU:
        for (k = 0; k < n; k++) g[k] = y[k] > 0 ? g[k] : 0;
        break;
    case FG_ACT_SOFTSIGN:
        for (k = 0; k < n; k++) g[k] *= (1 - fabs(y[k])) * (1 - fabs(y[k]));
        break;
    case FG_ACT_SOFTPLUS:
        for (k = 0; k < n; k++) g[k] *= 1 - R_EXP(-y[k]);
        break;
    case FG_ACT_ELU:
        for (k = 0; k < n; k++) g[k] *= y[k] > 0 ? 1 : y[k] + 1;
        break;
    case FG_ACT_SELU:
        for (k = 0; k < n; k++) g[k] *= y[k] > 0 ? scale : y[k] + scale * alpha;
        break;
    case FG_ACT_EXPONENTIAL:
        for (k = 0; k < n; k++) g[k] *= y[k];
        break;
    default:
        break;
    }
}

/* dst <- src, or zeros when src is NULL. */
static void FG_FN(set_row)(FG_T *dst, const FG_T *src, fg_idx n)
{
    if (src)
        memcpy(dst, src, (size_t)n * sizeof(FG_T));
    else
        memset(dst, 0, (size_t)n * sizeof(FG_T));
}

static void FG_FN(add_row)(FG_T *FG_RESTRICT dst, const FG_T *FG_RESTRICT src, fg_idx n)
{
    fg_idx k;
    for (k = 0; k < n; k++)
        dst[k] += src[k];
}

/* Initial states (h0, c0 may be NULL) into the slots of processing step 0. */
static void FG_FN(init_states)(const fg_rnn_cfg *cfg, fg_idx n0, fg_idx n1,
                               FG_T *hprev, const FG_T *h0, FG_T *cprev, const FG_T *c0)
{
    const fg_idx T = cfg->T, u = cfg->u, t = time_of(cfg, 0);
    fg_idx n;
    for (n = n0; n < n1; n++) {
        FG_FN(set_row)(hprev + (n * T + t) * u, h0 ? h0 + n * u : NULL, u);
        if (cprev)
            FG_FN(set_row)(cprev + (n * T + t) * u, c0 ? c0 + n * u : NULL, u);
    }
}

/* Where step s of row n writes its new state: the next step's slot in buf,
 * or the final state. */
static FG_T *FG_FN(next_slot)(const fg_rnn_cfg *cfg, FG_T *buf, FG_T *final,
                              fg_idx n, fg_idx s)
{
    const fg_idx T = cfg->T, u = cfg->u;
    return s + 1 < T ? buf + (n * T + time_of(cfg, s + 1)) * u : final + n * u;
}

/* The output of step s (return_sequences) from the state h after it. */
static void FG_FN(emit_step)(const fg_rnn_cfg *cfg, FG_T *y, const FG_T *h,
                             fg_idx n, fg_idx s)
{
    if (cfg->return_sequences)
        FG_FN(set_row)(y + (n * cfg->T + s) * cfg->u, seen(cfg, n, s) ? h : NULL, cfg->u);
}

/* The last output (no return_sequences) from the final state hT. */
static void FG_FN(emit_last)(const fg_rnn_cfg *cfg, fg_idx n0, fg_idx n1,
                             FG_T *y, const FG_T *hT)
{
    const fg_idx u = cfg->u;
    fg_idx n;
    if (cfg->return_sequences)
        return;
    for (n = n0; n < n1; n++)
        FG_FN(set_row)(y + n * u, seen(cfg, n, cfg->T - 1) ? hT + n * u : NULL, u);
}

/* Backward start: dh <- dhT (+ dy of the last output), dc <- dcT. */
static void FG_FN(init_grads)(const fg_rnn_cfg *cfg, fg_idx n0, fg_idx n1,
                              const FG_T *dy, const FG_T *dhT, FG_T *dh0,
                              const FG_T *dcT, FG_T *dc0)
{
    const fg_idx u = cfg->u;
    fg_idx n;
    for (n = n0; n < n1; n++) {
        FG_FN(set_row)(dh0 + n * u, dhT ? dhT + n * u : NULL, u);
        if (!cfg->return_sequences && seen(cfg, n, cfg->T - 1))
            FG_FN(add_row)(dh0 + n * u, dy + n * u, u);
        if (dc0)
            FG_FN(set_row)(dc0 + n * u, dcT ? dcT + n * u : NULL, u);
    }
}

/* Backward at step s: the output gradient of that step joins dh. */
static void FG_FN(add_step_grad)(const fg_rnn_cfg *cfg, const FG_T *dy, FG_T *dh,
                                 fg_idx n, fg_idx s)
{
    if (cfg->return_sequences && seen(cfg, n, s))
        FG_FN(add_row)(dh, dy + (n * cfg->T + s) * cfg->u, cfg->u);
}
