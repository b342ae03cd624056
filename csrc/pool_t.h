/* Max and average pooling over FG_T (see fg_twins.h), compiled by pool.c.
 * Each pass is a loop over output rows or images, split into ranges that
 * the pool's tasks run (fg_pool.h). */

/* What a pass's tasks read and write; `bad` counts invalid argmax entries. */
typedef struct {
    void (*range)(const void *job, fg_idx lo, fg_idx hi, fg_idx *bad);
    const FG_T *src;
    FG_T *dst;
    int32_t *am_out;
    const int32_t *am;
    const fg_pool_geom *g;
    fg_idx total, block, per, img, bad;
} FG_FN(pool_job);

static void FG_FN(pool_task)(void *ctx, fg_idx t, int slot)
{
    FG_FN(pool_job) *j = ctx;
    (void)slot;
    const fg_idx lo = t * j->block, hi = lo + j->block < j->total ? lo + j->block : j->total;
    fg_idx bad = 0;
    j->range(j, lo, hi, &bad);
    if (bad)
        __atomic_fetch_add(&j->bad, bad, __ATOMIC_RELAXED);
}

/* Run j->range over [0, total), on the pool when the pass is worth it. */
static fg_idx FG_FN(pool_pass)(FG_FN(pool_job) *j, fg_idx total, int par)
{
    if (total <= 0)
        return 0;
    const int slots = par ? fg_pooling_threads() : 1;
    const fg_idx tasks = slots > 1 ? (total < FG_TASKS_PER_SLOT * slots
                                      ? total : FG_TASKS_PER_SLOT * slots) : 1;
    j->total = total;
    j->block = (total + tasks - 1) / tasks;
    j->bad = 0;
    fg_pool_run((total + j->block - 1) / j->block, slots, FG_FN(pool_task), j);
    return j->bad;
}

static void FG_FN(max_pool_rows)(const void *job, fg_idx r0, fg_idx r1, fg_idx *bad)
{
    const FG_FN(pool_job) *jb = job;
    const FG_T *x = jb->src;
    FG_T *out = jb->dst;
    int32_t *argmax = jb->am_out;
    const fg_pool_geom *g = jb->g;
    const fg_idx C = g->c;
    (void)bad;
    for (fg_idx r = r0; r < r1; r++) {
        const fg_idx n = r / (g->od * g->oh), z = r / g->oh % g->od, i = r % g->oh;
        const FG_T *img = x + n * g->d * g->h * g->w * C;
        FG_WINDOW_PLANES(g, z, z0, z1);
        FG_WINDOW_ROWS(g, i, y0, y1);
        for (fg_idx j = 0; j < g->ow; j++) {
            FG_WINDOW_COLS(g, j, x0, x1);
            FG_T *FG_RESTRICT o = out + (r * g->ow + j) * C;
            int32_t *FG_RESTRICT am = argmax + (r * g->ow + j) * C;
            const int32_t first = (int32_t)(((z0 * g->h + y0) * g->w + x0) * C);
            for (fg_idx ch = 0; ch < C; ch++) {
                o[ch] = img[first + ch];
                am[ch] = first + (int32_t)ch;
            }
            fg_idx from = x0 + 1;     /* the first pixel is already in */
            FG_WINDOW_LINES(zz, y, z0, z1, y0, y1) {
                for (fg_idx xx = from; xx < x1; xx++) {
                    const int32_t base = (int32_t)(((zz * g->h + y) * g->w + xx) * C);
                    const FG_T *FG_RESTRICT s = img + base;
                    /* selects, not branches: the channel loop vectorizes */
                    for (fg_idx ch = 0; ch < C; ch++) {
                        const int better = s[ch] > o[ch];
                        am[ch] = better ? base + (int32_t)ch : am[ch];
                        o[ch] = better ? s[ch] : o[ch];
                    }
                }
                from = x0;
            }
        }
    }
}

/* A forward pass: `range` over the output rows. */
static void FG_FN(rows_pass)(void (*range)(const void *, fg_idx, fg_idx, fg_idx *),
                             const FG_T *x, FG_T *out, int32_t *argmax,
                             const fg_pool_geom *g)
{
    const fg_idx rows = g->n * g->od * g->oh;
    FG_FN(pool_job) j = {range, x, out, argmax, NULL, g, 0, 0, 0, 0, 0};
    FG_FN(pool_pass)(&j, rows, rows * g->ow * g->c * g->pd * g->ph * g->pw > FG_PAR_MIN);
}

void FG_FN(fg_max_pool)(const FG_T *x, FG_T *out, int32_t *argmax,
                        const fg_pool_geom *g)
{
    FG_FN(rows_pass)(FG_FN(max_pool_rows), x, out, argmax, g);
}

static void FG_FN(max_pool_bwd_images)(const void *job, fg_idx n0, fg_idx n1,
                                       fg_idx *bad)
{
    const FG_FN(pool_job) *jb = job;
    const FG_T *dy = jb->src;
    FG_T *dx = jb->dst;
    const int32_t *argmax = jb->am;
    const fg_idx per = jb->per, img = jb->img;
    for (fg_idx b = n0; b < n1; b++) {
        FG_T *FG_RESTRICT d = dx + b * img;
        const FG_T *g = dy + b * per;
        const int32_t *am = argmax + b * per;
        memset(d, 0, (size_t)img * sizeof(FG_T));
        for (fg_idx k = 0; k < per; k++) {
            const fg_idx idx = am[k];
            if (idx < 0 || idx >= img)
                ++*bad;
            else
                d[idx] += g[k];
        }
    }
}

fg_idx FG_FN(fg_max_pool_bwd)(const FG_T *dy, const int32_t *argmax, FG_T *dx,
                              fg_idx n, fg_idx per, fg_idx img)
{
    FG_FN(pool_job) j = {FG_FN(max_pool_bwd_images), dy, dx, NULL, argmax, NULL,
                         0, 0, per, img, 0};
    return FG_FN(pool_pass)(&j, n, n * (per + img) > FG_PAR_MIN);
}

/* Windows that do not overlap (stride >= window): each input pixel lies in
 * at most one window, so every window's pixels are written once, dy where
 * argmax points and 0 elsewhere, instead of clearing dx and scattering.
 * Pixels outside every window are cleared first, only when there are any. */
static void FG_FN(max_pool_bwd_tiled_images)(const void *job, fg_idx n0, fg_idx n1,
                                             fg_idx *bad)
{
    const FG_FN(pool_job) *jb = job;
    const FG_T *dy = jb->src;
    FG_T *dx = jb->dst;
    const int32_t *argmax = jb->am;
    const fg_pool_geom *g = jb->g;
    const fg_idx C = g->c, img = jb->img, per = jb->per;
    const int covered = g->sd == g->pd && g->sh == g->ph && g->sw == g->pw &&
        g->od * g->sd - g->pf >= g->d && g->oh * g->sh - g->pt >= g->h &&
        g->ow * g->sw - g->pl >= g->w;
    (void)bad;
    for (fg_idx n = n0; n < n1; n++) {
        FG_T *d = dx + n * img;
        if (!covered)
            memset(d, 0, (size_t)img * sizeof(FG_T));
        for (fg_idx z = 0; z < g->od; z++) {
            FG_WINDOW_PLANES(g, z, z0, z1);
            for (fg_idx i = 0; i < g->oh; i++) {
                FG_WINDOW_ROWS(g, i, y0, y1);
                for (fg_idx j = 0; j < g->ow; j++) {
                    FG_WINDOW_COLS(g, j, x0, x1);
                    const fg_idx k0 = n * per + ((z * g->oh + i) * g->ow + j) * C;
                    const FG_T *FG_RESTRICT gv = dy + k0;
                    const int32_t *FG_RESTRICT am = argmax + k0;
                    FG_WINDOW_LINES(zz, y, z0, z1, y0, y1)
                        for (fg_idx xx = x0; xx < x1; xx++) {
                            const int32_t base =
                                (int32_t)(((zz * g->h + y) * g->w + xx) * C);
                            FG_T *FG_RESTRICT t = d + base;
                            for (fg_idx ch = 0; ch < C; ch++)
                                t[ch] = am[ch] == base + (int32_t)ch ? gv[ch] : 0;
                        }
                }
            }
        }
    }
}

void FG_FN(fg_max_pool_bwd_tiled)(const FG_T *dy, const int32_t *argmax, FG_T *dx,
                                  const fg_pool_geom *g)
{
    const fg_idx img = g->d * g->h * g->w * g->c, per = g->od * g->oh * g->ow * g->c;
    FG_FN(pool_job) j = {FG_FN(max_pool_bwd_tiled_images), dy, dx, NULL, argmax, g,
                         0, 0, per, img, 0};
    FG_FN(pool_pass)(&j, g->n, g->n * (per + img) > FG_PAR_MIN);
}

static void FG_FN(avg_pool_rows)(const void *job, fg_idx r0, fg_idx r1, fg_idx *bad)
{
    const FG_FN(pool_job) *jb = job;
    const FG_T *x = jb->src;
    FG_T *out = jb->dst;
    const fg_pool_geom *g = jb->g;
    const fg_idx C = g->c;
    (void)bad;
    for (fg_idx r = r0; r < r1; r++) {
        const fg_idx n = r / (g->od * g->oh), z = r / g->oh % g->od, i = r % g->oh;
        const FG_T *img = x + n * g->d * g->h * g->w * C;
        FG_WINDOW_PLANES(g, z, z0, z1);
        FG_WINDOW_ROWS(g, i, y0, y1);
        for (fg_idx j = 0; j < g->ow; j++) {
            FG_WINDOW_COLS(g, j, x0, x1);
            FG_T *FG_RESTRICT o = out + (r * g->ow + j) * C;
            const FG_T scale = (FG_T)1 / (FG_T)((z1 - z0) * (y1 - y0) * (x1 - x0));
            memset(o, 0, (size_t)C * sizeof(FG_T));
            const FG_T *plane = img + ((z0 * g->h + y0) * g->w + x0) * C;
            for (fg_idx zz = z0; zz < z1; zz++, plane += g->h * g->w * C) {
                const FG_T *line = plane;
                for (fg_idx y = y0; y < y1; y++, line += g->w * C)
                    for (fg_idx xx = 0; xx < x1 - x0; xx++) {
                        const FG_T *FG_RESTRICT s = line + xx * C;
                        for (fg_idx ch = 0; ch < C; ch++)
                            o[ch] += s[ch];
                    }
            }
            for (fg_idx ch = 0; ch < C; ch++)
                o[ch] *= scale;
        }
    }
}

void FG_FN(fg_avg_pool)(const FG_T *x, FG_T *out, const fg_pool_geom *g)
{
    FG_FN(rows_pass)(FG_FN(avg_pool_rows), x, out, NULL, g);
}

static void FG_FN(avg_pool_bwd_images)(const void *job, fg_idx n0, fg_idx n1,
                                       fg_idx *bad)
{
    const FG_FN(pool_job) *jb = job;
    const FG_T *dy = jb->src;
    FG_T *dx = jb->dst;
    const fg_pool_geom *g = jb->g;
    const fg_idx C = g->c, img = g->d * g->h * g->w * C;
    (void)bad;
    for (fg_idx n = n0; n < n1; n++) {
        FG_T *d = dx + n * img;
        memset(d, 0, (size_t)img * sizeof(FG_T));
        for (fg_idx z = 0; z < g->od; z++) {
            FG_WINDOW_PLANES(g, z, z0, z1);
            for (fg_idx i = 0; i < g->oh; i++) {
                FG_WINDOW_ROWS(g, i, y0, y1);
                for (fg_idx j = 0; j < g->ow; j++) {
                    FG_WINDOW_COLS(g, j, x0, x1);
                    const FG_T *FG_RESTRICT s =
                        dy + (((n * g->od + z) * g->oh + i) * g->ow + j) * C;
                    const FG_T scale =
                        (FG_T)1 / (FG_T)((z1 - z0) * (y1 - y0) * (x1 - x0));
                    FG_T *plane = d + ((z0 * g->h + y0) * g->w + x0) * C;
                    for (fg_idx zz = z0; zz < z1; zz++, plane += g->h * g->w * C) {
                        FG_T *line = plane;
                        for (fg_idx y = y0; y < y1; y++, line += g->w * C)
                            for (fg_idx xx = 0; xx < x1 - x0; xx++) {
                                FG_T *FG_RESTRICT t = line + xx * C;
                                for (fg_idx ch = 0; ch < C; ch++)
                                    t[ch] += s[ch] * scale;
                            }
                    }
                }
            }
        }
    }
}

void FG_FN(fg_avg_pool_bwd)(const FG_T *dy, FG_T *dx, const fg_pool_geom *g)
{
    FG_FN(pool_job) j = {FG_FN(avg_pool_bwd_images), dy, dx, NULL, NULL, g, 0, 0, 0, 0, 0};
    FG_FN(pool_pass)(&j, g->n, g->n * g->od * g->oh * g->ow * g->c * g->pd * g->ph
                     * g->pw > FG_PAR_MIN);
}
