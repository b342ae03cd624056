/* The activation kernels over FG_T (see fg_twins.h), compiled by
 * activation.c; <tgmath.h> picks the float or double libm function. */
#define VEXP FG_FN(fg_vexp)
#include "fg_rows_t.h"

static inline FG_T FG_FN(sigmoid1)(FG_T v)
{
    FG_T e = VEXP(-fabs(v));
    FG_T r = (FG_T)1 / ((FG_T)1 + e);
    return v >= 0 ? r : e * r;
}

/* clip(h, 0, 1) with compares (fmin/fmax would not vectorize); NaN stays. */
static inline FG_T FG_FN(hard_sigmoid1)(FG_T h)
{
    return h < 0 ? (FG_T)0 : (h > 1 ? (FG_T)1 : h);
}

/* tf-keras K.relu: x above threshold (clipped to [0, max_value] when
 * clipping), minus alpha times the distance below the threshold. */
static inline FG_T FG_FN(relu_general)(FG_T v, FG_T a, FG_T mx, FG_T th, int clip)
{
    FG_T pos = v > th ? (clip ? fmin(fmax(v, (FG_T)0), mx) : v) : (FG_T)0;
    return a != 0 ? pos - a * fmax(th - v, (FG_T)0) : pos;
}

/* tanh(softplus(v)) = ((1 + e)^2 - 1) / ((1 + e)^2 + 1) with e = exp(v),
 * written with e = exp(-|v|) so that it cannot overflow. */
static inline FG_T FG_FN(tanh_softplus)(FG_T v)
{
    const FG_T e = VEXP(-fabs(v));
    if (v >= 0) {   /* ((1 + e)^2 - e^2) / ((1 + e)^2 + e^2) over e = exp(-v) */
        const FG_T a = (1 + e) * (1 + e), b = e * e;
        return (a - b) / (a + b);
    }
    const FG_T a = (1 + e) * (1 + e);
    return (a - 1) / (a + 1);
}

#define GELU_K ((FG_T)0.7978845608028654)   /* sqrt(2 / pi) */
#define GELU_C ((FG_T)0.044715)
#define INV_SQRT2 ((FG_T)0.7071067811865476)
#define INV_SQRT_2PI ((FG_T)0.3989422804014327)

void FG_FN(fg_act_forward)(int act, double alpha, double max_value, double threshold,
                           const FG_T *x, const FG_T *bias, FG_T *y, fg_idx rows,
                           fg_idx cols)
{
    const FG_T a = (FG_T)alpha, mx = (FG_T)max_value, th = (FG_T)threshold;
    const int clip = max_value < HUGE_VAL;
    const FG_T sa = (FG_T)(FG_SELU_SCALE * FG_SELU_ALPHA), ss = (FG_T)FG_SELU_SCALE;
    switch (act) {
    case FG_ACT_LINEAR:
        FG_ACT_LOOP(FG_PAR_ARITH, v);
        break;
    case FG_ACT_RELU:
        if (alpha == 0.0 && threshold == 0.0 && !clip)
            FG_ACT_LOOP(FG_PAR_ARITH, v > 0 ? v : (FG_T)0);
        else
            FG_ACT_LOOP(FG_PAR_ARITH, FG_FN(relu_general)(v, a, mx, th, clip));
        break;
    case FG_ACT_ELU:  /* exp(x) - 1 as tf's kernel computes it */
        FG_ACT_LOOP(FG_PAR_MATH, v > 0 ? v : a * (VEXP(v) - 1));
        break;
    case FG_ACT_SELU:
        FG_ACT_LOOP(FG_PAR_MATH, v > 0 ? ss * v : sa * (VEXP(v) - 1));
        break;
    case FG_ACT_SOFTPLUS:
        FG_ACT_LOOP(FG_PAR_MATH, fmax(v, (FG_T)0) + log1p(VEXP(-fabs(v))));
        break;
    case FG_ACT_SIGMOID:
        FG_ACT_LOOP(FG_PAR_MATH, FG_FN(sigmoid1)(v));
        break;
    case FG_ACT_HARD_SIGMOID:
        FG_ACT_LOOP(FG_PAR_ARITH, FG_FN(hard_sigmoid1)((FG_T)0.2 * v + (FG_T)0.5));
        break;
    case FG_ACT_TANH:
        FG_ACT_LOOP(FG_PAR_MATH, FG_FN(fg_vtanh)(v));
        break;
    case FG_ACT_SOFTSIGN:
        FG_ACT_LOOP(FG_PAR_ARITH, v / ((FG_T)1 + fabs(v)));
        break;
    case FG_ACT_EXPONENTIAL:
        FG_ACT_LOOP(FG_PAR_MATH, VEXP(v));
        break;
    case FG_ACT_GELU:
        FG_ACT_LOOP(FG_PAR_MATH, (FG_T)0.5 * v * ((FG_T)1 + erf(v * INV_SQRT2)));
        break;
    case FG_ACT_GELU_TANH:
        FG_ACT_LOOP(FG_PAR_MATH, (FG_T)0.5 * v * ((FG_T)1 + FG_FN(fg_vtanh)(
            GELU_K * (v + GELU_C * (v * v * v)))));
        break;
    case FG_ACT_MISH:
        FG_ACT_LOOP(FG_PAR_MATH, v * FG_FN(tanh_softplus)(v));
        break;
    default:
        break;
    }
}

void FG_FN(fg_act_backward)(int act, double alpha, double max_value,
                            const FG_T *y, const FG_T *g, FG_T *dz, fg_idx n)
{
    const FG_T a = (FG_T)alpha, mx = (FG_T)max_value;
    const FG_T sa = (FG_T)(FG_SELU_SCALE * FG_SELU_ALPHA), ss = (FG_T)FG_SELU_SCALE;
    switch (act) {
    case FG_ACT_LINEAR:
        FG_GRAD_LOOP(FG_PAR_ARITH, ((void)v, gi));
        break;
    case FG_ACT_RELU:
        FG_GRAD_LOOP(FG_PAR_ARITH, v > 0 ? (v < mx ? gi : (FG_T)0) : a * gi);
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
        FG_GRAD_LOOP(FG_PAR_ARITH, v * ((FG_T)1 - v) * gi);
        break;
    case FG_ACT_HARD_SIGMOID:
        FG_GRAD_LOOP(FG_PAR_ARITH, v > 0 && v < 1 ? (FG_T)0.2 * gi : (FG_T)0);
        break;
    case FG_ACT_TANH:
        FG_GRAD_LOOP(FG_PAR_ARITH, ((FG_T)1 - v * v) * gi);
        break;
    case FG_ACT_SOFTSIGN:  /* 1 / (1 + |x|)^2 = (1 - |y|)^2 */
        FG_GRAD_LOOP(FG_PAR_ARITH, ((FG_T)1 - fabs(v)) * ((FG_T)1 - fabs(v)) * gi);
        break;
    case FG_ACT_EXPONENTIAL:
        FG_GRAD_LOOP(FG_PAR_ARITH, v * gi);
        break;
    default:
        break;
    }
}

static inline FG_T FG_FN(gelu_grad)(FG_T v)
{
    return (FG_T)0.5 * ((FG_T)1 + erf(v * INV_SQRT2))
           + v * INV_SQRT_2PI * VEXP((FG_T)-0.5 * v * v);
}

static inline FG_T FG_FN(gelu_tanh_grad)(FG_T v)
{
    const FG_T t = FG_FN(fg_vtanh)(GELU_K * (v + GELU_C * (v * v * v)));
    return (FG_T)0.5 * ((FG_T)1 + t)
           + (FG_T)0.5 * v * ((FG_T)1 - t * t) * GELU_K * ((FG_T)1 + (FG_T)3 * GELU_C * v * v);
}

static inline FG_T FG_FN(mish_grad)(FG_T v)
{
    const FG_T t = FG_FN(tanh_softplus)(v);
    return t + v * ((FG_T)1 - t * t) * FG_FN(sigmoid1)(v);
}

void FG_FN(fg_act_backward_x)(int act, const FG_T *x, const FG_T *g, FG_T *dz,
                              fg_idx n)
{
    const FG_T *y = x;      /* FG_GRAD_LOOP reads y[i] as v */
    switch (act) {
    case FG_ACT_GELU:
        FG_GRAD_LOOP(FG_PAR_MATH, FG_FN(gelu_grad)(v) * gi);
        break;
    case FG_ACT_GELU_TANH:
        FG_GRAD_LOOP(FG_PAR_MATH, FG_FN(gelu_tanh_grad)(v) * gi);
        break;
    case FG_ACT_MISH:
        FG_GRAD_LOOP(FG_PAR_MATH, FG_FN(mish_grad)(v) * gi);
        break;
    default:
        break;
    }
}

/* sum(exp(z - m)) over a contiguous row, exp vectorized through a small
 * buffer. */
static inline double FG_FN(sum_exp)(const FG_T *z, FG_T m, fg_idx n)
{
    FG_T buf[64];
    double sum = 0.0;
    for (fg_idx k0 = 0; k0 < n; k0 += 64) {
        const fg_idx len = n - k0 < 64 ? n - k0 : 64;
        for (fg_idx k = 0; k < len; k++)
            buf[k] = VEXP(z[k0 + k] - m);
        sum += FG_FN(dot_row)(buf, NULL, len);
    }
    return sum;
}

/* Softmax of n values at stride s (inlined with s = 1 for contiguous rows). */
static inline void FG_FN(softmax_vec)(const FG_T *x, FG_T *y, fg_idx n, fg_idx s)
{
    FG_T m = x[0];
    if (s == 1) {
        m = FG_FN(max_row)(x, n);
    } else {
        for (fg_idx k = 1; k < n; k++)
            m = x[k * s] > m ? x[k * s] : m;
    }
    for (fg_idx k = 0; k < n; k++)
        y[k * s] = VEXP(x[k * s] - m);
    double sum = 0.0;
    if (s == 1) {
        sum = FG_FN(dot_row)(y, NULL, n);
    } else {
        for (fg_idx k = 0; k < n; k++)
            sum += y[k * s];
    }
    const FG_T inv = (FG_T)(1.0 / sum);
    for (fg_idx k = 0; k < n; k++)
        y[k * s] *= inv;
}

static inline void FG_FN(softmax_grad_vec)(const FG_T *y, const FG_T *g, FG_T *dx,
                                           fg_idx n, fg_idx s)
{
    double dot = 0.0;
    if (s == 1) {
        dot = FG_FN(dot_row)(g, y, n);
    } else {
        for (fg_idx k = 0; k < n; k++)
            dot += (double)g[k * s] * y[k * s];
    }
    const FG_T d = (FG_T)dot;
    for (fg_idx k = 0; k < n; k++)
        dx[k * s] = y[k * s] * (g[k * s] - d);
}

void FG_FN(fg_softmax_forward)(const FG_T *x, FG_T *y, fg_idx outer, fg_idx n, fg_idx inner)
{
    if (n <= 0)
        return;
    const fg_idx nvec = outer * inner;
    if (inner == 1) {
        FG_PAR_IF(nvec * n > FG_PAR_MATH,
                  for (fg_idx r = 0; r < outer; r++)
                      FG_FN(softmax_vec)(x + r * n, y + r * n, n, 1););
    } else {
        #pragma omp parallel for if(nvec * n > FG_PAR_MATH) schedule(static)
        for (fg_idx v = 0; v < nvec; v++) {
            const fg_idx base = (v / inner) * n * inner + v % inner;
            FG_FN(softmax_vec)(x + base, y + base, n, inner);
        }
    }
}

void FG_FN(fg_softmax_backward)(const FG_T *y, const FG_T *g, FG_T *dx,
                                fg_idx outer, fg_idx n, fg_idx inner)
{
    if (n <= 0)
        return;
    const fg_idx nvec = outer * inner;
    if (inner == 1) {
        #pragma omp parallel for if(nvec * n > FG_PAR_ARITH) schedule(static)
        for (fg_idx r = 0; r < outer; r++)
            FG_FN(softmax_grad_vec)(y + r * n, g + r * n, dx + r * n, n, 1);
    } else {
        #pragma omp parallel for if(nvec * n > FG_PAR_ARITH) schedule(static)
        for (fg_idx v = 0; v < nvec; v++) {
            const fg_idx base = (v / inner) * n * inner + v % inner;
            FG_FN(softmax_grad_vec)(y + base, g + base, dx + base, n, inner);
        }
    }
}

/* log(sum(exp(z))) of one contiguous row; p (may be NULL) receives softmax(z). */
static inline FG_T FG_FN(logsumexp_row)(const FG_T *z, FG_T *p, fg_idx n)
{
    const FG_T m = FG_FN(max_row)(z, n);
    double sum;
    if (p) {
        for (fg_idx k = 0; k < n; k++)
            p[k] = VEXP(z[k] - m);
        sum = FG_FN(dot_row)(p, NULL, n);
        const FG_T inv = (FG_T)(1.0 / sum);
        for (fg_idx k = 0; k < n; k++)
            p[k] *= inv;
    } else {
        sum = FG_FN(sum_exp)(z, m, n);
    }
    return m + (FG_T)log(sum);
}

void FG_FN(fg_softmax_xent_forward)(const FG_T *z, const FG_T *t, FG_T *loss, FG_T *p,
                                    fg_idx rows, fg_idx n)
{
    if (n <= 0) {
        for (fg_idx r = 0; r < rows; r++)
            loss[r] = 0;
        return;
    }
    #pragma omp parallel for if(rows * n > FG_PAR_MATH) schedule(static)
    for (fg_idx r = 0; r < rows; r++) {
        const FG_T *zr = z + r * n, *tr = t + r * n;
        const FG_T lse = FG_FN(logsumexp_row)(zr, p ? p + r * n : NULL, n);
        loss[r] = (FG_T)((double)lse * FG_FN(dot_row)(tr, NULL, n)
                         - FG_FN(dot_row)(tr, zr, n));
    }
}

void FG_FN(fg_softmax_xent_backward)(const FG_T *p, const FG_T *t, const FG_T *g, FG_T *dz,
                                     fg_idx rows, fg_idx n)
{
    #pragma omp parallel for if(rows * n > FG_PAR_ARITH) schedule(static)
    for (fg_idx r = 0; r < rows; r++) {
        const FG_T *pr = p + r * n, *tr = t + r * n;
        FG_T *dr = dz + r * n;
        const FG_T sum_t = (FG_T)FG_FN(dot_row)(tr, NULL, n), gr = g[r];
        for (fg_idx k = 0; k < n; k++)
            dr[k] = (pr[k] * sum_t - tr[k]) * gr;
    }
}

fg_idx FG_FN(fg_sparse_xent_forward)(const FG_T *z, const int64_t *labels, FG_T *loss,
                                     FG_T *p, fg_idx rows, fg_idx n)
{
    for (fg_idx r = 0; r < rows; r++)
        if (labels[r] < 0 || labels[r] >= (int64_t)n)
            return r;
    #pragma omp parallel for if(rows * n > FG_PAR_MATH) schedule(static)
    for (fg_idx r = 0; r < rows; r++) {
        const FG_T *zr = z + r * n;
        loss[r] = FG_FN(logsumexp_row)(zr, p ? p + r * n : NULL, n) - zr[labels[r]];
    }
    return -1;
}

void FG_FN(fg_sparse_xent_backward)(const FG_T *p, const int64_t *labels, const FG_T *g,
                                    FG_T *dz, fg_idx rows, fg_idx n)
{
    #pragma omp parallel for if(rows * n > FG_PAR_ARITH) schedule(static)
    for (fg_idx r = 0; r < rows; r++) {
        const FG_T *pr = p + r * n;
        FG_T *dr = dz + r * n;
        const FG_T gr = g[r];
        for (fg_idx k = 0; k < n; k++)
            dr[k] = pr[k] * gr;
        dr[labels[r]] -= gr;
    }
}

void FG_FN(fg_sigmoid_xent_forward)(const FG_T *z, const FG_T *t, FG_T *loss, FG_T *s,
                                    fg_idx n)
{
    #pragma omp parallel for if(n > FG_PAR_MATH) schedule(static)
    for (fg_idx i = 0; i < n; i++) {
        const FG_T v = z[i];
        const FG_T e = VEXP(-fabs(v));
        loss[i] = fmax(v, (FG_T)0) - v * t[i] + log1p(e);
        if (s) {
            const FG_T r = (FG_T)1 / ((FG_T)1 + e);
            s[i] = v >= 0 ? r : e * r;
        }
    }
}

void FG_FN(fg_sigmoid_xent_backward)(const FG_T *s, const FG_T *t, const FG_T *g,
                                     FG_T *dz, fg_idx n)
{
    #pragma omp parallel for if(n > FG_PAR_ARITH) schedule(static)
    for (fg_idx i = 0; i < n; i++)
        dz[i] = (s[i] - t[i]) * g[i];
}

#undef VEXP
#undef GELU_K
#undef GELU_C
#undef INV_SQRT2
#undef INV_SQRT_2PI
