/* The type-independent part of the CTC beam search (included once by
 * ctc.c): the trie of prefixes and the bounded min-heap of the beam. */

/* A prefix: its last label and place in the trie, and the log-probabilities
 * of ending in a blank (b), in its label (l) and in total (t), at the
 * previous step (o*) and this one (n*). */
typedef struct {
    double ob, ol, ot, nb, nl, nt;
    fg_idx parent, child, sibling;
    fg_idx label;
} fg_beam_node;

typedef struct {
    double total;
    fg_idx node;
} fg_beam_rank;

typedef struct {
    fg_beam_node *nodes;
    fg_idx count, cap;
    fg_idx *heap;       /* node indices, a min-heap on (nt, seq) */
    int64_t *seq;
    fg_idx size, width;
    int64_t next_seq;
    fg_beam_rank *branches;
    fg_idx *child_of;
} fg_beam;

static int fg_beam_less(const fg_beam *bm, fg_idx i, fg_idx j)
{
    const double a = bm->nodes[bm->heap[i]].nt, b = bm->nodes[bm->heap[j]].nt;
    return a < b || (a == b && bm->seq[i] < bm->seq[j]);
}

static void fg_beam_swap(fg_beam *bm, fg_idx i, fg_idx j)
{
    fg_idx h = bm->heap[i];
    int64_t s = bm->seq[i];
    bm->heap[i] = bm->heap[j];
    bm->seq[i] = bm->seq[j];
    bm->heap[j] = h;
    bm->seq[j] = s;
}

static void fg_beam_push(fg_beam *bm, fg_idx node)
{
    fg_idx i = bm->size++;
    bm->heap[i] = node;
    bm->seq[i] = bm->next_seq++;
    while (i > 0 && fg_beam_less(bm, i, (i - 1) / 2)) {
        fg_beam_swap(bm, i, (i - 1) / 2);
        i = (i - 1) / 2;
    }
}

/* Remove and return the weakest prefix of the beam. */
static fg_idx fg_beam_pop(fg_beam *bm)
{
    const fg_idx top = bm->heap[0];
    bm->size--;
    bm->heap[0] = bm->heap[bm->size];
    bm->seq[0] = bm->seq[bm->size];
    for (fg_idx i = 0;;) {
        fg_idx l = 2 * i + 1, r = l + 1, m = i;
        if (l < bm->size && fg_beam_less(bm, l, m)) m = l;
        if (r < bm->size && fg_beam_less(bm, r, m)) m = r;
        if (m == i) break;
        fg_beam_swap(bm, i, m);
        i = m;
    }
    return top;
}

/* Whether a prefix of total log-probability `total` enters the beam. */
static int fg_beam_candidate(const fg_beam *bm, double total)
{
    return total > -INFINITY
        && (bm->size < bm->width || total > bm->nodes[bm->heap[0]].nt);
}

/* A new child of `parent` with `label`, all probabilities zero; -1 when
 * memory runs out. */
static fg_idx fg_beam_child(fg_beam *bm, fg_idx parent, fg_idx label)
{
    if (bm->count == bm->cap) {
        fg_idx cap = bm->cap * 2;
        fg_beam_node *grown = realloc(bm->nodes, (size_t)cap * sizeof(fg_beam_node));
        if (grown == NULL) return -1;
        bm->nodes = grown;
        bm->cap = cap;
    }
    fg_beam_node *c = bm->nodes + bm->count;
    c->ob = c->ol = c->ot = c->nb = c->nl = c->nt = -INFINITY;
    c->parent = parent;
    c->label = label;
    c->child = -1;
    if (parent >= 0) {
        c->sibling = bm->nodes[parent].child;
        bm->nodes[parent].child = bm->count;
    } else {
        c->sibling = -1;
    }
    return bm->count++;
}

/* Branches in decreasing total, ties by age in the trie. */
static int fg_beam_order(const void *a, const void *b)
{
    const fg_beam_rank *x = a, *y = b;
    if (x->total != y->total) return x->total > y->total ? -1 : 1;
    return (x->node > y->node) - (x->node < y->node);
}
