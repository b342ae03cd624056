/* im2col / col2im for channels-last convolution (NWC, NHWC, NDHWC: 1-D and
 * 2-D convolutions are 3-D ones with unit depth (and height)). */
#ifndef FG_IM2COL_H
#define FG_IM2COL_H

#include "fg_kernels.h"

/* Geometry of one convolution; the padding after is implied by od, oh, ow.
 * The channels split into `groups` equal groups (grouped convolution): the
 * columns of a pixel are group-major, [group][kd][kh][kw][c / groups], so
 * that each group's columns are one block (groups = 1: [kd][kh][kw][c]). */
typedef struct {
    fg_idx n, d, h, w, c;   /* input batch, depth, height, width, channels */
    fg_idx kd, kh, kw;      /* kernel depth, height, width */
    fg_idx sd, sh, sw;      /* strides */
    fg_idx dd, dh, dw;      /* dilation */
    fg_idx pf, pt, pl;      /* zero padding before: front, top, left */
    fg_idx od, oh, ow;      /* output depth, height, width */
    fg_idx groups;          /* channel groups (divides c) */
} fg_conv_geom;

/* Output rows r = (n*od + z)*oh + i in [r0, r1), i.e. any run of output rows
 * across the batch, so callers bound the column buffer whatever the volume:
 * row (r - r0)*ow + j, column (grp*kd*kh*kw + (e*kh + a)*kw + b)*cg + ch
 * (cg = c / groups) holds x[n][z*sd-pf+e*dd][i*sh-pt+a*dh][j*sw-pl+b*dw]
 * [grp*cg + ch] (0 outside the input).  Element type agnostic: esz is
 * sizeof(element). */
void fg_im2col(const void *x, void *cols, size_t esz, const fg_conv_geom *g,
               fg_idx r0, fg_idx r1);

/* The adjoint of fg_im2col over the same rows: every column entry is added
 * to the input pixel it was copied from (dx accumulates; zero it first). */
void fg_col2im_f32(const float *cols, float *dx, const fg_conv_geom *g,
                   fg_idx r0, fg_idx r1);
void fg_col2im_f64(const double *cols, double *dx, const fg_conv_geom *g,
                   fg_idx r0, fg_idx r1);

/* Winograd F(m x m, r x r) for stride-1, undilated convolution, (m, r) =
 * (2, 3), (4, 3) or (2, 5) (tiles of alpha x alpha inputs, alpha = m + r - 1,
 * give m x m outputs).  Tile t = (n*th + ty)*tw + tx, with th = ceil(oh/m)
 * and tw = ceil(ow/m), covers outputs [m*ty, m*ty+m) x [m*tx, m*tx+m) of
 * image n; its input patch starts at (m*ty - pt, m*tx - pl) and reads 0
 * outside the image. */
typedef struct {
    fg_idx n, h, w, c;   /* input batch, height, width, channels */
    fg_idx pt, pl;       /* zero padding before: top, left */
    fg_idx oh, ow;       /* output height, width */
    int m, r;            /* output tile size and kernel size: 2 or 4, 3 or 5 */
} fg_wino_geom;

/* V[(i*alpha + j)*ps + (t - t0)*c + ch] = (B^T d B)[i][j][ch] of tile t's
 * patch d, for the tiles [t0, t1): alpha^2 planes ps >= (t1 - t0)*c apart
 * (a plane stride that is not a multiple of 4 KiB spares the stores to
 * the planes from 4K aliasing). */
void fg_wino_input_f32(const float *x, float *V, fg_idx ps, const fg_wino_geom *g,
                       fg_idx t0, fg_idx t1);
void fg_wino_input_f64(const double *x, double *V, fg_idx ps,
                       const fg_wino_geom *g, fg_idx t0, fg_idx t1);

/* From the planes M[(i*alpha + j)*ps + (t - t0)*O + o] (o < O), the products
 * with the transformed kernel: y[n][m*ty + p][m*tx + q][o] = (A^T M A)[p][q]
 * + bias[o] (bias may be NULL), then max(., 0) when relu is set, for the
 * outputs of tiles [t0, t1) inside (oh, ow). */
void fg_wino_output_f32(const float *M, fg_idx ps, float *y, const float *bias,
                        int relu, const fg_wino_geom *g, fg_idx O, fg_idx t0,
                        fg_idx t1);
void fg_wino_output_f64(const double *M, fg_idx ps, double *y, const double *bias,
                        int relu, const fg_wino_geom *g, fg_idx O, fg_idx t0,
                        fg_idx t1);

/* For the kernel gradient (Winograd F(r x r, m x m), whose input transform
 * is fg_wino_input's): W[(i*alpha + j)*ps + (t - t0)*O + o] = (G' e G'^T)[i][j]
 * where e is tile t's m x m block of the output gradient dy (oh, ow, O per
 * image; zero outside), for the tiles [t0, t1). */
void fg_wino_grad_f32(const float *dy, float *W, fg_idx ps, const fg_wino_geom *g,
                      fg_idx O, fg_idx t0, fg_idx t1);
void fg_wino_grad_f64(const double *dy, double *W, fg_idx ps,
                      const fg_wino_geom *g, fg_idx O, fg_idx t0, fg_idx t1);

/* C[b] (R x M) = op(A[b]) @ B[b] (+ C[b] when acc) for b < batch, the
 * matrices sa, sb, sc elements apart: op(A) is R x K, A[i*lda + k] or, with
 * trans_a, A[k*lda + i]; B (K x M) is B[k*ldb + j]; C is C[i*ldc + j].  For
 * the Winograd planes: small products, in registers, threads over (b, row
 * blocks), each element summed over k in order. */
void fg_batched_gemm_f32(fg_idx batch, fg_idx R, fg_idx K, fg_idx M,
                         const float *A, fg_idx sa, fg_idx lda, int trans_a,
                         const float *B, fg_idx sb, fg_idx ldb,
                         float *C, fg_idx sc, fg_idx ldc, int acc);
void fg_batched_gemm_f64(fg_idx batch, fg_idx R, fg_idx K, fg_idx M,
                         const double *A, fg_idx sa, fg_idx lda, int trans_a,
                         const double *B, fg_idx sb, fg_idx ldb,
                         double *C, fg_idx sc, fg_idx ldc, int acc);

/* The convolution's output epilogue, on a chunk of rows x cols outputs in
 * place: y <- y + b (b may be NULL), then max(y, 0) when relu is set. */
void fg_conv_bias_act_f32(float *y, const float *b, fg_idx rows, fg_idx cols,
                          int relu);
void fg_conv_bias_act_f64(double *y, const double *b, fg_idx rows, fg_idx cols,
                          int relu);

/* The epilogue's backward on a chunk: with relu, dz = g where y > 0 else 0
 * (y is the epilogue's output); db (may be NULL) accumulates the column
 * sums of dz (of g without relu) in double, row by row in order per thread
 * block, partial sums added in thread order: deterministic for a given
 * thread count. */
void fg_conv_act_grad_f32(const float *y, const float *g, float *dz, double *db,
                          fg_idx rows, fg_idx cols, int relu);
void fg_conv_act_grad_f64(const double *y, const double *g, double *dz,
                          double *db, fg_idx rows, fg_idx cols, int relu);

/* The same convolutions on fastgraph's pool (csrc/fg_pool.h), up to `slots`
 * threads, each task single-threaded in its slot's scratch (slot s uses
 * scratch + s * its share).  Forward (groups 1): y (rows, O) = act(im2col(x)
 * @ k + bias) in tasks of `step` output rows (pointwise: x's pixels are the
 * columns); scratch holds slots * step*ow*K elements (unused if pointwise). */
#define FG_CONV_PAR_DECL(T, S)                                                \
void fg_conv_forward_par_##S(const T *x, const T *k, const T *bias, int relu,  \
                             T *y, const fg_conv_geom *g, fg_idx O,            \
                             int pointwise, fg_idx step, T *scratch, int slots); \
/* Backward: dk_parts (ceil(n / per_task), K, O) gets each task's kernel     \
 * gradient (the caller sums them in order; NULL: none), dx = col2im(dz @ kt) \
 * (kt is k transposed, (O, K); NULL: none), tasks of per_task images in     \
 * chunks of `step` output rows. */                                           \
void fg_conv_backward_par_##S(const T *dz, const T *x, const T *kt, T *dk_parts, \
                              T *dx, const fg_conv_geom *g, fg_idx O,          \
                              int pointwise, fg_idx step, fg_idx per_task,     \
                              T *scratch, int slots);                          \
/* Winograd forward in tasks of `step` tiles (vbuf / mbuf: per slot alpha^2  \
 * planes vs / ms apart, the slots one plane set apart). */                  \
void fg_wino_forward_par_##S(const T *x, const T *u, const T *bias, int relu,  \
                             T *y, const fg_wino_geom *g, fg_idx O, fg_idx step, \
                             T *vbuf, fg_idx vs, T *mbuf, fg_idx ms, int slots); \
/* Winograd kernel gradient: du_parts (ceil(tiles / per_task), alpha^2, C, O) \
 * gets each task's sum over its tiles, in chunks of `step` tiles. */        \
void fg_wino_dk_par_##S(const T *x, const T *dz, T *du_parts, const fg_wino_geom *g, \
                        fg_idx O, fg_idx step, fg_idx per_task, T *vbuf, fg_idx vs, \
                        T *wbuf, fg_idx ws, int slots);
FG_CONV_PAR_DECL(float, f32)
FG_CONV_PAR_DECL(double, f64)
#undef FG_CONV_PAR_DECL

/* Hand the pool NumPy's BLAS: cblas_sgemm / cblas_dgemm (NULL: none),
 * whether they take 64-bit integers, and its set / get thread-count calls
 * (may be NULL). */
/* Connect the family to fastgraph's thread pool (fg_pool.h). */
void fg_set_pool(const void *api);

void fg_set_blas(void *sgemm, void *dgemm, int ilp64, void *set_threads,
                 void *get_threads);

/* C (M x N, row stride ldc) = op(A) @ op(B) on up to `slots` pool threads in
 * about `tasks` row or column blocks of C, each one single-threaded BLAS
 * call (BLAS held at one thread meanwhile); op transposes with ta / tb;
 * row-major, lda / ldb the row strides as stored; a single row times a
 * row-major B is split by columns into the family's own loops.  -1 without
 * a BLAS. */
int fg_pool_gemm_f32(int ta, int tb, fg_idx M, fg_idx N, fg_idx K, const float *A,
                     fg_idx lda, const float *B, fg_idx ldb, float *C, fg_idx ldc,
                     fg_idx tasks, int slots);
int fg_pool_gemm_f64(int ta, int tb, fg_idx M, fg_idx N, fg_idx K, const double *A,
                     fg_idx lda, const double *B, fg_idx ldb, double *C, fg_idx ldc,
                     fg_idx tasks, int slots);

#endif
