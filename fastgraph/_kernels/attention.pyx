"""Attention's scaled, masked, causal softmax and fused attention
(csrc/attention.h)."""
cimport numpy as cnp
from libc.stdint cimport uint8_t

from .checks cimport ANY_FLOAT, array, data, data_or_null, has_shape, like, writeable

cnp.import_array()

cdef extern from "attention.h":
    void fg_attn_set_pool(const void *api) nogil
    ctypedef Py_ssize_t fg_idx
    void fg_attn_softmax_f32(const float *x, const uint8_t *mask, float *y, fg_idx rows,
                             fg_idx n, fg_idx heads, fg_idx qlen, int causal,
                             double scale) nogil
    void fg_attn_softmax_f64(const double *x, const uint8_t *mask, double *y,
                             fg_idx rows, fg_idx n, fg_idx heads, fg_idx qlen,
                             int causal, double scale) nogil
    void fg_attn_softmax_backward_f32(const float *y, const float *g, float *dx,
                                      fg_idx rows, fg_idx n, double scale) nogil
    void fg_attn_softmax_backward_f64(const double *y, const double *g, double *dx,
                                      fg_idx rows, fg_idx n, double scale) nogil
    int fg_attn_fused_f32(const float *q, const float *k, const float *v,
                          const uint8_t *mask, float *out, const float *dout, float *dq,
                          float *dk, float *dv, fg_idx B, fg_idx Tq, fg_idx Tk,
                          fg_idx H, fg_idx D, fg_idx Dv, fg_idx ldq, fg_idx ldk,
                          fg_idx ldv, fg_idx heads, fg_idx qlen, int causal,
                          double scale, float *scratch, fg_idx block, int slots) nogil
    int fg_attn_fused_f64(const double *q, const double *k, const double *v,
                          const uint8_t *mask, double *out, const double *dout,
                          double *dq, double *dk, double *dv, fg_idx B, fg_idx Tq,
                          fg_idx Tk, fg_idx H, fg_idx D, fg_idx Dv, fg_idx ldq,
                          fg_idx ldk, fg_idx ldv, fg_idx heads, fg_idx qlen, int causal,
                          double scale, double *scratch, fg_idx block, int slots) nogil
    void fg_attn_set_blas(void *sgemm, void *dgemm, int ilp64, void *set_threads,
                          void *get_threads) nogil

NEG = -1e9


# Every job of this family runs on fastgraph's one thread pool.
from fastgraph._kernels import tasks as _tasks
fg_attn_set_pool(<const void *><size_t>_tasks.api_address())


def softmax(x, mask, out, Py_ssize_t heads=1, Py_ssize_t qlen=1, bint causal=False,
            double scale=1.0):
    """out = softmax(scale * x + NEG where masked out) over the last axis of
    x, viewed as (rows, n) with rows = batch * heads * qlen; `mask` is None
    or uint8 (batch * qlen, n), shared by the heads.  Returns out."""
    fn = "attention.softmax"
    cdef bint f64 = array(fn, "x", x, ANY_FLOAT) == cnp.NPY_DOUBLE
    like(fn, "out", out, x, "x")
    writeable(fn, "out", out)
    cdef cnp.ndarray xa = <cnp.ndarray>x
    cdef int nd = cnp.PyArray_NDIM(xa)
    if nd == 0:
        raise ValueError(f"{fn}: x must have at least 1 dimension, got a scalar")
    if heads < 1 or qlen < 1:
        raise ValueError(f"{fn}: heads and qlen must be positive, got {heads}, {qlen}")
    cdef fg_idx n = cnp.PyArray_DIMS(xa)[nd - 1]
    cdef fg_idx rows = cnp.PyArray_SIZE(xa) // n if n else 0
    if rows % (heads * qlen):
        raise ValueError(f"{fn}: the {rows} rows of x (shape {x.shape}) are not a "
                         f"whole number of batches of heads * qlen = {heads * qlen}")
    if mask is not None:
        array(fn, "mask", mask, cnp.NPY_UINT8)
        has_shape(fn, "mask", mask, (rows // heads, n))
    cdef void *px = data(x)
    cdef const uint8_t *pm = <const uint8_t *>data_or_null(mask)
    cdef void *py = data(out)
    with nogil:
        if f64:
            fg_attn_softmax_f64(<const double *>px, pm, <double *>py, rows, n, heads,
                                qlen, causal, scale)
        else:
            fg_attn_softmax_f32(<const float *>px, pm, <float *>py, rows, n, heads,
                                qlen, causal, scale)
    return out


def softmax_backward(y, g, out, double scale=1.0):
    """out = scale * y * (g - sum(g * y)) over the last axis (the gradient
    of softmax's input from that of its output y); returns out."""
    fn = "attention.softmax_backward"
    cdef bint f64 = array(fn, "y", y, ANY_FLOAT) == cnp.NPY_DOUBLE
    like(fn, "g", g, y, "y")
    like(fn, "out", out, y, "y")
    writeable(fn, "out", out)
    cdef cnp.ndarray ya = <cnp.ndarray>y
    cdef int nd = cnp.PyArray_NDIM(ya)
    if nd == 0:
        raise ValueError(f"{fn}: y must have at least 1 dimension, got a scalar")
    cdef fg_idx n = cnp.PyArray_DIMS(ya)[nd - 1]
    cdef fg_idx rows = cnp.PyArray_SIZE(ya) // n if n else 0
    cdef void *py = data(y)
    cdef void *pg = data(g)
    cdef void *po = data(out)
    with nogil:
        if f64:
            fg_attn_softmax_backward_f64(<const double *>py, <const double *>pg,
                                         <double *>po, rows, n, scale)
        else:
            fg_attn_softmax_backward_f32(<const float *>py, <const float *>pg,
                                         <float *>po, rows, n, scale)
    return out


def set_blas(size_t sgemm, size_t dgemm, bint ilp64, size_t set_threads,
             size_t get_threads):
    """Give fused attention the addresses of NumPy's cblas_sgemm /
    cblas_dgemm (0: none), whether they take 64-bit integers, and of the
    BLAS's set / get thread-count functions (0: none)."""
    fg_attn_set_blas(<void *>sgemm, <void *>dgemm, ilp64, <void *>set_threads,
                     <void *>get_threads)


cdef int _check_common(str fn, q, mask, out, dout, Py_ssize_t B, Py_ssize_t Tq,
                       Py_ssize_t Tk, Py_ssize_t H, Py_ssize_t Dv, Py_ssize_t heads,
                       Py_ssize_t qlen, scratch, Py_ssize_t block, int slots) except -1:
    """The arguments both forms share: mask, out or dout, scratch, sizes."""
    if heads < 1 or qlen < 1 or (H * Tq) % (heads * qlen) or block < 1 or slots < 1:
        raise ValueError(f"{fn}: heads {heads} and qlen {qlen} must divide the "
                         f"{H * Tq} query rows of a batch entry; block {block} and "
                         f"slots {slots} must be positive")
    if mask is not None:
        array(fn, "mask", mask, cnp.NPY_UINT8)
        has_shape(fn, "mask", mask, (B * H * Tq // heads, Tk))
    like(fn, "scratch", scratch, q, "q", 1)
    writeable(fn, "scratch", scratch)
    if scratch.shape[0] < slots * 2 * block * Tk:
        raise ValueError(f"{fn}: scratch holds {scratch.shape[0]} elements, needs "
                         f"{slots * 2 * block * Tk}")
    if dout is None:
        like(fn, "out", out, q, "q", (B, Tq, H, Dv))
        writeable(fn, "out", out)
    else:
        like(fn, "dout", dout, q, "q", (B, Tq, H, Dv))
    return 0


cdef int _run(bint f64, void *q, void *k, void *v, mask, void *out, void *dout,
              void *dq, void *dk, void *dv, Py_ssize_t B, Py_ssize_t Tq, Py_ssize_t Tk,
              Py_ssize_t H, Py_ssize_t D, Py_ssize_t Dv, Py_ssize_t ldq, Py_ssize_t ldk,
              Py_ssize_t ldv, Py_ssize_t heads, Py_ssize_t qlen, bint causal,
              double scale, void *scratch, Py_ssize_t block, int slots):
    cdef const uint8_t *pm = <const uint8_t *>data_or_null(mask)
    cdef int rc
    with nogil:
        if f64:
            rc = fg_attn_fused_f64(<const double *>q, <const double *>k,
                                   <const double *>v, pm, <double *>out,
                                   <const double *>dout, <double *>dq, <double *>dk,
                                   <double *>dv, B, Tq, Tk, H, D, Dv, ldq, ldk, ldv,
                                   heads, qlen, causal, scale, <double *>scratch, block,
                                   slots)
        else:
            rc = fg_attn_fused_f32(<const float *>q, <const float *>k,
                                   <const float *>v, pm, <float *>out,
                                   <const float *>dout, <float *>dq, <float *>dk,
                                   <float *>dv, B, Tq, Tk, H, D, Dv, ldq, ldk, ldv,
                                   heads, qlen, causal, scale, <float *>scratch, block,
                                   slots)
    return rc


def fused(q, k, v, mask, out, dout, dq, dk, dv, Py_ssize_t heads, Py_ssize_t qlen,
          bint causal, double scale, scratch, Py_ssize_t block, int slots):
    """Fused attention (fg_attn_fused): with dout None, out = softmax(scale
    q.k, masked) @ v; else dq, dk, dv from dout (out unused, may be None).
    q (B, Tq, H, D), k (B, Tk, H, D), v (B, Tk, H, Dv); mask None or uint8
    (B * H * Tq // heads, Tk) read as softmax reads it; scratch holds
    slots * 2 * block * Tk elements.  Returns False when no BLAS was set."""
    fn = "attention.fused"
    cdef bint f64 = array(fn, "q", q, ANY_FLOAT, 4) == cnp.NPY_DOUBLE
    cdef Py_ssize_t B = q.shape[0], Tq = q.shape[1], H = q.shape[2], D = q.shape[3]
    like(fn, "k", k, q, "q", 4)
    cdef Py_ssize_t Tk = k.shape[1]
    has_shape(fn, "k", k, (B, Tk, H, D))
    like(fn, "v", v, q, "q", 4)
    has_shape(fn, "v", v, (B, Tk, H, v.shape[3]))
    cdef Py_ssize_t Dv = v.shape[3]
    _check_common(fn, q, mask, out, dout, B, Tq, Tk, H, Dv, heads, qlen, scratch,
                  block, slots)
    if dout is not None:
        for name, a, ref in (("dq", dq, q), ("dk", dk, k), ("dv", dv, v)):
            like(fn, name, a, ref, name[1:])
            writeable(fn, name, a)
    return _run(f64, data(q), data(k), data(v), mask, data_or_null(out),
                data_or_null(dout), data_or_null(dq), data_or_null(dk),
                data_or_null(dv), B, Tq, Tk, H, D, Dv, H * D, H * D, H * Dv, heads,
                qlen, causal, scale, data(scratch), block, slots) == 0


def fused_packed(qkv, mask, out, dout, dqkv, Py_ssize_t heads, Py_ssize_t qlen,
                 bint causal, double scale, scratch, Py_ssize_t block, int slots):
    """fused() for self-attention's q, k and v packed in one qkv (B, T, 3,
    H, D), as one projection makes them; dqkv gets their gradients packed
    the same way."""
    fn = "attention.fused_packed"
    cdef bint f64 = array(fn, "qkv", qkv, ANY_FLOAT, 5) == cnp.NPY_DOUBLE
    cdef Py_ssize_t B = qkv.shape[0], T = qkv.shape[1], H = qkv.shape[3]
    cdef Py_ssize_t D = qkv.shape[4]
    if qkv.shape[2] != 3:
        raise ValueError(f"{fn}: qkv must be (batch, T, 3, heads, dim), got shape "
                         f"{qkv.shape}")
    _check_common(fn, qkv, mask, out, dout, B, T, T, H, D, heads, qlen, scratch,
                  block, slots)
    if dout is not None:
        like(fn, "dqkv", dqkv, qkv, "qkv")
        writeable(fn, "dqkv", dqkv)
    cdef size_t step = H * D * qkv.itemsize
    cdef char *p = <char *>data(qkv)
    cdef char *g = <char *>data_or_null(dqkv)
    return _run(f64, p, p + step, p + 2 * step, mask, data_or_null(out),
                data_or_null(dout), g, g + step if g else NULL,
                g + 2 * step if g else NULL, B, T, T, H, D, D, 3 * H * D, 3 * H * D,
                3 * H * D, heads, qlen, causal, scale, data(scratch), block, slots) == 0
