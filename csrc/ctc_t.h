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

/* One step of the beam search over the log-probabilities `row` (see
 * TensorFlow's CTCBeamSearchDecoder::Step); -1 when memory runs out. */
static int FG_FN(beam_step)(fg_beam *bm, const FG_T *row, fg_idx C)
{
    const fg_idx blank = C - 1, m = bm->size;
    for (fg_idx i = 0; i < m; i++) {
        fg_beam_node *e = bm->nodes + bm->heap[i];
        e->ob = e->nb;
        e->ol = e->nl;
        e->ot = e->nt;
        bm->branches[i].total = e->nt;
        bm->branches[i].node = bm->heap[i];
    }
    qsort(bm->branches, (size_t)m, sizeof(fg_beam_rank), fg_beam_order);
    bm->size = 0;
    for (fg_idx i = 0; i < m; i++) {
        fg_beam_node *e = bm->nodes + bm->branches[i].node;
        if (e->parent >= 0) {
            const fg_beam_node *p = bm->nodes + e->parent;
            if (p->nt > -INFINITY)
                e->nl = fg_lse2(e->nl, e->label == p->label ? p->ob : p->ot);
            e->nl += (double)row[e->label];
        }
        e->nb = e->ot + (double)row[blank];
        e->nt = fg_lse2(e->nb, e->nl);
        fg_beam_push(bm, bm->branches[i].node);
    }
    for (fg_idx i = 0; i < m; i++) {
        const fg_idx b = bm->branches[i].node;
        if (!fg_beam_candidate(bm, bm->nodes[b].ot))
            continue;
        for (fg_idx k = 0; k < blank; k++)
            bm->child_of[k] = -1;
        for (fg_idx ch = bm->nodes[b].child; ch >= 0; ch = bm->nodes[ch].sibling)
            bm->child_of[bm->nodes[ch].label] = ch;
        for (fg_idx k = 0; k < blank; k++) {
            fg_idx c = bm->child_of[k];
            if (c < 0 && (c = fg_beam_child(bm, b, k)) < 0)
                return -1;
            fg_beam_node *e = bm->nodes + c;
            if (e->nt > -INFINITY)
                continue;
            const fg_beam_node *p = bm->nodes + b;
            const double total = (double)row[k] + (k == p->label ? p->ob : p->ot);
            e->nb = -INFINITY;
            e->nl = e->nt = total;
            if (fg_beam_candidate(bm, total)) {
                if (bm->size == bm->width) {
                    fg_beam_node *out = bm->nodes + fg_beam_pop(bm);
                    out->nb = out->nl = out->nt = -INFINITY;
                }
                fg_beam_push(bm, c);
            } else {
                e->ob = e->ol = e->ot = e->nb = e->nl = e->nt = -INFINITY;
            }
        }
    }
    return 0;
}

/* Decode one sample (T steps of lp); writes its best prefixes. */
static int FG_FN(beam_one)(fg_beam *bm, const FG_T *lp, fg_idx T, fg_idx C, fg_idx top,
                           int64_t *paths, fg_idx path_stride, fg_idx path_len,
                           FG_T *scores, int64_t *kept)
{
    bm->count = 0;
    bm->size = 0;
    bm->next_seq = 0;
    const fg_idx root = fg_beam_child(bm, -1, -1);
    bm->nodes[root].nb = bm->nodes[root].nt = 0.0;
    fg_beam_push(bm, root);
    for (fg_idx t = 0; t < T; t++)
        if (FG_FN(beam_step)(bm, lp + t * C, C))
            return -1;
    const fg_idx m = bm->size;
    *kept = m;
    for (fg_idx i = 0; i < m; i++) {
        bm->branches[i].total = bm->nodes[bm->heap[i]].nt;
        bm->branches[i].node = bm->heap[i];
    }
    qsort(bm->branches, (size_t)m, sizeof(fg_beam_rank), fg_beam_order);
    for (fg_idx i = 0; i < top && i < m; i++) {
        int64_t *row = paths + i * path_stride;
        fg_idx len = 0, prev = -2;
        for (fg_idx e = bm->branches[i].node; bm->nodes[e].parent >= 0;
             e = bm->nodes[e].parent) {
            if (bm->nodes[e].label != prev && len < path_len)
                row[len++] = bm->nodes[e].label;
            prev = bm->nodes[e].label;
        }
        for (fg_idx a = 0, z = len - 1; a < z; a++, z--) {
            const int64_t s = row[a];
            row[a] = row[z];
            row[z] = s;
        }
        scores[i] = (FG_T)bm->branches[i].total;
    }
    return 0;
}

int FG_FN(fg_ctc_beam)(const FG_T *logp, const int64_t *input_len, fg_idx n, fg_idx t,
                       fg_idx c, fg_idx width, fg_idx top, int64_t *paths, FG_T *scores,
                       int64_t *kept)
{
    int failed = 0;
#if FG_HAVE_OPENMP
#pragma omp parallel if (n > 1) reduction(|: failed)
#endif
    {
        fg_beam bm;
        bm.width = width;
        bm.cap = 1024;
        bm.nodes = malloc((size_t)bm.cap * sizeof(fg_beam_node));
        bm.heap = malloc((size_t)(width + 1) * sizeof(fg_idx));
        bm.seq = malloc((size_t)(width + 1) * sizeof(int64_t));
        bm.branches = malloc((size_t)(width + 1) * sizeof(fg_beam_rank));
        bm.child_of = malloc((size_t)c * sizeof(fg_idx));
        if (!bm.nodes || !bm.heap || !bm.seq || !bm.branches || !bm.child_of) {
            failed = 1;
        } else {
#if FG_HAVE_OPENMP
#pragma omp for schedule(dynamic)
#endif
            for (fg_idx b = 0; b < n; b++)
                if (FG_FN(beam_one)(&bm, logp + b * t * c, (fg_idx)input_len[b], c, top,
                                    paths + b * t, n * t, t, scores + b * top, kept + b))
                    failed = 1;
        }
        free(bm.nodes);
        free(bm.heap);
        free(bm.seq);
        free(bm.branches);
        free(bm.child_of);
    }
    return failed ? -1 : 0;
}
