"""Activation kernels: elementwise activations with a fused bias add, softmax
along any axis, and the crossentropies fused with softmax / sigmoid.

Every array must be a C-contiguous float32 or float64 ndarray (labels:
int64), all of one float dtype; outputs are preallocated by the caller and
may be the very same array as an input.
"""
import numpy as np
cimport numpy as cnp
from libc.stdint cimport int64_t

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
cdef int _NUM_ACTS = FG_ACT_EXPONENTIAL + 1


# The checks read dtype, flags and shape through the C API: they run on every
# call, and Python attribute access would cost more than small kernels do.
cdef bint _float(fn, a, str name) except -1:
    """Check a float array; True for float64, False for float32."""
    if not cnp.PyArray_Check(a):
        raise TypeError(f"{fn}: {name} must be a numpy array, got {type(a).__name__}")
    cdef cnp.ndarray arr = <cnp.ndarray>a
    cdef int t = cnp.PyArray_TYPE(arr)
    if (t != cnp.NPY_FLOAT and t != cnp.NPY_DOUBLE) or not cnp.PyArray_ISNOTSWAPPED(arr):
        raise TypeError(f"{fn}: {name} must be float32 or float64, got {a.dtype}")
    if not cnp.PyArray_IS_C_CONTIGUOUS(arr):
        raise ValueError(f"{fn}: {name} must be C-contiguous")
    return t == cnp.NPY_DOUBLE


cdef bint _dtype_of(fn, a, str name, ref, str ref_name, bint writable) except -1:
    """Check `a` is a float array of ref's dtype (and writeable if asked)."""
    _float(fn, a, name)
    if cnp.PyArray_TYPE(<cnp.ndarray>a) != cnp.PyArray_TYPE(<cnp.ndarray>ref):
        raise TypeError(f"{fn}: {name} must have the dtype of {ref_name} ({ref.dtype}), "
                        f"got {a.dtype}")
    if writable and not cnp.PyArray_ISWRITEABLE(<cnp.ndarray>a):
        raise ValueError(f"{fn}: {name} must be writeable")
    return True


cdef bint _like(fn, a, str name, ref, str ref_name, tuple shape, bint writable) except -1:
    """Check `a` is a float array of ref's dtype and of `shape`."""
    _dtype_of(fn, a, name, ref, ref_name, False)
    if a.shape != shape:
        raise ValueError(f"{fn}: {name} must have shape {shape}, got {a.shape}")
    if writable and not cnp.PyArray_ISWRITEABLE(<cnp.ndarray>a):
        raise ValueError(f"{fn}: {name} must be writeable")
    return True


cdef bint _same(fn, a, str name, ref, str ref_name, bint writable) except -1:
    """`_like` for the shape of ref itself."""
    _dtype_of(fn, a, name, ref, ref_name, False)
    cdef cnp.ndarray arr = <cnp.ndarray>a, r = <cnp.ndarray>ref
    cdef int nd = cnp.PyArray_NDIM(r)
    cdef bint ok = cnp.PyArray_NDIM(arr) == nd
    cdef int i
    if ok:
        for i in range(nd):
            if cnp.PyArray_DIMS(arr)[i] != cnp.PyArray_DIMS(r)[i]:
                ok = False
                break
    if not ok:
        raise ValueError(f"{fn}: {name} must have shape {ref.shape}, got {a.shape}")
    if writable and not cnp.PyArray_ISWRITEABLE(arr):
        raise ValueError(f"{fn}: {name} must be writeable")
    return True


cdef _labels(fn, a, tuple shape):
    if not isinstance(a, np.ndarray):
        raise TypeError(f"{fn}: labels must be a numpy array, got {type(a).__name__}")
    if a.dtype != np.int64:
        raise TypeError(f"{fn}: labels must be int64, got {a.dtype}")
    if not a.flags.c_contiguous:
        raise ValueError(f"{fn}: labels must be C-contiguous")
    if a.shape != shape:
        raise ValueError(f"{fn}: labels must have shape {shape}, got {a.shape}")


# The shims index shapes from the front only: the build turns wraparound off.
cdef inline _last(a):
    return a.shape[a.ndim - 1]


cdef inline tuple _lead(a):
    return a.shape[:a.ndim - 1]


cdef inline void *_ptr(a):
    return cnp.PyArray_DATA(<cnp.ndarray>a)


cdef void *_opt_ptr(a):
    return NULL if a is None else cnp.PyArray_DATA(<cnp.ndarray>a)


def act_forward(int act, x, bias, out, double alpha=0.0,
                double max_value=float("inf"), double threshold=0.0):
    """out = act(x + bias) (bias along the last axis, or None); returns out."""
    fn = "act_forward"
    if act < 0 or act >= _NUM_ACTS:
        raise ValueError(f"{fn}: unknown activation code {act}")
    cdef bint f64 = _float(fn, x, "x")
    _same(fn, out, "out", x, "x", True)
    cdef cnp.ndarray xa = <cnp.ndarray>x
    cdef int nd = cnp.PyArray_NDIM(xa)
    cdef fg_idx rows = 1, cols = cnp.PyArray_SIZE(xa)
    if bias is not None:
        if nd == 0:
            raise ValueError(f"{fn}: x must have at least 1 dimension with a bias")
        _dtype_of(fn, bias, "bias", x, "x", False)
        cols = cnp.PyArray_DIMS(xa)[nd - 1]
        if cnp.PyArray_NDIM(<cnp.ndarray>bias) != 1 \
                or cnp.PyArray_DIMS(<cnp.ndarray>bias)[0] != cols:
            raise ValueError(f"{fn}: bias must have shape {(cols,)}, got {bias.shape}")
        rows = cnp.PyArray_SIZE(xa) // cols if cols else 0
    cdef void *px = _ptr(x)
    cdef void *pb = _opt_ptr(bias)
    cdef void *py = _ptr(out)
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
    if act < 0 or act >= _NUM_ACTS:
        raise ValueError(f"{fn}: unknown activation code {act}")
    cdef bint f64 = _float(fn, y, "y")
    _same(fn, g, "g", y, "y", False)
    _same(fn, out, "out", y, "y", True)
    cdef fg_idx n = y.size
    cdef void *py = _ptr(y)
    cdef void *pg = _ptr(g)
    cdef void *po = _ptr(out)
    with nogil:
        if f64:
            fg_act_backward_f64(act, alpha, max_value, <const double *>py,
                                <const double *>pg, <double *>po, n)
        else:
            fg_act_backward_f32(act, alpha, max_value, <const float *>py,
                                <const float *>pg, <float *>po, n)
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
    cdef bint f64 = _float(fn, x, "x")
    _same(fn, out, "out", x, "x", True)
    cdef fg_idx outer, n, inner
    outer, n, inner = _split(fn, x, axis)
    cdef void *px = _ptr(x)
    cdef void *py = _ptr(out)
    with nogil:
        if f64:
            fg_softmax_forward_f64(<const double *>px, <double *>py, outer, n, inner)
        else:
            fg_softmax_forward_f32(<const float *>px, <float *>py, outer, n, inner)
    return out


def softmax_backward(y, g, out, int axis=-1):
    """out = y * (g - sum(g * y, axis)); returns out."""
    fn = "softmax_backward"
    cdef bint f64 = _float(fn, y, "y")
    _same(fn, g, "g", y, "y", False)
    _same(fn, out, "out", y, "y", True)
    cdef fg_idx outer, n, inner
    outer, n, inner = _split(fn, y, axis)
    cdef void *py = _ptr(y)
    cdef void *pg = _ptr(g)
    cdef void *po = _ptr(out)
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
    cdef bint f64 = _float(fn, z, "z")
    cdef fg_idx rows, n
    rows, n = _rows(fn, z, "z")
    _same(fn, t, "t", z, "z", False)
    _like(fn, loss, "loss", z, "z", _lead(z), True)
    if p is not None:
        _same(fn, p, "p", z, "z", True)
    cdef void *pz = _ptr(z)
    cdef void *pt = _ptr(t)
    cdef void *pl = _ptr(loss)
    cdef void *pp = _opt_ptr(p)
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
    cdef bint f64 = _float(fn, p, "p")
    cdef fg_idx rows, n
    rows, n = _rows(fn, p, "p")
    _same(fn, t, "t", p, "p", False)
    _like(fn, g, "g", p, "p", _lead(p), False)
    _same(fn, out, "out", p, "p", True)
    cdef void *pp = _ptr(p)
    cdef void *pt = _ptr(t)
    cdef void *pg = _ptr(g)
    cdef void *po = _ptr(out)
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
    cdef bint f64 = _float(fn, z, "z")
    _rows(fn, z, "z")
    _labels(fn, labels, _lead(z))
    _like(fn, loss, "loss", z, "z", _lead(z), True)
    if p is not None:
        _same(fn, p, "p", z, "z", True)
    cdef fg_idx rows, n, bad
    rows, n = labels.size, _last(z)
    cdef void *pz = _ptr(z)
    cdef void *pl = _ptr(labels)
    cdef void *plo = _ptr(loss)
    cdef void *pp = _opt_ptr(p)
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
    cdef bint f64 = _float(fn, p, "p")
    _rows(fn, p, "p")
    _labels(fn, labels, _lead(p))
    _like(fn, g, "g", p, "p", _lead(p), False)
    _same(fn, out, "out", p, "p", True)
    cdef fg_idx rows = labels.size, n = _last(p)
    if rows and (labels.min() < 0 or labels.max() >= n):
        raise IndexError(f"{fn}: labels must lie in [0, {n})")
    cdef void *pp = _ptr(p)
    cdef void *pl = _ptr(labels)
    cdef void *pg = _ptr(g)
    cdef void *po = _ptr(out)
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
    cdef bint f64 = _float(fn, z, "z")
    _same(fn, t, "t", z, "z", False)
    _same(fn, loss, "loss", z, "z", True)
    if s is not None:
        _same(fn, s, "s", z, "z", True)
    cdef fg_idx n = z.size
    cdef void *pz = _ptr(z)
    cdef void *pt = _ptr(t)
    cdef void *pl = _ptr(loss)
    cdef void *ps = _opt_ptr(s)
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
    cdef bint f64 = _float(fn, s, "s")
    _same(fn, t, "t", s, "s", False)
    _same(fn, g, "g", s, "s", False)
    _same(fn, out, "out", s, "s", True)
    cdef fg_idx n = s.size
    cdef void *ps = _ptr(s)
    cdef void *pt = _ptr(t)
    cdef void *pg = _ptr(g)
    cdef void *po = _ptr(out)
    with nogil:
        if f64:
            fg_sigmoid_xent_backward_f64(<const double *>ps, <const double *>pt,
                                         <const double *>pg, <double *>po, n)
        else:
            fg_sigmoid_xent_backward_f32(<const float *>ps, <const float *>pt,
                                         <const float *>pg, <float *>po, n)
    return out
