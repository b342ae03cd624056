"""Attention's scaled, masked, causal softmax (csrc/attention.h)."""
cimport numpy as cnp
from libc.stdint cimport uint8_t

from .checks cimport ANY_FLOAT, array, data, data_or_null, has_shape, like, writeable

cnp.import_array()

cdef extern from "attention.h":
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

NEG = -1e9


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
