"""Upsampling by integer factors, channels-last (csrc/upsample.c): nearest
on NHWC / NDHWC arrays (pairs / triples of factors), bilinear on NHWC."""
cimport numpy as cnp

from .checks cimport ANY_FLOAT, array, data, like, writeable

cnp.import_array()

cdef extern from "upsample.h":
    ctypedef struct fg_up_geom:
        Py_ssize_t n, d, h, w, c
        Py_ssize_t fd, fh, fw
    void fg_upsample_nearest_f32(const float *x, float *y, const fg_up_geom *g) nogil
    void fg_upsample_nearest_f64(const double *x, double *y, const fg_up_geom *g) nogil
    void fg_upsample_nearest_bwd_f32(const float *dy, float *dx,
                                     const fg_up_geom *g) nogil
    void fg_upsample_nearest_bwd_f64(const double *dy, double *dx,
                                     const fg_up_geom *g) nogil
    int fg_upsample_bilinear_f32(const float *x, float *y, const fg_up_geom *g) nogil
    int fg_upsample_bilinear_f64(const double *x, double *y, const fg_up_geom *g) nogil
    int fg_upsample_bilinear_bwd_f32(const float *dy, float *dx,
                                     const fg_up_geom *g) nogil
    int fg_upsample_bilinear_bwd_f64(const double *dy, double *dx,
                                     const fg_up_geom *g) nogil


cdef int _pair(str fn, fg_up_geom *g, small, str small_name, large, str large_name,
               object factors) except -1:
    """Check the two channels-last arrays (`small` the input side, `large`
    the output side, of the dtype of `small`) and fill `g`; returns the
    type number."""
    cdef int nd = 5 if len(factors) == 3 else 4
    cdef int t = array(fn, small_name, small, ANY_FLOAT, nd)
    like(fn, large_name, large, small, small_name, nd)
    if min(factors) < 1:
        raise ValueError(f"{fn}: factors must be >= 1, got {tuple(factors)}")
    one = (1,) if nd == 4 else ()
    g.n, g.c = small.shape[0], small.shape[nd - 1]
    g.d, g.h, g.w = one + tuple(small.shape[1:nd - 1])
    g.fd, g.fh, g.fw = one + tuple(factors)
    want = (g.n,) + tuple(s * f for s, f in zip(small.shape[1:nd - 1], factors)) + (g.c,)
    if tuple(large.shape) != want:
        raise ValueError(f"{fn}: {large_name} must have shape {want} "
                         f"(input {tuple(small.shape)} times factors "
                         f"{tuple(factors)}), got {tuple(large.shape)}")
    return t


def nearest(x, y, factors):
    """y = x with every pixel repeated by `factors` (one per spatial axis)."""
    cdef fg_up_geom g
    cdef int t = _pair("upsample.nearest", &g, x, "x", y, "y", factors)
    writeable("upsample.nearest", "y", y)
    cdef void *xp = data(x)
    cdef void *yp = data(y)
    if t == cnp.NPY_FLOAT:
        with nogil:
            fg_upsample_nearest_f32(<const float *>xp, <float *>yp, &g)
    else:
        with nogil:
            fg_upsample_nearest_f64(<const double *>xp, <double *>yp, &g)


def nearest_backward(dy, dx, factors):
    """Overwrite dx with the sums of dy over each pixel's copies."""
    cdef fg_up_geom g
    cdef int t = _pair("upsample.nearest_backward", &g, dx, "dx", dy, "dy", factors)
    writeable("upsample.nearest_backward", "dx", dx)
    cdef void *gp = data(dy)
    cdef void *dp = data(dx)
    if t == cnp.NPY_FLOAT:
        with nogil:
            fg_upsample_nearest_bwd_f32(<const float *>gp, <float *>dp, &g)
    else:
        with nogil:
            fg_upsample_nearest_bwd_f64(<const double *>gp, <double *>dp, &g)


def bilinear(x, y, factors):
    """y = NHWC x resized by the (height, width) `factors`, bilinear with
    half-pixel centres (tf.image.resize)."""
    cdef fg_up_geom g
    fn = "upsample.bilinear"
    if len(factors) != 2:
        raise ValueError(f"{fn}: factors must be (height, width), got {tuple(factors)}")
    cdef int t = _pair(fn, &g, x, "x", y, "y", factors)
    writeable(fn, "y", y)
    cdef void *xp = data(x)
    cdef void *yp = data(y)
    cdef int status
    if t == cnp.NPY_FLOAT:
        with nogil:
            status = fg_upsample_bilinear_f32(<const float *>xp, <float *>yp, &g)
    else:
        with nogil:
            status = fg_upsample_bilinear_f64(<const double *>xp, <double *>yp, &g)
    if status:
        raise MemoryError(f"{fn}: out of memory for the interpolation tables")


def bilinear_backward(dy, dx, factors):
    """Overwrite NHWC dx with the gradient of `bilinear` given dy."""
    cdef fg_up_geom g
    fn = "upsample.bilinear_backward"
    if len(factors) != 2:
        raise ValueError(f"{fn}: factors must be (height, width), got {tuple(factors)}")
    cdef int t = _pair(fn, &g, dx, "dx", dy, "dy", factors)
    writeable(fn, "dx", dx)
    cdef void *gp = data(dy)
    cdef void *dp = data(dx)
    cdef int status
    if t == cnp.NPY_FLOAT:
        with nogil:
            status = fg_upsample_bilinear_bwd_f32(<const float *>gp, <float *>dp, &g)
    else:
        with nogil:
            status = fg_upsample_bilinear_bwd_f64(<const double *>gp, <double *>dp, &g)
    if status:
        raise MemoryError(f"{fn}: out of memory for the interpolation tables")
