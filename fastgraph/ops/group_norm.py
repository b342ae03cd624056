"""Group normalization: the channels split into groups, each sample's group
normalized by its own mean and variance (optionally weighted by a mask,
as tf.nn.weighted_moments), then scaled and shifted per channel.

One op: the statistics and the backward are NumPy reductions over a view
of x as (batch, ..., groups, channels per group) with the channel axis
last (a copy only when the channel axis is not last already).
"""
import numbers

import numpy as np

from ..autodiff import as_array, as_tensor, output
from ._common import check_float, float_input


def _grouped(a, axis, groups):
    """`a` with its channel axis last, split into (groups, size)."""
    a = np.moveaxis(a, axis, -1)
    return a.reshape(a.shape[:-1] + (groups, a.shape[-1] // groups))


def _ungrouped(a, axis):
    return np.moveaxis(a.reshape(a.shape[:-2] + (-1,)), -1, axis)


def group_norm(x, gamma, beta, groups, axis=-1, epsilon=1e-3, mask=None):
    """(x - mean) / sqrt(var + epsilon) * gamma + beta per sample and group
    of the channels on `axis` (gamma and beta per channel, or None).

    `mask` (broadcast to x) weights the entries in the statistics, as
    tf-keras's GroupNormalization does with the mask it is called with.
    """
    op = "group_norm"
    x = float_input(x, op)
    if x.ndim < 2:
        raise ValueError(f"{op}: x must be (batch, ..., channels), got shape {x.shape}")
    if not isinstance(axis, numbers.Integral) or not -x.ndim < axis < x.ndim \
            or axis % x.ndim == 0:
        raise ValueError(f"{op}: axis {axis!r} must name a non-batch axis of x "
                         f"(shape {x.shape})")
    axis = int(axis) % x.ndim
    channels = x.shape[axis]
    if isinstance(groups, bool) or not isinstance(groups, numbers.Integral) \
            or groups < 1 or channels % groups:
        raise ValueError(f"{op}: groups ({groups!r}) must be a positive divisor of "
                         f"the {channels} channels")
    params = []
    for name, p in (("gamma", gamma), ("beta", beta)):
        if p is not None:
            p = as_tensor(p)
            check_float(op, name, p, x.dtype)
            if p.shape != (channels,):
                raise ValueError(f"{op}: {name} must have shape ({channels},), got "
                                 f"{p.shape}")
        params.append(p)
    gamma, beta = params
    xg = _grouped(x.data, axis, groups)
    red = tuple(range(1, xg.ndim - 2)) + (xg.ndim - 1,)
    if mask is None:
        w = None
        count = np.prod([xg.shape[i] for i in red])
        mean = xg.mean(axis=red, keepdims=True)
        centred = xg - mean
        var = np.square(centred).mean(axis=red, keepdims=True)
    else:
        m = np.asarray(as_array(mask))
        try:
            m = np.broadcast_to(m, x.shape)
        except ValueError:
            raise ValueError(f"{op}: mask of shape {m.shape} does not broadcast to x "
                             f"of shape {x.shape}") from None
        w = _grouped(m.astype(x.dtype), axis, groups)
        count = w.sum(axis=red, keepdims=True)
        mean = (w * xg).sum(axis=red, keepdims=True) / count
        centred = xg - mean
        var = (w * np.square(centred)).sum(axis=red, keepdims=True) / count
    rstd = 1.0 / np.sqrt(var + x.dtype.type(epsilon))
    xhat = centred * rstd
    cshape = xg.shape[-2:]
    y = xhat if gamma is None else xhat * gamma.data.reshape(cshape)
    if beta is not None:
        y = y + beta.data.reshape(cshape)
    y = np.ascontiguousarray(_ungrouped(y, axis))
    inputs = (x,) + tuple(p for p in (gamma, beta) if p is not None)

    def backward(g):
        gg = _grouped(g, axis, groups)
        lead = tuple(range(gg.ndim - 2))
        grads = []
        dxhat = gg if gamma is None else gg * gamma.data.reshape(cshape)
        if x.requires_grad:
            wd = 1.0 if w is None else w
            s1 = dxhat.sum(axis=red, keepdims=True)
            s2 = (dxhat * centred).sum(axis=red, keepdims=True)
            dx = rstd * dxhat - (wd / count) * rstd * (s1 + centred * rstd ** 2 * s2)
            grads.append(_ungrouped(dx, axis))
        else:
            grads.append(None)
        if gamma is not None:
            grads.append((gg * xhat).sum(axis=lead).reshape(-1))
        if beta is not None:
            grads.append(gg.sum(axis=lead).reshape(-1))
        return tuple(grads)
    return output(y, inputs, backward)
