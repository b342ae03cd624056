"""Upsampling by integer factors, channels-last, in C (csrc/upsample.c):
nearest-neighbour repetition (1-D, 2-D, 3-D; Keras's UpSampling layers and
repeat_elements) and bilinear interpolation (2-D; tf.image.resize with
half-pixel centres), each with its gradient."""
import numpy as np

from .._kernels import load
from ..autodiff import as_tensor, output
from ._common import check_float, ints

_k = load("upsample")
_AXES = {1: "(batch, steps, channels)", 2: "(batch, height, width, channels)",
         3: "(batch, depth, height, width, channels)"}


def upsample_nearest(x, size):
    """x (N, spatial..., C) with every pixel repeated size[i] times along
    spatial axis i (1 to 3 spatial axes: len(size) of them)."""
    nd = len(size) if hasattr(size, "__len__") else 1
    return _upsample("upsample_nearest", x, size, nd, _k.nearest, _k.nearest_backward)


def upsample_bilinear2d(x, size):
    """NHWC x resized to (h*size[0], w*size[1]) by bilinear interpolation
    with half-pixel centres, as tf.image.resize (Keras's UpSampling2D with
    interpolation='bilinear')."""
    return _upsample("upsample_bilinear2d", x, size, 2, _k.bilinear,
                     _k.bilinear_backward)


def _upsample(op, x, size, nd, forward, backward_kernel):
    x = as_tensor(x)
    check_float(op, "x", x)
    factors = ints(op, "size", size, nd)
    if not 1 <= nd <= 3 or x.ndim != nd + 2:
        raise ValueError(f"{op}: x must have rank {nd + 2} {_AXES.get(nd, '')} for "
                         f"{nd} factor(s) {factors}, got shape {x.shape}")
    n, c = x.shape[0], x.shape[-1]
    one = (1,) if nd == 1 else ()
    spatial = one + x.shape[1:-1]
    factors_k = one + factors
    xd = np.ascontiguousarray(x.data).reshape((n,) + spatial + (c,))
    y = np.empty((n,) + tuple(s * f for s, f in zip(spatial, factors_k)) + (c,),
                 dtype=x.dtype)
    forward(xd, y, factors_k)
    x_shape, dtype = x.shape, x.dtype

    def backward(g):
        dx = np.empty(xd.shape, dtype=dtype)
        backward_kernel(np.ascontiguousarray(g, dtype=dtype).reshape(y.shape), dx,
                        factors_k)
        return (dx.reshape(x_shape),)

    return output(y.reshape((n,) + y.shape[1 + len(one):]), (x,), backward)
