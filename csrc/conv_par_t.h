/* The convolutions on the pool (fg_pool.h), over FG_T, compiled by im2col.c:
 * every task runs im2col / Winograd transforms, its GEMMs and the epilogue
 * of its own part single-threaded, in its slot's scratch, so that two
 * cores work on whole chunks instead of splitting many small GEMMs. */

typedef struct {
    const FG_T *x, *k, *kt, *bias, *dz;
    FG_T *y, *dx, *dk, *scratch;
    const fg_conv_geom *g;
    fg_idx K, O, step, per_task, scratch_per;
    int relu, pointwise;
} FG_FN(conv_job);

/* Forward task: output rows [t*step, ...): columns (or the input pixels
 * themselves when pointwise), GEMM with the kernel, bias and relu. */
static void FG_FN(conv_fwd_task)(void *ctx, fg_idx t, int slot)
{
    const FG_FN(conv_job) *j = ctx;
    const fg_conv_geom *g = j->g;
    const fg_idx lines = g->n * g->od * g->oh;
    const fg_idx lo = t * j->step, hi = lo + j->step < lines ? lo + j->step : lines;
    const fg_idx rows = (hi - lo) * g->ow;
    const FG_T *cols = j->x + lo * g->ow * j->K;
    if (!j->pointwise) {
        FG_T *buf = j->scratch + slot * j->scratch_per;
        fg_im2col(j->x, buf, sizeof(FG_T), g, lo, hi);
        cols = buf;
    }
    FG_T *y = j->y + lo * g->ow * j->O;
    FG_FN(fg_batched_gemm)(1, rows, j->K, j->O, cols, 0, j->K, 0, j->k, 0, j->O,
                           y, 0, j->O, 0);
    if (j->bias != NULL || j->relu)
        FG_FN(fg_conv_bias_act)(y, j->bias, rows, j->O, j->relu);
}

void FG_FN(fg_conv_forward_par)(const FG_T *x, const FG_T *k, const FG_T *bias,
                                int relu, FG_T *y, const fg_conv_geom *g, fg_idx O,
                                int pointwise, fg_idx step, FG_T *scratch,
                                int slots)
{
    const fg_idx K = g->kd * g->kh * g->kw * g->c, lines = g->n * g->od * g->oh;
    FG_FN(conv_job) j = {x, k, NULL, bias, NULL, y, NULL, NULL, scratch, g,
                         K, O, step, 0, step * g->ow * K, relu, pointwise};
    fg_pool_run((lines + step - 1) / step, slots, FG_FN(conv_fwd_task), &j);
}

/* Backward task: the images [t*per_task, ...) in row chunks of `step`:
 * their kernel gradient into dk's part t (summed by the caller, in task
 * order), their input gradient into dx (an image's rows only ever reach
 * that image, so tasks never share dx). */
static void FG_FN(conv_bwd_task)(void *ctx, fg_idx t, int slot)
{
    const FG_FN(conv_job) *j = ctx;
    const fg_conv_geom *g = j->g;
    const fg_idx per_img = g->od * g->oh, K = j->K, O = j->O;
    const fg_idx n0 = t * j->per_task;
    const fg_idx n1 = n0 + j->per_task < g->n ? n0 + j->per_task : g->n;
    FG_T *buf = j->scratch == NULL ? NULL : j->scratch + slot * j->scratch_per;
    FG_T *dk = j->dk == NULL ? NULL : j->dk + t * K * O;
    for (fg_idx lo = n0 * per_img; lo < n1 * per_img; lo += j->step) {
        const fg_idx hi = lo + j->step < n1 * per_img ? lo + j->step : n1 * per_img;
        const fg_idx rows = (hi - lo) * g->ow;
        const FG_T *dz = j->dz + lo * g->ow * O;
        if (dk != NULL) {
            const FG_T *cols = j->x + lo * g->ow * K;
            if (!j->pointwise) {
                fg_im2col(j->x, buf, sizeof(FG_T), g, lo, hi);
                cols = buf;
            }
            FG_FN(fg_batched_gemm)(1, K, rows, O, cols, 0, K, 1, dz, 0, O, dk, 0, O,
                                   lo > n0 * per_img);
        }
        if (j->dx != NULL) {
            FG_T *out = j->pointwise ? j->dx + lo * g->ow * K : buf;
            FG_FN(fg_batched_gemm)(1, rows, O, K, dz, 0, O, 0, j->kt, 0, K, out, 0, K, 0);
            if (!j->pointwise)
                FG_FN(fg_col2im)(buf, j->dx, g, lo, hi);
        }
    }
    if (dk != NULL && n0 >= n1)
        memset(dk, 0, (size_t)(K * O) * sizeof(FG_T));
}

void FG_FN(fg_conv_backward_par)(const FG_T *dz, const FG_T *x, const FG_T *kt,
                                 FG_T *dk_parts, FG_T *dx, const fg_conv_geom *g,
                                 fg_idx O, int pointwise, fg_idx step, fg_idx per_task,
                                 FG_T *scratch, int slots)
{
    const fg_idx K = g->kd * g->kh * g->kw * g->c;
    FG_FN(conv_job) j = {x, NULL, kt, NULL, dz, NULL, dx, dk_parts, scratch, g,
                         K, O, step, per_task, step * g->ow * K, 0, pointwise};
    if (dx != NULL && !pointwise)
        memset(dx, 0, (size_t)(g->n * g->d * g->h * g->w * g->c) * sizeof(FG_T));
    fg_pool_run((g->n + per_task - 1) / per_task, slots, FG_FN(conv_bwd_task), &j);
}

typedef struct {
    const FG_T *x, *u, *bias, *dz;
    FG_T *y, *du;
    FG_T *vbuf, *mbuf;
    const fg_wino_geom *g;
    fg_idx O, step, per_task, tiles, vs, ms, slot_v, slot_m;
    int relu;
} FG_FN(wino_job);

/* Winograd forward task: tiles [t*step, ...): input transform, the alpha^2
 * GEMMs with the transformed kernel u, output transform with the epilogue. */
static void FG_FN(wino_fwd_task)(void *ctx, fg_idx t, int slot)
{
    const FG_FN(wino_job) *j = ctx;
    const fg_idx C = j->g->c, O = j->O, a2 = fg_wino_planes(j->g);
    const fg_idx t0 = t * j->step, t1 = t0 + j->step < j->tiles ? t0 + j->step : j->tiles;
    FG_T *V = j->vbuf + slot * j->slot_v, *M = j->mbuf + slot * j->slot_m;
    FG_FN(fg_wino_input)(j->x, V, j->vs, j->g, t0, t1);
    FG_FN(fg_batched_gemm)(a2, t1 - t0, C, O, V, j->vs, C, 0, j->u, C * O, O,
                           M, j->ms, O, 0);
    FG_FN(fg_wino_output)(M, j->ms, j->y, j->bias, j->relu, j->g, O, t0, t1);
}

void FG_FN(fg_wino_forward_par)(const FG_T *x, const FG_T *u, const FG_T *bias,
                                int relu, FG_T *y, const fg_wino_geom *g, fg_idx O,
                                fg_idx step, FG_T *vbuf, fg_idx vs, FG_T *mbuf,
                                fg_idx ms, int slots)
{
    const fg_idx a2 = fg_wino_planes(g), tiles = fg_wino_tiles(g);
    FG_FN(wino_job) j = {x, u, bias, NULL, y, NULL, vbuf, mbuf, g, O, step, 0, tiles,
                         vs, ms, (a2 - 1) * vs + step * g->c, (a2 - 1) * ms + step * O,
                         relu};
    fg_pool_run((tiles + step - 1) / step, slots, FG_FN(wino_fwd_task), &j);
}

/* Winograd kernel-gradient task: tiles [t*per_task, ...) in chunks of
 * `step`, summed into du's part t (alpha^2, C, O). */
static void FG_FN(wino_dk_task)(void *ctx, fg_idx t, int slot)
{
    const FG_FN(wino_job) *j = ctx;
    const fg_idx C = j->g->c, O = j->O, a2 = fg_wino_planes(j->g);
    const fg_idx first = t * j->per_task;
    const fg_idx last = first + j->per_task < j->tiles ? first + j->per_task : j->tiles;
    FG_T *V = j->vbuf + slot * j->slot_v, *W = j->mbuf + slot * j->slot_m;
    FG_T *du = j->du + t * a2 * C * O;
    if (first >= last)
        memset(du, 0, (size_t)(a2 * C * O) * sizeof(FG_T));
    for (fg_idx t0 = first; t0 < last; t0 += j->step) {
        const fg_idx t1 = t0 + j->step < last ? t0 + j->step : last;
        FG_FN(fg_wino_input)(j->x, V, j->vs, j->g, t0, t1);
        FG_FN(fg_wino_grad)(j->dz, W, j->ms, j->g, O, t0, t1);
        FG_FN(fg_batched_gemm)(a2, C, t1 - t0, O, V, j->vs, C, 1, W, j->ms, O,
                               du, C * O, O, t0 > first);
    }
}

void FG_FN(fg_wino_dk_par)(const FG_T *x, const FG_T *dz, FG_T *du_parts,
                           const fg_wino_geom *g, fg_idx O, fg_idx step,
                           fg_idx per_task, FG_T *vbuf, fg_idx vs, FG_T *wbuf,
                           fg_idx ws, int slots)
{
    const fg_idx a2 = fg_wino_planes(g), tiles = fg_wino_tiles(g);
    FG_FN(wino_job) j = {x, NULL, NULL, dz, NULL, du_parts, vbuf, wbuf, g, O, step,
                         per_task, tiles, vs, ws, (a2 - 1) * vs + step * g->c,
                         (a2 - 1) * ws + step * O, 0};
    fg_pool_run((tiles + per_task - 1) / per_task, slots, FG_FN(wino_dk_task), &j);
}
