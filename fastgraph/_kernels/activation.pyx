"""Activation kernels: elementwise activations with a fused bias add, softmax
along any axis, and the crossentropies fused with softmax / sigmoid.

Every array must be a C-contiguous float32 or float64 ndarray (labels:
int64), all of one float dtype; outputs are preallocated by the caller and
may be the very same array as an input.
"""
import numpy as np
cimport numpy as cnp
from libc.stdint cimport int64_t

from .checks cimport (ANY_FLOAT, array, data, data_or_null, has_shape, like,
                      writeable)

cnp.import_array()

cdef extern from "activation.h":
    ctypedef Py_ssize_t fg_idx
    enum:
        FG_ACT_LINEAR
        FG_ACT_RELU
        FG_ACT_ELU
        FG_ACT_SELU
        FG_ACT_SOFTPLUS
        FG_ACT_SIGMOID
        FG_ACT_HARD_SIGMOID
        FG_ACT_TANH
        FG_ACT_SOFTSIGN
        FG_ACT_EXPONENTIAL
        FG_ACT_GELU
        FG_ACT_GELU_TANH
        FG_ACT_MISH
        FG_ACT_FIRST_FROM_X
    void fg_act_forward_f32(int act, double alpha, double max_value, double threshold,
                            const float *x, const float *bias, float *y,
                            fg_idx rows, fg_idx cols) nogil
    void fg_act_forward_f64(int act, double alpha, double max_value, double threshold,
                            const double *x, const double *bias, double *y,
                            fg_idx rows, fg_idx cols) nogil
    void fg_act_backward_f32(int act, double alpha, double max_value,
                             const float *y, const float *g, float *dz, fg_idx n) nogil
    void fg_act_backward_f64(int act, double alpha, double max_value,
                             const double *y, const double *g, double *dz, fg_idx n) nogil
    void fg_act_backward_x_f32(int act, const float *x, const float *g, float *dz,
                               fg_idx n) nogil
    void fg_act_backward_x_f64(int act, const double *x, const double *g, double *dz,
                               fg_idx n) nogil
    void fg_softmax_forward_f32(const float *x, float *y, fg_idx outer, fg_idx n,
                                fg_idx inner) nogil
    void fg_softmax_forward_f64(const double *x, double *y, fg_idx outer, fg_idx n,
                                fg_idx inner) nogil
    void fg_softmax_backward_f32(const float *y, const float *g, float *dx,
                                 fg_idx outer, fg_idx n, fg_idx inner) nogil
    void fg_softmax_backward_f64(const double *y, const double *g, double *dx,
                                 fg_idx outer, fg_idx n, fg_idx inner) nogil
    void fg_softmax_xent_forward_f32(const float *z, const float *t, float *loss,
                                     float *p, fg_idx rows, fg_idx n) nogil
    void fg_softmax_xent_forward_f64(const double *z, const double *t, double *loss,
                                     double *p, fg_idx rows, fg_idx n) nogil
    void fg_softmax_xent_backward_f32(const float *p, const float *t, const float *g,
                                      float *dz, fg_idx rows, fg_idx n) nogil
    void fg_softmax_xent_backward_f64(const double *p, const double *t, const double *g,
                                      double *dz, fg_idx rows, fg_idx n) nogil
    fg_idx fg_sparse_xent_forward_f32(const float *z, const int64_t *labels,
                                      float *loss, float *p, fg_idx rows, fg_idx n) nogil
    fg_idx fg_sparse_xent_forward_f64(const double *z, const int64_t *labels,
                                      double *loss, double *p, fg_idx rows, fg_idx n) nogil
    void fg_sparse_xent_backward_f32(const float *p, const int64_t *labels,
                                     const float *g, float *dz, fg_idx rows, fg_idx n) nogil
    void fg_sparse_xent_backward_f64(const double *p, const int64_t *labels,
                                     const double *g, double *dz, fg_idx rows, fg_idx n) nogil
    void fg_sigmoid_xent_forward_f32(const float *z, const float *t, float *loss,
                                     float *s, fg_idx n) nogil
    void fg_sigmoid_xent_forward_f64(const double *z, const double *t, double *loss,
                                     double *s, fg_idx n) nogil
    void fg_sigmoid_xent_backward_f32(const float *s, const float *t, const float *g,
                                      float *dz, fg_idx n) nogil
    void fg_sigmoid_xent_backward_f64(const double *s, const double *t, const double *g,
                                      double *dz, fg_idx n) nogil

LINEAR = FG_ACT_LINEAR
RELU = FG_ACT_RELU
ELU = FG_ACT_ELU
SELU = FG_ACT_SELU
SOFTPLUS = FG_ACT_SOFTPLUS
SIGMOID = FG_ACT_SIGMOID
HARD_SIGMOID = FG_ACT_HARD_SIGMOID
TANH = FG_ACT_TANH
SOFTSIGN = FG_ACT_SOFTSIGN
EXPONENTIAL = FG_ACT_EXPONENTIAL
GELU = FG_ACT_GELU
GELU_TANH = FG_ACT_GELU_TANH
MISH = FG_ACT_MISH
cdef int _NUM_ACTS = FG_ACT_MISH + 1


# The shims index shapes from the front only: the build turns wraparound off.
cdef inline _last(a):
    return a.shape[a.ndim - 1]


cdef inline tuple _lead(a):
    return a.shape[:a.ndim - 1]


cdef bint _f64(str fn, str name, object a) except -1:
    """Check the first float array of a call; True for float64."""
    return array(fn, name, a, ANY_FLOAT) == cnp.NPY_DOUBLE


cdef int _out(str fn, str name, object a, object ref, str ref_name,
              object shape=None) except -1:
    """Check an output: like `ref` and writeable."""
    like(fn, name, a, ref, ref_name, shape)
    return writeable(fn, name, a)


def act_forward(int act, x, bias, out, double alpha=0.0,
                double max_value=float("inf"), double threshold=0.0):
    """out = act(x + bias) (bias along the last axis, or None); returns out."""
    fn = "act_forward"
    if act < 0 or act >= _NUM_ACTS:
        raise ValueError(f"{fn}: unknown activation code {act}")
    cdef bint f64 = _f64(fn, "x", x)
    _out(fn, "out", out, x, "x")
    cdef cnp.ndarray xa = <cnp.ndarray>x
    cdef int nd = cnp.PyArray_NDIM(xa)
    cdef fg_idx rows = 1, cols = cnp.PyArray_SIZE(xa)
    if bias is not None:
        if nd == 0:
            raise ValueError(f"{fn}: x must have at least 1 dimension with a bias")
        cols = cnp.PyArray_DIMS(xa)[nd - 1]
        like(fn, "bias", bias, x, "x", 1)
        if cnp.PyArray_DIMS(<cnp.ndarray>bias)[0] != cols:
            has_shape(fn, "bias", bias, (cols,))
        rows = cnp.PyArray_SIZE(xa) // cols if cols else 0
    cdef void *px = data(x)
    cdef void *pb = data_or_null(bias)
    cdef void *py = data(out)
    with nogil:
        if f64:
            fg_act_forward_f64(act, alpha, max_value, threshold, <const double *>px,
                               <const double *>pb, <double *>py, rows, cols)
        else:
            fg_act_forward_f32(act, alpha, max_value, threshold, <const float *>px,
                               <const float *>pb, <float *>py, rows, cols)
    return out


def act_backward(int act, y, g, out, double alpha=0.0, double max_value=float("inf")):
    """out = act'(x) * g computed from the forward output y; returns out."""
    fn = "act_backward"
    if act < 0 or act >= FG_ACT_FIRST_FROM_X:
        raise ValueError(f"{fn}: activation code {act} has no backward from "
                         f"its output (use act_backward_x)")
    cdef bint f64 = _f64(fn, "y", y)
    like(fn, "g", g, y, "y")
    _out(fn, "out", out, y, "y")
    cdef fg_idx n = y.size
    cdef void *py = data(y)
    cdef void *pg = data(g)
    cdef void *po = data(out)
    with nogil:
        if f64:
            fg_act_backward_f64(act, alpha, max_value, <const double *>py,
                                <const double *>pg, <double *>po, n)
        else:
            fg_act_backward_f32(act, alpha, max_value, <const float *>py,
                                <const float *>pg, <float *>po, n)
    return out


def act_backward_x(int act, x, g, out):
    """out = act'(x) * g from the forward input x, for the activations
    whose derivative needs it (GELU, GELU_TANH, MISH); returns out."""
    fn = "act_backward_x"
    if act < FG_ACT_FIRST_FROM_X or act >= _NUM_ACTS:
        raise ValueError(f"{fn}: activation code {act} takes its backward from "
                         f"its output (use act_backward)")
    cdef bint f64 = _f64(fn, "x", x)
    like(fn, "g", g, x, "x")
    _out(fn, "out", out, x, "x")
    cdef fg_idx n = x.size
    cdef void *px = data(x)
    cdef void *pg = data(g)
    cdef void *po = data(out)
    with nogil:
        if f64:
            fg_act_backward_x_f64(act, <const double *>px, <const double *>pg,
                                  <double *>po, n)
        else:
            fg_act_backward_x_f32(act, <const float *>px, <const float *>pg,
                                  <float *>po, n)
    return out


cdef tuple _split(fn, a, int axis):
    """(outer, n, inner) sizes of `a` around `axis`."""
    cdef cnp.ndarray arr = <cnp.ndarray>a
    cdef int nd = cnp.PyArray_NDIM(arr), i
    if nd == 0:
        raise ValueError(f"{fn}: x must have at least 1 dimension, got a scalar")
    if axis < -nd or axis >= nd:
        raise ValueError(f"{fn}: axis {axis} is out of range for shape {a.shape}")
    if axis < 0:
        axis += nd
    cdef fg_idx outer = 1, inner = 1
    for i in range(axis):
        outer *= cnp.PyArray_DIMS(arr)[i]
    for i in range(axis + 1, nd):
        inner *= cnp.PyArray_DIMS(arr)[i]
    return outer, cnp.PyArray_DIMS(arr)[axis], inner


def softmax_forward(x, out, int axis=-1):
    """out = softmax(x) along `axis`; returns out."""
    fn = "softmax_forward"
    cdef bint f64 = _f64(fn, "x", x)
    _out(fn, "out", out, x, "x")
    cdef fg_idx outer, n, inner
    outer, n, inner = _split(fn, x, axis)
    cdef void *px = data(x)
    cdef void *py = data(out)
    with nogil:
        if f64:
            fg_softmax_forward_f64(<const double *>px, <double *>py, outer, n, inner)
        else:
            fg_softmax_forward_f32(<const float *>px, <float *>py, outer, n, inner)
    return out


def softmax_backward(y, g, out, int axis=-1):
    """out = y * (g - sum(g * y, axis)); returns out."""
    fn = "softmax_backward"
    cdef bint f64 = _f64(fn, "y", y)
    like(fn, "g", g, y, "y")
    _out(fn, "out", out, y, "y")
    cdef fg_idx outer, n, inner
    outer, n, inner = _split(fn, y, axis)
    cdef void *py = data(y)
    cdef void *pg = data(g)
    cdef void *po = data(out)
    with nogil:
        if f64:
            fg_softmax_backward_f64(<const double *>py, <const double *>pg,
                                    <double *>po, outer, n, inner)
        else:
            fg_softmax_backward_f32(<const float *>py, <const float *>pg,
                                    <float *>po, outer, n, inner)
    return out


cdef tuple _rows(fn, z, str name):
    if z.ndim == 0:
        raise ValueError(f"{fn}: {name} must have at least 1 dimension (classes last)")
    cdef fg_idx rows = 1
    for d in _lead(z):
        rows *= d
    return rows, _last(z)


def softmax_xent_forward(z, t, loss, p):
    """loss[...] = -sum(t * log_softmax(z)) over the last axis; p (or None)
    receives softmax(z).  Returns loss."""
    fn = "softmax_xent_forward"
    cdef bint f64 = _f64(fn, "z", z)
    cdef fg_idx rows, n
    rows, n = _rows(fn, z, "z")
    like(fn, "t", t, z, "z")
    _out(fn, "loss", loss, z, "z", _lead(z))
    if p is not None:
        _out(fn, "p", p, z, "z")
    cdef void *pz = data(z)
    cdef void *pt = data(t)
    cdef void *pl = data(loss)
    cdef void *pp = data_or_null(p)
    with nogil:
        if f64:
            fg_softmax_xent_forward_f64(<const double *>pz, <const double *>pt,
                                        <double *>pl, <double *>pp, rows, n)
        else:
            fg_softmax_xent_forward_f32(<const float *>pz, <const float *>pt,
                                        <float *>pl, <float *>pp, rows, n)
    return loss


def softmax_xent_backward(p, t, g, out):
    """out = (p * sum(t) - t) * g[..., None]; returns out."""
    fn = "softmax_xent_backward"
    cdef bint f64 = _f64(fn, "p", p)
    cdef fg_idx rows, n
    rows, n = _rows(fn, p, "p")
    like(fn, "t", t, p, "p")
    like(fn, "g", g, p, "p", _lead(p))
    _out(fn, "out", out, p, "p")
    cdef void *pp = data(p)
    cdef void *pt = data(t)
    cdef void *pg = data(g)
    cdef void *po = data(out)
    with nogil:
        if f64:
            fg_softmax_xent_backward_f64(<const double *>pp, <const double *>pt,
                                         <const double *>pg, <double *>po, rows, n)
        else:
            fg_softmax_xent_backward_f32(<const float *>pp, <const float *>pt,
                                         <const float *>pg, <float *>po, rows, n)
    return out


def sparse_xent_forward(z, labels, loss, p):
    """loss[...] = logsumexp(z) - z[label] over the last axis; p (or None)
    receives softmax(z).  IndexError for a label outside [0, classes)."""
    fn = "sparse_xent_forward"
    cdef bint f64 = _f64(fn, "z", z)
    _rows(fn, z, "z")
    array(fn, "labels", labels, cnp.NPY_INT64)
    has_shape(fn, "labels", labels, _lead(z))
    _out(fn, "loss", loss, z, "z", _lead(z))
    if p is not None:
        _out(fn, "p", p, z, "z")
    cdef fg_idx rows, n, bad
    rows, n = labels.size, _last(z)
    cdef void *pz = data(z)
    cdef void *pl = data(labels)
    cdef void *plo = data(loss)
    cdef void *pp = data_or_null(p)
    with nogil:
        if f64:
            bad = fg_sparse_xent_forward_f64(<const double *>pz, <const int64_t *>pl,
                                             <double *>plo, <double *>pp, rows, n)
        else:
            bad = fg_sparse_xent_forward_f32(<const float *>pz, <const int64_t *>pl,
                                             <float *>plo, <float *>pp, rows, n)
    if bad >= 0:
        pos = np.unravel_index(bad, labels.shape) if labels.ndim else ()
        raise IndexError(
            f"sparse_categorical_crossentropy: target value {labels.flat[bad]} at "
            f"index {tuple(int(i) for i in pos)} is out of range for {n} classes "
            f"(expected 0 <= target < {n})")
    return loss


def sparse_xent_backward(p, labels, g, out):
    """out = (p - onehot(labels)) * g[..., None]; returns out.  The labels
    must have passed sparse_xent_forward with the same class count."""
    fn = "sparse_xent_backward"
    cdef bint f64 = _f64(fn, "p", p)
    _rows(fn, p, "p")
    array(fn, "labels", labels, cnp.NPY_INT64)
    has_shape(fn, "labels", labels, _lead(p))
    like(fn, "g", g, p, "p", _lead(p))
    _out(fn, "out", out, p, "p")
    cdef fg_idx rows = labels.size, n = _last(p)
    if rows and (labels.min() < 0 or labels.max() >= n):
        raise IndexError(f"{fn}: labels must lie in [0, {n})")
    cdef void *pp = data(p)
    cdef void *pl = data(labels)
    cdef void *pg = data(g)
    cdef void *po = data(out)
    with nogil:
        if f64:
            fg_sparse_xent_backward_f64(<const double *>pp, <const int64_t *>pl,
                                        <const double *>pg, <double *>po, rows, n)
        else:
            fg_sparse_xent_backward_f32(<const float *>pp, <const int64_t *>pl,
                                        <const float *>pg, <float *>po, rows, n)
    return out


def sigmoid_xent_forward(z, t, loss, s):
    """loss = max(z, 0) - z t + log1p(exp(-|z|)) elementwise; s (or None)
    receives sigmoid(z).  Returns loss."""
    fn = "sigmoid_xent_forward"
    cdef bint f64 = _f64(fn, "z", z)
    like(fn, "t", t, z, "z")
    _out(fn, "loss", loss, z, "z")
    if s is not None:
        _out(fn, "s", s, z, "z")
    cdef fg_idx n = z.size
    cdef void *pz = data(z)
    cdef void *pt = data(t)
    cdef void *pl = data(loss)
    cdef void *ps = data_or_null(s)
    with nogil:
        if f64:
            fg_sigmoid_xent_forward_f64(<const double *>pz, <const double *>pt,
                                        <double *>pl, <double *>ps, n)
        else:
            fg_sigmoid_xent_forward_f32(<const float *>pz, <const float *>pt,
                                        <float *>pl, <float *>ps, n)
    return loss


def sigmoid_xent_backward(s, t, g, out):
    """out = (s - t) * g; returns out."""
    fn = "sigmoid_xent_backward"
    cdef bint f64 = _f64(fn, "s", s)
    like(fn, "t", t, s, "s")
    like(fn, "g", g, s, "s")
    _out(fn, "out", out, s, "s")
    cdef fg_idx n = s.size
    cdef void *ps = data(s)
    cdef void *pt = data(t)
    cdef void *pg = data(g)
    cdef void *po = data(out)
    with nogil:
        if f64:
            fg_sigmoid_xent_backward_f64(<const double *>ps, <const double *>pt,
                                         <const double *>pg, <double *>po, n)
        else:
            fg_sigmoid_xent_backward_f32(<const float *>ps, <const float *>pt,
                                         <const float *>pg, <float *>po, n)
    return out
