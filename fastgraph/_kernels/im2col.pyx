"""im2col / col2im for channels-last convolution (csrc/im2col.c)."""
import numpy as np
cimport numpy as cnp

cnp.import_array()

cdef extern from "im2col.h":
    ctypedef struct fg_conv_geom:
        Py_ssize_t n, h, w, c
        Py_ssize_t kh, kw
        Py_ssize_t sh, sw
        Py_ssize_t dh, dw
        Py_ssize_t pt, pl
        Py_ssize_t oh, ow
    void fg_im2col(const void *x, void *cols, size_t esz,
                   const fg_conv_geom *g, Py_ssize_t r0, Py_ssize_t r1) nogil
    void fg_col2im_f32(const float *cols, float *dx, const fg_conv_geom *g,
                       Py_ssize_t r0, Py_ssize_t r1) nogil
    void fg_col2im_f64(const double *cols, double *dx, const fg_conv_geom *g,
                       Py_ssize_t r0, Py_ssize_t r1) nogil


cdef _check_array(fn, name, a, ndim):
    if not isinstance(a, np.ndarray):
        raise TypeError(f"{fn}: {name} must be a numpy array, got {type(a).__name__}")
    if a.dtype != np.float32 and a.dtype != np.float64:
        raise TypeError(f"{fn}: {name} must be float32 or float64, got {a.dtype}")
    if a.ndim != ndim:
        raise ValueError(f"{fn}: {name} must have {ndim} dimensions, got shape {a.shape}")
    if not a.flags.c_contiguous:
        raise ValueError(f"{fn}: {name} must be C-contiguous")


cdef _geometry(fn, fg_conv_geom *g, shape, kernel_size, strides, dilation,
               pads, out_size, rows, cols):
    """Fill `g`; return the output row range, checked against `cols`."""
    g.n, g.h, g.w, g.c = shape
    g.kh, g.kw = kernel_size
    g.sh, g.sw = strides
    g.dh, g.dw = dilation
    g.pt, g.pl = pads
    g.oh, g.ow = out_size
    for name, vals, low in (("kernel_size", kernel_size, 1), ("strides", strides, 1),
                            ("dilation", dilation, 1), ("pads", pads, 0),
                            ("out_size", out_size, 0)):
        if min(vals) < low:
            raise ValueError(f"{fn}: {name} must be >= {low}, got {tuple(vals)}")
    r0, r1 = (0, g.n * g.oh) if rows is None else rows
    if not 0 <= r0 <= r1 <= g.n * g.oh:
        raise ValueError(f"{fn}: rows must satisfy 0 <= start <= end <= "
                         f"{g.n * g.oh} (batch * out height), got {(r0, r1)}")
    expect = ((r1 - r0) * g.ow, g.kh * g.kw * g.c)
    if cols.shape != expect:
        raise ValueError(f"{fn}: cols must have shape {expect}, got {cols.shape}")
    return r0, r1


def im2col(x, cols, kernel_size, strides, dilation, pads, out_size, rows=None):
    """Fill `cols` with the zero-padded patches of NHWC `x`, one row per output pixel.

    `pads` is the padding before (top, left) and `out_size` is (oh, ow).
    `rows` = (start, end) selects output rows n*oh + i across the batch
    (default all); `cols` is ((end - start) * ow, kh*kw*c).
    """
    cdef fg_conv_geom g
    cdef Py_ssize_t r0, r1
    _check_array("im2col", "x", x, 4)
    _check_array("im2col", "cols", cols, 2)
    if cols.dtype != x.dtype:
        raise TypeError(f"im2col: cols dtype {cols.dtype} differs from x dtype {x.dtype}")
    r0, r1 = _geometry("im2col", &g, x.shape, kernel_size, strides, dilation,
                       pads, out_size, rows, cols)
    cdef void *xp = cnp.PyArray_DATA(x)
    cdef void *cp = cnp.PyArray_DATA(cols)
    cdef size_t esz = x.itemsize
    with nogil:
        fg_im2col(xp, cp, esz, &g, r0, r1)


def col2im(cols, dx, kernel_size, strides, dilation, pads, out_size, rows=None):
    """Add `cols` into NHWC `dx`, each entry to the pixel im2col copied it from.

    The adjoint of `im2col` with the same arguments; `dx` accumulates.
    """
    cdef fg_conv_geom g
    cdef Py_ssize_t r0, r1
    _check_array("col2im", "cols", cols, 2)
    _check_array("col2im", "dx", dx, 4)
    if cols.dtype != dx.dtype:
        raise TypeError(f"col2im: cols dtype {cols.dtype} differs from dx dtype {dx.dtype}")
    r0, r1 = _geometry("col2im", &g, dx.shape, kernel_size, strides, dilation,
                       pads, out_size, rows, cols)
    cdef void *cp = cnp.PyArray_DATA(cols)
    cdef void *dp = cnp.PyArray_DATA(dx)
    if dx.dtype == np.float32:
        with nogil:
            fg_col2im_f32(<const float *>cp, <float *>dp, &g, r0, r1)
    else:
        with nogil:
            fg_col2im_f64(<const double *>cp, <double *>dp, &g, r0, r1)
