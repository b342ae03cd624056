"""Max and average pooling, channels-last (csrc/pool.c): NHWC arrays with
pairs of window sizes, strides and pads, or NDHWC ones with triples."""
cimport numpy as cnp
from libc.stdint cimport int32_t

from .checks cimport ANY_FLOAT, array, data, like, writeable

cnp.import_array()

cdef extern from "pool.h":
    void fg_pooling_set_pool(const void *api) nogil
    ctypedef struct fg_pool_geom:
        Py_ssize_t n, d, h, w, c
        Py_ssize_t pd, ph, pw
        Py_ssize_t sd, sh, sw
        Py_ssize_t pf, pt, pl
        Py_ssize_t od, oh, ow
    void fg_max_pool_f32(const float *x, float *out, int32_t *argmax,
                         const fg_pool_geom *g) nogil
    void fg_max_pool_f64(const double *x, double *out, int32_t *argmax,
                         const fg_pool_geom *g) nogil
    Py_ssize_t fg_max_pool_bwd_f32(const float *dy, const int32_t *argmax,
                                   float *dx, Py_ssize_t n, Py_ssize_t per,
                                   Py_ssize_t img) nogil
    Py_ssize_t fg_max_pool_bwd_f64(const double *dy, const int32_t *argmax,
                                   double *dx, Py_ssize_t n, Py_ssize_t per,
                                   Py_ssize_t img) nogil
    void fg_max_pool_bwd_tiled_f32(const float *dy, const int32_t *argmax,
                                   float *dx, const fg_pool_geom *g) nogil
    void fg_max_pool_bwd_tiled_f64(const double *dy, const int32_t *argmax,
                                   double *dx, const fg_pool_geom *g) nogil
    void fg_avg_pool_f32(const float *x, float *out, const fg_pool_geom *g) nogil
    void fg_avg_pool_f64(const double *x, double *out, const fg_pool_geom *g) nogil
    void fg_avg_pool_bwd_f32(const float *dy, float *dx, const fg_pool_geom *g) nogil
    void fg_avg_pool_bwd_f64(const double *dy, double *dx, const fg_pool_geom *g) nogil

_INT32_MAX = 2**31 - 1


cdef int _nhwc(str fn, str name, object a, object ref=None, str ref_name=None,
               int ndim=4) except -1:
    """Check a channels-last array of `ndim` dimensions: float, or of ref's
    dtype when given."""
    if ref is None:
        return array(fn, name, a, ANY_FLOAT, ndim)
    like(fn, name, a, ref, ref_name, ndim)
    return cnp.PyArray_TYPE(<cnp.ndarray>a)


cdef int _rank(object pool_size) except -1:
    """The number of dimensions of the arrays a pooling of `pool_size` takes."""
    return 5 if len(pool_size) == 3 else 4


cdef _geometry(fn, fg_pool_geom *g, x_shape, out_shape, pool_size, strides, pads):
    """Fill `g`, checking that every window overlaps the volume."""
    nd = len(x_shape) - 2
    if len(pool_size) != nd or len(strides) != nd or len(pads) != nd:
        raise ValueError(f"{fn}: pool_size, strides and pads must have {nd} entries "
                         f"each, got {tuple(pool_size)}, {tuple(strides)}, "
                         f"{tuple(pads)}")
    one = (1,) if nd == 2 else ()
    g.n, g.c = x_shape[0], x_shape[nd + 1]
    g.d, g.h, g.w = one + tuple(x_shape[1:nd + 1])
    g.pd, g.ph, g.pw = one + tuple(pool_size)
    g.sd, g.sh, g.sw = one + tuple(strides)
    g.pf, g.pt, g.pl = (0,) * (3 - nd) + tuple(pads)
    g.od, g.oh, g.ow = one + tuple(out_shape[1:nd + 1])
    if out_shape[0] != g.n or out_shape[nd + 1] != g.c:
        raise ValueError(f"{fn}: output shape {tuple(out_shape)} does not match "
                         f"input shape {tuple(x_shape)} in batch and channels")
    if min(pool_size) < 1 or min(strides) < 1 or min(pads) < 0:
        raise ValueError(f"{fn}: need pool_size >= 1, strides >= 1, pads >= 0; got "
                         f"{tuple(pool_size)}, {tuple(strides)}, {tuple(pads)}")
    if g.d * g.h * g.w * g.c > _INT32_MAX:
        raise ValueError(f"{fn}: an image of {g.d * g.h * g.w * g.c} elements is "
                         f"too large for int32 argmax indices")
    if g.od > 0 and g.oh > 0 and g.ow > 0 and (
            g.pf >= g.pd or g.pt >= g.ph or g.pl >= g.pw
            or (g.od - 1) * g.sd - g.pf >= g.d or (g.oh - 1) * g.sh - g.pt >= g.h
            or (g.ow - 1) * g.sw - g.pl >= g.w):
        out = tuple(out_shape[1:nd + 1])
        raise ValueError(f"{fn}: output size {out} with pads {tuple(pads)} "
                         f"leaves pooling windows outside the input "
                         f"{tuple(x_shape[1:nd + 1])}")


# Every job of this family runs on fastgraph's one thread pool.
from fastgraph._kernels import tasks as _tasks
fg_pooling_set_pool(<const void *><size_t>_tasks.api_address())


def max_pool_forward(x, out, argmax, pool_size, strides, pads):
    """Max pooling of NHWC (NDHWC) `x` into `out`, `argmax` (int32 index
    within the image).

    `pads` is the padding before (top, left); padded cells never win.
    """
    cdef fg_pool_geom g
    fn = "max_pool_forward"
    cdef int nd = _rank(pool_size)
    cdef int t = _nhwc(fn, "x", x, None, None, nd)
    _nhwc(fn, "out", out, x, "x", nd)
    writeable(fn, "out", out)
    array(fn, "argmax", argmax, cnp.NPY_INT32, out.shape)
    writeable(fn, "argmax", argmax)
    _geometry(fn, &g, x.shape, out.shape, pool_size, strides, pads)
    cdef void *xp = data(x)
    cdef void *op = data(out)
    cdef int32_t *ap = <int32_t *>data(argmax)
    if t == cnp.NPY_FLOAT:
        with nogil:
            fg_max_pool_f32(<const float *>xp, <float *>op, ap, &g)
    else:
        with nogil:
            fg_max_pool_f64(<const double *>xp, <double *>op, ap, &g)


def max_pool_backward(dy, argmax, dx):
    """Overwrite NHWC (NDHWC) `dx` with `dy` scattered through `argmax`."""
    fn = "max_pool_backward"
    cdef int t = _nhwc(fn, "dy", dy, None, None, 5 if getattr(dy, "ndim", 4) == 5 else 4)
    array(fn, "argmax", argmax, cnp.NPY_INT32, dy.shape)
    _nhwc(fn, "dx", dx, dy, "dy", dy.ndim)
    writeable(fn, "dx", dx)
    if dx.shape[0] != dy.shape[0] or dx.shape[dx.ndim - 1] != dy.shape[dy.ndim - 1]:
        raise ValueError(f"max_pool_backward: dx shape {dx.shape} does not match "
                         f"dy shape {dy.shape} in batch and channels")
    cdef Py_ssize_t n = dy.shape[0]
    cdef Py_ssize_t per = dy.size // n if n else 0
    cdef Py_ssize_t img = dx.size // n if n else 0
    cdef Py_ssize_t bad
    cdef void *gp = data(dy)
    cdef void *dp = data(dx)
    cdef const int32_t *ap = <const int32_t *>data(argmax)
    if t == cnp.NPY_FLOAT:
        with nogil:
            bad = fg_max_pool_bwd_f32(<const float *>gp, ap, <float *>dp, n, per, img)
    else:
        with nogil:
            bad = fg_max_pool_bwd_f64(<const double *>gp, ap, <double *>dp, n, per, img)
    if bad:
        raise IndexError(f"max_pool_backward: {bad} argmax indices outside "
                         f"[0, {img}) (the size of one dx image)")


def max_pool_backward_tiled(dy, argmax, dx, pool_size, strides, pads):
    """`max_pool_backward` for windows that do not overlap (strides >=
    pool_size), in one pass that writes every element of `dx` once."""
    cdef fg_pool_geom g
    fn = "max_pool_backward_tiled"
    cdef int nd = _rank(pool_size)
    cdef int t = _nhwc(fn, "dy", dy, None, None, nd)
    array(fn, "argmax", argmax, cnp.NPY_INT32, dy.shape)
    _nhwc(fn, "dx", dx, dy, "dy", nd)
    writeable(fn, "dx", dx)
    _geometry(fn, &g, dx.shape, dy.shape, pool_size, strides, pads)
    if g.sd < g.pd or g.sh < g.ph or g.sw < g.pw:
        raise ValueError(f"{fn}: strides {tuple(strides)} must be >= pool_size "
                         f"{tuple(pool_size)} (windows must not overlap)")
    cdef void *gp = data(dy)
    cdef void *dp = data(dx)
    cdef const int32_t *ap = <const int32_t *>data(argmax)
    if t == cnp.NPY_FLOAT:
        with nogil:
            fg_max_pool_bwd_tiled_f32(<const float *>gp, ap, <float *>dp, &g)
    else:
        with nogil:
            fg_max_pool_bwd_tiled_f64(<const double *>gp, ap, <double *>dp, &g)


def avg_pool_forward(x, out, pool_size, strides, pads):
    """Average pooling of NHWC `x` into `out`, over the in-image part of each window."""
    cdef fg_pool_geom g
    fn = "avg_pool_forward"
    cdef int nd = _rank(pool_size)
    cdef int t = _nhwc(fn, "x", x, None, None, nd)
    _nhwc(fn, "out", out, x, "x", nd)
    writeable(fn, "out", out)
    _geometry(fn, &g, x.shape, out.shape, pool_size, strides, pads)
    cdef void *xp = data(x)
    cdef void *op = data(out)
    if t == cnp.NPY_FLOAT:
        with nogil:
            fg_avg_pool_f32(<const float *>xp, <float *>op, &g)
    else:
        with nogil:
            fg_avg_pool_f64(<const double *>xp, <double *>op, &g)


def avg_pool_backward(dy, dx, pool_size, strides, pads):
    """Overwrite NHWC `dx` with the gradient of average pooling given `dy`."""
    cdef fg_pool_geom g
    fn = "avg_pool_backward"
    cdef int nd = _rank(pool_size)
    cdef int t = _nhwc(fn, "dy", dy, None, None, nd)
    _nhwc(fn, "dx", dx, dy, "dy", nd)
    writeable(fn, "dx", dx)
    _geometry(fn, &g, dx.shape, dy.shape, pool_size, strides, pads)
    cdef void *gp = data(dy)
    cdef void *dp = data(dx)
    if t == cnp.NPY_FLOAT:
        with nogil:
            fg_avg_pool_bwd_f32(<const float *>gp, <float *>dp, &g)
    else:
        with nogil:
            fg_avg_pool_bwd_f64(<const double *>gp, <double *>dp, &g)
