"""Projective image resampling, channels-last (csrc/image.c): forward and
its adjoint, with tf's fill modes and nearest/bilinear reads."""
cimport numpy as cnp

from .checks cimport ANY_FLOAT, array, data, writeable

cnp.import_array()

cdef extern from "image.h":
    ctypedef struct fg_affine_geom:
        Py_ssize_t n, h, w, c, oh, ow
        int fill_mode
        int nearest
        double fill_value
    void fg_affine_f32(const float *x, const float *t, float *y,
                       const fg_affine_geom *g) nogil
    void fg_affine_f64(const double *x, const float *t, double *y,
                       const fg_affine_geom *g) nogil
    void fg_affine_bwd_f32(const float *dy, const float *t, float *dx,
                           const fg_affine_geom *g) nogil
    void fg_affine_bwd_f64(const double *dy, const float *t, double *dx,
                           const fg_affine_geom *g) nogil

FILL_MODES = ("reflect", "wrap", "constant", "nearest")


cdef int _geom(str fn, fg_affine_geom *g, images, str images_name, out, str out_name,
               transforms, str fill_mode, bint nearest, double fill_value) except -1:
    """Check the images (n, h, w, c), the outputs (n, oh, ow, c) of the same
    dtype and the float32 transforms (n, 8); fill `g`; return the type."""
    cdef int t = array(fn, images_name, images, ANY_FLOAT, 4)
    array(fn, out_name, out, t, 4)
    if out.shape[0] != images.shape[0] or out.shape[3] != images.shape[3]:
        raise ValueError(f"{fn}: {out_name} must have the batch and channels of "
                         f"{images_name} {images.shape}, got {out.shape}")
    array(fn, "transforms", transforms, cnp.NPY_FLOAT32, (images.shape[0], 8))
    if fill_mode not in FILL_MODES:
        raise ValueError(f"{fn}: fill_mode must be one of {FILL_MODES}, got {fill_mode!r}")
    g.n, g.h, g.w, g.c = images.shape
    g.oh, g.ow = out.shape[1], out.shape[2]
    g.fill_mode = FILL_MODES.index(fill_mode)
    g.nearest = nearest
    g.fill_value = fill_value
    return t


def affine(x, transforms, y, str fill_mode, bint nearest, double fill_value):
    """y[...] = x resampled through each image's transform."""
    cdef fg_affine_geom g
    cdef int t = _geom("image.affine", &g, x, "x", y, "y", transforms, fill_mode,
                       nearest, fill_value)
    writeable("image.affine", "y", y)
    cdef void *xp = data(x)
    cdef void *yp = data(y)
    cdef const float *tp = <const float *>data(transforms)
    with nogil:
        if t == cnp.NPY_FLOAT:
            fg_affine_f32(<const float *>xp, tp, <float *>yp, &g)
        else:
            fg_affine_f64(<const double *>xp, tp, <double *>yp, &g)


def affine_backward(dy, transforms, dx, str fill_mode, bint nearest):
    """dx[...] = the adjoint of `affine` applied to dy."""
    cdef fg_affine_geom g
    cdef int t = _geom("image.affine_backward", &g, dx, "dx", dy, "dy", transforms,
                       fill_mode, nearest, 0.0)
    writeable("image.affine_backward", "dx", dx)
    cdef void *dyp = data(dy)
    cdef void *dxp = data(dx)
    cdef const float *tp = <const float *>data(transforms)
    with nogil:
        if t == cnp.NPY_FLOAT:
            fg_affine_bwd_f32(<const float *>dyp, tp, <float *>dxp, &g)
        else:
            fg_affine_bwd_f64(<const double *>dyp, tp, <double *>dxp, &g)
