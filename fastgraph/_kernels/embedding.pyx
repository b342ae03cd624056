"""Embedding kernels: index range check, row gather, row scatter-add."""
import numpy as np
cimport numpy as cnp
from libc.stdint cimport int32_t, int64_t

cnp.import_array()

cdef extern from "embedding.h":
    ctypedef Py_ssize_t fg_idx
    fg_idx fg_embedding_check_i32(const int32_t *idx, fg_idx n, fg_idx V) nogil
    fg_idx fg_embedding_check_i64(const int64_t *idx, fg_idx n, fg_idx V) nogil
    void fg_embedding_gather_f32_i32(const float *t, fg_idx D, const int32_t *idx, fg_idx n, float *out) nogil
    void fg_embedding_gather_f32_i64(const float *t, fg_idx D, const int64_t *idx, fg_idx n, float *out) nogil
    void fg_embedding_gather_f64_i32(const double *t, fg_idx D, const int32_t *idx, fg_idx n, double *out) nogil
    void fg_embedding_gather_f64_i64(const double *t, fg_idx D, const int64_t *idx, fg_idx n, double *out) nogil
    void fg_embedding_scatter_add_f32_i32(const float *g, fg_idx D, const int32_t *idx, fg_idx n, float *grad) nogil
    void fg_embedding_scatter_add_f32_i64(const float *g, fg_idx D, const int64_t *idx, fg_idx n, float *grad) nogil
    void fg_embedding_scatter_add_f64_i32(const double *g, fg_idx D, const int32_t *idx, fg_idx n, double *grad) nogil
    void fg_embedding_scatter_add_f64_i64(const double *g, fg_idx D, const int64_t *idx, fg_idx n, double *grad) nogil


cdef _require(a, str fn, str name, int ndim):
    if not isinstance(a, np.ndarray):
        raise TypeError(f"{fn}: {name} must be a numpy array, got {type(a).__name__}")
    if not a.flags.c_contiguous:
        raise ValueError(f"{fn}: {name} must be C-contiguous")
    if a.ndim != ndim:
        raise ValueError(f"{fn}: {name} must have {ndim} dimension(s), got shape {a.shape}")


cdef int _index_kind(idx, str fn) except -1:
    if idx.dtype == np.int32:
        return 32
    if idx.dtype == np.int64:
        return 64
    raise TypeError(f"{fn}: indices must be int32 or int64, got {idx.dtype}")


cdef int _float_kind(a, str fn, str name) except -1:
    if a.dtype == np.float32:
        return 32
    if a.dtype == np.float64:
        return 64
    raise TypeError(f"{fn}: {name} must be float32 or float64, got {a.dtype}")


def check(idx, Py_ssize_t V):
    """Flat position of the first index of the 1-D `idx` outside [0, V), or -1."""
    _require(idx, "embedding.check", "idx", 1)
    cdef int ik = _index_kind(idx, "embedding.check")
    cdef Py_ssize_t n = idx.shape[0]
    cdef void *p = cnp.PyArray_DATA(<cnp.ndarray>idx)
    cdef fg_idx pos
    with nogil:
        if ik == 32:
            pos = fg_embedding_check_i32(<const int32_t *>p, n, V)
        else:
            pos = fg_embedding_check_i64(<const int64_t *>p, n, V)
    return pos


def gather(table, idx, out=None):
    """Rows `table[idx]` as an (n, D) array; indices must already be checked."""
    _require(table, "embedding.gather", "table", 2)
    _require(idx, "embedding.gather", "idx", 1)
    cdef int fk = _float_kind(table, "embedding.gather", "table")
    cdef int ik = _index_kind(idx, "embedding.gather")
    cdef Py_ssize_t n = idx.shape[0], D = table.shape[1]
    if out is None:
        out = np.empty((n, D), dtype=table.dtype)
    else:
        _require(out, "embedding.gather", "out", 2)
        if out.dtype != table.dtype or out.shape[0] != n or out.shape[1] != D:
            raise ValueError(f"embedding.gather: out must be {table.dtype} of shape "
                             f"{(n, D)}, got {out.dtype} {out.shape}")
    cdef void *t = cnp.PyArray_DATA(<cnp.ndarray>table)
    cdef void *i = cnp.PyArray_DATA(<cnp.ndarray>idx)
    cdef void *o = cnp.PyArray_DATA(<cnp.ndarray>out)
    with nogil:
        if fk == 32 and ik == 32:
            fg_embedding_gather_f32_i32(<const float *>t, D, <const int32_t *>i, n, <float *>o)
        elif fk == 32:
            fg_embedding_gather_f32_i64(<const float *>t, D, <const int64_t *>i, n, <float *>o)
        elif ik == 32:
            fg_embedding_gather_f64_i32(<const double *>t, D, <const int32_t *>i, n, <double *>o)
        else:
            fg_embedding_gather_f64_i64(<const double *>t, D, <const int64_t *>i, n, <double *>o)
    return out


def scatter_add(g, idx, grad):
    """grad[idx[i]] += g[i] for every i, in order; indices must already be checked."""
    _require(g, "embedding.scatter_add", "g", 2)
    _require(idx, "embedding.scatter_add", "idx", 1)
    _require(grad, "embedding.scatter_add", "grad", 2)
    cdef int fk = _float_kind(grad, "embedding.scatter_add", "grad")
    cdef int ik = _index_kind(idx, "embedding.scatter_add")
    cdef Py_ssize_t n = idx.shape[0], D = grad.shape[1]
    if g.dtype != grad.dtype or g.shape[0] != n or g.shape[1] != D:
        raise ValueError(f"embedding.scatter_add: g must be {grad.dtype} of shape "
                         f"{(n, D)}, got {g.dtype} {g.shape}")
    cdef void *gp = cnp.PyArray_DATA(<cnp.ndarray>g)
    cdef void *i = cnp.PyArray_DATA(<cnp.ndarray>idx)
    cdef void *o = cnp.PyArray_DATA(<cnp.ndarray>grad)
    with nogil:
        if fk == 32 and ik == 32:
            fg_embedding_scatter_add_f32_i32(<const float *>gp, D, <const int32_t *>i, n, <float *>o)
        elif fk == 32:
            fg_embedding_scatter_add_f32_i64(<const float *>gp, D, <const int64_t *>i, n, <float *>o)
        elif ik == 32:
            fg_embedding_scatter_add_f64_i32(<const double *>gp, D, <const int32_t *>i, n, <double *>o)
        else:
            fg_embedding_scatter_add_f64_i64(<const double *>gp, D, <const int64_t *>i, n, <double *>o)
    return grad
