"""Dropout kernels: fused mask generation and scaling, and its backward."""
import numpy as np
cimport numpy as cnp
from libc.stdint cimport uint8_t, uint64_t

from .checks cimport ANY_FLOAT, array, data

cnp.import_array()

cdef extern from "dropout.h":
    ctypedef Py_ssize_t fg_idx
    void fg_dropout_mask(fg_idx n, uint64_t key, uint64_t threshold, uint8_t *mask) nogil
    void fg_dropout_f32(const float *x, fg_idx n, uint64_t key, uint64_t threshold,
                        float scale, float *y, uint8_t *mask) nogil
    void fg_dropout_f64(const double *x, fg_idx n, uint64_t key, uint64_t threshold,
                        double scale, double *y, uint8_t *mask) nogil
    void fg_dropout_backward_f32(const float *g, const uint8_t *mask, fg_idx n,
                                 float scale, float *dx) nogil
    void fg_dropout_backward_f64(const double *g, const uint8_t *mask, fg_idx n,
                                 double scale, double *dx) nogil


cdef _check_threshold(uint64_t threshold, str fn):
    if threshold >= (<uint64_t>1) << 32:
        raise ValueError(f"{fn}: threshold must be below 2**32, got {threshold}")


def mask(shape, uint64_t key, uint64_t threshold):
    """uint8 keep-mask of `shape` (1 where the element's draw >= threshold)."""
    _check_threshold(threshold, "dropout.mask")
    out = np.empty(shape, dtype=np.uint8)
    cdef Py_ssize_t n = out.size
    cdef uint8_t *m = <uint8_t *>data(out)
    with nogil:
        fg_dropout_mask(n, key, threshold, m)
    return out


def dropout(x, uint64_t key, uint64_t threshold, double scale):
    """(y, mask): y = x * mask * scale with mask drawn from (key, threshold)."""
    fn = "dropout.dropout"
    cdef int t = array(fn, "x", x, ANY_FLOAT)
    _check_threshold(threshold, fn)
    y = np.empty_like(x)
    m = np.empty(x.shape, dtype=np.uint8)
    cdef Py_ssize_t n = x.size
    cdef void *xp = data(x)
    cdef void *yp = data(y)
    cdef uint8_t *mp = <uint8_t *>data(m)
    with nogil:
        if t == cnp.NPY_FLOAT:
            fg_dropout_f32(<const float *>xp, n, key, threshold, <float>scale, <float *>yp, mp)
        else:
            fg_dropout_f64(<const double *>xp, n, key, threshold, scale, <double *>yp, mp)
    return y, m


def backward(g, m, double scale):
    """g * mask * scale, as a new array."""
    fn = "dropout.backward"
    cdef int t = array(fn, "g", g, ANY_FLOAT)
    array(fn, "mask", m, cnp.NPY_UINT8, g.shape)
    dx = np.empty_like(g)
    cdef Py_ssize_t n = g.size
    cdef void *gp = data(g)
    cdef void *dp = data(dx)
    cdef const uint8_t *mp = <const uint8_t *>data(m)
    with nogil:
        if t == cnp.NPY_FLOAT:
            fg_dropout_backward_f32(<const float *>gp, mp, n, <float>scale, <float *>dp)
        else:
            fg_dropout_backward_f64(<const double *>gp, mp, n, scale, <double *>dp)
    return dx
