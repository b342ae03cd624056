"""Depthwise convolution, channels-last (csrc/depthwise.c)."""
cimport numpy as cnp

from .checks cimport ANY_FLOAT, array, data, data_or_null, like, writeable

cnp.import_array()

cdef extern from "depthwise.h":
    ctypedef struct fg_dw_geom:
        Py_ssize_t n, h, w, c, m
        Py_ssize_t kh, kw
        Py_ssize_t sh, sw
        Py_ssize_t dh, dw
        Py_ssize_t pt, pl
        Py_ssize_t oh, ow
    void fg_depthwise_f32(const float *x, const float *k, const float *bias,
                          float *y, const fg_dw_geom *g) nogil
    void fg_depthwise_f64(const double *x, const double *k, const double *bias,
                          double *y, const fg_dw_geom *g) nogil
    void fg_depthwise_dx_f32(const float *dy, const float *k, float *dx,
                             const fg_dw_geom *g) nogil
    void fg_depthwise_dx_f64(const double *dy, const double *k, double *dx,
                             const fg_dw_geom *g) nogil
    int fg_depthwise_dk_f32(const float *x, const float *dy, float *dk,
                            const fg_dw_geom *g) nogil
    int fg_depthwise_dk_f64(const double *x, const double *dy, double *dk,
                            const fg_dw_geom *g) nogil


cdef _geometry(str fn, fg_dw_geom *g, x_shape, k_shape, y_shape, strides, dilation,
               pads):
    """Fill `g` from the NHWC input, (kh, kw, c, m) kernel and NHWC output
    shapes; check that they agree."""
    g.n, g.h, g.w, g.c = x_shape
    g.kh, g.kw, kc, g.m = k_shape
    yn, g.oh, g.ow, yc = y_shape
    g.sh, g.sw = strides
    g.dh, g.dw = dilation
    g.pt, g.pl = pads
    if kc != g.c or yn != g.n or yc != g.c * g.m:
        raise ValueError(f"{fn}: shapes x {tuple(x_shape)}, kernel {tuple(k_shape)} "
                         f"(kh, kw, channels, multiplier) and y {tuple(y_shape)} "
                         f"do not agree")
    if min(strides) < 1 or min(dilation) < 1 or min(pads) < 0:
        raise ValueError(f"{fn}: need strides >= 1, dilation >= 1, pads >= 0; got "
                         f"{tuple(strides)}, {tuple(dilation)}, {tuple(pads)}")


def depthwise_forward(x, k, bias, y, strides, dilation, pads):
    """y (NHWC, c*m channels) = the depthwise convolution of NHWC `x` with the
    (kh, kw, c, m) kernel `k`, plus `bias` (c*m,) or None; `pads` is the
    padding before (top, left), the output size is y's."""
    cdef fg_dw_geom g
    fn = "depthwise_forward"
    cdef int t = array(fn, "x", x, ANY_FLOAT, 4)
    like(fn, "k", k, x, "x", 4)
    like(fn, "y", y, x, "x", 4)
    writeable(fn, "y", y)
    _geometry(fn, &g, x.shape, k.shape, y.shape, strides, dilation, pads)
    if bias is not None:
        array(fn, "bias", bias, t, (g.c * g.m,))
    cdef void *xp = data(x)
    cdef void *kp = data(k)
    cdef void *bp = data_or_null(bias)
    cdef void *yp = data(y)
    if t == cnp.NPY_FLOAT:
        with nogil:
            fg_depthwise_f32(<const float *>xp, <const float *>kp, <const float *>bp,
                             <float *>yp, &g)
    else:
        with nogil:
            fg_depthwise_f64(<const double *>xp, <const double *>kp,
                             <const double *>bp, <double *>yp, &g)


def depthwise_dx(dy, k, dx, strides, dilation, pads):
    """Overwrite NHWC `dx` with the input gradient of depthwise_forward given `dy`."""
    cdef fg_dw_geom g
    fn = "depthwise_dx"
    cdef int t = array(fn, "dy", dy, ANY_FLOAT, 4)
    like(fn, "k", k, dy, "dy", 4)
    like(fn, "dx", dx, dy, "dy", 4)
    writeable(fn, "dx", dx)
    _geometry(fn, &g, dx.shape, k.shape, dy.shape, strides, dilation, pads)
    cdef void *gp = data(dy)
    cdef void *kp = data(k)
    cdef void *dp = data(dx)
    if t == cnp.NPY_FLOAT:
        with nogil:
            fg_depthwise_dx_f32(<const float *>gp, <const float *>kp, <float *>dp, &g)
    else:
        with nogil:
            fg_depthwise_dx_f64(<const double *>gp, <const double *>kp, <double *>dp, &g)


def depthwise_dk(x, dy, dk, strides, dilation, pads):
    """Overwrite the (kh, kw, c, m) `dk` with the kernel gradient of
    depthwise_forward given NHWC `x` and `dy`."""
    cdef fg_dw_geom g
    fn = "depthwise_dk"
    cdef int t = array(fn, "x", x, ANY_FLOAT, 4)
    like(fn, "dy", dy, x, "x", 4)
    like(fn, "dk", dk, x, "x", 4)
    writeable(fn, "dk", dk)
    _geometry(fn, &g, x.shape, dk.shape, dy.shape, strides, dilation, pads)
    cdef void *xp = data(x)
    cdef void *gp = data(dy)
    cdef void *dp = data(dk)
    cdef int status
    if t == cnp.NPY_FLOAT:
        with nogil:
            status = fg_depthwise_dk_f32(<const float *>xp, <const float *>gp,
                                         <float *>dp, &g)
    else:
        with nogil:
            status = fg_depthwise_dk_f64(<const double *>xp, <const double *>gp,
                                         <double *>dp, &g)
    if status:
        raise MemoryError(f"{fn}: out of memory for the per-thread partial sums")
