# The pool's shims of the im2col family (csrc/tasks.h, conv_par_t.h,
# pool_gemm_t.h), included by im2col.pyx: convolution chunks and matrix
# products split into single-threaded tasks above one thread.

cdef extern from "im2col.h":
    void fg_conv_forward_par_f32(const float *x, const float *k, const float *bias,
                                 int relu, float *y, const fg_conv_geom *g,
                                 Py_ssize_t O, int pointwise, Py_ssize_t step,
                                 float *scratch, int slots) nogil
    void fg_conv_forward_par_f64(const double *x, const double *k, const double *bias,
                                 int relu, double *y, const fg_conv_geom *g,
                                 Py_ssize_t O, int pointwise, Py_ssize_t step,
                                 double *scratch, int slots) nogil
    void fg_conv_backward_par_f32(const float *dz, const float *x, const float *kt,
                                  float *dk_parts, float *dx, const fg_conv_geom *g,
                                  Py_ssize_t O, int pointwise, Py_ssize_t step,
                                  Py_ssize_t per_task, float *scratch, int slots) nogil
    void fg_conv_backward_par_f64(const double *dz, const double *x, const double *kt,
                                  double *dk_parts, double *dx, const fg_conv_geom *g,
                                  Py_ssize_t O, int pointwise, Py_ssize_t step,
                                  Py_ssize_t per_task, double *scratch, int slots) nogil
    void fg_wino_forward_par_f32(const float *x, const float *u, const float *bias,
                                 int relu, float *y, const fg_wino_geom *g, Py_ssize_t O,
                                 Py_ssize_t step, float *vbuf, Py_ssize_t vs,
                                 float *mbuf, Py_ssize_t ms, int slots) nogil
    void fg_wino_forward_par_f64(const double *x, const double *u, const double *bias,
                                 int relu, double *y, const fg_wino_geom *g,
                                 Py_ssize_t O, Py_ssize_t step, double *vbuf,
                                 Py_ssize_t vs, double *mbuf, Py_ssize_t ms,
                                 int slots) nogil
    void fg_wino_dk_par_f32(const float *x, const float *dz, float *du_parts,
                            const fg_wino_geom *g, Py_ssize_t O, Py_ssize_t step,
                            Py_ssize_t per_task, float *vbuf, Py_ssize_t vs,
                            float *wbuf, Py_ssize_t ws, int slots) nogil
    void fg_wino_dk_par_f64(const double *x, const double *dz, double *du_parts,
                            const fg_wino_geom *g, Py_ssize_t O, Py_ssize_t step,
                            Py_ssize_t per_task, double *vbuf, Py_ssize_t vs,
                            double *wbuf, Py_ssize_t ws, int slots) nogil

cdef int _room(str fn, str name, buf, ref, str ref_name, Py_ssize_t need) except -1:
    """`buf` is a writeable 1-D scratch array of ref's dtype of >= `need` elements."""
    like(fn, name, buf, ref, ref_name, 1)
    writeable(fn, name, buf)
    if buf.shape[0] < need:
        return fail(f"{fn}: {name} holds {buf.shape[0]} elements, {need} needed")
    return 0


cdef int _slots_step(str fn, int slots, Py_ssize_t step, Py_ssize_t per_task=1) except -1:
    if slots < 1 or step < 1 or per_task < 1:
        return fail(f"{fn}: slots, step and per_task must be >= 1, got "
                         f"{slots}, {step}, {per_task}")
    return 0


def conv_forward_par(x, k, b, bint relu, y, kernel_size, strides, dilation, pads,
                     out_size, bint pointwise, Py_ssize_t step, scratch, int slots):
    """y (rows, O) = act(im2col(x) @ k + b) on up to `slots` pool threads, in
    tasks of `step` output rows, each with its slot's part of `scratch`
    (slots * step * ow * K elements; unused when pointwise: 1x1, stride 1,
    unpadded).  One group; k is (K, O)."""
    fn = "conv_forward_par"
    cdef fg_conv_geom g
    _volume(fn, "x", x, kernel_size)
    _slots_step(fn, slots, step)
    _geometry(fn, &g, x.shape, kernel_size, strides, dilation, pads, out_size, (0, 0),
              None, 1)
    K, lines = g.kd * g.kh * g.kw * g.c, g.n * g.od * g.oh
    like(fn, "k", k, x, "x", 2)
    cdef Py_ssize_t O = k.shape[1]
    has_shape(fn, "k", k, (K, O))
    like(fn, "y", y, x, "x", (lines * g.ow, O))
    writeable(fn, "y", y)
    if b is not None:
        like(fn, "b", b, x, "x", (O,))
    if pointwise and (K != g.c or lines * g.ow * g.c != x.size):
        raise ValueError(f"{fn}: pointwise needs a 1x1 stride-1 unpadded geometry")
    if not pointwise:
        _room(fn, "scratch", scratch, x, "x", slots * step * g.ow * K)
    cdef void *xp = data(x)
    cdef void *kp = data(k)
    cdef void *bp = data_or_null(b)
    cdef void *yp = data(y)
    cdef void *sp = NULL if pointwise else data(scratch)
    if cnp.PyArray_TYPE(<cnp.ndarray>x) == cnp.NPY_FLOAT:
        with nogil:
            fg_conv_forward_par_f32(<const float *>xp, <const float *>kp,
                                    <const float *>bp, relu, <float *>yp, &g, O,
                                    pointwise, step, <float *>sp, slots)
    else:
        with nogil:
            fg_conv_forward_par_f64(<const double *>xp, <const double *>kp,
                                    <const double *>bp, relu, <double *>yp, &g, O,
                                    pointwise, step, <double *>sp, slots)


def conv_backward_par(dz, x, kt, dk_parts, dx, kernel_size, strides, dilation, pads,
                      out_size, bint pointwise, Py_ssize_t step, Py_ssize_t per_task,
                      scratch, int slots):
    """The backward of conv_forward_par's GEMM on the pool: dk_parts
    (ceil(n / per_task), K, O) gets each task's kernel gradient (x needed;
    None: skipped), dx (the input's shape) = col2im(dz @ kt) (kt (O, K)
    needed; None: skipped); tasks of per_task images, chunks of `step` rows."""
    fn = "conv_backward_par"
    cdef fg_conv_geom g
    shape_ref = x if x is not None else dx
    _volume(fn, "x" if x is not None else "dx", shape_ref, kernel_size)
    _slots_step(fn, slots, step, per_task)
    _geometry(fn, &g, shape_ref.shape, kernel_size, strides, dilation, pads, out_size,
              (0, 0), None, 1)
    K, lines = g.kd * g.kh * g.kw * g.c, g.n * g.od * g.oh
    like(fn, "dz", dz, shape_ref, "x", 2)
    cdef Py_ssize_t O = dz.shape[1]
    has_shape(fn, "dz", dz, (lines * g.ow, O))
    if x is not None:
        like(fn, "dk_parts", dk_parts, dz, "dz", ((g.n + per_task - 1) // per_task, K, O))
        writeable(fn, "dk_parts", dk_parts)
    else:
        dk_parts = None
    if dx is not None:
        like(fn, "dx", dx, shape_ref, "x")
        writeable(fn, "dx", dx)
        like(fn, "kt", kt, dz, "dz", (O, K))
    if pointwise and K != g.c:
        raise ValueError(f"{fn}: pointwise needs a 1x1 stride-1 unpadded geometry")
    if not pointwise:
        _room(fn, "scratch", scratch, dz, "dz", slots * step * g.ow * K)
    cdef void *zp = data(dz)
    cdef void *xp = data_or_null(x)
    cdef void *tp = data_or_null(kt if dx is not None else None)
    cdef void *kp = data_or_null(dk_parts)
    cdef void *dp = data_or_null(dx)
    cdef void *sp = NULL if pointwise else data(scratch)
    if cnp.PyArray_TYPE(<cnp.ndarray>dz) == cnp.NPY_FLOAT:
        with nogil:
            fg_conv_backward_par_f32(<const float *>zp, <const float *>xp,
                                     <const float *>tp, <float *>kp, <float *>dp, &g, O,
                                     pointwise, step, per_task, <float *>sp, slots)
    else:
        with nogil:
            fg_conv_backward_par_f64(<const double *>zp, <const double *>xp,
                                     <const double *>tp, <double *>kp, <double *>dp, &g,
                                     O, pointwise, step, per_task, <double *>sp, slots)


cdef Py_ssize_t _wino_scratch(str fn, bufs, ref, Py_ssize_t a2, Py_ssize_t step,
                              Py_ssize_t c, Py_ssize_t o, int slots) except -1:
    """Check the V and M (or W) plane buffers: per slot a2 planes of step*c
    (step*o) elements, vs (ms) apart, the slots one plane set apart."""
    vbuf, vs, mbuf, ms = bufs
    if vs < step * c or ms < step * o:
        raise ValueError(f"{fn}: plane strides {vs}, {ms} are smaller than a plane")
    _room(fn, "vbuf", vbuf, ref, "x", slots * ((a2 - 1) * vs + step * c))
    _room(fn, "mbuf", mbuf, ref, "x", slots * ((a2 - 1) * ms + step * o))
    return 0


def wino_forward_par(x, u, b, bint relu, y, int m, int r, pads, Py_ssize_t step,
                     bufs, int slots):
    """Winograd F(m x m, r x r) forward of NHWC x with the transformed kernel u
    (alpha^2, C, O) into NHWC y, (+ b, relu), on the pool in tasks of `step`
    tiles; bufs = (vbuf, vs, mbuf, ms) as _wino_scratch checks them."""
    fn = "wino_forward_par"
    cdef fg_wino_geom g
    array(fn, "x", x, ANY_FLOAT, 4)
    like(fn, "y", y, x, "x", 4)
    writeable(fn, "y", y)
    _slots_step(fn, slots, step)
    n, oh, ow, o = y.shape
    _wino_geometry(fn, &g, x.shape, m, r, pads, (oh, ow), (0, 0))
    if n != g.n:
        raise ValueError(f"{fn}: y's batch {n} differs from x's {g.n}")
    a2 = _wino_planes(fn, m, r)
    like(fn, "u", u, x, "x", (a2, g.c, o))
    if b is not None:
        like(fn, "b", b, x, "x", (o,))
    _wino_scratch(fn, bufs, x, a2, step, g.c, o, slots)
    cdef Py_ssize_t O = o, vs = bufs[1], ms = bufs[3]
    cdef void *xp = data(x)
    cdef void *up = data(u)
    cdef void *bp = data_or_null(b)
    cdef void *yp = data(y)
    cdef void *vp = data(bufs[0])
    cdef void *mp = data(bufs[2])
    if cnp.PyArray_TYPE(<cnp.ndarray>x) == cnp.NPY_FLOAT:
        with nogil:
            fg_wino_forward_par_f32(<const float *>xp, <const float *>up,
                                    <const float *>bp, relu, <float *>yp, &g, O, step,
                                    <float *>vp, vs, <float *>mp, ms, slots)
    else:
        with nogil:
            fg_wino_forward_par_f64(<const double *>xp, <const double *>up,
                                    <const double *>bp, relu, <double *>yp, &g, O, step,
                                    <double *>vp, vs, <double *>mp, ms, slots)


def wino_dk_par(x, dz, du_parts, int m, int r, pads, Py_ssize_t step,
                Py_ssize_t per_task, bufs, int slots):
    """Winograd F(r x r, m x m) kernel gradient on the pool: du_parts
    (ceil(tiles / per_task), alpha^2, C, O) gets each task's sum over its
    tiles (chunks of `step`); bufs = (vbuf, vs, wbuf, ws)."""
    fn = "wino_dk_par"
    cdef fg_wino_geom g
    array(fn, "x", x, ANY_FLOAT, 4)
    like(fn, "dz", dz, x, "x", 4)
    _slots_step(fn, slots, step, per_task)
    n, oh, ow, o = dz.shape
    _wino_geometry(fn, &g, x.shape, m, r, pads, (oh, ow), (0, 0))
    if n != g.n:
        raise ValueError(f"{fn}: dz's batch {n} differs from x's {g.n}")
    tiles = g.n * ((oh + m - 1) // m) * ((ow + m - 1) // m)
    a2 = _wino_planes(fn, m, r)
    like(fn, "du_parts", du_parts, x, "x",
         ((tiles + per_task - 1) // per_task, a2, g.c, o))
    writeable(fn, "du_parts", du_parts)
    _wino_scratch(fn, bufs, x, a2, step, g.c, o, slots)
    cdef Py_ssize_t O = o, vs = bufs[1], ws = bufs[3]
    cdef void *xp = data(x)
    cdef void *zp = data(dz)
    cdef void *up = data(du_parts)
    cdef void *vp = data(bufs[0])
    cdef void *wp = data(bufs[2])
    if cnp.PyArray_TYPE(<cnp.ndarray>x) == cnp.NPY_FLOAT:
        with nogil:
            fg_wino_dk_par_f32(<const float *>xp, <const float *>zp, <float *>up, &g, O,
                               step, per_task, <float *>vp, vs, <float *>wp, ws, slots)
    else:
        with nogil:
            fg_wino_dk_par_f64(<const double *>xp, <const double *>zp, <double *>up, &g,
                               O, step, per_task, <double *>vp, vs, <double *>wp, ws,
                               slots)


cdef extern from "im2col.h":
    void fg_set_blas(void *sgemm, void *dgemm, int ilp64, void *set_threads,
                     void *get_threads) nogil
    int fg_pool_gemm_f32(int ta, int tb, Py_ssize_t M, Py_ssize_t N, Py_ssize_t K,
                         const float *A, Py_ssize_t lda, const float *B, Py_ssize_t ldb,
                         float *C, Py_ssize_t ldc, Py_ssize_t tasks, int slots) nogil
    int fg_pool_gemm_f64(int ta, int tb, Py_ssize_t M, Py_ssize_t N, Py_ssize_t K,
                         const double *A, Py_ssize_t lda, const double *B,
                         Py_ssize_t ldb, double *C, Py_ssize_t ldc, Py_ssize_t tasks,
                         int slots) nogil


def set_blas(size_t sgemm, size_t dgemm, bint ilp64, size_t set_threads,
             size_t get_threads):
    """Give the pool the addresses of NumPy's cblas_sgemm / cblas_dgemm (0:
    none), whether they take 64-bit integers, and of the BLAS's set / get
    thread-count functions (0: none)."""
    fg_set_blas(<void *>sgemm, <void *>dgemm, ilp64, <void *>set_threads,
                <void *>get_threads)


cdef tuple _matrix(str fn, str name, a, ref):
    """(transposed, leading dimension) of a 2-D float array stored row- or
    column-major with a positive leading stride (a view of a contiguous one)."""
    if not cnp.PyArray_Check(a) or a.ndim != 2:
        fail(f"{fn}: {name} must be a 2-D numpy array")
    if ref is not None and a.dtype != ref.dtype or a.dtype.kind != "f" \
            or a.itemsize not in (4, 8) or not a.dtype.isnative:
        fail(f"{fn}: {name} must be float32 or float64 like the others, got {a.dtype}")
    item = a.itemsize
    s0, s1 = a.strides
    if s1 == item and s0 >= max(1, a.shape[1]) * item and s0 % item == 0:
        return False, s0 // item
    if s0 == item and s1 >= max(1, a.shape[0]) * item and s1 % item == 0:
        return True, s1 // item
    fail(f"{fn}: {name} must have unit stride along one axis, got strides {a.strides}")


def pool_gemm(A, B, C, Py_ssize_t tasks, int slots):
    """C = A @ B for 2-D float arrays of one dtype on up to `slots` pool
    threads in about `tasks` blocks; A and B may be transposed views, C is
    C-contiguous.  False (C untouched) when no BLAS was set."""
    fn = "pool_gemm"
    ta, lda = _matrix(fn, "A", A, None)
    tb, ldb = _matrix(fn, "B", B, A)
    like(fn, "C", C, A, "A", (A.shape[0], B.shape[1]))
    writeable(fn, "C", C)
    if A.shape[1] != B.shape[0]:
        fail(f"{fn}: A {A.shape} and B {B.shape} do not chain")
    if tasks < 1 or slots < 1:
        fail(f"{fn}: tasks and slots must be >= 1, got {tasks}, {slots}")
    cdef Py_ssize_t M = A.shape[0], N = B.shape[1], K = A.shape[1]
    cdef Py_ssize_t la = lda, lb = ldb, lc = max(1, N)
    cdef int ita = ta, itb = tb, ok
    cdef void *ap = data(A)
    cdef void *bp = data(B)
    cdef void *cp = data(C)
    if M == 0 or N == 0:
        return True
    if K == 0:
        C.fill(0)
        return True
    if A.itemsize == 4:
        with nogil:
            ok = fg_pool_gemm_f32(ita, itb, M, N, K, <const float *>ap, la,
                                  <const float *>bp, lb, <float *>cp, lc, tasks, slots)
    else:
        with nogil:
            ok = fg_pool_gemm_f64(ita, itb, M, N, K, <const double *>ap, la,
                                  <const double *>bp, lb, <double *>cp, lc, tasks, slots)
    return ok == 0
