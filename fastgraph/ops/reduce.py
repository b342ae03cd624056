"""Reductions: sum, mean, max, min, prod, var, std, logsumexp, any/all, argmax.

`axis` is None (all axes), an int or a sequence of ints; `keepdims` keeps
the reduced axes with length 1.  The gradient of `max`/`min` is split evenly
between tied extremes (as TensorFlow does).  `mean`, `var` and `std` of
integer or bool tensors are computed in floatx, as Keras does.
"""
import math

import numpy as np

from ..autodiff import Tensor, as_tensor, output
from .elementwise import _arr, floating, sqrt
from .shape import normalize_axes, normalize_axis


def _expand(g, axes, ndim):
    """Reinsert the reduced axes (length 1) into a non-keepdims gradient."""
    if axes is None:
        return g.reshape((1,) * ndim)
    return np.expand_dims(g, axes)


def _count(shape, axes):
    """How many elements each reduction combines."""
    return math.prod(shape) if axes is None else math.prod(shape[a] for a in axes)


def sum(x, axis=None, keepdims=False):
    """Sum over `axis`."""
    x = as_tensor(x)
    shape = x.data.shape
    axes = normalize_axes("sum", axis, shape)

    def backward(g):
        if not keepdims:
            g = _expand(g, axes, len(shape))
        return (np.broadcast_to(g, shape),)
    return output(_arr(np.add.reduce(x.data, axis=axes, keepdims=keepdims)), (x,), backward)


def mean(x, axis=None, keepdims=False):
    """Mean over `axis`."""
    x = floating(x)
    shape = x.data.shape
    axes = normalize_axes("mean", axis, shape)
    n = _count(shape, axes)

    def backward(g):
        if not keepdims:
            g = _expand(g, axes, len(shape))
        return (np.broadcast_to(g / n, shape),)
    y = _arr(np.add.reduce(x.data, axis=axes, keepdims=keepdims))
    y /= n
    return output(y, (x,), backward)


def _extreme(op, fn, x, axis, keepdims):
    x = as_tensor(x)
    xd = x.data
    axes = normalize_axes(op, axis, xd.shape)
    if xd.size == 0:
        raise ValueError(f"{op}: cannot reduce a tensor with no elements "
                         f"(shape {xd.shape})")
    yk = _arr(fn(xd, axis=axes, keepdims=True))

    def backward(g):
        g = g.reshape(yk.shape)
        hit = xd == yk
        count = hit.sum(axis=axes, keepdims=True, dtype=g.dtype)
        return (hit * (g / count),)
    if keepdims:
        y = yk
    else:
        y = yk.reshape(()) if axes is None else np.squeeze(yk, axis=axes)
    return output(y, (x,), backward)


def max(x, axis=None, keepdims=False):
    """Maximum over `axis`; ties share the gradient evenly."""
    return _extreme("max", np.maximum.reduce, x, axis, keepdims)


def min(x, axis=None, keepdims=False):
    """Minimum over `axis`; ties share the gradient evenly."""
    return _extreme("min", np.minimum.reduce, x, axis, keepdims)


def prod(x, axis=None, keepdims=False):
    """Product over `axis` (the gradient is exact even where x has zeros)."""
    x = as_tensor(x)
    xd = x.data
    shape = xd.shape
    axes = normalize_axes("prod", axis, shape)

    def backward(g):
        if not keepdims:
            g = _expand(g, axes, len(shape))
        red = tuple(range(len(shape))) if axes is None else axes
        kept = [i for i in range(len(shape)) if i not in red]
        perm = kept + list(red)
        n = _count(shape, red)
        xt = xd.transpose(perm).reshape([shape[i] for i in kept] + [n])
        # product of all the others = exclusive cumprod from the left * from the right
        left = np.ones_like(xt)
        np.cumprod(xt[..., :-1], axis=-1, out=left[..., 1:])
        right = np.ones_like(xt)
        np.cumprod(xt[..., :0:-1], axis=-1, out=right[..., -2::-1])
        others = (left * right).reshape([shape[i] for i in perm])
        return (others.transpose(np.argsort(perm)) * g,)
    return output(_arr(np.prod(xd, axis=axes, keepdims=keepdims)), (x,), backward)


def var(x, axis=None, keepdims=False):
    """Population variance over `axis` (Keras K.var)."""
    x = floating(x)
    xd = x.data
    axes = normalize_axes("var", axis, xd.shape)
    n = _count(xd.shape, axes)
    dev = xd - np.add.reduce(xd, axis=axes, keepdims=True) / n
    y = _arr(np.add.reduce(np.square(dev), axis=axes, keepdims=keepdims))
    y /= n

    def backward(g):
        if not keepdims:
            g = _expand(g, axes, xd.ndim)
        return (dev * (g * (2.0 / n)),)
    return output(y, (x,), backward)


def std(x, axis=None, keepdims=False):
    """Population standard deviation over `axis` (Keras K.std)."""
    return sqrt(var(x, axis, keepdims))


def logsumexp(x, axis=None, keepdims=False):
    """log(sum(exp(x))) over `axis`, computed stably."""
    x = floating(x)
    xd = x.data
    axes = normalize_axes("logsumexp", axis, xd.shape)
    m = np.max(xd, axis=axes, keepdims=True)
    m = np.where(np.isfinite(m), m, 0)
    e = np.exp(xd - m)
    s = np.sum(e, axis=axes, keepdims=True)
    with np.errstate(divide="ignore"):      # all -inf: the result is -inf
        yk = np.log(s) + m

    def backward(g):
        if not keepdims:
            g = _expand(g, axes, xd.ndim)
        return (e * (g / s),)
    if keepdims:
        y = yk
    else:
        y = yk.reshape(()) if axes is None else np.squeeze(yk, axis=axes)
    return output(_arr(y), (x,), backward)


# ---------------------------------------------------------------- no gradient

def any(x, axis=None, keepdims=False):
    """True where some element over `axis` is nonzero (bool, no gradient)."""
    xd = as_tensor(x).data
    axes = normalize_axes("any", axis, xd.shape)
    return Tensor(_arr(np.any(xd, axis=axes, keepdims=keepdims)))


def all(x, axis=None, keepdims=False):
    """True where every element over `axis` is nonzero (bool, no gradient)."""
    xd = as_tensor(x).data
    axes = normalize_axes("all", axis, xd.shape)
    return Tensor(_arr(np.all(xd, axis=axes, keepdims=keepdims)))


def argmax(x, axis=-1):
    """Index of the maximum along `axis` (first on ties; int64, no gradient)."""
    xd = as_tensor(x).data
    if axis is not None:
        axis = normalize_axis("argmax", axis, xd.shape)
    return Tensor(_arr(np.argmax(xd, axis=axis)))


def argmin(x, axis=-1):
    """Index of the minimum along `axis` (first on ties; int64, no gradient)."""
    xd = as_tensor(x).data
    if axis is not None:
        axis = normalize_axis("argmin", axis, xd.shape)
    return Tensor(_arr(np.argmin(xd, axis=axis)))
