"""Max and average pooling, channels-last (csrc/pool.c)."""
cimport numpy as cnp
from libc.stdint cimport int32_t

from .checks cimport ANY_FLOAT, array, data, like, writeable

cnp.import_array()

cdef extern from "pool.h":
    ctypedef struct fg_pool_geom:
        Py_ssize_t n, h, w, c
        Py_ssize_t ph, pw
        Py_ssize_t sh, sw
        Py_ssize_t pt, pl
        Py_ssize_t oh, ow
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


cdef int _nhwc(str fn, str name, object a, object ref=None, str ref_name=None) \
        except -1:
    """Check a 4-D (NHWC) array: float, or of ref's dtype when given."""
    if ref is None:
        return array(fn, name, a, ANY_FLOAT, 4)
    like(fn, name, a, ref, ref_name, 4)
    return cnp.PyArray_TYPE(<cnp.ndarray>a)


cdef _geometry(fn, fg_pool_geom *g, x_shape, out_shape, pool_size, strides, pads):
    """Fill `g`, checking that every window overlaps the image."""
    g.n, g.h, g.w, g.c = x_shape
    g.ph, g.pw = pool_size
    g.sh, g.sw = strides
    g.pt, g.pl = pads
    g.oh, g.ow = out_shape[1], out_shape[2]
    if out_shape[0] != g.n or out_shape[3] != g.c:
        raise ValueError(f"{fn}: output shape {tuple(out_shape)} does not match "
                         f"input shape {tuple(x_shape)} in batch and channels")
    if min(pool_size) < 1 or min(strides) < 1 or min(pads) < 0:
        raise ValueError(f"{fn}: need pool_size >= 1, strides >= 1, pads >= 0; got "
                         f"{tuple(pool_size)}, {tuple(strides)}, {tuple(pads)}")
    if g.h * g.w * g.c > _INT32_MAX:
        raise ValueError(f"{fn}: an image of {g.h * g.w * g.c} elements is too "
                         f"large for int32 argmax indices")
    if g.oh > 0 and g.ow > 0 and (
            g.pt >= g.ph or g.pl >= g.pw or (g.oh - 1) * g.sh - g.pt >= g.h
            or (g.ow - 1) * g.sw - g.pl >= g.w):
        raise ValueError(f"{fn}: output size {(g.oh, g.ow)} with pads {tuple(pads)} "
                         f"leaves pooling windows outside the input {(g.h, g.w)}")


def max_pool_forward(x, out, argmax, pool_size, strides, pads):
    """Max pooling of NHWC `x` into `out`, `argmax` (int32 index within the image).

    `pads` is the padding before (top, left); padded cells never win.
    """
    cdef fg_pool_geom g
    fn = "max_pool_forward"
    cdef int t = _nhwc(fn, "x", x)
    _nhwc(fn, "out", out, x, "x")
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
    """Overwrite NHWC `dx` with `dy` scattered through `argmax`."""
    fn = "max_pool_backward"
    cdef int t = _nhwc(fn, "dy", dy)
    array(fn, "argmax", argmax, cnp.NPY_INT32, dy.shape)
    _nhwc(fn, "dx", dx, dy, "dy")
    writeable(fn, "dx", dx)
    if dx.shape[0] != dy.shape[0] or dx.shape[3] != dy.shape[3]:
        raise ValueError(f"max_pool_backward: dx shape {dx.shape} does not match "
                         f"dy shape {dy.shape} in batch and channels")
    cdef Py_ssize_t n = dy.shape[0]
    cdef Py_ssize_t per = dy.shape[1] * dy.shape[2] * dy.shape[3]
    cdef Py_ssize_t img = dx.shape[1] * dx.shape[2] * dx.shape[3]
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
    cdef int t = _nhwc(fn, "dy", dy)
    array(fn, "argmax", argmax, cnp.NPY_INT32, dy.shape)
    _nhwc(fn, "dx", dx, dy, "dy")
    writeable(fn, "dx", dx)
    _geometry(fn, &g, dx.shape, dy.shape, pool_size, strides, pads)
    if g.sh < g.ph or g.sw < g.pw:
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
    cdef int t = _nhwc(fn, "x", x)
    _nhwc(fn, "out", out, x, "x")
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
    cdef int t = _nhwc(fn, "dy", dy)
    _nhwc(fn, "dx", dx, dy, "dy")
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
