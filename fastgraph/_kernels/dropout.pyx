"""Dropout kernels: fused mask generation and scaling, and its backward."""
import numpy as np
cimport numpy as cnp
from libc.stdint cimport uint8_t, uint64_t

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


cdef _array(a, str fn, str name):
    if not isinstance(a, np.ndarray):
        raise TypeError(f"{fn}: {name} must be a numpy array, got {type(a).__name__}")
    if not a.flags.c_contiguous:
        raise ValueError(f"{fn}: {name} must be C-contiguous")


cdef int _float_kind(a, str fn, str name) except -1:
    if a.dtype == np.float32:
        return 32
    if a.dtype == np.float64:
        return 64
    raise TypeError(f"{fn}: {name} must be float32 or float64, got {a.dtype}")


cdef _check_threshold(uint64_t threshold, str fn):
    if threshold >= (<uint64_t>1) << 32:
        raise ValueError(f"{fn}: threshold must be below 2**32, got {threshold}")


def mask(shape, uint64_t key, uint64_t threshold):
    """uint8 keep-mask of `shape` (1 where the element's draw >= threshold)."""
    _check_threshold(threshold, "dropout.mask")
    out = np.empty(shape, dtype=np.uint8)
    cdef Py_ssize_t n = out.size
    cdef uint8_t *m = <uint8_t *>cnp.PyArray_DATA(<cnp.ndarray>out)
    with nogil:
        fg_dropout_mask(n, key, threshold, m)
    return out


def dropout(x, uint64_t key, uint64_t threshold, double scale):
    """(y, mask): y = x * mask * scale with mask drawn from (key, threshold)."""
    _array(x, "dropout.dropout", "x")
    _check_threshold(threshold, "dropout.dropout")
    cdef int fk = _float_kind(x, "dropout.dropout", "x")
    y = np.empty_like(x)
    m = np.empty(x.shape, dtype=np.uint8)
    cdef Py_ssize_t n = x.size
    cdef void *xp = cnp.PyArray_DATA(<cnp.ndarray>x)
    cdef void *yp = cnp.PyArray_DATA(<cnp.ndarray>y)
    cdef uint8_t *mp = <uint8_t *>cnp.PyArray_DATA(<cnp.ndarray>m)
    with nogil:
        if fk == 32:
            fg_dropout_f32(<const float *>xp, n, key, threshold, <float>scale, <float *>yp, mp)
        else:
            fg_dropout_f64(<const double *>xp, n, key, threshold, scale, <double *>yp, mp)
    return y, m


def backward(g, m, double scale):
    """g * mask * scale, as a new array."""
    _array(g, "dropout.backward", "g")
    _array(m, "dropout.backward", "mask")
    cdef int fk = _float_kind(g, "dropout.backward", "g")
    if m.dtype != np.uint8 or m.shape != g.shape:
        raise ValueError(f"dropout.backward: mask must be uint8 of shape {g.shape}, "
                         f"got {m.dtype} {m.shape}")
    dx = np.empty_like(g)
    cdef Py_ssize_t n = g.size
    cdef void *gp = cnp.PyArray_DATA(<cnp.ndarray>g)
    cdef void *dp = cnp.PyArray_DATA(<cnp.ndarray>dx)
    cdef const uint8_t *mp = <const uint8_t *>cnp.PyArray_DATA(<cnp.ndarray>m)
    with nogil:
        if fk == 32:
            fg_dropout_backward_f32(<const float *>gp, mp, n, <float>scale, <float *>dp)
        else:
            fg_dropout_backward_f64(<const double *>gp, mp, n, scale, <double *>dp)
    return dx
