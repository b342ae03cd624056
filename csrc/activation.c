/* Kernels declared in activation.h.  The part after the #else is written once
 * over a type T and compiled twice: this file includes itself with T = float
 * (suffix _f32) and T = double (_f64); <tgmath.h> picks the float or double
 * libm function.
 *
 * exp and tanh are our own branch-free versions (Cephes' polynomials, within
 * 2 ulp) so the compiler vectorizes the loops; libm's are scalar calls. */
#ifndef FG_ACT_T

#include <math.h>
#include <string.h>
#include <tgmath.h>
#include "activation.h"

/* Below these many elements a loop runs on one thread: waking threads costs
 * more than the work.  Arithmetic-only loops are memory bound and gain
 * little from threads, so they start much later than exp / tanh loops. */
#define FG_PAR_MATH 32768
#define FG_PAR_ARITH 262144

#define FG_SELU_ALPHA 1.6732632423543772848170429916717
#define FG_SELU_SCALE 1.0507009873554804934193349852946

#define FG_CAT_(a, b) a##b
#define FG_CAT(a, b) FG_CAT_(a, b)
#define FN(name) FG_CAT(name, FG_ACT_SUF)

/* exp(x): x = n ln2 + r with |r| <= ln2/2, n found by the round-to-nearest
 * magic-number addition (no float->int conversion, so NaN stays harmless),
 * 2^n built in the exponent bits.  Results below the smallest normal number
 * flush to 0; above x = 88.376 (float) / 709.43 (double), where 2^n would
 * leave the exponent range, the result is +inf. */
static inline float fg_vexp_f32(float x)
{
    const float hi = 88.37626f, lo = -87.33654f, magic = 12582912.0f; /* 1.5 * 2^23 */
    float xc = x > hi ? hi : (x < lo ? lo : x);
    float t = xc * 1.44269504088896341f + magic;
    float n = t - magic;
    float r = xc - n * 0.693359375f + n * 2.12194440e-4f;
    float p = ((((1.9875691500e-4f * r + 1.3981999507e-3f) * r + 8.3334519073e-3f) * r
                + 4.1665795894e-2f) * r + 1.6666665459e-1f) * r + 5.0000001201e-1f;
    p = p * (r * r) + r + 1.0f;
    uint32_t tb, mb, sb;
    float scale;
    memcpy(&tb, &t, sizeof tb);
    memcpy(&mb, &magic, sizeof mb);
    sb = (tb - mb + 127u) << 23;
    memcpy(&scale, &sb, sizeof scale);
    float y = p * scale;
    return x > hi ? (float)INFINITY : (x < lo ? 0.0f : y);
}

static inline double fg_vexp_f64(double x)
{
    const double hi = 709.43, lo = -708.39, magic = 6755399441055744.0; /* 1.5 * 2^52 */
    double xc = x > hi ? hi : (x < lo ? lo : x);
    double t = xc * 1.4426950408889634073599 + magic;
    double n = t - magic;
    double r = xc - n * 6.93145751953125e-1 - n * 1.42860682030941723212e-6;
    double rr = r * r;
    double px = r * ((1.26177193074810590878e-4 * rr + 3.02994407707441961300e-2) * rr
                     + 9.99999999999999999910e-1);
    double qx = ((3.00198505138664455042e-6 * rr + 2.52448340349684104192e-3) * rr
                 + 2.27265548208155028766e-1) * rr + 2.00000000000000000009e0;
    double e = 1.0 + 2.0 * px / (qx - px);
    uint64_t tb, mb, sb;
    double scale;
    memcpy(&tb, &t, sizeof tb);
    memcpy(&mb, &magic, sizeof mb);
    sb = (tb - mb + 1023u) << 52;
    memcpy(&scale, &sb, sizeof scale);
    double y = e * scale;
    return x > hi ? (double)INFINITY : (x < lo ? 0.0 : y);
}

/* tanh: odd polynomial / rational form below 0.625, 1 - 2 / (exp(2|x|) + 1)
 * above; both computed, one selected. */
static inline float fg_vtanh_f32(float x)
{
    float a = fabsf(x), z = x * x;
    float small = ((((-5.70498872745e-3f * z + 2.06390887954e-2f) * z - 5.37397155531e-2f) * z
                    + 1.33314422036e-1f) * z - 3.33332819422e-1f) * z * x + x;
    float big = 1.0f - 2.0f / (fg_vexp_f32(2.0f * a) + 1.0f);
    big = x < 0 ? -big : big;
    return a < 0.625f ? small : big;
}

static inline double fg_vtanh_f64(double x)
{
    double a = fabs(x), z = x * x;
    double p = (-9.64399179425052238628e-1 * z - 9.92877231001918586564e1) * z
               - 1.61468768441708447952e3;
    double q = ((z + 1.12811678491632931402e2) * z + 2.23548839060100448583e3) * z
               + 4.84406305325125486048e3;
    double small = x + x * z * p / q;
    double big = 1.0 - 2.0 / (fg_vexp_f64(2.0 * a) + 1.0);
    big = x < 0 ? -big : big;
    return a < 0.625 ? small : big;
}

/* OpenMP's if clause still enters the runtime (a team of one thread), which
 * costs more than a small loop; FG_PAR_IF branches around it instead. */
#define FG_PAR_IF(COND, LOOP)                                                  \
    do {                                                                       \
        if (COND) {                                                            \
            _Pragma("omp parallel for schedule(static)")                       \
            LOOP                                                               \
        } else {                                                               \
            LOOP                                                               \
        }                                                                      \
    } while (0)

#define FG_ACT_BIAS_ROWS(EXPR)                                                 \
    for (fg_idx r = 0; r < rows; r++) {                                        \
        const T *xr = x + r * cols;                                            \
        T *yr = y + r * cols;                                                  \
        for (fg_idx c = 0; c < cols; c++) {                                    \
            T v = xr[c] + bias[c];                                             \
            yr[c] = (EXPR);                                                    \
        }                                                                      \
    }

#define FG_ACT_FLAT(EXPR)                                                      \
    for (fg_idx i = 0; i < total; i++) {                                       \
        T v = x[i];                                                            \
        y[i] = (EXPR);                                                         \
    }

/* y = EXPR(v) with v = x (+ bias along the last axis); threads from PAR on. */
#define FG_ACT_LOOP(PAR, EXPR)                                                 \
    do {                                                                       \
        const fg_idx total = rows * cols;                                      \
        if (bias)                                                              \
            FG_PAR_IF(total > (PAR), FG_ACT_BIAS_ROWS(EXPR));                  \
        else                                                                   \
            FG_PAR_IF(total > (PAR), FG_ACT_FLAT(EXPR));                       \
    } while (0)

#define FG_GRAD_FLAT(EXPR)                                                     \
    for (fg_idx i = 0; i < n; i++) {                                           \
        T v = y[i], gi = g[i];                                                 \
        dz[i] = (EXPR);                                                        \
    }

/* dz = EXPR(v, gi) with v = y[i], gi = g[i]. */
#define FG_GRAD_LOOP(PAR, EXPR) FG_PAR_IF(n > (PAR), FG_GRAD_FLAT(EXPR))

#define FG_ACT_T float
#define FG_ACT_SUF _f32
#include "activation.c"
#undef FG_ACT_T
#undef FG_ACT_SUF

#define FG_ACT_T double
#define FG_ACT_SUF _f64
#include "activation.c"
#undef FG_ACT_T
#undef FG_ACT_SUF

#else /* ------------------------------------------------ templated over T */

#define T FG_ACT_T
#define VEXP FN(fg_vexp)

static inline T FN(sigmoid1)(T v)
{
    T e = VEXP(-fabs(v));
    T r = (T)1 / ((T)1 + e);
    return v >= 0 ? r : e * r;
}

/* clip(h, 0, 1) with compares (fmin/fmax would not vectorize); NaN stays. */
static inline T FN(hard_sigmoid1)(T h)
{
    return h < 0 ? (T)0 : (h > 1 ? (T)1 : h);
}

/* tf-keras K.relu: x above threshold (clipped to [0, max_value] when
 * clipping), minus alpha times the distance below the threshold. */
static inline T FN(relu_general)(T v, T a, T mx, T th, int clip)
{
    T pos = v > th ? (clip ? fmin(fmax(v, (T)0), mx) : v) : (T)0;
    return a != 0 ? pos - a * fmax(th - v, (T)0) : pos;
}

void FN(fg_act_forward)(int act, double alpha, double max_value, double threshold,
                        const T *x, const T *bias, T *y, fg_idx rows, fg_idx cols)
{
    const T a = (T)alpha, mx = (T)max_value, th = (T)threshold;
    const int clip = max_value < HUGE_VAL;
    const T sa = (T)(FG_SELU_SCALE * FG_SELU_ALPHA), ss = (T)FG_SELU_SCALE;
    switch (act) {
    case FG_ACT_LINEAR:
        FG_ACT_LOOP(FG_PAR_ARITH, v);
        break;
    case FG_ACT_RELU:
        if (alpha == 0.0 && threshold == 0.0 && !clip)
            FG_ACT_LOOP(FG_PAR_ARITH, v > 0 ? v : (T)0);
        else
            FG_ACT_LOOP(FG_PAR_ARITH, FN(relu_general)(v, a, mx, th, clip));
        break;
    case FG_ACT_ELU:  /* exp(x) - 1 as tf's kernel computes it */
        FG_ACT_LOOP(FG_PAR_MATH, v > 0 ? v : a * (VEXP(v) - 1));
        break;
    case FG_ACT_SELU:
        FG_ACT_LOOP(FG_PAR_MATH, v > 0 ? ss * v : sa * (VEXP(v) - 1));
        break;
    case FG_ACT_SOFTPLUS:
        FG_ACT_LOOP(FG_PAR_MATH, fmax(v, (T)0) + log1p(VEXP(-fabs(v))));
        break;
    case FG_ACT_SIGMOID:
        FG_ACT_LOOP(FG_PAR_MATH, FN(sigmoid1)(v));
        break;
    case FG_ACT_HARD_SIGMOID:
        FG_ACT_LOOP(FG_PAR_ARITH, FN(hard_sigmoid1)((T)0.2 * v + (T)0.5));
        break;
    case FG_ACT_TANH:
        FG_ACT_LOOP(FG_PAR_MATH, FN(fg_vtanh)(v));
        break;
    case FG_ACT_SOFTSIGN:
        FG_ACT_LOOP(FG_PAR_ARITH, v / ((T)1 + fabs(v)));
        break;
    case FG_ACT_EXPONENTIAL:
        FG_ACT_LOOP(FG_PAR_MATH, VEXP(v));
        break;
    default:
        break;
    }
}

void FN(fg_act_backward)(int act, double alpha, double max_value,
                         const T *y, const T *g, T *dz, fg_idx n)
{
    const T a = (T)alpha, mx = (T)max_value;
    const T sa = (T)(FG_SELU_SCALE * FG_SELU_ALPHA), ss = (T)FG_SELU_SCALE;
    switch (act) {
    case FG_ACT_LINEAR:
        FG_GRAD_LOOP(FG_PAR_ARITH, ((void)v, gi));
        break;
    case FG_ACT_RELU:
        FG_GRAD_LOOP(FG_PAR_ARITH, v > 0 ? (v < mx ? gi : (T)0) : a * gi);
        break;
    case FG_ACT_ELU:
        FG_GRAD_LOOP(FG_PAR_ARITH, v > 0 ? gi : (v + a) * gi);
        break;
    case FG_ACT_SELU:
        FG_GRAD_LOOP(FG_PAR_ARITH, v > 0 ? ss * gi : (v + sa) * gi);
        break;
    case FG_ACT_SOFTPLUS:  /* sigmoid(x) = 1 - exp(-softplus(x)) */
        FG_GRAD_LOOP(FG_PAR_MATH, -expm1(-v) * gi);
        break;
    case FG_ACT_SIGMOID:
        FG_GRAD_LOOP(FG_PAR_ARITH, v * ((T)1 - v) * gi);
        break;
    case FG_ACT_HARD_SIGMOID:
        FG_GRAD_LOOP(FG_PAR_ARITH, v > 0 && v < 1 ? (T)0.2 * gi : (T)0);
        break;
    case FG_ACT_TANH:
        FG_GRAD_LOOP(FG_PAR_ARITH, ((T)1 - v * v) * gi);
        break;
    case FG_ACT_SOFTSIGN:  /* 1 / (1 + |x|)^2 = (1 - |y|)^2 */
        FG_GRAD_LOOP(FG_PAR_ARITH, ((T)1 - fabs(v)) * ((T)1 - fabs(v)) * gi);
        break;
    case FG_ACT_EXPONENTIAL:
        FG_GRAD_LOOP(FG_PAR_ARITH, v * gi);
        break;
    default:
        break;
    }
}

/* Row reductions over contiguous data keep eight independent partial
 * results so the operations pipeline and vectorize under strict FP order. */
static inline T FN(max_row)(const T *a, fg_idx n)
{
    T m[8];
    fg_idx k = 0;
    for (int j = 0; j < 8; j++)
        m[j] = a[0];
    for (; k + 8 <= n; k += 8)
        for (int j = 0; j < 8; j++)
            m[j] = a[k + j] > m[j] ? a[k + j] : m[j];
    for (; k < n; k++)
        m[0] = a[k] > m[0] ? a[k] : m[0];
    for (int j = 1; j < 8; j++)
        m[0] = m[j] > m[0] ? m[j] : m[0];
    return m[0];
}

/* sum(a) (b == NULL) or sum(a * b), accumulated in double. */
static inline double FN(dot_row)(const T *a, const T *b, fg_idx n)
{
    double acc[8] = {0, 0, 0, 0, 0, 0, 0, 0};
    fg_idx k = 0;
    if (b) {
        for (; k + 8 <= n; k += 8)
            for (int j = 0; j < 8; j++)
                acc[j] += (double)a[k + j] * b[k + j];
        for (; k < n; k++)
            acc[0] += (double)a[k] * b[k];
    } else {
        for (; k + 8 <= n; k += 8)
            for (int j = 0; j < 8; j++)
                acc[j] += a[k + j];
        for (; k < n; k++)
            acc[0] += a[k];
    }
    return ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7]));
}

/* sum(exp(z - m)) over a contiguous row, exp vectorized through a small
 * buffer. */
static inline double FN(sum_exp)(const T *z, T m, fg_idx n)
{
    T buf[64];
    double sum = 0.0;
    for (fg_idx k0 = 0; k0 < n; k0 += 64) {
        const fg_idx len = n - k0 < 64 ? n - k0 : 64;
        for (fg_idx k = 0; k < len; k++)
            buf[k] = VEXP(z[k0 + k] - m);
        sum += FN(dot_row)(buf, NULL, len);
    }
    return sum;
}

/* Softmax of n values at stride s (inlined with s = 1 for contiguous rows). */
static inline void FN(softmax_vec)(const T *x, T *y, fg_idx n, fg_idx s)
{
    T m = x[0];
    if (s == 1) {
        m = FN(max_row)(x, n);
    } else {
        for (fg_idx k = 1; k < n; k++)
            m = x[k * s] > m ? x[k * s] : m;
    }
    for (fg_idx k = 0; k < n; k++)
        y[k * s] = VEXP(x[k * s] - m);
    double sum = 0.0;
    if (s == 1) {
        sum = FN(dot_row)(y, NULL, n);
    } else {
        for (fg_idx k = 0; k < n; k++)
            sum += y[k * s];
    }
    const T inv = (T)(1.0 / sum);
    for (fg_idx k = 0; k < n; k++)
        y[k * s] *= inv;
}

static inline void FN(softmax_grad_vec)(const T *y, const T *g, T *dx,
                                        fg_idx n, fg_idx s)
{
    double dot = 0.0;
    if (s == 1) {
        dot = FN(dot_row)(g, y, n);
    } else {
        for (fg_idx k = 0; k < n; k++)
            dot += (double)g[k * s] * y[k * s];
    }
    const T d = (T)dot;
    for (fg_idx k = 0; k < n; k++)
        dx[k * s] = y[k * s] * (g[k * s] - d);
}

void FN(fg_softmax_forward)(const T *x, T *y, fg_idx outer, fg_idx n, fg_idx inner)
{
    if (n <= 0)
        return;
    const fg_idx nvec = outer * inner;
    if (inner == 1) {
        FG_PAR_IF(nvec * n > FG_PAR_MATH,
                  for (fg_idx r = 0; r < outer; r++)
                      FN(softmax_vec)(x + r * n, y + r * n, n, 1););
    } else {
        #pragma omp parallel for if(nvec * n > FG_PAR_MATH) schedule(static)
        for (fg_idx v = 0; v < nvec; v++) {
            const fg_idx base = (v / inner) * n * inner + v % inner;
            FN(softmax_vec)(x + base, y + base, n, inner);
        }
    }
}

void FN(fg_softmax_backward)(const T *y, const T *g, T *dx,
                             fg_idx outer, fg_idx n, fg_idx inner)
{
    if (n <= 0)
        return;
    const fg_idx nvec = outer * inner;
    if (inner == 1) {
        #pragma omp parallel for if(nvec * n > FG_PAR_ARITH) schedule(static)
        for (fg_idx r = 0; r < outer; r++)
            FN(softmax_grad_vec)(y + r * n, g + r * n, dx + r * n, n, 1);
    } else {
        #pragma omp parallel for if(nvec * n > FG_PAR_ARITH) schedule(static)
        for (fg_idx v = 0; v < nvec; v++) {
            const fg_idx base = (v / inner) * n * inner + v % inner;
            FN(softmax_grad_vec)(y + base, g + base, dx + base, n, inner);
        }
    }
}

/* log(sum(exp(z))) of one contiguous row; p (may be NULL) receives softmax(z). */
static inline T FN(logsumexp_row)(const T *z, T *p, fg_idx n)
{
    const T m = FN(max_row)(z, n);
    double sum;
    if (p) {
        for (fg_idx k = 0; k < n; k++)
            p[k] = VEXP(z[k] - m);
        sum = FN(dot_row)(p, NULL, n);
        const T inv = (T)(1.0 / sum);
        for (fg_idx k = 0; k < n; k++)
            p[k] *= inv;
    } else {
        sum = FN(sum_exp)(z, m, n);
    }
    return m + (T)log(sum);
}

void FN(fg_softmax_xent_forward)(const T *z, const T *t, T *loss, T *p,
                                 fg_idx rows, fg_idx n)
{
    if (n <= 0) {
        for (fg_idx r = 0; r < rows; r++)
            loss[r] = 0;
        return;
    }
    #pragma omp parallel for if(rows * n > FG_PAR_MATH) schedule(static)
    for (fg_idx r = 0; r < rows; r++) {
        const T *zr = z + r * n, *tr = t + r * n;
        const T lse = FN(logsumexp_row)(zr, p ? p + r * n : NULL, n);
        loss[r] = (T)((double)lse * FN(dot_row)(tr, NULL, n) - FN(dot_row)(tr, zr, n));
    }
}

void FN(fg_softmax_xent_backward)(const T *p, const T *t, const T *g, T *dz,
                                  fg_idx rows, fg_idx n)
{
    #pragma omp parallel for if(rows * n > FG_PAR_ARITH) schedule(static)
    for (fg_idx r = 0; r < rows; r++) {
        const T *pr = p + r * n, *tr = t + r * n;
        T *dr = dz + r * n;
        const T sum_t = (T)FN(dot_row)(tr, NULL, n), gr = g[r];
        for (fg_idx k = 0; k < n; k++)
            dr[k] = (pr[k] * sum_t - tr[k]) * gr;
    }
}

fg_idx FN(fg_sparse_xent_forward)(const T *z, const int64_t *labels, T *loss,
                                  T *p, fg_idx rows, fg_idx n)
{
    for (fg_idx r = 0; r < rows; r++)
        if (labels[r] < 0 || labels[r] >= (int64_t)n)
            return r;
    #pragma omp parallel for if(rows * n > FG_PAR_MATH) schedule(static)
    for (fg_idx r = 0; r < rows; r++) {
        const T *zr = z + r * n;
        loss[r] = FN(logsumexp_row)(zr, p ? p + r * n : NULL, n) - zr[labels[r]];
    }
    return -1;
}

void FN(fg_sparse_xent_backward)(const T *p, const int64_t *labels, const T *g,
                                 T *dz, fg_idx rows, fg_idx n)
{
    #pragma omp parallel for if(rows * n > FG_PAR_ARITH) schedule(static)
    for (fg_idx r = 0; r < rows; r++) {
        const T *pr = p + r * n;
        T *dr = dz + r * n;
        const T gr = g[r];
        for (fg_idx k = 0; k < n; k++)
            dr[k] = pr[k] * gr;
        dr[labels[r]] -= gr;
    }
}

void FN(fg_sigmoid_xent_forward)(const T *z, const T *t, T *loss, T *s, fg_idx n)
{
    #pragma omp parallel for if(n > FG_PAR_MATH) schedule(static)
    for (fg_idx i = 0; i < n; i++) {
        const T v = z[i];
        const T e = VEXP(-fabs(v));
        loss[i] = fmax(v, (T)0) - v * t[i] + log1p(e);
        if (s) {
            const T r = (T)1 / ((T)1 + e);
            s[i] = v >= 0 ? r : e * r;
        }
    }
}

void FN(fg_sigmoid_xent_backward)(const T *s, const T *t, const T *g, T *dz, fg_idx n)
{
    #pragma omp parallel for if(n > FG_PAR_ARITH) schedule(static)
    for (fg_idx i = 0; i < n; i++)
        dz[i] = (s[i] - t[i]) * g[i];
}

#undef VEXP
#undef T

#endif
