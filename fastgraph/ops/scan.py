"""Cumulative sums and products along one axis (tf.cumsum, tf.math.cumprod).

The gradient of a cumulative product is exact where x holds zeros: TF's
reverse-cumsum(g * y) / x gives NaN there.  Lanes without zeros use that
formula; lanes with zeros run the recurrence s_i = g_i + x_{i+1} s_{i+1},
dx_i = y_{i-1} s_i, vectorised over those lanes only.
"""
import numpy as np

from ..autodiff import output
from .elementwise import floating
from .shape import normalize_axis


def _rcumsum(a, axis):
    """Cumulative sum from the end along `axis`."""
    return np.flip(np.cumsum(np.flip(a, axis), axis=axis), axis)


def cumsum(x, axis=0):
    """Running sum of x along `axis`."""
    x = floating(x)
    axis = normalize_axis("cumsum", axis, x.shape)
    return output(np.cumsum(x.data, axis=axis), (x,),
                  lambda g: (_rcumsum(g, axis),))


def cumprod(x, axis=0):
    """Running product of x along `axis`."""
    x = floating(x)
    axis = normalize_axis("cumprod", axis, x.shape)
    xd = x.data
    y = np.cumprod(xd, axis=axis)

    def backward(g):
        xm, ym, gm = (np.moveaxis(a, axis, -1) for a in (xd, y, g))
        zero = (xm == 0).any(axis=-1)
        with np.errstate(divide="ignore", invalid="ignore"):
            dx = _rcumsum(gm * ym, -1) / xm
        if zero.any():
            dx[zero] = _exact_lanes(xm[zero], ym[zero], gm[zero])
        return (np.moveaxis(dx, -1, axis),)
    return output(y, (x,), backward)


def _exact_lanes(x, y, g):
    """The cumprod gradient of (lanes, n) rows without dividing by x."""
    n = x.shape[-1]
    s = np.empty_like(g)
    s[:, n - 1] = g[:, n - 1]
    for i in range(n - 2, -1, -1):
        s[:, i] = g[:, i] + x[:, i + 1] * s[:, i + 1]
    before = np.concatenate([np.ones_like(y[:, :1]), y[:, :-1]], axis=1)
    return before * s
