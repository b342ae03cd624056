"""Crossentropies in Keras backend argument order (target, output).

From logits (`from_logits=True`, or an `output` made by softmax / sigmoid,
an ActivationOutput holding its logits) the stable fused forms run in C and
the gradient is recorded against the logits, so backward skips the
activation: it is
softmax(z) - target (sigmoid(z) - target) instead of a division by a
probability that may have underflowed.  From probabilities, tf-keras's
clipped formulas with epsilon 1e-7 are used.
"""
import warnings

import numpy as np

from ..autodiff import as_tensor, as_array, is_recording
from ..autodiff import output as _record
from .._kernels import load
from ._common import contiguous, float_input
from .activation import logits_of

_k = load("activation")

EPSILON = 1e-7


def _needs_grad(t):
    return t.requires_grad and is_recording()


def _axis(axis, ndim, op):
    if ndim == 0:
        raise ValueError(f"{op}: output must have at least 1 dimension "
                         f"(the classes), got a scalar")
    if not isinstance(axis, (int, np.integer)) or isinstance(axis, bool):
        raise TypeError(f"{op}: axis must be an int, got {axis!r}")
    if not -ndim <= axis < ndim:
        raise ValueError(f"{op}: axis {axis} is out of range for an output "
                         f"with {ndim} dimensions")
    return int(axis) % ndim


def _logits(out, from_logits, op):
    """The logits Tensor to use, or None for the probability formula.  As
    tf-keras's `_keras_logits`, the logits of softmax or sigmoid serve
    whichever crossentropy follows."""
    logits = logits_of(out)
    if logits is None:
        return out if from_logits else None
    if from_logits:
        warnings.warn(f"{op} received from_logits=True, but the output was "
                      f"produced by a softmax or sigmoid activation and thus "
                      f"does not represent logits; using its logits.",
                      stacklevel=3)
    return float_input(logits, op, "output")


def _target(target, out, op):
    """(target Tensor, its data in out's dtype broadcast to out's shape)."""
    t = as_tensor(target)
    if t.dtype.kind not in "biuf":
        raise TypeError(f"{op}: target must be numeric, got dtype {t.dtype}")
    try:
        shape = np.broadcast_shapes(t.shape, out.shape)
    except ValueError:
        shape = None
    if shape != out.shape:
        raise ValueError(f"{op}: target shape {t.shape} does not match the "
                         f"output shape {out.shape}")
    data = np.asarray(t.data, dtype=out.dtype)
    return t, np.broadcast_to(data, out.shape)


def _to_last(a, axis):
    """`a` with `axis` moved last, C-contiguous."""
    return contiguous(a if axis == a.ndim - 1 else np.moveaxis(a, axis, -1))


def _from_last(a, axis):
    return a if axis == a.ndim - 1 else np.moveaxis(a, -1, axis)


def categorical_crossentropy(target, output, from_logits=False, axis=-1):
    """-sum(target * log(softmax)) over `axis`, one value per sample."""
    op = "categorical_crossentropy"
    out = float_input(output, op, "output")
    axis = _axis(axis, out.ndim, op)
    t, td = _target(target, out, op)
    z = _logits(out, from_logits, op)
    if z is not None:
        return _softmax_xent(z, t, td, axis)
    return _categorical_probs(out, t, td, axis)


def _softmax_xent(z_t, t, td, axis):
    z = _to_last(z_t.data, axis)
    td = _to_last(td, axis)
    need_z, need_t = _needs_grad(z_t), _needs_grad(t)
    p = np.empty_like(z) if need_z else None
    loss = _k.softmax_xent_forward(z, td, np.empty(z.shape[:-1], z.dtype), p)
    z_keep = z if need_t else None

    def backward(g):
        g = contiguous(g, td.dtype)
        dz = dt = None
        if p is not None:
            dz = _from_last(_k.softmax_xent_backward(p, td, g, np.empty_like(p)),
                            axis)
        if z_keep is not None:
            m = z_keep.max(axis=-1, keepdims=True)
            lse = m + np.log(np.exp(z_keep - m).sum(axis=-1, keepdims=True))
            dt = _from_last((lse - z_keep) * g[..., None], axis)
        return dz, dt
    return _record(loss, (z_t, t), backward)


def _categorical_probs(out, t, td, axis):
    o = out.data
    s = o.sum(axis=axis, keepdims=True)
    q = o / s
    c = np.clip(q, EPSILON, 1.0 - EPSILON)
    log_c = np.log(c)
    loss = -(td * log_c).sum(axis=axis)
    need_o, need_t = _needs_grad(out), _needs_grad(t)

    def backward(g):
        ge = np.expand_dims(g, axis)
        do = dt = None
        if need_o:
            # d/dq of -sum(t log clip(q)), then through q = o / sum(o).
            a = np.where((q >= EPSILON) & (q <= 1.0 - EPSILON), -td / c, 0.0)
            do = (a - (a * q).sum(axis=axis, keepdims=True)) / s * ge
        if need_t:
            dt = -log_c * ge
        return do, dt
    return _record(loss, (out, t), backward)


def _labels(target, shape, op):
    """Integer class indices of `shape` (or `shape` + (1,)) as int64."""
    t = as_array(target)
    if t.shape != shape and t.shape != shape + (1,):
        raise ValueError(f"{op}: target must have shape {shape} or "
                         f"{shape + (1,)} (one class index per sample), got "
                         f"{t.shape}")
    if t.dtype.kind == "f":
        whole = np.isfinite(t) & (np.floor(t) == t)
        if not whole.all():
            bad = t[~whole].flat[0]
            raise ValueError(f"{op}: target must hold integer class indices, "
                             f"got {bad}")
    elif t.dtype.kind not in "biu":
        raise TypeError(f"{op}: target must hold integer class indices, got "
                        f"dtype {t.dtype}")
    return contiguous(t.reshape(shape), np.int64)


def sparse_categorical_crossentropy(target, output, from_logits=False, axis=-1):
    """Categorical crossentropy with integer targets (class indices along
    `axis` of output), one value per sample."""
    op = "sparse_categorical_crossentropy"
    out = float_input(output, op, "output")
    axis = _axis(axis, out.ndim, op)
    shape = out.shape[:axis] + out.shape[axis + 1:]
    labels = _labels(target, shape, op)
    z = _logits(out, from_logits, op)
    if z is not None:
        return _sparse_xent(z, z.data, labels, axis, None)
    # tf-keras: the log of the clipped probabilities serve as logits.
    o = out.data
    c = np.clip(o, EPSILON, 1.0 - EPSILON)
    return _sparse_xent(out, np.log(c), labels, axis, (o, c))


def _sparse_xent(src, z, labels, axis, probs):
    """Loss over logits `z` (derived from `src`); with probs = (o, c) the
    gradient is carried through z = log(clip(o))."""
    z = _to_last(z, axis)
    need = _needs_grad(src)
    p = np.empty_like(z) if need else None
    loss = _k.sparse_xent_forward(z, labels, np.empty(labels.shape, z.dtype), p)
    if probs is not None and need:
        o, c = probs
        scale = np.where((o >= EPSILON) & (o <= 1.0 - EPSILON), 1.0 / c, 0.0)
    else:
        scale = None

    def backward(g):
        dz = _k.sparse_xent_backward(p, labels, contiguous(g, p.dtype),
                                     np.empty_like(p))
        dz = _from_last(dz, axis)
        return (dz if scale is None else dz * scale,)
    return _record(loss, (src,), backward)


def binary_crossentropy(target, output, from_logits=False):
    """Elementwise binary crossentropy (not reduced over any axis)."""
    op = "binary_crossentropy"
    out = float_input(output, op, "output")
    t, td = _target(target, out, op)
    z = _logits(out, from_logits, op)
    if z is not None:
        return _sigmoid_xent(z, t, td)
    return _binary_probs(out, t, td)


def _sigmoid_xent(z_t, t, td):
    z = contiguous(z_t.data)
    td = contiguous(td)
    need_z, need_t = _needs_grad(z_t), _needs_grad(t)
    s = np.empty_like(z) if need_z else None
    loss = _k.sigmoid_xent_forward(z, td, np.empty_like(z), s)
    z_keep = z if need_t else None

    def backward(g):
        g = contiguous(g, td.dtype)
        dz = None if s is None else _k.sigmoid_xent_backward(s, td, g,
                                                             np.empty_like(s))
        dt = None if z_keep is None else -z_keep * g
        return dz, dt
    return _record(loss, (z_t, t), backward)


def _binary_probs(out, t, td):
    o = out.data
    c = np.clip(o, EPSILON, 1.0 - EPSILON)
    log_p = np.log(c + EPSILON)
    log_n = np.log(1 - c + EPSILON)
    loss = -(td * log_p + (1 - td) * log_n)
    need_o, need_t = _needs_grad(out), _needs_grad(t)

    def backward(g):
        do = dt = None
        if need_o:
            inside = (o >= EPSILON) & (o <= 1.0 - EPSILON)
            do = np.where(inside, (1 - td) / (1 - c + EPSILON) - td / (c + EPSILON),
                          0.0) * g
        if need_t:
            dt = (log_n - log_p) * g
        return do, dt
    return _record(loss, (out, t), backward)
