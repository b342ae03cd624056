"""Batch normalisation (training and inference) and layer normalisation.

The kernels work on channels-last data viewed as (rows, channels); other
axes are moved last (a copy) and the result moved back.
"""
import numbers

import numpy as np

from ..autodiff import as_array, as_tensor, output
from .._kernels import load
from ._common import check_float

_k = load("norm")


def _float_input(x, op):
    x = as_tensor(x)
    check_float(op, "x", x)
    if x.ndim == 0:
        raise ValueError(f"{op}: x must have at least one dimension, got a scalar")
    return x


def _check_epsilon(epsilon, op):
    if isinstance(epsilon, bool) or not isinstance(epsilon, numbers.Real) or epsilon < 0:
        raise ValueError(f"{op}: epsilon must be a non-negative number, got {epsilon!r}")
    return float(epsilon)


def _axis(axis, ndim, op):
    if isinstance(axis, bool) or not isinstance(axis, numbers.Integral) \
            or not -ndim <= axis < ndim:
        raise ValueError(f"{op}: axis must be an integer in [{-ndim}, {ndim}) for an "
                         f"input of rank {ndim}, got {axis!r}")
    return int(axis) % ndim


def _param(p, name, shape, dtype, op):
    """Optional per-feature parameter: (Tensor or None, contiguous array in `dtype` or None)."""
    if p is None:
        return None, None
    p = as_tensor(p)
    if p.dtype.kind != "f":
        raise TypeError(f"{op}: {name} must be a float array, got {p.dtype}")
    if p.shape != shape:
        raise ValueError(f"{op}: {name} must have shape {shape}, got {p.shape}")
    return p, np.ascontiguousarray(p.data.reshape(-1), dtype=dtype)


def _stat(v, name, shape, dtype, op):
    v = as_array(v)
    if v.shape != shape:
        raise ValueError(f"{op}: {name} must have shape {shape}, got {v.shape}")
    return np.ascontiguousarray(v, dtype=dtype)


def _to_rows(a, axis, dtype):
    """`a` with `axis` moved last, C-contiguous, as (rows, channels)."""
    if axis != a.ndim - 1:
        a = np.moveaxis(a, axis, -1)
    rows = int(np.prod(a.shape[:-1]))
    return np.ascontiguousarray(a, dtype=dtype).reshape(rows, a.shape[-1])


def _from_rows(a2, shape, axis):
    """Inverse of _to_rows for an input of `shape`."""
    if axis == len(shape) - 1:
        return a2.reshape(shape)
    moved = shape[:axis] + shape[axis + 1:] + (shape[axis],)
    return np.ascontiguousarray(np.moveaxis(a2.reshape(moved), -1, axis))


def _record(y, x, params, backward):
    """output() over x and the non-None params; backward yields (dx, *param grads)."""
    inputs = (x,) + tuple(p for p in params if p is not None)
    present = [p is not None for p in params]

    def bw(g):
        dx, *dps = backward(g)
        return (dx,) + tuple(d for d, keep in zip(dps, present) if keep)

    return output(y, inputs, bw)


def _grad_for(p, grad):
    """`grad` shaped and typed like parameter `p`, or None when p needs none."""
    if p is None or not p.requires_grad:
        return None
    return grad.reshape(p.shape).astype(p.dtype, copy=False)


def batch_norm_train(x, gamma, beta, axis=-1, epsilon=1e-3):
    """Normalise `x` with its own batch statistics over all axes but `axis`.

    Returns (y, batch_mean, batch_var): y is a Tensor differentiable with
    respect to x, gamma and beta (either may be None: no scale / no
    centre); batch_mean and the population batch_var are plain arrays for
    updating the moving statistics.
    """
    op = "batch_norm_train"
    x = _float_input(x, op)
    eps = _check_epsilon(epsilon, op)
    axis = _axis(axis, x.ndim, op)
    dtype, shape = x.dtype, x.shape
    C = shape[axis]
    gamma, g_arr = _param(gamma, "gamma", (C,), dtype, op)
    beta, b_arr = _param(beta, "beta", (C,), dtype, op)
    x2 = _to_rows(x.data, axis, dtype)
    mean, var = _k.bn_stats(x2)
    invstd = 1.0 / np.sqrt(var + eps)
    a = invstd * g_arr if g_arr is not None else invstd
    shift = b_arr if b_arr is not None else np.zeros(C, dtype=dtype)
    y = _from_rows(_k.bn_apply(x2, mean, a, shift), shape, axis)
    n = x2.shape[0]

    def backward(g):
        g2 = _to_rows(g, axis, dtype)
        sum_g, sum_gx = _k.bn_reduce(x2, g2, mean, invstd)
        b = a * (sum_gx / n) * invstd
        np.negative(b, out=b)
        k = a * (sum_g / n)
        np.negative(k, out=k)
        dx = _from_rows(_k.bn_dx(x2, g2, mean, a, b, k), shape, axis)
        return dx, _grad_for(gamma, sum_gx), _grad_for(beta, sum_g)

    return _record(y, x, (gamma, beta), backward), mean, var


def batch_norm_infer(x, gamma, beta, moving_mean, moving_var, epsilon=1e-3, axis=-1):
    """Normalise `x` with fixed statistics: (x - mean) / sqrt(var + eps) * gamma + beta.

    Differentiable with respect to x, gamma and beta (tf-keras frozen
    BatchNormalization); gamma or beta may be None.
    """
    op = "batch_norm_infer"
    x = _float_input(x, op)
    eps = _check_epsilon(epsilon, op)
    axis = _axis(axis, x.ndim, op)
    dtype, shape = x.dtype, x.shape
    C = shape[axis]
    gamma, g_arr = _param(gamma, "gamma", (C,), dtype, op)
    beta, b_arr = _param(beta, "beta", (C,), dtype, op)
    mean = _stat(moving_mean, "moving_mean", (C,), dtype, op)
    var = _stat(moving_var, "moving_var", (C,), dtype, op)
    invstd = 1.0 / np.sqrt(var + eps)
    scale = invstd * g_arr if g_arr is not None else invstd
    shift = b_arr if b_arr is not None else np.zeros(C, dtype=dtype)
    x2 = _to_rows(x.data, axis, dtype)
    y = _from_rows(_k.bn_apply(x2, mean, scale, shift), shape, axis)

    def backward(g):
        bshape = (C,) + (1,) * (len(shape) - 1 - axis)
        dx = np.multiply(g, scale.reshape(bshape), dtype=dtype)
        if (gamma is None or not gamma.requires_grad) and \
                (beta is None or not beta.requires_grad):
            return dx, None, None
        sum_g, sum_gx = _k.bn_reduce(x2, _to_rows(g, axis, dtype), mean, invstd)
        return dx, _grad_for(gamma, sum_gx), _grad_for(beta, sum_g)

    return _record(y, x, (gamma, beta), backward)


def _norm_axes(axis, ndim, op):
    axes = tuple(axis) if isinstance(axis, (tuple, list)) else (axis,)
    if not axes:
        raise ValueError(f"{op}: axis must name at least one axis, got {axis!r}")
    norm = sorted(_axis(a, ndim, op) for a in axes)
    if len(set(norm)) != len(norm):
        raise ValueError(f"{op}: axis contains duplicates: {axis!r}")
    return tuple(norm)


def layer_norm(x, gamma, beta, axis=-1, epsilon=1e-3):
    """Normalise each sample over `axis` (an int or tuple), then * gamma + beta.

    tf-keras LayerNormalization: gamma and beta (or None) have the shape of x
    along the normalised axes, in increasing axis order.
    """
    op = "layer_norm"
    x = _float_input(x, op)
    eps = _check_epsilon(epsilon, op)
    axes = _norm_axes(axis, x.ndim, op)
    dtype, shape, ndim = x.dtype, x.shape, x.ndim
    pshape = tuple(shape[a] for a in axes)
    gamma, g_arr = _param(gamma, "gamma", pshape, dtype, op)
    beta, b_arr = _param(beta, "beta", pshape, dtype, op)
    d = int(np.prod(pshape))
    n = int(np.prod([shape[a] for a in range(ndim) if a not in axes]))
    trailing = axes == tuple(range(ndim - len(axes), ndim))
    perm = tuple(a for a in range(ndim) if a not in axes) + axes
    inv = tuple(np.argsort(perm))

    def rows(a):
        a = a if trailing else a.transpose(perm)
        return np.ascontiguousarray(a, dtype=dtype).reshape(n, d)

    def unrows(a2):
        if trailing:
            return a2.reshape(shape)
        return np.ascontiguousarray(a2.reshape(tuple(shape[p] for p in perm)).transpose(inv))

    x2 = rows(x.data)
    y2, mean, invstd = _k.ln_forward(x2, g_arr, b_arr, eps)

    def backward(g):
        want_g = gamma is not None and gamma.requires_grad
        want_b = beta is not None and beta.requires_grad
        dx2, dg, db = _k.ln_backward(x2, rows(g), g_arr, mean, invstd, want_g, want_b)
        return unrows(dx2), _grad_for(gamma, dg), _grad_for(beta, db)

    return _record(unrows(y2), x, (gamma, beta), backward)
