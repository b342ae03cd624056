/* Recurrent time loops (see rnn.h).  The type-generic body after #else (and
 * the building blocks it includes from rnn_blocks.h) is compiled twice, for
 * float and for double, by this file including itself.
 *
 * Batch rows are independent through the whole time loop, so each OpenMP
 * thread runs every step for its own block of rows without synchronising.
 * The per-step recurrent product h_prev @ U (and dz @ U^T backward) is a
 * small register-blocked GEMM here: calling BLAS once per step costs more
 * in call overhead than the product itself at the usual sizes. */
#ifndef FG_RNN_BODY
/* -std=c99 turns off contraction of a*b+c into FMA instructions in GCC;
 * the small GEMM (rnn_blocks.h) needs them. */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize("fp-contract=fast")
#elif defined(__clang__)
#pragma clang fp contract(fast)
#endif
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "rnn.h"

/* exp for float, branch-free so that loops over it vectorize (Cephes
 * polynomial, about 1 ulp on the clamped range). */
static inline float fg_expf(float x)
{
    x = x < -87.0f ? -87.0f : x;
    x = x > 88.0f ? 88.0f : x;
    const float n = floorf(x * 1.44269504088896341f + 0.5f);
    float r = x - n * 0.693359375f;
    r = r + n * 2.12194440e-4f;
    float p = 1.9875691500e-4f;
    p = p * r + 1.3981999507e-3f;
    p = p * r + 8.3334519073e-3f;
    p = p * r + 4.1665795894e-2f;
    p = p * r + 1.6666665459e-1f;
    p = p * r + 5.0000001201e-1f;
    p = p * r * r + r + 1.0f;
    const int32_t bits = ((int32_t)n + 127) * (1 << 23);
    float scale;
    memcpy(&scale, &bits, sizeof scale);
    return p * scale;
}

/* tanh from fg_expf: absolute error ~1e-7 near 0, relative elsewhere. */
static inline float fg_tanhf(float x)
{
    const float e = fg_expf(-2.0f * fabsf(x));
    return copysignf((1.0f - e) / (1.0f + e), x);
}

static inline fg_idx fg_min_idx(fg_idx a, fg_idx b) { return a < b ? a : b; }

/* Time index of processing step s. */
static inline fg_idx time_of(const fg_rnn_cfg *cfg, fg_idx s)
{
    return cfg->go_backwards ? cfg->T - 1 - s : s;
}

/* Whether row n has processed a step by step s (its output is not zero). */
static inline int seen(const fg_rnn_cfg *cfg, fg_idx n, fg_idx s)
{
    return !cfg->first || s >= cfg->first[n];
}

static inline int masked(const fg_rnn_cfg *cfg, fg_idx row)
{
    return cfg->mask && !cfg->mask[row];
}

/* This thread's block [*n0, *n1) of the N rows, a multiple of 4 wide. */
static void rows_of_thread(fg_idx N, fg_idx *n0, fg_idx *n1)
{
#if FG_HAVE_OPENMP
    const fg_idx nt = omp_get_num_threads(), id = omp_get_thread_num();
#else
    const fg_idx nt = 1, id = 0;
#endif
    fg_idx chunk = (N + nt - 1) / nt;
    chunk = (chunk + 3) / 4 * 4;
    *n0 = fg_min_idx(N, id * chunk);
    *n1 = fg_min_idx(N, *n0 + chunk);
}

/* Threads pay only when the recurrent products are large: for small ones
 * (say N=32, u=32) the whole loop takes about a millisecond and OpenMP's
 * spinning workers slow down the BLAS calls that follow on a busy machine.
 * The threshold is in multiply-adds of the recurrent products (N*T*u*G). */
#define FG_RNN_PAR_WORK ((double)(1 << 25))

#if FG_HAVE_OPENMP
#define FG_RNN_PARALLEL _Pragma("omp parallel if (fg_par)")
#else
#define FG_RNN_PARALLEL
#endif

/* Run `call` (which uses n0, n1) on each thread's block of rows; G is the
 * width of the recurrent product, for the threading decision. */
#define FG_RNN_ROWS(G, call)                                               \
    {                                                                      \
        const int fg_par = cfg->N >= 8 &&                                  \
            (double)cfg->N * cfg->T * cfg->u * (G) >= FG_RNN_PAR_WORK;     \
        (void)fg_par;                                                      \
        FG_RNN_PARALLEL                                                    \
        {                                                                  \
            fg_idx n0, n1;                                                 \
            rows_of_thread(cfg->N, &n0, &n1);                              \
            if (n0 < n1)                                                   \
                call;                                                      \
        }                                                                  \
    }

#define FG_RNN_BODY
#define REAL float
#define SUF(name) name##_f32
#define R_EXP fg_expf
#define R_TANH fg_tanhf
#define R_LOG1P log1pf
#define R_ABS fabsf
#define JB 16
#include "rnn.c"
#undef REAL
#undef SUF
#undef R_EXP
#undef R_TANH
#undef R_LOG1P
#undef R_ABS
#undef JB

#define REAL double
#define SUF(name) name##_f64
#define R_EXP exp
#define R_TANH tanh
#define R_LOG1P log1p
#define R_ABS fabs
#define JB 8
#include "rnn.c"

#else /* FG_RNN_BODY: type-generic body */
#include "rnn_blocks.h"

/* ---------------------------------------------------------------- LSTM */

static void SUF(lstm_fwd_rows)(const fg_rnn_cfg *cfg, fg_idx n0, fg_idx n1,
                               REAL *gates, const REAL *bias, const REAL *Up,
                               const REAL *h0, const REAL *c0, REAL *hprev,
                               REAL *cprev, REAL *actc, REAL *y, REAL *hT, REAL *cT)
{
    const fg_idx T = cfg->T, u = cfg->u, G = 4 * u;
    fg_idx s, n, k;
    SUF(init_states)(cfg, n0, n1, hprev, h0, cprev, c0);
    for (s = 0; s < T; s++) {
        const fg_idx t = time_of(cfg, s);
        SUF(gemm_acc)(n1 - n0, u, G, hprev + (n0 * T + t) * u, T * u, Up,
                      gates + (n0 * T + t) * G, T * G);
        for (n = n0; n < n1; n++) {
            const fg_idx row = n * T + t;
            const REAL *hp = hprev + row * u, *cp = cprev + row * u;
            REAL *hd = SUF(next_slot)(cfg, hprev, hT, n, s);
            REAL *cd = SUF(next_slot)(cfg, cprev, cT, n, s);
            if (masked(cfg, row)) {
                SUF(set_row)(hd, hp, u);
                SUF(set_row)(cd, cp, u);
            } else {
                REAL *z = gates + row * G, *ac = actc + row * u;
                if (bias)
                    SUF(add_row)(z, bias, G);
                SUF(act_fwd)(cfg->rec_act, z, 2 * u);
                SUF(act_fwd)(cfg->act, z + 2 * u, u);
                SUF(act_fwd)(cfg->rec_act, z + 3 * u, u);
                for (k = 0; k < u; k++) {
                    const REAL c = z[u + k] * cp[k] + z[k] * z[2 * u + k];
                    cd[k] = c;
                    ac[k] = c;
                }
                SUF(act_fwd)(cfg->act, ac, u);
                for (k = 0; k < u; k++)
                    hd[k] = z[3 * u + k] * ac[k];
            }
            SUF(emit_step)(cfg, y, hd, n, s);
        }
    }
    SUF(emit_last)(cfg, n0, n1, y, hT);
}

static void SUF(lstm_bwd_rows)(const fg_rnn_cfg *cfg, fg_idx n0, fg_idx n1,
                               const REAL *gates, const REAL *cprev,
                               const REAL *actc, const REAL *UTp, const REAL *dy,
                               const REAL *dhT, const REAL *dcT, REAL *dgates,
                               REAL *dh0, REAL *dc0)
{
    const fg_idx T = cfg->T, u = cfg->u, G = 4 * u;
    fg_idx s, n, k;
    SUF(init_grads)(cfg, n0, n1, dy, dhT, dh0, dcT, dc0);
    for (s = T - 1; s >= 0; s--) {
        const fg_idx t = time_of(cfg, s);
        for (n = n0; n < n1; n++) {
            const fg_idx row = n * T + t;
            REAL *dh = dh0 + n * u, *dc = dc0 + n * u, *dz = dgates + row * G;
            SUF(add_step_grad)(cfg, dy, dh, n, s);
            if (masked(cfg, row)) {
                SUF(set_row)(dz, NULL, G);
                continue;
            }
            const REAL *a = gates + row * G, *ac = actc + row * u, *cp = cprev + row * u;
            if (s > 0) {
                const fg_idx next = n * T + time_of(cfg, s - 1);
                SUF(prefetch)(gates + next * G, G);
                SUF(prefetch)(actc + next * u, u);
                SUF(prefetch)(cprev + next * u, u);
            }
            for (k = 0; k < u; k++) {
                dz[3 * u + k] = dh[k] * ac[k];
                dz[2 * u + k] = dh[k] * a[3 * u + k];
            }
            SUF(dact_mul)(cfg->act, ac, dz + 2 * u, u);
            for (k = 0; k < u; k++) {
                const REAL dct = dc[k] + dz[2 * u + k];
                dz[k] = dct * a[2 * u + k];
                dz[u + k] = dct * cp[k];
                dz[2 * u + k] = dct * a[k];
                dc[k] = dct * a[u + k];
                dh[k] = 0;
            }
            SUF(dact_mul)(cfg->rec_act, a, dz, 2 * u);
            SUF(dact_mul)(cfg->act, a + 2 * u, dz + 2 * u, u);
            SUF(dact_mul)(cfg->rec_act, a + 3 * u, dz + 3 * u, u);
        }
        SUF(gemm_acc)(n1 - n0, G, u, dgates + (n0 * T + t) * G, T * G, UTp,
                      dh0 + n0 * u, u);
    }
}

int SUF(fg_lstm_forward)(const fg_rnn_cfg *cfg, REAL *gates, const REAL *bias,
                         const REAL *U, const REAL *h0, const REAL *c0,
                         REAL *hprev, REAL *cprev, REAL *actc,
                         REAL *y, REAL *hT, REAL *cT)
{
    const fg_idx u = cfg->u, G = 4 * u;
    REAL *Up = malloc((size_t)(u * G) * sizeof(REAL));
    if (!Up)
        return -1;
    SUF(pack)(U, G, u, G, 0, Up);
    FG_RNN_ROWS(G, SUF(lstm_fwd_rows)(cfg, n0, n1, gates, bias, Up, h0, c0, hprev,
                                      cprev, actc, y, hT, cT))
    free(Up);
    return 0;
}

int SUF(fg_lstm_backward)(const fg_rnn_cfg *cfg, const REAL *gates,
                          const REAL *cprev, const REAL *actc, const REAL *U,
                          const REAL *dy, const REAL *dhT, const REAL *dcT,
                          REAL *dgates, REAL *dh0, REAL *dc0)
{
    const fg_idx u = cfg->u, G = 4 * u;
    REAL *UTp = malloc((size_t)(u * G) * sizeof(REAL));
    if (!UTp)
        return -1;
    SUF(pack)(U, G, G, u, 1, UTp);
    FG_RNN_ROWS(G, SUF(lstm_bwd_rows)(cfg, n0, n1, gates, cprev, actc, UTp, dy, dhT,
                                      dcT, dgates, dh0, dc0))
    free(UTp);
    return 0;
}

/* ----------------------------------------------------------------- GRU */

/* The new state from z (gates z, r, hh already activated) and h_prev. */
static void SUF(gru_mix)(const REAL *FG_RESTRICT z, const REAL *FG_RESTRICT hp,
                         REAL *FG_RESTRICT hd, fg_idx u)
{
    fg_idx k;
    for (k = 0; k < u; k++)
        hd[k] = z[k] * hp[k] + (1 - z[k]) * z[2 * u + k];
}

/* Up: U packed whole (reset_after), or U[:, :2u] then U[:, 2u:] packed. */
static void SUF(gru_fwd_rows)(const fg_rnn_cfg *cfg, int reset_after,
                              fg_idx n0, fg_idx n1, REAL *gates, const REAL *bx,
                              const REAL *br, const REAL *Up, const REAL *h0,
                              REAL *hprev, REAL *hrec, REAL *work, REAL *y, REAL *hT)
{
    const fg_idx T = cfg->T, u = cfg->u, G = 3 * u;
    REAL *rec0 = work + n0 * G;
    fg_idx s, n, k;
    SUF(init_states)(cfg, n0, n1, hprev, h0, NULL, NULL);
    for (s = 0; s < T; s++) {
        const fg_idx t = time_of(cfg, s);
        const REAL *hp0 = hprev + (n0 * T + t) * u;
        for (n = n0; n < n1; n++)
            SUF(set_row)(work + n * G, reset_after ? br : NULL, reset_after ? G : 2 * u);
        SUF(gemm_acc)(n1 - n0, u, reset_after ? G : 2 * u, hp0, T * u, Up, rec0, G);
        for (n = n0; n < n1; n++) {
            const fg_idx row = n * T + t;
            const REAL *hp = hprev + row * u, *rc = work + n * G;
            REAL *z = gates + row * G, *hr = hrec + row * u;
            if (masked(cfg, row)) {
                SUF(set_row)(hr, NULL, u);
                continue;
            }
            if (bx)
                SUF(add_row)(z, bx, G);
            SUF(add_row)(z, rc, 2 * u);
            SUF(act_fwd)(cfg->rec_act, z, 2 * u);
            if (reset_after) {
                for (k = 0; k < u; k++) {
                    hr[k] = rc[2 * u + k];
                    z[2 * u + k] += z[u + k] * rc[2 * u + k];
                }
                SUF(act_fwd)(cfg->act, z + 2 * u, u);
                SUF(gru_mix)(z, hp, SUF(next_slot)(cfg, hprev, hT, n, s), u);
            } else {
                for (k = 0; k < u; k++)
                    hr[k] = z[u + k] * hp[k];
            }
        }
        if (!reset_after) {
            for (n = n0; n < n1; n++)
                SUF(set_row)(work + n * G + 2 * u, NULL, u);
            SUF(gemm_acc)(n1 - n0, u, u, hrec + (n0 * T + t) * u, T * u,
                          Up + 2 * u * u, rec0 + 2 * u, G);
            for (n = n0; n < n1; n++) {
                const fg_idx row = n * T + t;
                REAL *z = gates + row * G;
                if (masked(cfg, row))
                    continue;
                SUF(add_row)(z + 2 * u, work + n * G + 2 * u, u);
                SUF(act_fwd)(cfg->act, z + 2 * u, u);
                SUF(gru_mix)(z, hprev + row * u, SUF(next_slot)(cfg, hprev, hT, n, s), u);
            }
        }
        for (n = n0; n < n1; n++) {
            const fg_idx row = n * T + t;
            REAL *hd = SUF(next_slot)(cfg, hprev, hT, n, s);
            if (masked(cfg, row))
                SUF(set_row)(hd, hprev + row * u, u);
            SUF(emit_step)(cfg, y, hd, n, s);
        }
    }
    SUF(emit_last)(cfg, n0, n1, y, hT);
}

/* UTp: U^T packed whole (reset_after), or U[:, 2u:]^T then U[:, :2u]^T. */
static void SUF(gru_bwd_rows)(const fg_rnn_cfg *cfg, int reset_after,
                              fg_idx n0, fg_idx n1, const REAL *gates,
                              const REAL *hprev, const REAL *hrec, const REAL *UTp,
                              const REAL *dy, const REAL *dhT, REAL *dgates,
                              REAL *drh, REAL *work, REAL *dh0)
{
    const fg_idx T = cfg->T, u = cfg->u, G = 3 * u;
    fg_idx s, n, k;
    SUF(init_grads)(cfg, n0, n1, dy, dhT, dh0, NULL, NULL);
    for (s = T - 1; s >= 0; s--) {
        const fg_idx t = time_of(cfg, s);
        for (n = n0; n < n1; n++) {
            const fg_idx row = n * T + t;
            const REAL *a = gates + row * G, *hp = hprev + row * u;
            REAL *dh = dh0 + n * u, *dz = dgates + row * G, *w = work + n * G;
            SUF(add_step_grad)(cfg, dy, dh, n, s);
            if (masked(cfg, row)) {
                SUF(set_row)(dz, NULL, G);
                SUF(set_row)(w, NULL, reset_after ? G : u);
                if (reset_after)
                    SUF(set_row)(drh + row * u, NULL, u);
                continue;
            }
            for (k = 0; k < u; k++) {
                const REAL g = dh[k];
                dz[k] = g * (hp[k] - a[2 * u + k]);
                dz[2 * u + k] = g * (1 - a[k]);
                dh[k] = g * a[k];
            }
            SUF(dact_mul)(cfg->rec_act, a, dz, u);
            SUF(dact_mul)(cfg->act, a + 2 * u, dz + 2 * u, u);
            if (reset_after) {
                const REAL *hr = hrec + row * u;
                REAL *dr = drh + row * u;
                for (k = 0; k < u; k++) {
                    dz[u + k] = dz[2 * u + k] * hr[k];
                    dr[k] = dz[2 * u + k] * a[u + k];
                }
                SUF(dact_mul)(cfg->rec_act, a + u, dz + u, u);
                memcpy(w, dz, (size_t)(2 * u) * sizeof(REAL));
                memcpy(w + 2 * u, dr, (size_t)u * sizeof(REAL));
            } else {
                SUF(set_row)(w, NULL, u);
            }
        }
        if (reset_after) {
            SUF(gemm_acc)(n1 - n0, G, u, work + n0 * G, G, UTp, dh0 + n0 * u, u);
            continue;
        }
        /* d(r*h_prev) = dhh_pre @ U_h^T, then the z and r paths. */
        SUF(gemm_acc)(n1 - n0, u, u, dgates + (n0 * T + t) * G + 2 * u, T * G,
                      UTp, work + n0 * G, G);
        for (n = n0; n < n1; n++) {
            const fg_idx row = n * T + t;
            const REAL *a = gates + row * G, *hp = hprev + row * u, *drs = work + n * G;
            REAL *dh = dh0 + n * u, *dz = dgates + row * G;
            if (masked(cfg, row))
                continue;
            for (k = 0; k < u; k++) {
                dz[u + k] = drs[k] * hp[k];
                dh[k] += drs[k] * a[u + k];
            }
            SUF(dact_mul)(cfg->rec_act, a + u, dz + u, u);
        }
        SUF(gemm_acc)(n1 - n0, 2 * u, u, dgates + (n0 * T + t) * G, T * G,
                      UTp + u * u, dh0 + n0 * u, u);
    }
}

int SUF(fg_gru_forward)(const fg_rnn_cfg *cfg, int reset_after, REAL *gates,
                        const REAL *bx, const REAL *br, const REAL *U,
                        const REAL *h0, REAL *hprev, REAL *hrec, REAL *work,
                        REAL *y, REAL *hT)
{
    const fg_idx u = cfg->u, G = 3 * u;
    REAL *Up = malloc((size_t)(u * G) * sizeof(REAL));
    if (!Up)
        return -1;
    if (reset_after)
        SUF(pack)(U, G, u, G, 0, Up);
    else
        SUF(pack)(U + 2 * u, G, u, u, 0, SUF(pack)(U, G, u, 2 * u, 0, Up));
    FG_RNN_ROWS(G, SUF(gru_fwd_rows)(cfg, reset_after, n0, n1, gates, bx, br, Up,
                                     h0, hprev, hrec, work, y, hT))
    free(Up);
    return 0;
}

int SUF(fg_gru_backward)(const fg_rnn_cfg *cfg, int reset_after,
                         const REAL *gates, const REAL *hprev, const REAL *hrec,
                         const REAL *U, const REAL *dy, const REAL *dhT,
                         REAL *dgates, REAL *drh, REAL *work, REAL *dh0)
{
    const fg_idx u = cfg->u, G = 3 * u;
    REAL *UTp = malloc((size_t)(u * G) * sizeof(REAL));
    if (!UTp)
        return -1;
    if (reset_after)
        SUF(pack)(U, G, G, u, 1, UTp);
    else
        SUF(pack)(U, G, 2 * u, u, 1, SUF(pack)(U + 2 * u, G, u, u, 1, UTp));
    FG_RNN_ROWS(G, SUF(gru_bwd_rows)(cfg, reset_after, n0, n1, gates, hprev, hrec,
                                     UTp, dy, dhT, dgates, drh, work, dh0))
    free(UTp);
    return 0;
}

/* ----------------------------------------------------------- SimpleRNN */

static void SUF(srnn_fwd_rows)(const fg_rnn_cfg *cfg, fg_idx n0, fg_idx n1,
                               REAL *gates, const REAL *bias, const REAL *Up,
                               const REAL *h0, REAL *hprev, REAL *y, REAL *hT)
{
    const fg_idx T = cfg->T, u = cfg->u;
    fg_idx s, n;
    SUF(init_states)(cfg, n0, n1, hprev, h0, NULL, NULL);
    for (s = 0; s < T; s++) {
        const fg_idx t = time_of(cfg, s);
        SUF(gemm_acc)(n1 - n0, u, u, hprev + (n0 * T + t) * u, T * u, Up,
                      gates + (n0 * T + t) * u, T * u);
        for (n = n0; n < n1; n++) {
            const fg_idx row = n * T + t;
            REAL *hd = SUF(next_slot)(cfg, hprev, hT, n, s), *z = gates + row * u;
            if (masked(cfg, row)) {
                SUF(set_row)(hd, hprev + row * u, u);
            } else {
                if (bias)
                    SUF(add_row)(z, bias, u);
                SUF(act_fwd)(cfg->act, z, u);
                SUF(set_row)(hd, z, u);
            }
            SUF(emit_step)(cfg, y, hd, n, s);
        }
    }
    SUF(emit_last)(cfg, n0, n1, y, hT);
}

static void SUF(srnn_bwd_rows)(const fg_rnn_cfg *cfg, fg_idx n0, fg_idx n1,
                               const REAL *gates, const REAL *UTp, const REAL *dy,
                               const REAL *dhT, REAL *dgates, REAL *dh0)
{
    const fg_idx T = cfg->T, u = cfg->u;
    fg_idx s, n;
    SUF(init_grads)(cfg, n0, n1, dy, dhT, dh0, NULL, NULL);
    for (s = T - 1; s >= 0; s--) {
        const fg_idx t = time_of(cfg, s);
        for (n = n0; n < n1; n++) {
            const fg_idx row = n * T + t;
            REAL *dh = dh0 + n * u, *dz = dgates + row * u;
            SUF(add_step_grad)(cfg, dy, dh, n, s);
            if (masked(cfg, row)) {
                SUF(set_row)(dz, NULL, u);
                continue;
            }
            SUF(set_row)(dz, dh, u);
            SUF(dact_mul)(cfg->act, gates + row * u, dz, u);
            SUF(set_row)(dh, NULL, u);
        }
        SUF(gemm_acc)(n1 - n0, u, u, dgates + (n0 * T + t) * u, T * u, UTp,
                      dh0 + n0 * u, u);
    }
}

int SUF(fg_simple_rnn_forward)(const fg_rnn_cfg *cfg, REAL *gates, const REAL *bias,
                               const REAL *U, const REAL *h0, REAL *hprev,
                               REAL *y, REAL *hT)
{
    const fg_idx u = cfg->u;
    REAL *Up = malloc((size_t)(u * u) * sizeof(REAL));
    if (!Up)
        return -1;
    SUF(pack)(U, u, u, u, 0, Up);
    FG_RNN_ROWS(u, SUF(srnn_fwd_rows)(cfg, n0, n1, gates, bias, Up, h0, hprev, y, hT))
    free(Up);
    return 0;
}

int SUF(fg_simple_rnn_backward)(const fg_rnn_cfg *cfg, const REAL *gates,
                                const REAL *U, const REAL *dy, const REAL *dhT,
                                REAL *dgates, REAL *dh0)
{
    const fg_idx u = cfg->u;
    REAL *UTp = malloc((size_t)(u * u) * sizeof(REAL));
    if (!UTp)
        return -1;
    SUF(pack)(U, u, u, u, 1, UTp);
    FG_RNN_ROWS(u, SUF(srnn_bwd_rows)(cfg, n0, n1, gates, UTp, dy, dhT, dgates, dh0))
    free(UTp);
    return 0;
}

#endif /* FG_RNN_BODY */
