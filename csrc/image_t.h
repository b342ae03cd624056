/* The projective resampling kernels over FG_T (see fg_twins.h), compiled by image.c. */

void FG_FN(fg_affine)(const FG_T *x, const float *t, FG_T *y, const fg_affine_geom *g)
{
    const fg_idx C = g->c, rows = g->n * g->oh;
    const int par = rows * g->ow * C > FG_PAR_MIN;
    const FG_T fill = (FG_T)g->fill_value;
    (void)par;
    FG_OMP_FOR
    for (fg_idx r = 0; r < rows; r++) {
        const fg_idx b = r / g->oh, oy = r % g->oh;
        const FG_T *img = x + b * g->h * g->w * C;
        FG_T *dst = y + r * g->ow * C;
        fg_idx off[4];
        float wt[4];
        for (fg_idx ox = 0; ox < g->ow; ox++, dst += C) {
            const int k = fg_affine_taps(t + 8 * b, ox, oy, g, off, wt);
            for (fg_idx ch = 0; ch < C; ch++) {
                FG_T acc = 0;
                for (int i = 0; i < k; i++)
                    acc += (FG_T)wt[i] * (off[i] >= 0 ? img[off[i] * C + ch] : fill);
                dst[ch] = acc;
            }
        }
    }
}

void FG_FN(fg_affine_bwd)(const FG_T *dy, const float *t, FG_T *dx, const fg_affine_geom *g)
{
    const fg_idx C = g->c;
    const int par = g->n > 1 && g->n * g->oh * g->ow * C > FG_PAR_MIN;
    (void)par;
    FG_OMP_FOR
    for (fg_idx b = 0; b < g->n; b++) {
        FG_T *img = dx + b * g->h * g->w * C;
        memset(img, 0, (size_t)(g->h * g->w * C) * sizeof(FG_T));
        const FG_T *src = dy + b * g->oh * g->ow * C;
        fg_idx off[4];
        float wt[4];
        for (fg_idx oy = 0; oy < g->oh; oy++)
            for (fg_idx ox = 0; ox < g->ow; ox++, src += C) {
                const int k = fg_affine_taps(t + 8 * b, ox, oy, g, off, wt);
                for (int i = 0; i < k; i++) {
                    if (off[i] < 0) continue;
                    FG_T *d = img + off[i] * C;
                    for (fg_idx ch = 0; ch < C; ch++)
                        d[ch] += (FG_T)wt[i] * src[ch];
                }
            }
    }
}
