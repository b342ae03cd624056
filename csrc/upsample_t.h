/* The upsampling kernels over FG_T (see fg_twins.h), compiled by upsample.c. */

void FG_FN(fg_upsample_nearest)(const FG_T *x, FG_T *y, const fg_up_geom *g)
{
    const fg_idx C = g->c, OD = g->d * g->fd, OH = g->h * g->fh, OW = g->w * g->fw;
    const fg_idx rows = g->n * OD * OH;
    const int par = rows * OW * C > FG_PAR_MIN;
    (void)par;
    FG_OMP_FOR
    for (fg_idx r = 0; r < rows; r++) {
        const fg_idx n = r / (OD * OH), z = r / OH % OD, i = r % OH;
        const FG_T *src = x + ((n * g->d + z / g->fd) * g->h + i / g->fh) * g->w * C;
        FG_T *dst = y + r * OW * C;
        for (fg_idx j = 0; j < g->w; j++)
            for (fg_idx e = 0; e < g->fw; e++, dst += C)
                memcpy(dst, src + j * C, (size_t)C * sizeof(FG_T));
    }
}

void FG_FN(fg_upsample_nearest_bwd)(const FG_T *dy, FG_T *dx, const fg_up_geom *g)
{
    const fg_idx C = g->c, OD = g->d * g->fd, OH = g->h * g->fh, OW = g->w * g->fw;
    const fg_idx rows = g->n * g->d * g->h;
    const int par = rows * g->fd * g->fh * OW * C > FG_PAR_MIN;
    (void)par;
    FG_OMP_FOR
    for (fg_idx r = 0; r < rows; r++) {
        const fg_idx n = r / (g->d * g->h), z = r / g->h % g->d, i = r % g->h;
        FG_T *FG_RESTRICT dst = dx + r * g->w * C;
        memset(dst, 0, (size_t)(g->w * C) * sizeof(FG_T));
        for (fg_idx a = 0; a < g->fd; a++)
            for (fg_idx b = 0; b < g->fh; b++) {
                const FG_T *FG_RESTRICT src =
                    dy + ((n * OD + z * g->fd + a) * OH + i * g->fh + b) * OW * C;
                for (fg_idx j = 0; j < g->w; j++)
                    for (fg_idx e = 0; e < g->fw; e++) {
                        const FG_T *FG_RESTRICT s = src + (j * g->fw + e) * C;
                        FG_T *FG_RESTRICT d = dst + j * C;
                        for (fg_idx ch = 0; ch < C; ch++)
                            d[ch] += s[ch];
                    }
            }
    }
}

/* The interpolation table of one axis: out entries lo, hi, t (see upsample.h). */
static void FG_FN(lerp_table)(fg_idx in, fg_idx out, fg_idx *lo, fg_idx *hi, FG_T *t)
{
    const FG_T scale = (FG_T)in / (FG_T)out;
    for (fg_idx o = 0; o < out; o++) {
        const FG_T s = ((FG_T)o + (FG_T)0.5) * scale - (FG_T)0.5;
        const FG_T f = (FG_T)floor(s);
        const fg_idx c = (fg_idx)ceil(s);
        lo[o] = f > 0 ? (fg_idx)f : 0;
        hi[o] = c < in - 1 ? c : in - 1;
        t[o] = s - f;
    }
}

/* Tables of both axes in one allocation; NULL when out of memory. */
typedef struct {
    fg_idx *ylo, *yhi, *xlo, *xhi;
    FG_T *yt, *xt;
    void *block;
} FG_FN(lerp_tables);

static int FG_FN(make_tables)(FG_FN(lerp_tables) *tb, const fg_up_geom *g)
{
    const fg_idx OH = g->h * g->fh, OW = g->w * g->fw;
    const size_t ni = 2 * (size_t)(OH + OW), nt = (size_t)(OH + OW);
    char *block = malloc(ni * sizeof(fg_idx) + nt * sizeof(FG_T));
    if (block == NULL)
        return -1;
    tb->block = block;
    tb->ylo = (fg_idx *)block;
    tb->yhi = tb->ylo + OH;
    tb->xlo = tb->yhi + OH;
    tb->xhi = tb->xlo + OW;
    tb->yt = (FG_T *)(tb->xhi + OW);
    tb->xt = tb->yt + OH;
    FG_FN(lerp_table)(g->h, OH, tb->ylo, tb->yhi, tb->yt);
    FG_FN(lerp_table)(g->w, OW, tb->xlo, tb->xhi, tb->xt);
    return 0;
}

int FG_FN(fg_upsample_bilinear)(const FG_T *x, FG_T *y, const fg_up_geom *g)
{
    FG_FN(lerp_tables) tb;
    if (FG_FN(make_tables)(&tb, g))
        return -1;
    const fg_idx C = g->c, OH = g->h * g->fh, OW = g->w * g->fw, rows = g->n * OH;
    const int par = rows * OW * C > FG_PAR_MIN;
    (void)par;
    FG_OMP_FOR
    for (fg_idx r = 0; r < rows; r++) {
        const fg_idx n = r / OH, i = r % OH;
        const FG_T *top = x + (n * g->h + tb.ylo[i]) * g->w * C;
        const FG_T *bot = x + (n * g->h + tb.yhi[i]) * g->w * C;
        const FG_T ty = tb.yt[i];
        FG_T *dst = y + r * OW * C;
        for (fg_idx j = 0; j < OW; j++) {
            const FG_T *tl = top + tb.xlo[j] * C, *tr = top + tb.xhi[j] * C;
            const FG_T *bl = bot + tb.xlo[j] * C, *br = bot + tb.xhi[j] * C;
            const FG_T tx = tb.xt[j];
            FG_T *FG_RESTRICT o = dst + j * C;
            for (fg_idx ch = 0; ch < C; ch++) {
                const FG_T t = tl[ch] + (tr[ch] - tl[ch]) * tx;
                const FG_T b = bl[ch] + (br[ch] - bl[ch]) * tx;
                o[ch] = t + (b - t) * ty;
            }
        }
    }
    free(tb.block);
    return 0;
}

/* Input row yy gathers the output rows i whose lo or hi is yy (a run of
 * consecutive rows: lo and hi never decrease), each spread over the two
 * columns it reads. */
int FG_FN(fg_upsample_bilinear_bwd)(const FG_T *dy, FG_T *dx, const fg_up_geom *g)
{
    FG_FN(lerp_tables) tb;
    if (FG_FN(make_tables)(&tb, g))
        return -1;
    const fg_idx C = g->c, OH = g->h * g->fh, OW = g->w * g->fw, rows = g->n * g->h;
    const int par = g->n * OH * OW * C > FG_PAR_MIN;
    (void)par;
    FG_OMP_FOR
    for (fg_idx r = 0; r < rows; r++) {
        const fg_idx n = r / g->h, yy = r % g->h;
        FG_T *drow = dx + r * g->w * C;
        memset(drow, 0, (size_t)(g->w * C) * sizeof(FG_T));
        fg_idx i0 = 0;
        while (i0 < OH && tb.yhi[i0] < yy)
            i0++;
        for (fg_idx i = i0; i < OH && tb.ylo[i] <= yy; i++) {
            FG_T wy = 0;
            if (tb.ylo[i] == yy)
                wy += 1 - tb.yt[i];
            if (tb.yhi[i] == yy)
                wy += tb.yt[i];
            const FG_T *src = dy + (n * OH + i) * OW * C;
            for (fg_idx j = 0; j < OW; j++) {
                const FG_T *FG_RESTRICT s = src + j * C;
                /* dl and dr are the same pixel at the clamped borders */
                FG_T *dl = drow + tb.xlo[j] * C;
                FG_T *dr = drow + tb.xhi[j] * C;
                const FG_T wl = wy * (1 - tb.xt[j]), wr = wy * tb.xt[j];
                for (fg_idx ch = 0; ch < C; ch++)
                    dl[ch] += s[ch] * wl;
                for (fg_idx ch = 0; ch < C; ch++)
                    dr[ch] += s[ch] * wr;
            }
        }
    }
    free(tb.block);
    return 0;
}
