"""Keras backend normalisation, top-k and focal losses (tf-keras 2.x
signatures): batch_normalization, normalize_batch_in_training, in_top_k,
binary_focal_crossentropy, categorical_focal_crossentropy.

They are written with differentiable ops, so gradients reach every tensor
argument, the batch statistics included.
"""
import numbers

import numpy as np

from ..autodiff import Tensor
from ..ops import activation as _act
from ..ops import elementwise as _ew
from ..ops import losses as _losses
from ..ops import reduce as _red
from ..ops import shape as _sh
from . import _check
from .core import epsilon

__all__ = ["batch_normalization", "binary_focal_crossentropy",
           "categorical_focal_crossentropy", "in_top_k", "normalize_batch_in_training"]

# tf.compat.v1.nn.fused_batch_norm raises a smaller epsilon to this.
_FUSED_MIN_EPSILON = 1.001e-5


def _optional(fn, name, t, dtype):
    if t is None:
        return None
    t = _check.float_tensor(fn, name, t)
    return t if t.dtype == dtype else _ew.cast(t, dtype)


def _along(t, axis, ndim):
    """A per-channel tensor (any shape of channel-many elements) shaped to
    broadcast along `axis` of an ndim-D tensor."""
    shape = [1] * ndim
    shape[axis] = -1
    return _sh.reshape(t, tuple(shape))


def _normalize(x, mean, var, beta, gamma, eps):
    """(x - mean) / sqrt(var + eps) * gamma + beta, broadcasting."""
    inv = _ew.divide(1.0, _ew.sqrt(_ew.add(var, eps)))
    if gamma is not None:
        inv = _ew.multiply(inv, gamma)
    y = _ew.multiply(_ew.subtract(x, mean), inv)
    return y if beta is None else _ew.add(y, beta)


def batch_normalization(x, mean, var, beta, gamma, axis=-1, epsilon=1e-3):
    """(x - mean) / sqrt(var + epsilon) * gamma + beta.  For 4-D x normalised
    along axis -1/3 or 1/-3 the statistics may be of any shape holding one
    value per channel; otherwise they broadcast against x (beta and gamma
    may be None)."""
    fn = "batch_normalization"
    x = _check.float_tensor(fn, "x", x)
    mean, var = (_optional(fn, n, t, x.dtype) for n, t in (("mean", mean), ("var", var)))
    if mean is None or var is None:
        raise TypeError(f"{fn}: mean and var must be tensors, got None")
    beta, gamma = (_optional(fn, n, t, x.dtype) for n, t in (("beta", beta),
                                                              ("gamma", gamma)))
    if x.ndim == 4 and axis in (1, -3, 3, -1):
        ax = axis % 4
        mean, var, beta, gamma = (None if t is None else _along(t, ax, 4)
                                  for t in (mean, var, beta, gamma))
    return _normalize(x, mean, var, beta, gamma, float(epsilon))


def normalize_batch_in_training(x, gamma, beta, reduction_axes, epsilon=1e-3):
    """Normalise x by its mean and variance over `reduction_axes`; returns
    (normalised, mean, variance), the statistics shaped as x without the
    reduced axes.  As tf-keras on a CPU: for 4-D x reduced over (0, 1, 2)
    (the fused kernel) the returned variance is the unbiased one and
    epsilon is at least 1.001e-5; otherwise the variance is the population
    one."""
    fn = "normalize_batch_in_training"
    x = _check.float_tensor(fn, "x", x)
    try:
        axes = sorted(_sh.normalize_axis(fn, a, x.shape, "reduction_axes")
                      for a in reduction_axes)
    except TypeError as err:
        raise TypeError(f"{fn}: reduction_axes must be a list of ints, "
                        f"got {reduction_axes!r}") from err
    gamma, beta = (_optional(fn, n, t, x.dtype) for n, t in (("gamma", gamma),
                                                              ("beta", beta)))
    kept = tuple(n for i, n in enumerate(x.shape) if i not in axes)
    bshape = tuple(1 if i in axes else n for i, n in enumerate(x.shape))
    mean_k = _red.mean(x, axis=tuple(axes), keepdims=True)
    var_k = _red.mean(_ew.square(_ew.subtract(x, mean_k)), axis=tuple(axes),
                      keepdims=True)
    gamma, beta = (None if t is None else _sh.reshape(t, bshape) for t in (gamma, beta))
    fused = x.ndim == 4 and axes == [0, 1, 2]
    eps = max(float(epsilon), _FUSED_MIN_EPSILON) if fused else float(epsilon)
    y = _normalize(x, mean_k, var_k, beta, gamma, eps)
    mean, var = _sh.reshape(mean_k, kept), _sh.reshape(var_k, kept)
    if fused:
        count = int(np.prod([x.shape[a] for a in axes]))
        var = _ew.multiply(var, count / max(count - 1, 1))
    return y, mean, var


def in_top_k(predictions, targets, k):
    """Whether each target class is among the k highest predictions of its
    row (ties at the boundary count as in; a row with a non-finite
    prediction counts as out).  A bool tensor, no gradient."""
    fn = "in_top_k"
    p = _check.tensor(fn, "predictions", predictions).data
    t = _check.tensor(fn, "targets", targets).data
    k = _check.integer(fn, "k", k)
    if p.ndim != 2:
        raise ValueError(f"{fn}: predictions must be (batch, classes), got shape {p.shape}")
    if t.dtype.kind not in "iu" or t.shape != (p.shape[0],):
        raise ValueError(f"{fn}: targets must be {p.shape[0]} integer class ids, "
                         f"got {t.dtype} of shape {t.shape}")
    ok = (t >= 0) & (t < p.shape[1])
    rows = np.arange(p.shape[0])
    target = p[rows, np.where(ok, t, 0)]
    above = (p > target[:, None]).sum(axis=1)
    finite = np.isfinite(p).all(axis=1)
    return Tensor(ok & finite & (above < k))


def binary_focal_crossentropy(target, output, apply_class_balancing=False, alpha=0.25,
                              gamma=2.0, from_logits=False):
    """Elementwise binary crossentropy times (1 - p_t) ** gamma, p_t the
    probability of the true class; with apply_class_balancing also times
    alpha for class 1 and 1 - alpha for class 0."""
    fn = "binary_focal_crossentropy"
    output = _check.float_tensor(fn, "output", output)
    target = _optional(fn, "target", _check.float_tensor(fn, "target", target),
                       output.dtype)
    probs = _act.sigmoid(output) if from_logits else output
    p_t = _ew.add(_ew.multiply(target, probs),
                  _ew.multiply(_ew.subtract(1.0, target), _ew.subtract(1.0, probs)))
    loss = _ew.multiply(_ew.power(_ew.subtract(1.0, p_t), gamma),
                        _losses.binary_crossentropy(target, output, from_logits))
    if apply_class_balancing:
        weight = _ew.add(_ew.multiply(target, alpha),
                         _ew.multiply(_ew.subtract(1.0, target), 1.0 - alpha))
        loss = _ew.multiply(weight, loss)
    return loss


def categorical_focal_crossentropy(target, output, alpha=0.25, gamma=2.0,
                                   from_logits=False, axis=-1):
    """sum over `axis` of alpha * (1 - p) ** gamma * -target * log(p), p the
    predictions renormalised to sum to 1 and clipped to [epsilon,
    1 - epsilon] (softmax of `output` when from_logits)."""
    fn = "categorical_focal_crossentropy"
    if isinstance(axis, bool) or not isinstance(axis, numbers.Integral):
        raise TypeError(f"{fn}: axis must be an int, got {axis!r}")
    output = _check.float_tensor(fn, "output", output)
    target = _optional(fn, "target", _check.float_tensor(fn, "target", target),
                       output.dtype)
    if target.shape != output.shape:
        raise ValueError(f"{fn}: target shape {target.shape} differs from output "
                         f"shape {output.shape}")
    if from_logits:
        output = _act.softmax(output, axis=axis)
    p = _ew.divide(output, _red.sum(output, axis=axis, keepdims=True))
    eps = epsilon()
    p = _ew.clip(p, eps, 1.0 - eps)
    cce = _ew.multiply(_ew.negative(target), _ew.log(p))
    weight = _ew.multiply(_ew.power(_ew.subtract(1.0, p), gamma), alpha)
    return _red.sum(_ew.multiply(weight, cce), axis=axis)
