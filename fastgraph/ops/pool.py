"""Pooling, channels-last: max and average windows in C, global pools in NumPy.

'same' padding follows TensorFlow: padded cells never win a max and are not
counted in an average.  The 1-D pools run as 2-D pools of height 1.
"""
import numpy as np

from .._kernels import load
from ..autodiff import as_tensor, output
from ._common import check_float, check_padding, ints, window_geometry

_k = load("pool")


def max_pool2d(x, pool_size=(2, 2), strides=None, padding="valid"):
    """Max pooling of NHWC `x`; `strides` default to `pool_size`."""
    return _pool2d("max_pool2d", True, x, pool_size, strides, padding, 4)


def avg_pool2d(x, pool_size=(2, 2), strides=None, padding="valid"):
    """Average pooling of NHWC `x`; `strides` default to `pool_size`."""
    return _pool2d("avg_pool2d", False, x, pool_size, strides, padding, 4)


def max_pool1d(x, pool_size=2, strides=None, padding="valid"):
    """Max pooling of (N, L, C) `x`; `strides` default to `pool_size`."""
    return _pool2d("max_pool1d", True, x, pool_size, strides, padding, 3)


def avg_pool1d(x, pool_size=2, strides=None, padding="valid"):
    """Average pooling of (N, L, C) `x`; `strides` default to `pool_size`."""
    return _pool2d("avg_pool1d", False, x, pool_size, strides, padding, 3)


def _pool2d(op, is_max, x, pool_size, strides, padding, rank):
    x = as_tensor(x)
    check_float(op, "x", x)
    layout = "(batch, height, width, channels)" if rank == 4 else "(batch, steps, channels)"
    if x.ndim != rank:
        raise ValueError(f"{op}: x must have rank {rank} {layout}, got shape {x.shape}")
    pool = ints(op, "pool_size", pool_size, rank - 2)
    strides = pool if strides is None else ints(op, "strides", strides, rank - 2)
    check_padding(op, padding, ("valid", "same"))
    if rank == 3:
        pool, strides = (1,) + pool, (1,) + strides
    n, c = x.shape[0], x.shape[-1]
    h, w = x.shape[1:3] if rank == 4 else (1, x.shape[1])
    axes = ("height", "width") if rank == 4 else ("height", "length")
    oh, pt = window_geometry(op, axes[0], h, pool[0], strides[0], 1, padding, "pool")
    ow, pl = window_geometry(op, axes[1], w, pool[1], strides[1], 1, padding, "pool")
    xd = np.ascontiguousarray(x.data).reshape(n, h, w, c)
    y = np.empty((n, oh, ow, c), dtype=x.dtype)
    geom = (pool, strides, (pt, pl))
    if is_max:
        argmax = np.empty(y.shape, dtype=np.int32)
        _k.max_pool_forward(xd, y, argmax, *geom)
    else:
        _k.avg_pool_forward(xd, y, *geom)
    x_shape, dtype = x.shape, x.dtype
    tiled = strides[0] >= pool[0] and strides[1] >= pool[1]

    def backward(g):
        g4 = np.ascontiguousarray(g, dtype=dtype).reshape(n, oh, ow, c)
        dx = np.empty((n, h, w, c), dtype=dtype)
        if is_max and tiled:
            _k.max_pool_backward_tiled(g4, argmax, dx, *geom)
        elif is_max:
            _k.max_pool_backward(g4, argmax, dx)
        else:
            _k.avg_pool_backward(g4, dx, *geom)
        return (dx.reshape(x_shape),)

    return output(y if rank == 4 else y.reshape(n, ow, c), (x,), backward)


def _check_global(op, x):
    x = as_tensor(x)
    check_float(op, "x", x)
    if x.ndim != 4:
        raise ValueError(f"{op}: x must have rank 4 (batch, height, width, "
                         f"channels), got shape {x.shape}")
    if x.shape[1] * x.shape[2] == 0:
        raise ValueError(f"{op}: x must have non-empty height and width, got "
                         f"shape {x.shape}")
    return x


def global_avg_pool2d(x):
    """Mean of NHWC `x` over height and width: (N, C)."""
    x = _check_global("global_avg_pool2d", x)
    shape, dtype = x.shape, x.dtype
    scale = 1.0 / (shape[1] * shape[2])

    def backward(g):
        dx = np.empty(shape, dtype=dtype)
        dx[...] = (np.asarray(g, dtype=dtype) * scale)[:, None, None, :]
        return (dx,)

    return output(x.data.mean(axis=(1, 2)), (x,), backward)


def global_max_pool2d(x):
    """Max of NHWC `x` over height and width: (N, C).

    As in TensorFlow, tied maxima share the gradient equally.
    """
    x = _check_global("global_max_pool2d", x)
    xd = x.data
    y = xd.max(axis=(1, 2))

    def backward(g):
        mask = xd == y[:, None, None, :]
        share = np.asarray(g, dtype=xd.dtype) / mask.sum(axis=(1, 2)).astype(xd.dtype)
        return (mask * share[:, None, None, :],)

    return output(y, (x,), backward)
