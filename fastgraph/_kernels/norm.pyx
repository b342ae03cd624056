"""Batch and layer normalisation kernels over 2-D (rows, features) arrays."""
import numpy as np
cimport numpy as cnp

from .checks cimport ANY_FLOAT, array, data, data_or_null, writeable

cnp.import_array()

cdef extern from "norm.h":
    ctypedef Py_ssize_t fg_idx
    int fg_bn_stats_f32(const float *x, fg_idx N, fg_idx C, float *mean, float *var) nogil
    int fg_bn_stats_f64(const double *x, fg_idx N, fg_idx C, double *mean, double *var) nogil
    void fg_bn_apply_f32(const float *x, fg_idx N, fg_idx C, const float *mean,
                         const float *scale, const float *shift, float *y) nogil
    void fg_bn_apply_f64(const double *x, fg_idx N, fg_idx C, const double *mean,
                         const double *scale, const double *shift, double *y) nogil
    int fg_bn_reduce_f32(const float *x, const float *g, fg_idx N, fg_idx C,
                         const float *mean, const float *invstd,
                         float *sum_g, float *sum_gxhat) nogil
    int fg_bn_reduce_f64(const double *x, const double *g, fg_idx N, fg_idx C,
                         const double *mean, const double *invstd,
                         double *sum_g, double *sum_gxhat) nogil
    void fg_bn_dx_f32(const float *x, const float *g, fg_idx N, fg_idx C,
                      const float *mean, const float *a, const float *b,
                      const float *k, float *dx) nogil
    void fg_bn_dx_f64(const double *x, const double *g, fg_idx N, fg_idx C,
                      const double *mean, const double *a, const double *b,
                      const double *k, double *dx) nogil
    void fg_ln_forward_f32(const float *x, fg_idx N, fg_idx D, const float *gamma,
                           const float *beta, double eps, float *y, float *mean,
                           float *invstd) nogil
    void fg_ln_forward_f64(const double *x, fg_idx N, fg_idx D, const double *gamma,
                           const double *beta, double eps, double *y, double *mean,
                           double *invstd) nogil
    int fg_ln_backward_f32(const float *x, const float *g, fg_idx N, fg_idx D,
                           const float *gamma, const float *mean, const float *invstd,
                           float *dx, float *dgamma, float *dbeta) nogil
    int fg_ln_backward_f64(const double *x, const double *g, fg_idx N, fg_idx D,
                           const double *gamma, const double *mean, const double *invstd,
                           double *dx, double *dgamma, double *dbeta) nogil


def bn_stats(x):
    """(mean, var) per column of the 2-D `x`; var is the population variance."""
    fn = "norm.bn_stats"
    cdef int t = array(fn, "x", x, ANY_FLOAT, 2)
    cdef Py_ssize_t N = x.shape[0], C = x.shape[1]
    mean = np.empty(C, dtype=x.dtype)
    var = np.empty(C, dtype=x.dtype)
    cdef void *xp = data(x)
    cdef void *mp = data(mean)
    cdef void *vp = data(var)
    cdef int rc
    with nogil:
        if t == cnp.NPY_FLOAT:
            rc = fg_bn_stats_f32(<const float *>xp, N, C, <float *>mp, <float *>vp)
        else:
            rc = fg_bn_stats_f64(<const double *>xp, N, C, <double *>mp, <double *>vp)
    if rc:
        raise MemoryError(f"{fn}: out of memory")
    return mean, var


def bn_apply(x, mean, scale, shift, out=None):
    """(x - mean) * scale + shift per column of the 2-D `x`."""
    fn = "norm.bn_apply"
    cdef int t = array(fn, "x", x, ANY_FLOAT, 2)
    cdef Py_ssize_t N = x.shape[0], C = x.shape[1]
    for name, v in (("mean", mean), ("scale", scale), ("shift", shift)):
        array(fn, name, v, t, (C,))
    if out is None:
        out = np.empty((N, C), dtype=x.dtype)
    else:
        array(fn, "out", out, t, (N, C))
        writeable(fn, "out", out)
    cdef void *xp = data(x)
    cdef void *mp = data(mean)
    cdef void *sp = data(scale)
    cdef void *hp = data(shift)
    cdef void *yp = data(out)
    with nogil:
        if t == cnp.NPY_FLOAT:
            fg_bn_apply_f32(<const float *>xp, N, C, <const float *>mp,
                            <const float *>sp, <const float *>hp, <float *>yp)
        else:
            fg_bn_apply_f64(<const double *>xp, N, C, <const double *>mp,
                            <const double *>sp, <const double *>hp, <double *>yp)
    return out


def bn_reduce(x, g, mean, invstd):
    """(sum of g, sum of g * (x - mean) * invstd) per column."""
    fn = "norm.bn_reduce"
    cdef int t = array(fn, "x", x, ANY_FLOAT, 2)
    cdef Py_ssize_t N = x.shape[0], C = x.shape[1]
    array(fn, "g", g, t, (N, C))
    array(fn, "mean", mean, t, (C,))
    array(fn, "invstd", invstd, t, (C,))
    sum_g = np.empty(C, dtype=x.dtype)
    sum_gx = np.empty(C, dtype=x.dtype)
    cdef void *xp = data(x)
    cdef void *gp = data(g)
    cdef void *mp = data(mean)
    cdef void *ip = data(invstd)
    cdef void *s1 = data(sum_g)
    cdef void *s2 = data(sum_gx)
    cdef int rc
    with nogil:
        if t == cnp.NPY_FLOAT:
            rc = fg_bn_reduce_f32(<const float *>xp, <const float *>gp, N, C,
                                  <const float *>mp, <const float *>ip,
                                  <float *>s1, <float *>s2)
        else:
            rc = fg_bn_reduce_f64(<const double *>xp, <const double *>gp, N, C,
                                  <const double *>mp, <const double *>ip,
                                  <double *>s1, <double *>s2)
    if rc:
        raise MemoryError(f"{fn}: out of memory")
    return sum_g, sum_gx


def bn_dx(x, g, mean, a, b, k):
    """g * a + (x - mean) * b + k per column: the batch-norm input gradient."""
    fn = "norm.bn_dx"
    cdef int t = array(fn, "x", x, ANY_FLOAT, 2)
    cdef Py_ssize_t N = x.shape[0], C = x.shape[1]
    array(fn, "g", g, t, (N, C))
    for name, v in (("mean", mean), ("a", a), ("b", b), ("k", k)):
        array(fn, name, v, t, (C,))
    dx = np.empty((N, C), dtype=x.dtype)
    cdef void *xp = data(x)
    cdef void *gp = data(g)
    cdef void *mp = data(mean)
    cdef void *ap = data(a)
    cdef void *bp = data(b)
    cdef void *kp = data(k)
    cdef void *dp = data(dx)
    with nogil:
        if t == cnp.NPY_FLOAT:
            fg_bn_dx_f32(<const float *>xp, <const float *>gp, N, C, <const float *>mp,
                         <const float *>ap, <const float *>bp, <const float *>kp,
                         <float *>dp)
        else:
            fg_bn_dx_f64(<const double *>xp, <const double *>gp, N, C, <const double *>mp,
                         <const double *>ap, <const double *>bp, <const double *>kp,
                         <double *>dp)
    return dx


def ln_forward(x, gamma, beta, double eps):
    """(y, mean, invstd): each row of the 2-D `x` normalised, then * gamma + beta.

    gamma and beta are (D,) arrays or None.
    """
    fn = "norm.ln_forward"
    cdef int t = array(fn, "x", x, ANY_FLOAT, 2)
    cdef Py_ssize_t N = x.shape[0], D = x.shape[1]
    if gamma is not None:
        array(fn, "gamma", gamma, t, (D,))
    if beta is not None:
        array(fn, "beta", beta, t, (D,))
    y = np.empty((N, D), dtype=x.dtype)
    mean = np.empty(N, dtype=x.dtype)
    invstd = np.empty(N, dtype=x.dtype)
    cdef void *xp = data(x)
    cdef void *gp = data_or_null(gamma)
    cdef void *bp = data_or_null(beta)
    cdef void *yp = data(y)
    cdef void *mp = data(mean)
    cdef void *ip = data(invstd)
    with nogil:
        if t == cnp.NPY_FLOAT:
            fg_ln_forward_f32(<const float *>xp, N, D, <const float *>gp,
                              <const float *>bp, eps, <float *>yp, <float *>mp,
                              <float *>ip)
        else:
            fg_ln_forward_f64(<const double *>xp, N, D, <const double *>gp,
                              <const double *>bp, eps, <double *>yp, <double *>mp,
                              <double *>ip)
    return y, mean, invstd


def ln_backward(x, g, gamma, mean, invstd, bint want_dgamma, bint want_dbeta):
    """(dx, dgamma or None, dbeta or None) of layer normalisation."""
    fn = "norm.ln_backward"
    cdef int t = array(fn, "x", x, ANY_FLOAT, 2)
    cdef Py_ssize_t N = x.shape[0], D = x.shape[1]
    array(fn, "g", g, t, (N, D))
    if gamma is not None:
        array(fn, "gamma", gamma, t, (D,))
    array(fn, "mean", mean, t, (N,))
    array(fn, "invstd", invstd, t, (N,))
    dx = np.empty((N, D), dtype=x.dtype)
    dgamma = np.zeros(D, dtype=x.dtype) if want_dgamma else None
    dbeta = np.zeros(D, dtype=x.dtype) if want_dbeta else None
    cdef void *xp = data(x)
    cdef void *gp = data(g)
    cdef void *wp = data_or_null(gamma)
    cdef void *mp = data(mean)
    cdef void *ip = data(invstd)
    cdef void *dp = data(dx)
    cdef void *dgp = data_or_null(dgamma)
    cdef void *dbp = data_or_null(dbeta)
    cdef int rc
    with nogil:
        if t == cnp.NPY_FLOAT:
            rc = fg_ln_backward_f32(<const float *>xp, <const float *>gp, N, D,
                                    <const float *>wp, <const float *>mp,
                                    <const float *>ip, <float *>dp, <float *>dgp,
                                    <float *>dbp)
        else:
            rc = fg_ln_backward_f64(<const double *>xp, <const double *>gp, N, D,
                                    <const double *>wp, <const double *>mp,
                                    <const double *>ip, <double *>dp, <double *>dgp,
                                    <double *>dbp)
    if rc:
        raise MemoryError(f"{fn}: out of memory")
    return dx, dgamma, dbeta
