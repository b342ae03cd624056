/* The depthwise kernels over FG_T (see fg_twins.h), compiled by depthwise.c. */

/* One output pixel of channel multiplier 1: out[ch] = init[ch] (0 when
 * init is NULL) + the taps' products, FG_DW_NV vectors of channels at a
 * time in registers, then single vectors, then single channels.  xs[t] is
 * tap t's input pixel, ks[t] its kernel row; init may be out itself (a
 * continued sum). */
static void FG_FN(dw_pixel)(const FG_T *const *xs, const FG_T *const *ks, fg_idx taps,
                            const FG_T *init, FG_T *out, fg_idx C)
{
    const fg_idx L = FG_DW_LANES;
    const FG_DW_VT zero = {0};
    fg_idx c0 = 0;
    for (; c0 + FG_DW_NV * L <= C; c0 += FG_DW_NV * L) {
        FG_DW_VT acc[FG_DW_NV];
        for (int v = 0; v < FG_DW_NV; v++)
            acc[v] = init != NULL ? *(const FG_DW_VT *)(init + c0 + v * L) : zero;
        for (fg_idx t = 0; t < taps; t++) {
            const FG_T *xp = xs[t] + c0, *kp = ks[t] + c0;
            for (int v = 0; v < FG_DW_NV; v++)
                acc[v] += *(const FG_DW_VT *)(xp + v * L) * *(const FG_DW_VT *)(kp + v * L);
        }
        for (int v = 0; v < FG_DW_NV; v++)
            *(FG_DW_VT *)(out + c0 + v * L) = acc[v];
    }
    for (; c0 + L <= C; c0 += L) {
        FG_DW_VT acc = init != NULL ? *(const FG_DW_VT *)(init + c0) : zero;
        for (fg_idx t = 0; t < taps; t++)
            acc += *(const FG_DW_VT *)(xs[t] + c0) * *(const FG_DW_VT *)(ks[t] + c0);
        *(FG_DW_VT *)(out + c0) = acc;
    }
    for (; c0 < C; c0++) {
        FG_T acc = init != NULL ? init[c0] : 0;
        for (fg_idx t = 0; t < taps; t++)
            acc += xs[t][c0] * ks[t][c0];
        out[c0] = acc;
    }
}

/* Output pixel (n, i, j) with channel multiplier 1. */
static void FG_FN(dw_pixel_m1)(const FG_T *x, const FG_T *k, const FG_T *bias,
                               FG_T *out, const fg_dw_geom *g, fg_idx n, fg_idx i,
                               fg_idx j)
{
    const FG_T *xs[FG_DW_TAPS], *ks[FG_DW_TAPS];
    const FG_T *init = bias;
    fg_idx taps = 0;
    for (fg_idx a = 0; a < g->kh; a++) {
        const fg_idx yy = i * g->sh - g->pt + a * g->dh;
        if (yy < 0 || yy >= g->h)
            continue;
        const FG_T *xrow = x + (n * g->h + yy) * g->w * g->c;
        for (fg_idx b = 0; b < g->kw; b++) {
            const fg_idx xx = j * g->sw - g->pl + b * g->dw;
            if (xx < 0 || xx >= g->w)
                continue;
            xs[taps] = xrow + xx * g->c;
            ks[taps] = k + (a * g->kw + b) * g->c;
            if (++taps == FG_DW_TAPS) {
                FG_FN(dw_pixel)(xs, ks, taps, init, out, g->c);
                init = out;
                taps = 0;
            }
        }
    }
    if (taps > 0 || init != out)
        FG_FN(dw_pixel)(xs, ks, taps, init, out, g->c);
}

/* Output pixel (n, i, j) with channel multiplier m > 1: out[ch*m + q]. */
static void FG_FN(dw_pixel_m)(const FG_T *x, const FG_T *k, const FG_T *bias,
                              FG_T *FG_RESTRICT out, const fg_dw_geom *g, fg_idx n,
                              fg_idx i, fg_idx j)
{
    const fg_idx C = g->c, M = g->m, CM = C * M;
    for (fg_idx co = 0; co < CM; co++)
        out[co] = bias != NULL ? bias[co] : 0;
    for (fg_idx a = 0; a < g->kh; a++) {
        const fg_idx yy = i * g->sh - g->pt + a * g->dh;
        if (yy < 0 || yy >= g->h)
            continue;
        for (fg_idx b = 0; b < g->kw; b++) {
            const fg_idx xx = j * g->sw - g->pl + b * g->dw;
            if (xx < 0 || xx >= g->w)
                continue;
            const FG_T *FG_RESTRICT xp = x + ((n * g->h + yy) * g->w + xx) * C;
            const FG_T *FG_RESTRICT kp = k + (a * g->kw + b) * CM;
            for (fg_idx ch = 0; ch < C; ch++)
                for (fg_idx q = 0; q < M; q++)
                    out[ch * M + q] += xp[ch] * kp[ch * M + q];
        }
    }
}

void FG_FN(fg_depthwise)(const FG_T *x, const FG_T *k, const FG_T *bias, FG_T *y,
                         const fg_dw_geom *g)
{
    const fg_idx CM = g->c * g->m, rows = g->n * g->oh;
    const int par = rows * g->ow * CM * g->kh * g->kw > FG_PAR_MIN;
    (void)par;
    FG_OMP_FOR
    for (fg_idx r = 0; r < rows; r++) {
        const fg_idx n = r / g->oh, i = r % g->oh;
        FG_T *yrow = y + r * g->ow * CM;
        for (fg_idx j = 0; j < g->ow; j++) {
            if (g->m == 1)
                FG_FN(dw_pixel_m1)(x, k, bias, yrow + j * CM, g, n, i, j);
            else
                FG_FN(dw_pixel_m)(x, k, bias, yrow + j * CM, g, n, i, j);
        }
    }
}

/* Input pixel (n, yy, xx)'s gradient with channel multiplier 1: the sum over
 * the taps (a, b) that read it from an output pixel of dy times the tap's
 * kernel row (dw_pixel, the same register blocking as the forward pass). */
static void FG_FN(dw_dx_pixel)(const FG_T *dy, const FG_T *k, FG_T *out,
                               const fg_dw_geom *g, fg_idx n, fg_idx yy, fg_idx xx)
{
    const FG_T *gs[FG_DW_TAPS], *ks[FG_DW_TAPS];
    const FG_T *init = NULL;
    fg_idx taps = 0;
    for (fg_idx a = 0; a < g->kh; a++) {
        const fg_idx t = yy + g->pt - a * g->dh;
        if (t < 0 || t % g->sh != 0 || t / g->sh >= g->oh)
            continue;
        const FG_T *dyrow = dy + (n * g->oh + t / g->sh) * g->ow * g->c;
        for (fg_idx b = 0; b < g->kw; b++) {
            const fg_idx u = xx + g->pl - b * g->dw;
            if (u < 0 || u % g->sw != 0 || u / g->sw >= g->ow)
                continue;
            gs[taps] = dyrow + u / g->sw * g->c;
            ks[taps] = k + (a * g->kw + b) * g->c;
            if (++taps == FG_DW_TAPS) {
                FG_FN(dw_pixel)(gs, ks, taps, init, out, g->c);
                init = out;
                taps = 0;
            }
        }
    }
    if (taps > 0 || init != out)
        FG_FN(dw_pixel)(gs, ks, taps, init, out, g->c);
}

/* Each thread owns whole input rows: with multiplier 1 every input pixel
 * gathers its taps; with m > 1, for every tap row a reaching input row yy
 * from an output row, the taps b scatter dy * k into that row only. */
void FG_FN(fg_depthwise_dx)(const FG_T *dy, const FG_T *k, FG_T *dx,
                            const fg_dw_geom *g)
{
    const fg_idx C = g->c, M = g->m, CM = C * M, rows = g->n * g->h;
    const int par = g->n * g->oh * g->ow * CM * g->kh * g->kw > FG_PAR_MIN;
    (void)par;
    FG_OMP_FOR
    for (fg_idx r = 0; r < rows; r++) {
        const fg_idx n = r / g->h, yy = r % g->h;
        FG_T *dxrow = dx + r * g->w * C;
        if (M == 1) {
            for (fg_idx xx = 0; xx < g->w; xx++)
                FG_FN(dw_dx_pixel)(dy, k, dxrow + xx * C, g, n, yy, xx);
            continue;
        }
        memset(dxrow, 0, (size_t)(g->w * C) * sizeof(FG_T));
        for (fg_idx a = 0; a < g->kh; a++) {
            const fg_idx t = yy + g->pt - a * g->dh;
            if (t < 0 || t % g->sh != 0 || t / g->sh >= g->oh)
                continue;
            const FG_T *dyrow = dy + (n * g->oh + t / g->sh) * g->ow * CM;
            for (fg_idx b = 0; b < g->kw; b++) {
                const fg_idx off = b * g->dw - g->pl;
                const FG_T *FG_RESTRICT kp = k + (a * g->kw + b) * CM;
                fg_idx j0, j1;
                fg_dw_span(off, g->sw, g->w, g->ow, &j0, &j1);
                for (fg_idx j = j0; j < j1; j++) {
                    FG_T *FG_RESTRICT dp = dxrow + (j * g->sw + off) * C;
                    const FG_T *FG_RESTRICT gp = dyrow + j * CM;
                    for (fg_idx ch = 0; ch < C; ch++) {
                        FG_T s = 0;
                        for (fg_idx q = 0; q < M; q++)
                            s += gp[ch * M + q] * kp[ch * M + q];
                        dp[ch] += s;
                    }
                }
            }
        }
    }
}

/* acc[ch] += sum over j in [j0, j1) of x[j*xs + ch] * dy[j*gs + ch] for
 * ch < C: blocks of FG_DW_NV vectors summed in registers along the row. */
static void FG_FN(dw_dot_row)(const FG_T *x, fg_idx xs, const FG_T *dy, fg_idx gs,
                              fg_idx j0, fg_idx j1, FG_T *acc, fg_idx C)
{
    const fg_idx L = FG_DW_LANES;
    const FG_DW_VT zero = {0};
    fg_idx c0 = 0;
    for (; c0 + FG_DW_NV * L <= C; c0 += FG_DW_NV * L) {
        FG_DW_VT s[FG_DW_NV];
        for (int v = 0; v < FG_DW_NV; v++)
            s[v] = zero;
        for (fg_idx j = j0; j < j1; j++) {
            const FG_T *xp = x + j * xs + c0, *gp = dy + j * gs + c0;
            for (int v = 0; v < FG_DW_NV; v++)
                s[v] += *(const FG_DW_VT *)(xp + v * L) * *(const FG_DW_VT *)(gp + v * L);
        }
        for (int v = 0; v < FG_DW_NV; v++)
            *(FG_DW_VT *)(acc + c0 + v * L) += s[v];
    }
    for (; c0 < C; c0++) {
        FG_T s = 0;
        for (fg_idx j = j0; j < j1; j++)
            s += x[j * xs + c0] * dy[j * gs + c0];
        acc[c0] += s;
    }
}

/* The kernel gradient of output rows [r0, r1) added into acc (kh, kw, c, m). */
static void FG_FN(dw_dk_rows)(const FG_T *x, const FG_T *dy, FG_T *acc,
                              const fg_dw_geom *g, fg_idx r0, fg_idx r1)
{
    const fg_idx C = g->c, M = g->m, CM = C * M;
    for (fg_idx r = r0; r < r1; r++) {
        const fg_idx n = r / g->oh, i = r % g->oh;
        const FG_T *dyrow = dy + r * g->ow * CM;
        for (fg_idx a = 0; a < g->kh; a++) {
            const fg_idx yy = i * g->sh - g->pt + a * g->dh;
            if (yy < 0 || yy >= g->h)
                continue;
            const FG_T *xrow = x + (n * g->h + yy) * g->w * C;
            for (fg_idx b = 0; b < g->kw; b++) {
                const fg_idx off = b * g->dw - g->pl;
                FG_T *FG_RESTRICT kp = acc + (a * g->kw + b) * CM;
                fg_idx j0, j1;
                fg_dw_span(off, g->sw, g->w, g->ow, &j0, &j1);
                if (M == 1) {
                    FG_FN(dw_dot_row)(xrow + off * C, g->sw * C, dyrow, CM, j0, j1,
                                      kp, C);
                    continue;
                }
                for (fg_idx j = j0; j < j1; j++) {
                    const FG_T *FG_RESTRICT xp = xrow + (j * g->sw + off) * C;
                    const FG_T *FG_RESTRICT gp = dyrow + j * CM;
                    for (fg_idx ch = 0; ch < C; ch++)
                        for (fg_idx q = 0; q < M; q++)
                            kp[ch * M + q] += xp[ch] * gp[ch * M + q];
                }
            }
        }
    }
}

int FG_FN(fg_depthwise_dk)(const FG_T *x, const FG_T *dy, FG_T *dk,
                           const fg_dw_geom *g)
{
    const fg_idx len = g->kh * g->kw * g->c * g->m, rows = g->n * g->oh;
    int nt = 1;
    if (FG_HAVE_OPENMP && rows * g->ow * len > FG_PAR_MIN && rows > 1)
        nt = fg_dw_threads();
    if (nt <= 1) {
        memset(dk, 0, (size_t)len * sizeof(FG_T));
        FG_FN(dw_dk_rows)(x, dy, dk, g, 0, rows);
        return 0;
    }
    FG_T *part = calloc((size_t)nt * (size_t)len, sizeof(FG_T));
    if (part == NULL)
        return -1;
    int team = 1;
    FG_OMP_PARALLEL_NT(nt)
    {
        const fg_idx id = fg_dw_tid(), cnt = fg_dw_team();
        if (id == 0)
            team = (int)cnt;
        FG_FN(dw_dk_rows)(x, dy, part + id * len, g, rows * id / cnt,
                          rows * (id + 1) / cnt);
    }
    memcpy(dk, part, (size_t)len * sizeof(FG_T));
    for (int t = 1; t < team; t++)
        for (fg_idx e = 0; e < len; e++)
            dk[e] += part[(fg_idx)t * len + e];
    free(part);
    return 0;
}
