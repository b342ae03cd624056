/* Type-generic building blocks of the recurrent kernels: packing and the
 * small GEMM, activations, and the per-row state and output bookkeeping.
 * Included by csrc/rnn.c once per element type, with REAL, SUF (name
 * suffix), R_EXP, R_TANH, R_LOG1P, R_ABS and JB (GEMM tile width) defined;
 * hence no include guard. */

/* Copy B (K x M, row stride ldb) or, with trans, the transpose of B (then
 * B is M x K) into column tiles of width JB (the last may be narrower),
 * each stored K x width contiguously, so that the small GEMM streams it
 * linearly (a power-of-two ldb would otherwise thrash L1 sets).  Returns
 * the end of the copy. */
static REAL *SUF(pack)(const REAL *FG_RESTRICT B, fg_idx ldb, fg_idx K, fg_idx M,
                       int trans, REAL *FG_RESTRICT dst)
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
typedef REAL SUF(vec) __attribute__((vector_size(JB / 2 * sizeof(REAL)),
                                     may_alias, aligned(sizeof(REAL))));

#ifndef FG_RNN_TILE
/* C[0:RB, 0:JB] += A[0:RB, 0:K] @ bt (K x JB, packed): the 2*RB accumulators
 * stay in registers and each k loads the tile's row of B once. */
#define FG_RNN_TILE(RB)                                                       \
static void SUF(tile##RB)(fg_idx K, const REAL *FG_RESTRICT A, fg_idx lda,    \
                          const REAL *FG_RESTRICT bt, REAL *FG_RESTRICT C,    \
                          fg_idx ldc)                                         \
{                                                                             \
    const fg_idx h = JB / 2;                                                  \
    SUF(vec) c0[RB], c1[RB];                                                  \
    for (int i = 0; i < RB; i++) {                                            \
        c0[i] = *(const SUF(vec) *)(C + i * ldc);                             \
        c1[i] = *(const SUF(vec) *)(C + i * ldc + h);                         \
    }                                                                         \
    for (fg_idx k = 0; k < K; k++) {                                          \
        const SUF(vec) b0 = *(const SUF(vec) *)(bt + k * JB);                 \
        const SUF(vec) b1 = *(const SUF(vec) *)(bt + k * JB + h);             \
        for (int i = 0; i < RB; i++) {                                        \
            const REAL x = A[i * lda + k];                                    \
            c0[i] += x * b0;                                                  \
            c1[i] += x * b1;                                                  \
        }                                                                     \
    }                                                                         \
    for (int i = 0; i < RB; i++) {                                            \
        *(SUF(vec) *)(C + i * ldc) = c0[i];                                   \
        *(SUF(vec) *)(C + i * ldc + h) = c1[i];                               \
    }                                                                         \
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
static void SUF(gemm_tiles)(fg_idx R, fg_idx K, fg_idx Mf,
                            const REAL *FG_RESTRICT A, fg_idx lda,
                            const REAL *FG_RESTRICT Bp,
                            REAL *FG_RESTRICT C, fg_idx ldc)
{
    fg_idx r0 = 0, j0;
    for (; r0 + 6 <= R; r0 += 6)
        for (j0 = 0; j0 < Mf; j0 += JB)
            SUF(tile6)(K, A + r0 * lda, lda, Bp + j0 * K, C + r0 * ldc + j0, ldc);
    if (R - r0 >= 4) {
        for (j0 = 0; j0 < Mf; j0 += JB)
            SUF(tile4)(K, A + r0 * lda, lda, Bp + j0 * K, C + r0 * ldc + j0, ldc);
        r0 += 4;
    }
    for (j0 = 0; j0 < Mf; j0 += JB) {
        const REAL *bt = Bp + j0 * K;
        switch (R - r0) {
        case 3: SUF(tile3)(K, A + r0 * lda, lda, bt, C + r0 * ldc + j0, ldc); break;
        case 2: SUF(tile2)(K, A + r0 * lda, lda, bt, C + r0 * ldc + j0, ldc); break;
        case 1: SUF(tile1)(K, A + r0 * lda, lda, bt, C + r0 * ldc + j0, ldc); break;
        default: break;
        }
    }
}
#else
/* Portable C: blocks of 4 rows by JB columns accumulated in local arrays. */
static void SUF(gemm_tiles)(fg_idx R, fg_idx K, fg_idx Mf,
                            const REAL *FG_RESTRICT A, fg_idx lda,
                            const REAL *FG_RESTRICT Bp,
                            REAL *FG_RESTRICT C, fg_idx ldc)
{
    fg_idx j0, r0, k, j;
    for (r0 = 0; r0 + 4 <= R; r0 += 4) {
        const REAL *a0 = A + r0 * lda, *a1 = a0 + lda;
        const REAL *a2 = a1 + lda, *a3 = a2 + lda;
        for (j0 = 0; j0 < Mf; j0 += JB) {
            const REAL *bt = Bp + j0 * K;
            REAL *c0 = C + r0 * ldc + j0, *c1 = c0 + ldc;
            REAL *c2 = c1 + ldc, *c3 = c2 + ldc;
            REAL s0[JB], s1[JB], s2[JB], s3[JB];
            for (j = 0; j < JB; j++) {
                s0[j] = c0[j]; s1[j] = c1[j]; s2[j] = c2[j]; s3[j] = c3[j];
            }
            for (k = 0; k < K; k++) {
                const REAL *b = bt + k * JB;
                const REAL x0 = a0[k], x1 = a1[k], x2 = a2[k], x3 = a3[k];
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
        const REAL *a0 = A + r0 * lda;
        for (j0 = 0; j0 < Mf; j0 += JB) {
            const REAL *bt = Bp + j0 * K;
            REAL *c0 = C + r0 * ldc + j0;
            REAL s0[JB];
            for (j = 0; j < JB; j++)
                s0[j] = c0[j];
            for (k = 0; k < K; k++) {
                const REAL x0 = a0[k];
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
static void SUF(gemm_acc)(fg_idx R, fg_idx K, fg_idx M,
                          const REAL *FG_RESTRICT A, fg_idx lda,
                          const REAL *FG_RESTRICT Bp,
                          REAL *FG_RESTRICT C, fg_idx ldc)
{
    const fg_idx Mf = M / JB * JB, w = M - Mf;
    const REAL *btail = Bp + Mf * K;
    fg_idx r0, k, j;
    SUF(gemm_tiles)(R, K, Mf, A, lda, Bp, C, ldc);
    if (w) {
        for (r0 = 0; r0 < R; r0++) {
            REAL *c = C + r0 * ldc + Mf;
            for (k = 0; k < K; k++) {
                const REAL x = A[r0 * lda + k];
                for (j = 0; j < w; j++)
                    c[j] += x * btail[k * w + j];
            }
        }
    }
}

/* Start loading the n values at p: the rows a backward step reads next lie
 * T rows apart, a stride the hardware prefetchers do not follow. */
static void SUF(prefetch)(const REAL *p, fg_idx n)
{
#if defined(__GNUC__)
    for (fg_idx k = 0; k < n; k += 64 / (fg_idx)sizeof(REAL))
        __builtin_prefetch(p + k);
#else
    (void)p;
    (void)n;
#endif
}

/* x <- act(x), elementwise over n values. */
static void SUF(act_fwd)(int kind, REAL *FG_RESTRICT x, fg_idx n)
{
    const REAL alpha = (REAL)1.6732632423543772, scale = (REAL)1.0507009873554805;
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
            const REAL v = (REAL)0.2 * x[k] + (REAL)0.5;
            x[k] = v < 0 ? 0 : (v > 1 ? 1 : v);
        }
        break;
    case FG_ACT_RELU:
        for (k = 0; k < n; k++) x[k] = x[k] > 0 ? x[k] : 0;
        break;
    case FG_ACT_SOFTSIGN:
        for (k = 0; k < n; k++) x[k] = x[k] / (1 + R_ABS(x[k]));
        break;
    case FG_ACT_SOFTPLUS:
        for (k = 0; k < n; k++)
            x[k] = (x[k] > 0 ? x[k] : 0) + R_LOG1P(R_EXP(-R_ABS(x[k])));
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
static void SUF(dact_mul)(int kind, const REAL *FG_RESTRICT y,
                          REAL *FG_RESTRICT g, fg_idx n)
{
    const REAL alpha = (REAL)1.6732632423543772, scale = (REAL)1.0507009873554805;
    fg_idx k;
    switch (kind) {
    case FG_ACT_TANH:
        for (k = 0; k < n; k++) g[k] *= 1 - y[k] * y[k];
        break;
    case FG_ACT_SIGMOID:
        for (k = 0; k < n; k++) g[k] *= y[k] * (1 - y[k]);
        break;
    case FG_ACT_HARD_SIGMOID:
        for (k = 0; k < n; k++) g[k] = (y[k] > 0 && y[k] < 1) ? (REAL)0.2 * g[k] : 0;
        break;
    case FG_ACT_RELU:
        for (k = 0; k < n; k++) g[k] = y[k] > 0 ? g[k] : 0;
        break;
    case FG_ACT_SOFTSIGN:
        for (k = 0; k < n; k++) g[k] *= (1 - R_ABS(y[k])) * (1 - R_ABS(y[k]));
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
static void SUF(set_row)(REAL *dst, const REAL *src, fg_idx n)
{
    if (src)
        memcpy(dst, src, (size_t)n * sizeof(REAL));
    else
        memset(dst, 0, (size_t)n * sizeof(REAL));
}

static void SUF(add_row)(REAL *FG_RESTRICT dst, const REAL *FG_RESTRICT src, fg_idx n)
{
    fg_idx k;
    for (k = 0; k < n; k++)
        dst[k] += src[k];
}

/* Initial states (h0, c0 may be NULL) into the slots of processing step 0. */
static void SUF(init_states)(const fg_rnn_cfg *cfg, fg_idx n0, fg_idx n1,
                             REAL *hprev, const REAL *h0, REAL *cprev, const REAL *c0)
{
    const fg_idx T = cfg->T, u = cfg->u, t = time_of(cfg, 0);
    fg_idx n;
    for (n = n0; n < n1; n++) {
        SUF(set_row)(hprev + (n * T + t) * u, h0 ? h0 + n * u : NULL, u);
        if (cprev)
            SUF(set_row)(cprev + (n * T + t) * u, c0 ? c0 + n * u : NULL, u);
    }
}

/* Where step s of row n writes its new state: the next step's slot in buf,
 * or the final state. */
static REAL *SUF(next_slot)(const fg_rnn_cfg *cfg, REAL *buf, REAL *final,
                            fg_idx n, fg_idx s)
{
    const fg_idx T = cfg->T, u = cfg->u;
    return s + 1 < T ? buf + (n * T + time_of(cfg, s + 1)) * u : final + n * u;
}

/* The output of step s (return_sequences) from the state h after it. */
static void SUF(emit_step)(const fg_rnn_cfg *cfg, REAL *y, const REAL *h,
                           fg_idx n, fg_idx s)
{
    if (cfg->return_sequences)
        SUF(set_row)(y + (n * cfg->T + s) * cfg->u, seen(cfg, n, s) ? h : NULL, cfg->u);
}

/* The last output (no return_sequences) from the final state hT. */
static void SUF(emit_last)(const fg_rnn_cfg *cfg, fg_idx n0, fg_idx n1,
                           REAL *y, const REAL *hT)
{
    const fg_idx u = cfg->u;
    fg_idx n;
    if (cfg->return_sequences)
        return;
    for (n = n0; n < n1; n++)
        SUF(set_row)(y + n * u, seen(cfg, n, cfg->T - 1) ? hT + n * u : NULL, u);
}

/* Backward start: dh <- dhT (+ dy of the last output), dc <- dcT. */
static void SUF(init_grads)(const fg_rnn_cfg *cfg, fg_idx n0, fg_idx n1,
                            const REAL *dy, const REAL *dhT, REAL *dh0,
                            const REAL *dcT, REAL *dc0)
{
    const fg_idx u = cfg->u;
    fg_idx n;
    for (n = n0; n < n1; n++) {
        SUF(set_row)(dh0 + n * u, dhT ? dhT + n * u : NULL, u);
        if (!cfg->return_sequences && seen(cfg, n, cfg->T - 1))
            SUF(add_row)(dh0 + n * u, dy + n * u, u);
        if (dc0)
            SUF(set_row)(dc0 + n * u, dcT ? dcT + n * u : NULL, u);
    }
}

/* Backward at step s: the output gradient of that step joins dh. */
static void SUF(add_step_grad)(const fg_rnn_cfg *cfg, const REAL *dy, REAL *dh,
                               fg_idx n, fg_idx s)
{
    if (cfg->return_sequences && seen(cfg, n, s))
        SUF(add_row)(dh, dy + (n * cfg->T + s) * cfg->u, cfg->u);
}
