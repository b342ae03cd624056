"""Batch and layer normalisation kernels over 2-D (rows, features) arrays."""
import numpy as np
cimport numpy as cnp

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


cdef int _matrix(x, str fn) except -1:
    """Check the 2-D data array `x`; return 32 or 64 for its float width."""
    if not isinstance(x, np.ndarray):
        raise TypeError(f"{fn}: x must be a numpy array, got {type(x).__name__}")
    if x.dtype != np.float32 and x.dtype != np.float64:
        raise TypeError(f"{fn}: x must be float32 or float64, got {x.dtype}")
    if x.ndim != 2:
        raise ValueError(f"{fn}: x must be 2-D (rows, features), got shape {x.shape}")
    if not x.flags.c_contiguous:
        raise ValueError(f"{fn}: x must be C-contiguous")
    return 32 if x.dtype == np.float32 else 64


cdef _like(a, str fn, str name, dtype, shape):
    """Check that `a` is a C-contiguous array of `dtype` and `shape`."""
    if not isinstance(a, np.ndarray):
        raise TypeError(f"{fn}: {name} must be a numpy array, got {type(a).__name__}")
    if a.dtype != dtype or a.shape != shape:
        raise ValueError(f"{fn}: {name} must be {dtype} of shape {shape}, "
                         f"got {a.dtype} {a.shape}")
    if not a.flags.c_contiguous:
        raise ValueError(f"{fn}: {name} must be C-contiguous")


cdef inline void *_p(a):
    return cnp.PyArray_DATA(<cnp.ndarray>a) if a is not None else NULL


def bn_stats(x):
    """(mean, var) per column of the 2-D `x`; var is the population variance."""
    cdef int fk = _matrix(x, "norm.bn_stats")
    cdef Py_ssize_t N = x.shape[0], C = x.shape[1]
    mean = np.empty(C, dtype=x.dtype)
    var = np.empty(C, dtype=x.dtype)
    cdef void *xp = _p(x)
    cdef void *mp = _p(mean)
    cdef void *vp = _p(var)
    cdef int rc
    with nogil:
        if fk == 32:
            rc = fg_bn_stats_f32(<const float *>xp, N, C, <float *>mp, <float *>vp)
        else:
            rc = fg_bn_stats_f64(<const double *>xp, N, C, <double *>mp, <double *>vp)
    if rc:
        raise MemoryError("norm.bn_stats: out of memory")
    return mean, var


def bn_apply(x, mean, scale, shift, out=None):
    """(x - mean) * scale + shift per column of the 2-D `x`."""
    cdef int fk = _matrix(x, "norm.bn_apply")
    cdef Py_ssize_t N = x.shape[0], C = x.shape[1]
    for name, v in (("mean", mean), ("scale", scale), ("shift", shift)):
        _like(v, "norm.bn_apply", name, x.dtype, (C,))
    if out is None:
        out = np.empty((N, C), dtype=x.dtype)
    else:
        _like(out, "norm.bn_apply", "out", x.dtype, (N, C))
    cdef void *xp = _p(x)
    cdef void *mp = _p(mean)
    cdef void *sp = _p(scale)
    cdef void *hp = _p(shift)
    cdef void *yp = _p(out)
    with nogil:
        if fk == 32:
            fg_bn_apply_f32(<const float *>xp, N, C, <const float *>mp,
                            <const float *>sp, <const float *>hp, <float *>yp)
        else:
            fg_bn_apply_f64(<const double *>xp, N, C, <const double *>mp,
                            <const double *>sp, <const double *>hp, <double *>yp)
    return out


def bn_reduce(x, g, mean, invstd):
    """(sum of g, sum of g * (x - mean) * invstd) per column."""
    cdef int fk = _matrix(x, "norm.bn_reduce")
    cdef Py_ssize_t N = x.shape[0], C = x.shape[1]
    _like(g, "norm.bn_reduce", "g", x.dtype, (N, C))
    _like(mean, "norm.bn_reduce", "mean", x.dtype, (C,))
    _like(invstd, "norm.bn_reduce", "invstd", x.dtype, (C,))
    sum_g = np.empty(C, dtype=x.dtype)
    sum_gx = np.empty(C, dtype=x.dtype)
    cdef void *xp = _p(x)
    cdef void *gp = _p(g)
    cdef void *mp = _p(mean)
    cdef void *ip = _p(invstd)
    cdef void *s1 = _p(sum_g)
    cdef void *s2 = _p(sum_gx)
    cdef int rc
    with nogil:
        if fk == 32:
            rc = fg_bn_reduce_f32(<const float *>xp, <const float *>gp, N, C,
                                  <const float *>mp, <const float *>ip,
                                  <float *>s1, <float *>s2)
        else:
            rc = fg_bn_reduce_f64(<const double *>xp, <const double *>gp, N, C,
                                  <const double *>mp, <const double *>ip,
                                  <double *>s1, <double *>s2)
    if rc:
        raise MemoryError("norm.bn_reduce: out of memory")
    return sum_g, sum_gx


def bn_dx(x, g, mean, a, b, k):
    """g * a + (x - mean) * b + k per column: the batch-norm input gradient."""
    cdef int fk = _matrix(x, "norm.bn_dx")
    cdef Py_ssize_t N = x.shape[0], C = x.shape[1]
    _like(g, "norm.bn_dx", "g", x.dtype, (N, C))
    for name, v in (("mean", mean), ("a", a), ("b", b), ("k", k)):
        _like(v, "norm.bn_dx", name, x.dtype, (C,))
    dx = np.empty((N, C), dtype=x.dtype)
    cdef void *xp = _p(x)
    cdef void *gp = _p(g)
    cdef void *mp = _p(mean)
    cdef void *ap = _p(a)
    cdef void *bp = _p(b)
    cdef void *kp = _p(k)
    cdef void *dp = _p(dx)
    with nogil:
        if fk == 32:
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
    cdef int fk = _matrix(x, "norm.ln_forward")
    cdef Py_ssize_t N = x.shape[0], D = x.shape[1]
    if gamma is not None:
        _like(gamma, "norm.ln_forward", "gamma", x.dtype, (D,))
    if beta is not None:
        _like(beta, "norm.ln_forward", "beta", x.dtype, (D,))
    y = np.empty((N, D), dtype=x.dtype)
    mean = np.empty(N, dtype=x.dtype)
    invstd = np.empty(N, dtype=x.dtype)
    cdef void *xp = _p(x)
    cdef void *gp = _p(gamma)
    cdef void *bp = _p(beta)
    cdef void *yp = _p(y)
    cdef void *mp = _p(mean)
    cdef void *ip = _p(invstd)
    with nogil:
        if fk == 32:
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
    cdef int fk = _matrix(x, "norm.ln_backward")
    cdef Py_ssize_t N = x.shape[0], D = x.shape[1]
    _like(g, "norm.ln_backward", "g", x.dtype, (N, D))
    if gamma is not None:
        _like(gamma, "norm.ln_backward", "gamma", x.dtype, (D,))
    _like(mean, "norm.ln_backward", "mean", x.dtype, (N,))
    _like(invstd, "norm.ln_backward", "invstd", x.dtype, (N,))
    dx = np.empty((N, D), dtype=x.dtype)
    dgamma = np.zeros(D, dtype=x.dtype) if want_dgamma else None
    dbeta = np.zeros(D, dtype=x.dtype) if want_dbeta else None
    cdef void *xp = _p(x)
    cdef void *gp = _p(g)
    cdef void *wp = _p(gamma)
    cdef void *mp = _p(mean)
    cdef void *ip = _p(invstd)
    cdef void *dp = _p(dx)
    cdef void *dgp = _p(dgamma)
    cdef void *dbp = _p(dbeta)
    cdef int rc
    with nogil:
        if fk == 32:
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
        raise MemoryError("norm.ln_backward: out of memory")
    return dx, dgamma, dbeta
