/* Batch and layer normalisation over FG_T (see fg_twins.h), compiled by
 * norm.c. */
int FG_FN(fg_bn_stats)(const FG_T *FG_RESTRICT x, fg_idx N, fg_idx C,
                       FG_T *FG_RESTRICT mean, FG_T *FG_RESTRICT var)
{
    if (C == 0)
        return 0;
    if (N == 0) {
        for (fg_idx c = 0; c < C; c++)
            mean[c] = var[c] = (FG_T)NAN;
        return 0;
    }
    const int nt = fg_norm_threads(N * C);
    double *acc = calloc((size_t)nt * 2 * (size_t)C, sizeof(double));
    if (!acc)
        return -1;
    /* Sums of x - x[0, c] (the first row as shift) avoid cancellation. */
    #pragma omp parallel num_threads(nt) if(nt > 1)
    {
        const int tid = FG_TID(), team = FG_NTEAM();
        double *FG_RESTRICT s = acc + (fg_idx)tid * 2 * C;
        double *FG_RESTRICT q = s + C;
        const fg_idx r0 = N * tid / team, r1 = N * (tid + 1) / team;
        for (fg_idx r = r0; r < r1; r++) {
            const FG_T *FG_RESTRICT row = x + r * C;
            for (fg_idx c = 0; c < C; c++) {
                const double d = (double)row[c] - (double)x[c];
                s[c] += d;
                q[c] += d * d;
            }
        }
    }
    fg_norm_fold(acc, nt, 2 * C);
    for (fg_idx c = 0; c < C; c++) {
        const double m = acc[c] / (double)N;
        const double v = acc[C + c] / (double)N - m * m;
        mean[c] = (FG_T)((double)x[c] + m);
        var[c] = (FG_T)(v > 0.0 ? v : 0.0);
    }
    free(acc);
    return 0;
}

void FG_FN(fg_bn_apply)(const FG_T *FG_RESTRICT x, fg_idx N, fg_idx C,
                        const FG_T *FG_RESTRICT mean, const FG_T *FG_RESTRICT scale,
                        const FG_T *FG_RESTRICT shift, FG_T *FG_RESTRICT y)
{
    #pragma omp parallel for schedule(static) if(N * C >= FG_NORM_PAR_MIN)
    for (fg_idx r = 0; r < N; r++) {
        const FG_T *FG_RESTRICT xr = x + r * C;
        FG_T *FG_RESTRICT yr = y + r * C;
        for (fg_idx c = 0; c < C; c++)
            yr[c] = (xr[c] - mean[c]) * scale[c] + shift[c];
    }
}

int FG_FN(fg_bn_reduce)(const FG_T *FG_RESTRICT x, const FG_T *FG_RESTRICT g,
                        fg_idx N, fg_idx C, const FG_T *FG_RESTRICT mean,
                        const FG_T *FG_RESTRICT invstd, FG_T *FG_RESTRICT sum_g,
                        FG_T *FG_RESTRICT sum_gxhat)
{
    if (C == 0)
        return 0;
    const int nt = fg_norm_threads(N * C);
    double *acc = calloc((size_t)nt * 2 * (size_t)C, sizeof(double));
    if (!acc)
        return -1;
    #pragma omp parallel num_threads(nt) if(nt > 1)
    {
        const int tid = FG_TID(), team = FG_NTEAM();
        double *FG_RESTRICT s = acc + (fg_idx)tid * 2 * C;
        double *FG_RESTRICT q = s + C;
        const fg_idx r0 = N * tid / team, r1 = N * (tid + 1) / team;
        for (fg_idx r = r0; r < r1; r++) {
            const FG_T *FG_RESTRICT xr = x + r * C;
            const FG_T *FG_RESTRICT gr = g + r * C;
            for (fg_idx c = 0; c < C; c++) {
                s[c] += (double)gr[c];
                q[c] += (double)gr[c] * (double)(xr[c] - mean[c]);
            }
        }
    }
    fg_norm_fold(acc, nt, 2 * C);
    for (fg_idx c = 0; c < C; c++) {
        sum_g[c] = (FG_T)acc[c];
        sum_gxhat[c] = (FG_T)(acc[C + c] * (double)invstd[c]);
    }
    free(acc);
    return 0;
}

void FG_FN(fg_bn_dx)(const FG_T *FG_RESTRICT x, const FG_T *FG_RESTRICT g,
                     fg_idx N, fg_idx C, const FG_T *FG_RESTRICT mean,
                     const FG_T *FG_RESTRICT a, const FG_T *FG_RESTRICT b,
                     const FG_T *FG_RESTRICT k, FG_T *FG_RESTRICT dx)
{
    #pragma omp parallel for schedule(static) if(N * C >= FG_NORM_PAR_MIN)
    for (fg_idx r = 0; r < N; r++) {
        const FG_T *FG_RESTRICT xr = x + r * C;
        const FG_T *FG_RESTRICT gr = g + r * C;
        FG_T *FG_RESTRICT dr = dx + r * C;
        for (fg_idx c = 0; c < C; c++)
            dr[c] = gr[c] * a[c] + (xr[c] - mean[c]) * b[c] + k[c];
    }
}

void FG_FN(fg_ln_forward)(const FG_T *FG_RESTRICT x, fg_idx N, fg_idx D,
                          const FG_T *FG_RESTRICT gamma, const FG_T *FG_RESTRICT beta,
                          double eps, FG_T *FG_RESTRICT y, FG_T *FG_RESTRICT mean,
                          FG_T *FG_RESTRICT invstd)
{
    #pragma omp parallel for schedule(static) if(N * D >= FG_NORM_PAR_MIN)
    for (fg_idx r = 0; r < N; r++) {
        const FG_T *FG_RESTRICT xr = x + r * D;
        FG_T *FG_RESTRICT yr = y + r * D;
        double s = 0.0, q = 0.0;
        #pragma omp simd reduction(+:s)
        for (fg_idx i = 0; i < D; i++)
            s += (double)xr[i];
        const double m = s / (double)D;
        #pragma omp simd reduction(+:q)
        for (fg_idx i = 0; i < D; i++) {
            const double d = (double)xr[i] - m;
            q += d * d;
        }
        const double is = 1.0 / sqrt(q / (double)D + eps);
        const FG_T mt = (FG_T)m, it = (FG_T)is;
        mean[r] = mt;
        invstd[r] = it;
        if (gamma && beta)
            for (fg_idx i = 0; i < D; i++)
                yr[i] = (xr[i] - mt) * it * gamma[i] + beta[i];
        else if (gamma)
            for (fg_idx i = 0; i < D; i++)
                yr[i] = (xr[i] - mt) * it * gamma[i];
        else if (beta)
            for (fg_idx i = 0; i < D; i++)
                yr[i] = (xr[i] - mt) * it + beta[i];
        else
            for (fg_idx i = 0; i < D; i++)
                yr[i] = (xr[i] - mt) * it;
    }
}

int FG_FN(fg_ln_backward)(const FG_T *FG_RESTRICT x, const FG_T *FG_RESTRICT g,
                          fg_idx N, fg_idx D, const FG_T *FG_RESTRICT gamma,
                          const FG_T *FG_RESTRICT mean, const FG_T *FG_RESTRICT invstd,
                          FG_T *FG_RESTRICT dx, FG_T *FG_RESTRICT dgamma,
                          FG_T *FG_RESTRICT dbeta)
{
    if (D == 0)
        return 0;
    const int want = dgamma != NULL || dbeta != NULL;
    const int nt = fg_norm_threads(N * D);
    double *acc = want ? calloc((size_t)nt * 2 * (size_t)D, sizeof(double)) : NULL;
    if (want && !acc)
        return -1;
    #pragma omp parallel num_threads(nt) if(nt > 1)
    {
        const int tid = FG_TID(), team = FG_NTEAM();
        double *FG_RESTRICT ag = want ? acc + (fg_idx)tid * 2 * D : NULL;
        double *FG_RESTRICT ab = want ? ag + D : NULL;
        const fg_idx r0 = N * tid / team, r1 = N * (tid + 1) / team;
        for (fg_idx r = r0; r < r1; r++) {
            const FG_T *FG_RESTRICT xr = x + r * D;
            const FG_T *FG_RESTRICT gr = g + r * D;
            FG_T *FG_RESTRICT dr = dx + r * D;
            const FG_T m = mean[r], is = invstd[r];
            double s1 = 0.0, s2 = 0.0;
            #pragma omp simd reduction(+:s1, s2)
            for (fg_idx i = 0; i < D; i++) {
                const FG_T xh = (xr[i] - m) * is;
                const FG_T gg = gamma ? gr[i] * gamma[i] : gr[i];
                s1 += (double)gg;
                s2 += (double)gg * (double)xh;
            }
            if (want)
                for (fg_idx i = 0; i < D; i++) {
                    ag[i] += (double)gr[i] * (double)((xr[i] - m) * is);
                    ab[i] += (double)gr[i];
                }
            const FG_T m1 = (FG_T)(s1 / (double)D), m2 = (FG_T)(s2 / (double)D);
            for (fg_idx i = 0; i < D; i++) {
                const FG_T xh = (xr[i] - m) * is;
                const FG_T gg = gamma ? gr[i] * gamma[i] : gr[i];
                dr[i] = is * (gg - m1 - xh * m2);
            }
        }
    }
    if (want) {
        fg_norm_fold(acc, nt, 2 * D);
        for (fg_idx i = 0; i < D; i++) {
            if (dgamma)
                dgamma[i] += (FG_T)acc[i];
            if (dbeta)
                dbeta[i] += (FG_T)acc[D + i];
        }
        free(acc);
    }
    return 0;
}
