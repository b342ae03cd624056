"""Pooling, channels-last: max and average windows in C (1-D, 2-D, 3-D),
global pools in NumPy.

'same' padding follows TensorFlow: padded cells never win a max and are not
counted in an average.  1-D pools run as 2-D pools of height 1.
"""
import numpy as np

from .._kernels import load
from ..autodiff import as_tensor, output
from ._common import check_float, check_padding, ints, window_geometry

_k = load("pool")
_AXES = {1: ("length",), 2: ("height", "width"), 3: ("depth", "height", "width")}


def max_pool3d(x, pool_size=(2, 2, 2), strides=None, padding="valid"):
    """Max pooling of NDHWC `x`; `strides` default to `pool_size`."""
    return _pool("max_pool3d", True, x, pool_size, strides, padding, 3)


def avg_pool3d(x, pool_size=(2, 2, 2), strides=None, padding="valid"):
    """Average pooling of NDHWC `x`; `strides` default to `pool_size`."""
    return _pool("avg_pool3d", False, x, pool_size, strides, padding, 3)


def max_pool2d(x, pool_size=(2, 2), strides=None, padding="valid"):
    """Max pooling of NHWC `x`; `strides` default to `pool_size`."""
    return _pool("max_pool2d", True, x, pool_size, strides, padding, 2)


def avg_pool2d(x, pool_size=(2, 2), strides=None, padding="valid"):
    """Average pooling of NHWC `x`; `strides` default to `pool_size`."""
    return _pool("avg_pool2d", False, x, pool_size, strides, padding, 2)


def max_pool1d(x, pool_size=2, strides=None, padding="valid"):
    """Max pooling of (N, L, C) `x`; `strides` default to `pool_size`."""
    return _pool("max_pool1d", True, x, pool_size, strides, padding, 1)


def avg_pool1d(x, pool_size=2, strides=None, padding="valid"):
    """Average pooling of (N, L, C) `x`; `strides` default to `pool_size`."""
    return _pool("avg_pool1d", False, x, pool_size, strides, padding, 1)


def _pool(op, is_max, x, pool_size, strides, padding, nd):
    x = as_tensor(x)
    check_float(op, "x", x)
    if x.ndim != nd + 2:
        layout = "(batch, steps, channels)" if nd == 1 else \
            "(batch, " + ", ".join(_AXES[nd]) + ", channels)"
        raise ValueError(f"{op}: x must have rank {nd + 2} {layout}, got shape {x.shape}")
    pool = ints(op, "pool_size", pool_size, nd)
    strides = pool if strides is None else ints(op, "strides", strides, nd)
    check_padding(op, padding, ("valid", "same"))
    axes, spatial = _AXES[nd], x.shape[1:-1]
    if nd == 1:
        pool, strides, spatial, axes = (1,) + pool, (1,) + strides, (1,) + spatial, \
            ("height", "length")
    out, pads = [], []
    for axis, length, p, s in zip(axes, spatial, pool, strides):
        size, before = window_geometry(op, axis, length, p, s, 1, padding, "pool")
        out.append(size)
        pads.append(before)
    n, c = x.shape[0], x.shape[-1]
    x_shape, dtype = x.shape, x.dtype
    xd = np.ascontiguousarray(x.data).reshape((n,) + spatial + (c,))
    y = np.empty((n,) + tuple(out) + (c,), dtype=dtype)
    geom = (pool, strides, tuple(pads))
    if is_max:
        argmax = np.empty(y.shape, dtype=np.int32)
        _k.max_pool_forward(xd, y, argmax, *geom)
    else:
        _k.avg_pool_forward(xd, y, *geom)
    tiled = all(s >= p for s, p in zip(strides, pool))

    def backward(g):
        gd = np.ascontiguousarray(g, dtype=dtype).reshape(y.shape)
        dx = np.empty(xd.shape, dtype=dtype)
        if is_max and tiled:
            _k.max_pool_backward_tiled(gd, argmax, dx, *geom)
        elif is_max:
            _k.max_pool_backward(gd, argmax, dx)
        else:
            _k.avg_pool_backward(gd, dx, *geom)
        return (dx.reshape(x_shape),)

    return output(y if nd > 1 else y.reshape(n, out[1], c), (x,), backward)


def _check_global(op, x, nd):
    x = as_tensor(x)
    check_float(op, "x", x)
    if x.ndim != nd + 2:
        raise ValueError(f"{op}: x must have rank {nd + 2} (batch, "
                         f"{', '.join(_AXES[nd])}, channels), got shape {x.shape}")
    if 0 in x.shape[1:-1]:
        names = " and ".join(_AXES[nd]) if nd == 2 else ", ".join(_AXES[nd])
        raise ValueError(f"{op}: x must have non-empty {names}, got shape {x.shape}")
    return x


def global_avg_pool2d(x):
    """Mean of NHWC `x` over height and width: (N, C)."""
    return _global_avg("global_avg_pool2d", x, 2)


def global_avg_pool3d(x):
    """Mean of NDHWC `x` over depth, height and width: (N, C)."""
    return _global_avg("global_avg_pool3d", x, 3)


def global_max_pool2d(x):
    """Max of NHWC `x` over height and width: (N, C).

    As in TensorFlow, tied maxima share the gradient equally.
    """
    return _global_max("global_max_pool2d", x, 2)


def global_max_pool3d(x):
    """Max of NDHWC `x` over depth, height and width: (N, C); tied maxima
    share the gradient equally."""
    return _global_max("global_max_pool3d", x, 3)


def _global_avg(op, x, nd):
    x = _check_global(op, x, nd)
    shape, dtype = x.shape, x.dtype
    axes = tuple(range(1, nd + 1))
    scale = 1.0 / np.prod(shape[1:-1])
    expand = (slice(None),) + (None,) * nd + (slice(None),)

    def backward(g):
        dx = np.empty(shape, dtype=dtype)
        dx[...] = (np.asarray(g, dtype=dtype) * scale)[expand]
        return (dx,)

    return output(x.data.mean(axis=axes), (x,), backward)


def _global_max(op, x, nd):
    x = _check_global(op, x, nd)
    xd = x.data
    axes = tuple(range(1, nd + 1))
    expand = (slice(None),) + (None,) * nd + (slice(None),)
    y = xd.max(axis=axes)

    def backward(g):
        mask = xd == y[expand]
        share = np.asarray(g, dtype=xd.dtype) / mask.sum(axis=axes).astype(xd.dtype)
        return (mask * share[expand],)

    return output(y, (x,), backward)
