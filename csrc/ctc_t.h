/* The CTC kernels over FG_T (see fg_twins.h), compiled by ctc.c. */

/* Loss (and gradient rows, when g != NULL) of one sample: lp (T, C) its
 * log-probabilities, lab its L labels, work 2 * T * S doubles. */
static FG_T FG_FN(ctc_one)(const FG_T *lp, const int64_t *lab, fg_idx L, fg_idx T,
                           fg_idx C, double *work, FG_T *g)
{
    const fg_idx S = 2 * L + 1, blank = C - 1;
    double *alpha = work, *beta = work + T * S;
#define FG_LAB(s) ((s) % 2 ? (fg_idx)lab[(s) / 2] : blank)
#define FG_SKIP(s) ((s) >= 2 && (s) % 2 && lab[(s) / 2] != lab[(s) / 2 - 1])
    for (fg_idx s = 0; s < S; s++)
        alpha[s] = s < 2 ? (double)lp[FG_LAB(s)] : -INFINITY;
    for (fg_idx t = 1; t < T; t++) {
        const double *prev = alpha + (t - 1) * S;
        double *cur = alpha + t * S;
        for (fg_idx s = 0; s < S; s++) {
            double a = prev[s];
            if (s >= 1) a = fg_lse2(a, prev[s - 1]);
            if (FG_SKIP(s)) a = fg_lse2(a, prev[s - 2]);
            cur[s] = a == -INFINITY ? a : a + (double)lp[t * C + FG_LAB(s)];
        }
    }
    const double *last = alpha + (T - 1) * S;
    const double logz = S > 1 ? fg_lse2(last[S - 1], last[S - 2]) : last[S - 1];
    if (g == NULL)
        return (FG_T)-logz;
    for (fg_idx i = 0; i < T * C; i++)
        g[i] = 0;
    if (logz == -INFINITY)
        return (FG_T)INFINITY;
    for (fg_idx s = 0; s < S; s++)
        beta[(T - 1) * S + s] = s >= S - 2 ? 0.0 : -INFINITY;
    for (fg_idx t = T - 2; t >= 0; t--) {
        const double *next = beta + (t + 1) * S;
        const FG_T *row = lp + (t + 1) * C;
        double *cur = beta + t * S;
        for (fg_idx s = 0; s < S; s++) {
            double b = next[s] + (double)row[FG_LAB(s)];
            if (s + 1 < S) b = fg_lse2(b, next[s + 1] + (double)row[FG_LAB(s + 1)]);
            if (s + 2 < S && FG_SKIP(s + 2))
                b = fg_lse2(b, next[s + 2] + (double)row[FG_LAB(s + 2)]);
            cur[s] = b;
        }
    }
    for (fg_idx t = 0; t < T; t++)
        for (fg_idx s = 0; s < S; s++) {
            const double occ = alpha[t * S + s] + beta[t * S + s] - logz;
            if (occ > -INFINITY)
                g[t * C + FG_LAB(s)] -= (FG_T)exp(occ);
        }
#undef FG_LAB
#undef FG_SKIP
    return (FG_T)-logz;
}

int FG_FN(fg_ctc_loss)(const FG_T *logp, const int64_t *labels, const int64_t *label_len,
                       const int64_t *input_len, fg_idx n, fg_idx t, fg_idx c, fg_idx l,
                       FG_T *loss, FG_T *grad)
{
    int failed = 0;
    const size_t per = 2 * (size_t)(t > 0 ? t : 1) * (size_t)(2 * l + 1);
#if FG_HAVE_OPENMP
#pragma omp parallel if (n > 1 && (fg_idx)per * n > 4096) reduction(|: failed)
#endif
    {
        double *work = malloc(per * sizeof(double));
        if (work == NULL) {
            failed = 1;
        } else {
#if FG_HAVE_OPENMP
#pragma omp for schedule(dynamic)
#endif
            for (fg_idx b = 0; b < n; b++) {
                FG_T *g = grad == NULL ? NULL : grad + b * t * c;
                const fg_idx steps = (fg_idx)input_len[b];
                loss[b] = FG_FN(ctc_one)(logp + b * t * c, labels + b * l,
                                         (fg_idx)label_len[b], steps, c, work, g);
                if (g != NULL)
                    for (fg_idx i = steps * c; i < t * c; i++)
                        g[i] = 0;
            }
        }
        free(work);
    }
    return failed ? -1 : 0;
}
