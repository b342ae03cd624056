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

int FG_FN(fg_pool_gemm)(int ta, int tb, fg_idx M, fg_idx N, fg_idx K,
                        const FG_T *A, fg_idx lda, const FG_T *B, fg_idx ldb,
                        FG_T *C, fg_idx ldc, fg_idx tasks, int slots)
{
    if (FG_TYPED(fg_blas_gemm_) == NULL)
        return -1;
    /* Split the longer side of C, in blocks of whole vectors. */
    const int split_rows = M >= N;
    const fg_idx total = split_rows ? M : N;
    fg_idx block = (total + tasks - 1) / tasks;
    block = (block + 15) / 16 * 16;
    FG_FN(gemm_job) j = {ta, tb, split_rows, M, N, K, lda, ldb, ldc, block, A, B, C};
    const int before = fg_blas_hold_one();
    fg_pool_run(block > 0 ? (total + block - 1) / block : 0, slots,
                FG_FN(gemm_task), &j);
    fg_blas_restore(before);
    return 0;
}
