/* Matrix products on the pool (fg_pool.h), over FG_T, compiled by im2col.c:
 * the rows or columns of C split into tasks, each one single-threaded call
 * of the BLAS NumPy loaded (its cblas ?gemm, found by Python, held at one
 * thread for the job and restored after).  OpenBLAS's own threads would
 * fork and join per call and wait on a descheduled thread whenever a
 * neighbour holds a core. */

typedef struct {
    int ta, tb, split_rows;
    fg_idx M, N, K, lda, ldb, ldc, block;
    const FG_T *A, *B;
    FG_T *C;
} FG_FN(gemm_job);

static void FG_FN(gemm_task)(void *ctx, fg_idx t, int slot)
{
    const FG_FN(gemm_job) *j = ctx;
    (void)slot;
    const fg_idx total = j->split_rows ? j->M : j->N;
    const fg_idx lo = t * j->block, hi = lo + j->block < total ? lo + j->block : total;
    if (j->split_rows)
        FG_FN(blas_gemm)(j->ta, j->tb, hi - lo, j->N, j->K,
                         j->A + (j->ta ? lo : lo * j->lda), j->lda, j->B, j->ldb,
                         0, j->C + lo * j->ldc, j->ldc);
    else
        FG_FN(blas_gemm)(j->ta, j->tb, j->M, hi - lo, j->K, j->A, j->lda,
                         j->B + (j->tb ? lo * j->ldb : lo), j->ldb, 0, j->C + lo, j->ldc);
}

/* c[0:n] = a @ B[:, 0:n] for one row a (a[k * inca]) and row-major B:
 * panels of 8 vectors of columns summed over all k in registers, each B
 * row read once per panel, in order (the product streams B, so it runs
 * at the speed of the cache B is in). */
static void FG_FN(gemv_rows)(fg_idx K, const FG_T *a, fg_idx inca,
                             const FG_T *FG_RESTRICT B, fg_idx ldb,
                             FG_T *FG_RESTRICT c, fg_idx n)
{
    const fg_idx L = FG_WINO_LANES(FG_T, FG_VT);
    const FG_VT zero = {0};
    fg_idx j = 0;
    for (; j + 8 * L <= n; j += 8 * L) {
        FG_VT acc[8];
        for (int v = 0; v < 8; v++)
            acc[v] = zero;
        for (fg_idx k = 0; k < K; k++) {
            const FG_T x = a[k * inca];
            const FG_T *b = B + k * ldb + j;
            for (int v = 0; v < 8; v++)
                acc[v] += x * *(const FG_VT *)(b + v * L);
        }
        for (int v = 0; v < 8; v++)
            *(FG_VT *)(c + j + v * L) = acc[v];
    }
    for (; j + L <= n; j += L) {
        FG_VT acc = zero;
        for (fg_idx k = 0; k < K; k++)
            acc += a[k * inca] * *(const FG_VT *)(B + k * ldb + j);
        *(FG_VT *)(c + j) = acc;
    }
    for (; j < n; j++) {
        FG_T sum = 0;
        for (fg_idx k = 0; k < K; k++)
            sum += a[k * inca] * B[k * ldb + j];
        c[j] = sum;
    }
}

/* One column block of a single row by a row-major B. */
static void FG_FN(gemv_task)(void *ctx, fg_idx t, int slot)
{
    const FG_FN(gemm_job) *j = ctx;
    (void)slot;
    const fg_idx lo = t * j->block, hi = lo + j->block < j->N ? lo + j->block : j->N;
    FG_FN(gemv_rows)(j->K, j->A, j->ta ? j->lda : 1, j->B + lo, j->ldb, j->C + lo,
                     hi - lo);
}

int FG_FN(fg_pool_gemm)(int ta, int tb, fg_idx M, fg_idx N, fg_idx K,
                        const FG_T *A, fg_idx lda, const FG_T *B, fg_idx ldb,
                        FG_T *C, fg_idx ldc, fg_idx tasks, int slots)
{
    if (FG_TYPED(fg_blas_gemm_) == NULL)
        return -1;
    /* Split the longer side of C, in blocks of whole vectors.  A single row
     * by a row-major B (one sample's predict) is split by columns into our
     * own vector-matrix loops: BLAS would pack B's blocks first. */
    const int gemv = M == 1 && !tb;
    const int split_rows = M >= N && !gemv;
    const fg_idx total = split_rows ? M : N;
    fg_idx block = (total + tasks - 1) / tasks;
    block = gemv ? (block + 63) / 64 * 64 : (block + 15) / 16 * 16;
    FG_FN(gemm_job) j = {ta, tb, split_rows, M, N, K, lda, ldb, ldc, block, A, B, C};
    const int before = gemv ? 1 : fg_blas_hold_one();   /* 1: nothing to restore */
    fg_pool_run(block > 0 ? (total + block - 1) / block : 0, slots,
                gemv ? FG_FN(gemv_task) : FG_FN(gemm_task), &j);
    fg_blas_restore(before);
    return 0;
}
