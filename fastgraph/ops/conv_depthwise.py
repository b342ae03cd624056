"""Depthwise convolutions (1-D, 2-D), channels-last, in C (csrc/depthwise.c):
every input channel convolved with its own `m` filters (output channel
ch*m + q), as tf.nn.depthwise_conv2d.  Separable convolutions are a
depthwise convolution followed by a pointwise one (conv.conv2d, 1x1).

Forward, input gradient and kernel gradient each run in one parallel pass
over the channels-last arrays; bias and relu go through the convolutions'
epilogue (im2col's bias_act / act_grad).
"""
import numpy as np

from .._kernels import load
from ..autodiff import as_tensor, output
from ._common import check_float
from .conv import epilogue_backward, fused_activation, input_grads, sliding_window

_k = load("depthwise")
_epilogue = load("im2col")


def depthwise_conv2d(x, kernel, bias=None, strides=(1, 1), padding="valid",
                     dilation_rate=(1, 1), activation=None):
    """Depthwise 2-D convolution of NHWC `x` with a (kh, kw, C, m) kernel,
    plus `bias` (C*m,); `padding` 'valid' or 'same'; `activation` None /
    'linear' or 'relu' (fused)."""
    return _depthwise("depthwise_conv2d", ("height", "width"), x, kernel, bias,
                      strides, padding, dilation_rate, activation, ("valid", "same"))


def depthwise_conv1d(x, kernel, bias=None, strides=1, padding="valid",
                     dilation_rate=1, activation=None):
    """Depthwise 1-D convolution of (N, L, C) `x` with a (k, C, m) kernel,
    plus `bias` (C*m,); `padding` 'valid', 'same' or 'causal'."""
    return _depthwise("depthwise_conv1d", ("length",), x, kernel, bias, strides,
                      padding, dilation_rate, activation, ("valid", "same", "causal"))


def _depthwise(op, axes, x, kernel, bias, strides, padding, dilation_rate,
               activation, paddings):
    nd = len(axes)
    x, kernel = as_tensor(x), as_tensor(kernel)
    bias = None if bias is None else as_tensor(bias)
    check_float(op, "x", x)
    check_float(op, "kernel", kernel, x.dtype)
    if x.ndim != nd + 2:
        raise ValueError(f"{op}: x must have rank {nd + 2} (batch, {', '.join(axes)}, "
                         f"channels), got shape {x.shape}")
    if kernel.ndim != nd + 2 or kernel.shape[-2] != x.shape[-1]:
        raise ValueError(f"{op}: kernel must have shape "
                         f"({', '.join('k_' + a for a in axes)}, {x.shape[-1]}, "
                         f"depth_multiplier) for x of shape {x.shape}, got "
                         f"{kernel.shape}")
    o = kernel.shape[-2] * kernel.shape[-1]
    if bias is not None:
        check_float(op, "bias", bias, x.dtype)
        if bias.shape != (o,):
            raise ValueError(f"{op}: bias must have shape ({o},) (channels x "
                             f"depth_multiplier), got {bias.shape}")
    strides, dilation, pads, out = sliding_window(op, axes, x.shape[1:-1], kernel.shape,
                                                  strides, dilation_rate, padding,
                                                  paddings)
    relu = fused_activation(op, activation)
    one = (1,) * (2 - nd)
    geom = (one + strides, one + dilation, (0,) * (2 - nd) + pads)
    n, c = x.shape[0], x.shape[-1]
    x4_shape = (n,) + one + x.shape[1:]
    k4_shape = one + kernel.shape
    return _run(x, kernel, bias, x4_shape, k4_shape, (n,) + one + tuple(out) + (o,),
                geom, relu)


def _run(x, kernel, bias, x4_shape, k4_shape, y4_shape, geom, relu):
    dtype = x.dtype
    o = y4_shape[-1]
    xd = np.ascontiguousarray(x.data).reshape(x4_shape)
    kd = np.ascontiguousarray(kernel.data).reshape(k4_shape)
    b = None if bias is None else np.ascontiguousarray(bias.data)
    y = np.empty(y4_shape, dtype=dtype)
    _k.depthwise_forward(xd, kd, b, y, *geom)
    y2 = y.reshape(-1, o)
    if relu:
        _epilogue.bias_act(y2, None, True)
    keep_x = xd if kernel.requires_grad else None
    keep_k = kd if x.requires_grad else None
    keep_y = y2 if relu else None

    def backward(g):
        dz, db = epilogue_backward(g, keep_y, bias, dtype)
        dz4 = dz.reshape(y4_shape)
        dx = dk = None
        if keep_k is not None:
            dx = np.empty(x4_shape, dtype=dtype)
            _k.depthwise_dx(dz4, keep_k, dx, *geom)
        if keep_x is not None:
            dk = np.empty(k4_shape, dtype=dtype)
            _k.depthwise_dk(keep_x, dz4, dk, *geom)
        return input_grads(x, dx, kernel, dk, bias, db)

    inputs = (x, kernel) if bias is None else (x, kernel, bias)
    return output(y.reshape((x.shape[0],) + y4_shape[4 - x.ndim + 1:]), inputs, backward)
