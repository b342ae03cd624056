/* Recurrent time loops and the LSTM gate step (see rnn.h).  Written once over the element type in
 * rnn_t.h (with the building blocks of rnn_blocks_t.h) and compiled below
 * for float and for double.
 *
 * Batch rows are independent through the whole time loop, so each OpenMP
 * thread runs every step for its own block of rows without synchronising.
 * The per-step recurrent product h_prev @ U (and dz @ U^T backward) is a
 * small register-blocked GEMM here: calling BLAS once per step costs more
 * in call overhead than the product itself at the usual sizes. */
/* -std=c99 turns off contraction of a*b+c into FMA instructions in GCC;
 * the small GEMM (rnn_blocks_t.h) needs them. */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize("fp-contract=fast")
#elif defined(__clang__)
#pragma clang fp contract(fast)
#endif
#include <stdlib.h>
#include <string.h>
#include <tgmath.h>

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

/* Run `call` (which uses m0, m1) on each thread's block of the M rows of
 * the gate step; threads only when there are enough elements (M * u). */
#define FG_GATE_PAR_WORK (1 << 16)
#define FG_GATE_ROWS(M, u, call)                                           \
    {                                                                      \
        const int fg_par = (double)(M) * (u) >= FG_GATE_PAR_WORK;          \
        (void)fg_par;                                                      \
        FG_RNN_PARALLEL                                                    \
        {                                                                  \
            fg_idx m0, m1;                                                 \
            rows_of_thread((M), &m0, &m1);                                 \
            if (m0 < m1)                                                   \
                call;                                                      \
        }                                                                  \
    }

/* What the body needs per element type: float takes the vectorizable
 * fg_expf / fg_tanhf, and a GEMM tile twice as wide (the same 64 bytes). */
#define fg_rnn_exp_f32 fg_expf
#define fg_rnn_exp_f64 exp
#define fg_rnn_tanh_f32 fg_tanhf
#define fg_rnn_tanh_f64 tanh
#define fg_rnn_jb_f32 16
#define fg_rnn_jb_f64 8
#define R_EXP FG_TYPED(fg_rnn_exp_)
#define R_TANH FG_TYPED(fg_rnn_tanh_)
#define JB FG_TYPED(fg_rnn_jb_)

#define FG_TWINS_BODY "rnn_t.h"
#include "fg_twins.h"
