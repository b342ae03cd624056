/* The convolution kernels over FG_T (see fg_twins.h), compiled by im2col.c. */

/* Add one output row's columns of kernel plane and row (e, a), src, into
 * the input row `line` (one group: every tap a contiguous run of C). */
static void FG_FN(col2im_row)(const FG_T *src, FG_T *FG_RESTRICT line,
                              const fg_conv_geom *g, fg_idx K)
{
    const fg_idx C = g->c, W = g->w;
    for (fg_idx j = 0; j < g->ow; j++, src += K) {
        const fg_idx x0 = j * g->sw - g->pl;
        for (fg_idx b = 0; b < g->kw; b++) {
            const fg_idx xx = x0 + b * g->dw;
            if (xx < 0 || xx >= W)
                continue;
            FG_T *FG_RESTRICT d = line + xx * C;
            const FG_T *FG_RESTRICT s = src + b * C;
            for (fg_idx ch = 0; ch < C; ch++)
                d[ch] += s[ch];
        }
    }
}

/* The same with channel groups: tap b of group grp is a run of C / groups. */
static void FG_FN(col2im_row_grouped)(const FG_T *src, FG_T *FG_RESTRICT line,
                                      const fg_conv_geom *g, fg_idx K)
{
    const fg_idx C = g->c, W = g->w, G = g->groups, cg = C / G;
    const fg_idx taps = g->kd * g->kh * g->kw;
    for (fg_idx j = 0; j < g->ow; j++, src += K) {
        const fg_idx x0 = j * g->sw - g->pl;
        for (fg_idx b = 0; b < g->kw; b++) {
            const fg_idx xx = x0 + b * g->dw;
            if (xx < 0 || xx >= W)
                continue;
            for (fg_idx grp = 0; grp < G; grp++) {
                FG_T *FG_RESTRICT d = line + xx * C + grp * cg;
                const FG_T *FG_RESTRICT s = src + (grp * taps + b) * cg;
                for (fg_idx ch = 0; ch < cg; ch++)
                    d[ch] += s[ch];
            }
        }
    }
}

/* Race-free in parallel: for a fixed kernel plane and row (e, a), distinct
 * output rows (n, z, i) write distinct input rows (n, z*sd - pf + e*dd,
 * i*sh - pt + a*dh), so the (e, a) pairs are processed one after another,
 * each split across threads by output row. */
void FG_FN(fg_col2im)(const FG_T *cols, FG_T *dx, const fg_conv_geom *g,
                      fg_idx r0, fg_idx r1)
{
    const fg_idx C = g->c, cg = C / g->groups;
    const fg_idx K = g->kd * g->kh * g->kw * C;
    const int par = (r1 - r0) * g->ow * K > FG_PAR_MIN;
    FG_OMP_PARALLEL
    {
        for (fg_idx ea = 0; ea < g->kd * g->kh; ea++) {
            const fg_idx e = ea / g->kh, a = ea % g->kh;
            FG_OMP_FOR
            for (fg_idx r = r0; r < r1; r++) {
                FG_CONV_ROW(g, r, n, z, i);
                const fg_idx zz = z * g->sd - g->pf + e * g->dd;
                const fg_idx y = i * g->sh - g->pt + a * g->dh;
                if (zz < 0 || zz >= g->d || y < 0 || y >= g->h)
                    continue;
                FG_T *line = dx + ((n * g->d + zz) * g->h + y) * g->w * C;
                const FG_T *src = cols + (r - r0) * g->ow * K + ea * g->kw * cg;
                if (g->groups == 1)
                    FG_FN(col2im_row)(src, line, g, K);
                else
                    FG_FN(col2im_row_grouped)(src, line, g, K);
            }
        }
    }
}

void FG_FN(fg_conv_bias_act)(FG_T *y, const FG_T *b, fg_idx rows, fg_idx cols,
                             int relu)
{
    const int par = rows * cols > FG_PAR_MIN;
    (void)par;
    FG_OMP_PARALLEL_FOR
    for (fg_idx r = 0; r < rows; r++) {
        FG_T *FG_RESTRICT row = y + r * cols;
        if (b != NULL) {
            const FG_T *FG_RESTRICT bb = b;
            for (fg_idx c = 0; c < cols; c++)
                row[c] += bb[c];
        }
        if (relu)
            for (fg_idx c = 0; c < cols; c++)
                row[c] = row[c] > 0 ? row[c] : 0;
    }
}

/* Rows [r0, r1) of the epilogue's backward; acc (may be NULL) accumulates. */
static void FG_FN(act_grad_rows)(const FG_T *y, const FG_T *g, FG_T *dz, double *acc,
                                 fg_idx r0, fg_idx r1, fg_idx cols, int relu)
{
    for (fg_idx r = r0; r < r1; r++) {
        const FG_T *FG_RESTRICT gr = g + r * cols;
        double *FG_RESTRICT a = acc;
        if (relu) {
            const FG_T *FG_RESTRICT yr = y + r * cols;
            FG_T *FG_RESTRICT d = dz + r * cols;
            for (fg_idx c = 0; c < cols; c++)
                d[c] = yr[c] > 0 ? gr[c] : 0;
            gr = d;
        }
        if (a != NULL)
            for (fg_idx c = 0; c < cols; c++)
                a[c] += (double)gr[c];
    }
}

void FG_FN(fg_conv_act_grad)(const FG_T *y, const FG_T *g, FG_T *dz, double *db,
                             fg_idx rows, fg_idx cols, int relu)
{
    int nt = 1;
    double *part = NULL;
    if (FG_HAVE_OPENMP && rows * cols > FG_PAR_MIN)
        nt = fg_max_threads();
    if (nt > 1 && db != NULL) {
        part = calloc((size_t)nt * (size_t)cols, sizeof(double));
        if (part == NULL)
            nt = 1;
    }
    if (nt == 1) {
        FG_FN(act_grad_rows)(y, g, dz, db, 0, rows, cols, relu);
        return;
    }
    FG_OMP_PARALLEL_NT(nt)
    {
        const fg_idx id = fg_thread_num(), n = fg_num_threads();
        FG_FN(act_grad_rows)(y, g, dz, part ? part + id * cols : NULL,
                             rows * id / n, rows * (id + 1) / n, cols, relu);
    }
    if (part != NULL) {
        for (int t = 0; t < nt; t++)
            for (fg_idx c = 0; c < cols; c++)
                db[c] += part[(fg_idx)t * cols + c];
        free(part);
    }
}

FG_WINO_INPUT_FN(23, 4, 2, FG_BT_23)
FG_WINO_INPUT_FN(25, 6, 2, FG_BT_25)
FG_WINO_INPUT_FN(43, 6, 4, FG_BT_43)
FG_WINO_OUTPUT_FN(23, 4, 2, FG_AT_23)
FG_WINO_OUTPUT_FN(25, 6, 2, FG_AT_25)
FG_WINO_OUTPUT_FN(43, 6, 4, FG_AT_43)
FG_WINO_GRAD_FN(23, 4, 2, FG_GT_23)
FG_WINO_GRAD_FN(25, 6, 2, FG_GT_25)
FG_WINO_GRAD_FN(43, 6, 4, FG_GT_43)

void FG_FN(fg_wino_input)(const FG_T *x, FG_T *V, fg_idx ps, const fg_wino_geom *g,
                          fg_idx t0, fg_idx t1)
{
    FG_WINO_DISPATCH(wino_input_, (x, V, ps, g, t0, t1));
}

void FG_FN(fg_wino_output)(const FG_T *M, fg_idx ps, FG_T *y, const FG_T *bias,
                           int relu, const fg_wino_geom *g, fg_idx O,
                           fg_idx t0, fg_idx t1)
{
    FG_WINO_DISPATCH(wino_output_, (M, ps, y, bias, relu, g, O, t0, t1));
}

void FG_FN(fg_wino_grad)(const FG_T *dy, FG_T *W, fg_idx ps, const fg_wino_geom *g,
                         fg_idx O, fg_idx t0, fg_idx t1)
{
    FG_WINO_DISPATCH(wino_grad_, (dy, W, ps, g, O, t0, t1));
}

FG_GEMM_TILE(1)
FG_GEMM_TILE(2)
FG_GEMM_TILE(3)
FG_GEMM_TILE(4)
FG_GEMM_TILE(5)
FG_GEMM_TILE(6)

void FG_FN(fg_batched_gemm)(fg_idx batch, fg_idx R, fg_idx K, fg_idx M,
                            const FG_T *A, fg_idx sa, fg_idx lda, int trans_a,
                            const FG_T *B, fg_idx sb, fg_idx ldb,
                            FG_T *C, fg_idx sc, fg_idx ldc, int acc)
{
    const fg_idx JB = 2 * FG_WINO_LANES(FG_T, FG_VT), Mf = M / JB * JB;
    const fg_idx nrb = (R + 5) / 6;
    const fg_idx si = trans_a ? 1 : lda, sk = trans_a ? lda : 1;
    const int par = (double)batch * R * K * M > 4.0 * FG_PAR_MIN * 64;
    (void)par;
    FG_OMP_PARALLEL_FOR
    for (fg_idx wi = 0; wi < batch * nrb; wi++) {
        const fg_idx b = wi / nrb, r0 = wi % nrb * 6;
        const fg_idx rows = R - r0 < 6 ? R - r0 : 6;
        const FG_T *a = A + b * sa + r0 * si;
        const FG_T *bb = B + b * sb;
        FG_T *c = C + b * sc + r0 * ldc;
        /* k in blocks of FG_GEMM_KB, so that a long K's slices of A and B
         * stay in L1 across the column tiles */
        for (fg_idx k0 = 0; k0 < K; k0 += FG_GEMM_KB) {
            const fg_idx kn = K - k0 < FG_GEMM_KB ? K - k0 : FG_GEMM_KB;
            const FG_T *ak = a + k0 * sk, *bk = bb + k0 * ldb;
            const int ac = acc || k0 > 0;
            for (fg_idx j0 = 0; j0 < Mf; j0 += JB) {
                switch (rows) {
                case 6: FG_FN(gemm_tile_6)(kn, ak, si, sk, bk + j0, ldb, c + j0, ldc, ac); break;
                case 5: FG_FN(gemm_tile_5)(kn, ak, si, sk, bk + j0, ldb, c + j0, ldc, ac); break;
                case 4: FG_FN(gemm_tile_4)(kn, ak, si, sk, bk + j0, ldb, c + j0, ldc, ac); break;
                case 3: FG_FN(gemm_tile_3)(kn, ak, si, sk, bk + j0, ldb, c + j0, ldc, ac); break;
                case 2: FG_FN(gemm_tile_2)(kn, ak, si, sk, bk + j0, ldb, c + j0, ldc, ac); break;
                default: FG_FN(gemm_tile_1)(kn, ak, si, sk, bk + j0, ldb, c + j0, ldc, ac); break;
                }
            }
        }
        for (fg_idx i = 0; i < rows; i++)
            for (fg_idx j = Mf; j < M; j++) {
                FG_T sum = acc ? c[i * ldc + j] : 0;
                for (fg_idx k = 0; k < K; k++)
                    sum += a[i * si + k * sk] * bb[k * ldb + j];
                c[i * ldc + j] = sum;
            }
    }
}
