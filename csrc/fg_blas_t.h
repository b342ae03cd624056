/* The typed BLAS call over FG_T (see fg_blas.h, fg_twins.h). */

/* C = op(A) @ op(B) + beta * C, row-major; op transposes with ta / tb; lda,
 * ldb, ldc the row strides as stored.  The caller checks that the family
 * has a BLAS (FG_TYPED(fg_blas_gemm_) != NULL). */
static void FG_FN(blas_gemm)(int ta, int tb, fg_idx M, fg_idx N, fg_idx K,
                             const FG_T *A, fg_idx lda, const FG_T *B, fg_idx ldb,
                             FG_T beta, FG_T *C, fg_idx ldc)
{
    const int tra = ta ? FG_CBLAS_TRANS : FG_CBLAS_NO_TRANS;
    const int trb = tb ? FG_CBLAS_TRANS : FG_CBLAS_NO_TRANS;
    if (fg_blas_ilp64)
        ((FG_TYPED(fg_gemm64_))FG_TYPED(fg_blas_gemm_))(
            FG_CBLAS_ROW_MAJOR, tra, trb, M, N, K, 1, A, lda, B, ldb, beta, C, ldc);
    else
        ((FG_TYPED(fg_gemm32_))FG_TYPED(fg_blas_gemm_))(
            FG_CBLAS_ROW_MAJOR, tra, trb, (int)M, (int)N, (int)K, 1, A, (int)lda, B,
            (int)ldb, beta, C, (int)ldc);
}
