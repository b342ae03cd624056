"""Max and average pooling, channels-last (csrc/pool.c)."""
import numpy as np
cimport numpy as cnp
from libc.stdint cimport int32_t

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


cdef _check_array(fn, name, a, dtype=None):
    if not isinstance(a, np.ndarray):
        raise TypeError(f"{fn}: {name} must be a numpy array, got {type(a).__name__}")
    if dtype is None and a.dtype != np.float32 and a.dtype != np.float64:
        raise TypeError(f"{fn}: {name} must be float32 or float64, got {a.dtype}")
    if dtype is not None and a.dtype != dtype:
        raise TypeError(f"{fn}: {name} must be {np.dtype(dtype)}, got {a.dtype}")
    if a.ndim != 4:
        raise ValueError(f"{fn}: {name} must have 4 dimensions (NHWC), got shape {a.shape}")
    if not a.flags.c_contiguous:
        raise ValueError(f"{fn}: {name} must be C-contiguous")


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
    _check_array("max_pool_forward", "x", x)
    _check_array("max_pool_forward", "out", out, x.dtype)
    _check_array("max_pool_forward", "argmax", argmax, np.int32)
    if argmax.shape != out.shape:
        raise ValueError(f"max_pool_forward: argmax shape {argmax.shape} differs "
                         f"from out shape {out.shape}")
    _geometry("max_pool_forward", &g, x.shape, out.shape, pool_size, strides, pads)
    cdef void *xp = cnp.PyArray_DATA(x)
    cdef void *op = cnp.PyArray_DATA(out)
    cdef int32_t *ap = <int32_t *>cnp.PyArray_DATA(argmax)
    if x.dtype == np.float32:
        with nogil:
            fg_max_pool_f32(<const float *>xp, <float *>op, ap, &g)
    else:
        with nogil:
            fg_max_pool_f64(<const double *>xp, <double *>op, ap, &g)


def max_pool_backward(dy, argmax, dx):
    """Overwrite NHWC `dx` with `dy` scattered through `argmax`."""
    _check_array("max_pool_backward", "dy", dy)
    _check_array("max_pool_backward", "argmax", argmax, np.int32)
    _check_array("max_pool_backward", "dx", dx, dy.dtype)
    if argmax.shape != dy.shape:
        raise ValueError(f"max_pool_backward: argmax shape {argmax.shape} differs "
                         f"from dy shape {dy.shape}")
    if dx.shape[0] != dy.shape[0] or dx.shape[3] != dy.shape[3]:
        raise ValueError(f"max_pool_backward: dx shape {dx.shape} does not match "
                         f"dy shape {dy.shape} in batch and channels")
    cdef Py_ssize_t n = dy.shape[0]
    cdef Py_ssize_t per = dy.shape[1] * dy.shape[2] * dy.shape[3]
    cdef Py_ssize_t img = dx.shape[1] * dx.shape[2] * dx.shape[3]
    cdef Py_ssize_t bad
    cdef void *gp = cnp.PyArray_DATA(dy)
    cdef void *dp = cnp.PyArray_DATA(dx)
    cdef const int32_t *ap = <const int32_t *>cnp.PyArray_DATA(argmax)
    if dy.dtype == np.float32:
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
    _check_array("max_pool_backward_tiled", "dy", dy)
    _check_array("max_pool_backward_tiled", "argmax", argmax, np.int32)
    _check_array("max_pool_backward_tiled", "dx", dx, dy.dtype)
    if argmax.shape != dy.shape:
        raise ValueError(f"max_pool_backward_tiled: argmax shape {argmax.shape} "
                         f"differs from dy shape {dy.shape}")
    _geometry("max_pool_backward_tiled", &g, dx.shape, dy.shape, pool_size, strides,
              pads)
    if g.sh < g.ph or g.sw < g.pw:
        raise ValueError(f"max_pool_backward_tiled: strides {tuple(strides)} must be "
                         f">= pool_size {tuple(pool_size)} (windows must not overlap)")
    cdef void *gp = cnp.PyArray_DATA(dy)
    cdef void *dp = cnp.PyArray_DATA(dx)
    cdef const int32_t *ap = <const int32_t *>cnp.PyArray_DATA(argmax)
    if dy.dtype == np.float32:
        with nogil:
            fg_max_pool_bwd_tiled_f32(<const float *>gp, ap, <float *>dp, &g)
    else:
        with nogil:
            fg_max_pool_bwd_tiled_f64(<const double *>gp, ap, <double *>dp, &g)


def avg_pool_forward(x, out, pool_size, strides, pads):
    """Average pooling of NHWC `x` into `out`, over the in-image part of each window."""
    cdef fg_pool_geom g
    _check_array("avg_pool_forward", "x", x)
    _check_array("avg_pool_forward", "out", out, x.dtype)
    _geometry("avg_pool_forward", &g, x.shape, out.shape, pool_size, strides, pads)
    cdef void *xp = cnp.PyArray_DATA(x)
    cdef void *op = cnp.PyArray_DATA(out)
    if x.dtype == np.float32:
        with nogil:
            fg_avg_pool_f32(<const float *>xp, <float *>op, &g)
    else:
        with nogil:
            fg_avg_pool_f64(<const double *>xp, <double *>op, &g)


def avg_pool_backward(dy, dx, pool_size, strides, pads):
    """Overwrite NHWC `dx` with the gradient of average pooling given `dy`."""
    cdef fg_pool_geom g
    _check_array("avg_pool_backward", "dy", dy)
    _check_array("avg_pool_backward", "dx", dx, dy.dtype)
    _geometry("avg_pool_backward", &g, dx.shape, dy.shape, pool_size, strides, pads)
    cdef void *gp = cnp.PyArray_DATA(dy)
    cdef void *dp = cnp.PyArray_DATA(dx)
    if dy.dtype == np.float32:
        with nogil:
            fg_avg_pool_bwd_f32(<const float *>gp, <float *>dp, &g)
    else:
        with nogil:
            fg_avg_pool_bwd_f64(<const double *>gp, <double *>dp, &g)
