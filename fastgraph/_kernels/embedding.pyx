"""Embedding kernels: index range check, row gather, row scatter-add."""
import numpy as np
cimport numpy as cnp
from libc.stdint cimport int32_t, int64_t

from .checks cimport ANY_FLOAT, ANY_INDEX, array, data, writeable

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


def check(idx, Py_ssize_t V):
    """Flat position of the first index of the 1-D `idx` outside [0, V), or -1."""
    cdef int it = array("embedding.check", "idx", idx, ANY_INDEX, 1)
    cdef Py_ssize_t n = idx.shape[0]
    cdef void *p = data(idx)
    cdef fg_idx pos
    with nogil:
        if it == cnp.NPY_INT32:
            pos = fg_embedding_check_i32(<const int32_t *>p, n, V)
        else:
            pos = fg_embedding_check_i64(<const int64_t *>p, n, V)
    return pos


def gather(table, idx, out=None):
    """Rows `table[idx]` as an (n, D) array; indices must already be checked."""
    fn = "embedding.gather"
    cdef int ft = array(fn, "table", table, ANY_FLOAT, 2)
    cdef int it = array(fn, "idx", idx, ANY_INDEX, 1)
    cdef Py_ssize_t n = idx.shape[0], D = table.shape[1]
    if out is None:
        out = np.empty((n, D), dtype=table.dtype)
    else:
        array(fn, "out", out, ft, (n, D))
        writeable(fn, "out", out)
    cdef void *t = data(table)
    cdef void *i = data(idx)
    cdef void *o = data(out)
    cdef bint f32 = ft == cnp.NPY_FLOAT, i32 = it == cnp.NPY_INT32
    with nogil:
        if f32 and i32:
            fg_embedding_gather_f32_i32(<const float *>t, D, <const int32_t *>i, n, <float *>o)
        elif f32:
            fg_embedding_gather_f32_i64(<const float *>t, D, <const int64_t *>i, n, <float *>o)
        elif i32:
            fg_embedding_gather_f64_i32(<const double *>t, D, <const int32_t *>i, n, <double *>o)
        else:
            fg_embedding_gather_f64_i64(<const double *>t, D, <const int64_t *>i, n, <double *>o)
    return out


def scatter_add(g, idx, grad):
    """grad[idx[i]] += g[i] for every i, in order; indices must already be checked."""
    fn = "embedding.scatter_add"
    cdef int ft = array(fn, "grad", grad, ANY_FLOAT, 2)
    writeable(fn, "grad", grad)
    cdef int it = array(fn, "idx", idx, ANY_INDEX, 1)
    cdef Py_ssize_t n = idx.shape[0], D = grad.shape[1]
    array(fn, "g", g, ft, (n, D))
    cdef void *gp = data(g)
    cdef void *i = data(idx)
    cdef void *o = data(grad)
    cdef bint f32 = ft == cnp.NPY_FLOAT, i32 = it == cnp.NPY_INT32
    with nogil:
        if f32 and i32:
            fg_embedding_scatter_add_f32_i32(<const float *>gp, D, <const int32_t *>i, n, <float *>o)
        elif f32:
            fg_embedding_scatter_add_f32_i64(<const float *>gp, D, <const int64_t *>i, n, <float *>o)
        elif i32:
            fg_embedding_scatter_add_f64_i32(<const double *>gp, D, <const int32_t *>i, n, <double *>o)
        else:
            fg_embedding_scatter_add_f64_i64(<const double *>gp, D, <const int64_t *>i, n, <double *>o)
    return grad
