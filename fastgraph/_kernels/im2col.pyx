"""im2col / col2im for channels-last convolution (csrc/im2col.c)."""
cimport numpy as cnp

from .checks cimport (ANY_FLOAT, array, data, data_or_null, fail, has_shape, like,
                      writeable)

cnp.import_array()

cdef extern from "im2col.h":
    void fg_set_pool(const void *api) nogil
    ctypedef struct fg_conv_geom:
        Py_ssize_t n, d, h, w, c
        Py_ssize_t kd, kh, kw
        Py_ssize_t sd, sh, sw
        Py_ssize_t dd, dh, dw
        Py_ssize_t pf, pt, pl
        Py_ssize_t od, oh, ow
        Py_ssize_t groups
    void fg_im2col(const void *x, void *cols, size_t esz,
                   const fg_conv_geom *g, Py_ssize_t r0, Py_ssize_t r1) nogil
    void fg_col2im_f32(const float *cols, float *dx, const fg_conv_geom *g,
                       Py_ssize_t r0, Py_ssize_t r1) nogil
    void fg_col2im_f64(const double *cols, double *dx, const fg_conv_geom *g,
                       Py_ssize_t r0, Py_ssize_t r1) nogil
    ctypedef struct fg_wino_geom:
        Py_ssize_t n, h, w, c
        Py_ssize_t pt, pl
        Py_ssize_t oh, ow
        int m, r
    void fg_wino_input_f32(const float *x, float *V, Py_ssize_t ps,
                           const fg_wino_geom *g, Py_ssize_t t0, Py_ssize_t t1) nogil
    void fg_wino_input_f64(const double *x, double *V, Py_ssize_t ps,
                           const fg_wino_geom *g, Py_ssize_t t0, Py_ssize_t t1) nogil
    void fg_wino_output_f32(const float *M, Py_ssize_t ps, float *y, const float *bias,
                            int relu, const fg_wino_geom *g, Py_ssize_t O,
                            Py_ssize_t t0, Py_ssize_t t1) nogil
    void fg_wino_output_f64(const double *M, Py_ssize_t ps, double *y,
                            const double *bias, int relu, const fg_wino_geom *g,
                            Py_ssize_t O, Py_ssize_t t0, Py_ssize_t t1) nogil
    void fg_wino_grad_f32(const float *dy, float *W, Py_ssize_t ps,
                          const fg_wino_geom *g, Py_ssize_t O, Py_ssize_t t0,
                          Py_ssize_t t1) nogil
    void fg_wino_grad_f64(const double *dy, double *W, Py_ssize_t ps,
                          const fg_wino_geom *g, Py_ssize_t O, Py_ssize_t t0,
                          Py_ssize_t t1) nogil
    void fg_batched_gemm_f32(Py_ssize_t batch, Py_ssize_t R, Py_ssize_t K,
                             Py_ssize_t M, const float *A, Py_ssize_t sa,
                             Py_ssize_t lda, int trans_a, const float *B,
                             Py_ssize_t sb, Py_ssize_t ldb, float *C, Py_ssize_t sc,
                             Py_ssize_t ldc, int acc) nogil
    void fg_batched_gemm_f64(Py_ssize_t batch, Py_ssize_t R, Py_ssize_t K,
                             Py_ssize_t M, const double *A, Py_ssize_t sa,
                             Py_ssize_t lda, int trans_a, const double *B,
                             Py_ssize_t sb, Py_ssize_t ldb, double *C,
                             Py_ssize_t sc, Py_ssize_t ldc, int acc) nogil
    void fg_conv_bias_act_f32(float *y, const float *b, Py_ssize_t rows,
                              Py_ssize_t cols, int relu) nogil
    void fg_conv_bias_act_f64(double *y, const double *b, Py_ssize_t rows,
                              Py_ssize_t cols, int relu) nogil
    void fg_conv_act_grad_f32(const float *y, const float *g, float *dz, double *db,
                              Py_ssize_t rows, Py_ssize_t cols, int relu) nogil
    void fg_conv_act_grad_f64(const double *y, const double *g, double *dz,
                              double *db, Py_ssize_t rows, Py_ssize_t cols,
                              int relu) nogil


cdef _geometry(fn, fg_conv_geom *g, shape, kernel_size, strides, dilation,
               pads, out_size, rows, cols, groups):
    """Fill `g` for a 2-D (NHWC `shape`, pairs) or 3-D (NDHWC, triples)
    convolution; return the output row range, checked against `cols` (if
    not None)."""
    nd = len(shape) - 2
    for name, vals, low in (("kernel_size", kernel_size, 1), ("strides", strides, 1),
                            ("dilation", dilation, 1), ("pads", pads, 0),
                            ("out_size", out_size, 0)):
        if len(vals) != nd:
            raise ValueError(f"{fn}: {name} must have {nd} entries (one per spatial "
                             f"axis of an input of shape {tuple(shape)}), got "
                             f"{tuple(vals)}")
        if min(vals) < low:
            raise ValueError(f"{fn}: {name} must be >= {low}, got {tuple(vals)}")
    one = (1,) if nd == 2 else ()
    g.n, g.c = shape[0], shape[nd + 1]
    g.d, g.h, g.w = one + tuple(shape[1:nd + 1])
    g.kd, g.kh, g.kw = one + tuple(kernel_size)
    g.sd, g.sh, g.sw = one + tuple(strides)
    g.dd, g.dh, g.dw = one + tuple(dilation)
    g.pf, g.pt, g.pl = (0,) * (3 - nd) + tuple(pads)
    g.od, g.oh, g.ow = one + tuple(out_size)
    if groups < 1 or g.c % groups:
        raise ValueError(f"{fn}: groups must be a positive divisor of the {g.c} "
                         f"channels, got {groups}")
    g.groups = groups
    lines = g.n * g.od * g.oh
    r0, r1 = (0, lines) if rows is None else rows
    if not 0 <= r0 <= r1 <= lines:
        raise ValueError(f"{fn}: rows must satisfy 0 <= start <= end <= "
                         f"{lines} (batch * out depth * out height), got {(r0, r1)}")
    if cols is not None:
        has_shape(fn, "cols", cols, ((r1 - r0) * g.ow, g.kd * g.kh * g.kw * g.c))
    return r0, r1


cdef int _volume(str fn, str name, object a, object kernel_size) except -1:
    """`a` is a float 4-D (NHWC) or 5-D (NDHWC) array, by len(kernel_size)."""
    return array(fn, name, a, ANY_FLOAT, 5 if len(kernel_size) == 3 else 4)


# Every job of this family runs on fastgraph's one thread pool.
from fastgraph._kernels import tasks as _tasks
fg_set_pool(<const void *><size_t>_tasks.api_address())


def im2col(x, cols, kernel_size, strides, dilation, pads, out_size, rows=None,
           groups=1):
    """Fill `cols` with the zero-padded patches of NHWC (or NDHWC) `x`, one
    row per output pixel.

    The geometry is given per spatial axis (pairs for NHWC, triples for
    NDHWC): `pads` is the padding before and `out_size` the output size.
    `rows` = (start, end) selects output rows (n*od + z)*oh + i across the
    batch (default all); `cols` is ((end - start) * ow, taps * c), each
    pixel's columns group-major for `groups` channel groups.
    """
    cdef fg_conv_geom g
    cdef Py_ssize_t r0, r1
    _volume("im2col", "x", x, kernel_size)
    like("im2col", "cols", cols, x, "x", 2)
    writeable("im2col", "cols", cols)
    r0, r1 = _geometry("im2col", &g, x.shape, kernel_size, strides, dilation,
                       pads, out_size, rows, cols, groups)
    cdef void *xp = data(x)
    cdef void *cp = data(cols)
    cdef size_t esz = x.itemsize
    with nogil:
        fg_im2col(xp, cp, esz, &g, r0, r1)


def col2im(cols, dx, kernel_size, strides, dilation, pads, out_size, rows=None,
           groups=1):
    """Add `cols` into NHWC (or NDHWC) `dx`, each entry to the pixel im2col
    copied it from.

    The adjoint of `im2col` with the same arguments; `dx` accumulates.
    """
    cdef fg_conv_geom g
    cdef Py_ssize_t r0, r1
    cdef int t = _volume("col2im", "dx", dx, kernel_size)
    writeable("col2im", "dx", dx)
    like("col2im", "cols", cols, dx, "dx", 2)
    r0, r1 = _geometry("col2im", &g, dx.shape, kernel_size, strides, dilation,
                       pads, out_size, rows, cols, groups)
    cdef void *cp = data(cols)
    cdef void *dp = data(dx)
    if t == cnp.NPY_FLOAT:
        with nogil:
            fg_col2im_f32(<const float *>cp, <float *>dp, &g, r0, r1)
    else:
        with nogil:
            fg_col2im_f64(<const double *>cp, <double *>dp, &g, r0, r1)


def bias_act(y, b, bint relu):
    """In place on the 2-D `y`: y += b (b None: no bias), then max(y, 0) if relu."""
    cdef int t = array("bias_act", "y", y, ANY_FLOAT, 2)
    writeable("bias_act", "y", y)
    if b is not None:
        array("bias_act", "b", b, t, (y.shape[1],))
    cdef Py_ssize_t rows = y.shape[0], cols = y.shape[1]
    cdef void *yp = data(y)
    cdef void *bp = data_or_null(b)
    if t == cnp.NPY_FLOAT:
        with nogil:
            fg_conv_bias_act_f32(<float *>yp, <const float *>bp, rows, cols, relu)
    else:
        with nogil:
            fg_conv_bias_act_f64(<double *>yp, <const double *>bp, rows, cols, relu)


def act_grad(y, g, dz, db, bint relu):
    """Backward of `bias_act` on 2-D arrays: with relu, dz = g where y > 0
    else 0 (y is bias_act's output); db (float64, or None) += column sums of
    dz (of g without relu).  y and dz are only read / written with relu."""
    cdef int t = array("act_grad", "g", g, ANY_FLOAT, 2)
    if relu:
        array("act_grad", "y", y, t, g.shape)
        array("act_grad", "dz", dz, t, g.shape)
        writeable("act_grad", "dz", dz)
    else:
        y = dz = None
    if db is not None:
        array("act_grad", "db", db, cnp.NPY_DOUBLE, (g.shape[1],))
        writeable("act_grad", "db", db)
    cdef Py_ssize_t rows = g.shape[0], cols = g.shape[1]
    cdef void *yp = data_or_null(y)
    cdef void *gp = data(g)
    cdef void *dp = data_or_null(dz)
    cdef double *bp = <double *>data_or_null(db)
    if t == cnp.NPY_FLOAT:
        with nogil:
            fg_conv_act_grad_f32(<const float *>yp, <const float *>gp, <float *>dp,
                                 bp, rows, cols, relu)
    else:
        with nogil:
            fg_conv_act_grad_f64(<const double *>yp, <const double *>gp,
                                 <double *>dp, bp, rows, cols, relu)


cdef Py_ssize_t _wino_planes(str fn, int m, int r) except -1:
    """alpha^2 of F(m x m, r x r), after checking that csrc/ has that variant."""
    if (m, r) not in ((2, 3), (4, 3), (2, 5)):
        raise ValueError(f"{fn}: tile size m and kernel size r must be (2, 3), "
                         f"(4, 3) or (2, 5), got m={m}, r={r}")
    return (m + r - 1) ** 2


cdef _wino_geometry(fn, fg_wino_geom *g, x_shape, int m, int r, pads, out_size,
                    tiles):
    """Fill `g`; check m, r, pads and the tile range; return the tile range."""
    _wino_planes(fn, m, r)
    g.n, g.h, g.w, g.c = x_shape
    g.pt, g.pl = pads
    g.oh, g.ow = out_size
    g.m, g.r = m, r
    if min(pads) < 0 or min(out_size) < 0:
        raise ValueError(f"{fn}: pads and out_size must be >= 0, got "
                         f"{tuple(pads)}, {tuple(out_size)}")
    total = g.n * ((g.oh + m - 1) // m) * ((g.ow + m - 1) // m)
    t0, t1 = tiles
    if not 0 <= t0 <= t1 <= total:
        raise ValueError(f"{fn}: tiles must satisfy 0 <= start <= end <= {total}, "
                         f"got {(t0, t1)}")
    return t0, t1


cdef _check_planes(str fn, str name, buf, ref, str ref_name, Py_ssize_t planes,
                   Py_ssize_t ps, Py_ssize_t row):
    """`buf` must be a writeable 1-D contiguous array of ref's dtype holding
    `planes` planes `ps` apart, each of `row` used elements (ps >= row)."""
    like(fn, name, buf, ref, ref_name, 1)
    writeable(fn, name, buf)
    if ps < row:
        raise ValueError(f"{fn}: plane stride {ps} is smaller than a plane ({row})")
    if buf.shape[0] < (planes - 1) * ps + row:
        raise ValueError(f"{fn}: {name} holds {buf.shape[0]} elements, fewer than "
                         f"{planes} planes of {row} elements {ps} apart need")


def wino_input(x, V, Py_ssize_t ps, int m, int r, pads, out_size, tiles):
    """Winograd F(m x m, r x r) input transform of NHWC `x` for tiles
    [start, end) of m x m outputs of the (oh, ow) = out_size output, padding
    before = pads, into the flat `V`: alpha^2 planes ps apart (alpha =
    m + r - 1), each (end - start, channels)."""
    cdef fg_wino_geom g
    cdef int t = array("wino_input", "x", x, ANY_FLOAT, 4)
    t0, t1 = _wino_geometry("wino_input", &g, x.shape, m, r, pads, out_size, tiles)
    _check_planes("wino_input", "V", V, x, "x", _wino_planes("wino_input", m, r), ps,
                  (t1 - t0) * g.c)
    cdef void *xp = data(x)
    cdef void *vp = data(V)
    cdef Py_ssize_t a0 = t0, a1 = t1
    if t == cnp.NPY_FLOAT:
        with nogil:
            fg_wino_input_f32(<const float *>xp, <float *>vp, ps, &g, a0, a1)
    else:
        with nogil:
            fg_wino_input_f64(<const double *>xp, <double *>vp, ps, &g, a0, a1)


def wino_output(M, Py_ssize_t ps, y, b, bint relu, int m, int r, tiles):
    """Winograd F(m x m, r x r) output transform: NHWC `y` at the outputs of
    tiles [start, end) = A^T M A (+ b, then relu); the flat `M` holds alpha^2
    planes ps apart, each (end - start, out channels)."""
    cdef fg_wino_geom g
    cdef int t = array("wino_output", "y", y, ANY_FLOAT, 4)
    writeable("wino_output", "y", y)
    if b is not None:
        array("wino_output", "b", b, t, (y.shape[3],))
    n, oh, ow, o = y.shape
    t0, t1 = _wino_geometry("wino_output", &g, (n, oh, ow, o), m, r, (0, 0), (oh, ow),
                            tiles)
    _check_planes("wino_output", "M", M, y, "y", _wino_planes("wino_output", m, r), ps,
                  (t1 - t0) * o)
    cdef void *mp = data(M)
    cdef void *yp = data(y)
    cdef void *bp = data_or_null(b)
    cdef Py_ssize_t a0 = t0, a1 = t1, oc = o
    if t == cnp.NPY_FLOAT:
        with nogil:
            fg_wino_output_f32(<const float *>mp, ps, <float *>yp, <const float *>bp,
                               relu, &g, oc, a0, a1)
    else:
        with nogil:
            fg_wino_output_f64(<const double *>mp, ps, <double *>yp, <const double *>bp,
                               relu, &g, oc, a0, a1)


def wino_grad(dy, W, Py_ssize_t ps, int m, int r, tiles):
    """The kernel-gradient transform of Winograd F(r x r, m x m): for tiles
    [start, end) of the NHWC output gradient `dy`, G' e G'^T of each m x m
    block e into the flat `W`: alpha^2 planes ps apart, each (end - start,
    channels)."""
    cdef fg_wino_geom g
    cdef int t = array("wino_grad", "dy", dy, ANY_FLOAT, 4)
    n, oh, ow, o = dy.shape
    t0, t1 = _wino_geometry("wino_grad", &g, (n, oh, ow, o), m, r, (0, 0), (oh, ow),
                            tiles)
    _check_planes("wino_grad", "W", W, dy, "dy", _wino_planes("wino_grad", m, r), ps,
                  (t1 - t0) * o)
    cdef void *dp = data(dy)
    cdef void *wp = data(W)
    cdef Py_ssize_t a0 = t0, a1 = t1, oc = o
    if t == cnp.NPY_FLOAT:
        with nogil:
            fg_wino_grad_f32(<const float *>dp, <float *>wp, ps, &g, oc, a0, a1)
    else:
        with nogil:
            fg_wino_grad_f64(<const double *>dp, <double *>wp, ps, &g, oc, a0, a1)


cdef tuple _element_strides(str fn, str name, a, object ref):
    """Strides in elements of `a`: a 3-D float array (of the dtype of A, the
    `ref`, for B and C) that may be a strided view, with non-negative
    strides of whole elements.  The checks of checks.pxd, but for views."""
    if not cnp.PyArray_Check(a):
        fail(f"{fn}: {name} must be a numpy array, got {type(a).__name__}")
    cdef int t = cnp.PyArray_TYPE(<cnp.ndarray>a)
    if ref is None and t != cnp.NPY_FLOAT and t != cnp.NPY_DOUBLE \
            or not cnp.PyArray_ISNOTSWAPPED(<cnp.ndarray>a):
        fail(f"{fn}: {name} must be float32 or float64, got {a.dtype}")
    if ref is not None and t != cnp.PyArray_TYPE(<cnp.ndarray>ref):
        fail(f"{fn}: {name} must have the dtype of A ({ref.dtype}), got {a.dtype}")
    if a.ndim != 3:
        fail(f"{fn}: {name} must have 3 dimensions, got shape {a.shape}")
    item = a.itemsize
    if any(st < 0 or st % item for st in a.strides):
        fail(f"{fn}: {name} strides {a.strides} must be non-negative multiples "
             f"of the element size")
    return tuple(st // item for st in a.strides)


def batched_gemm(A, B, C, bint acc):
    """C[b] = A[b] @ B[b] (+ C[b] with acc) for 3-D arrays (batch, R, K),
    (batch, K, M), (batch, R, M), which may be strided views: B and C need
    unit column stride, A unit stride along K or along R (a transpose)."""
    fn = "batched_gemm"
    sa3 = _element_strides(fn, "A", A, None)
    sb3 = _element_strides(fn, "B", B, A)
    sc3 = _element_strides(fn, "C", C, A)
    cdef int t = cnp.PyArray_TYPE(<cnp.ndarray>A)
    writeable(fn, "C", C)
    batch, R, K = A.shape
    if B.shape[:2] != (batch, K) or C.shape != (batch, R, B.shape[2]):
        raise ValueError(f"{fn}: shapes A {A.shape}, B {B.shape}, C {C.shape} do not "
                         f"chain as (b, R, K) @ (b, K, M) -> (b, R, M)")
    if sb3[2] != 1 or sc3[2] != 1:
        raise ValueError(f"{fn}: B and C must have unit column stride")
    cdef bint trans = sa3[2] != 1
    if trans and sa3[1] != 1:
        raise ValueError(f"{fn}: A must have unit stride along one of its last two axes")
    cdef Py_ssize_t nb = batch, nr = R, nk = K, nm = B.shape[2]
    cdef Py_ssize_t sa = sa3[0], lda = sa3[2] if trans else sa3[1]
    cdef Py_ssize_t sb = sb3[0], ldb = sb3[1], sc = sc3[0], ldc = sc3[1]
    cdef void *ap = data(A)
    cdef void *bp = data(B)
    cdef void *cp = data(C)
    if t == cnp.NPY_FLOAT:
        with nogil:
            fg_batched_gemm_f32(nb, nr, nk, nm, <const float *>ap, sa, lda, trans,
                                <const float *>bp, sb, ldb, <float *>cp, sc, ldc, acc)
    else:
        with nogil:
            fg_batched_gemm_f64(nb, nr, nk, nm, <const double *>ap, sa, lda, trans,
                                <const double *>bp, sb, ldb, <double *>cp, sc, ldc, acc)



include "im2col_pool.pxi"
