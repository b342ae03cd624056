"""Transposed convolutions (1-D, 2-D, 3-D), channels-last: a convolution's
adjoint, through the same column machinery as the convolution itself.

The transposed convolution of `x` with a (k..., O, C) kernel is the input
gradient of a convolution whose output has x's shape: per chunk of input
rows, one GEMM x @ kernel^T makes the columns and col2im adds them into the
output.  Its backward is that convolution: im2col of the output gradient,
times the kernel for dx, against x for the kernel gradient.  Output sizes
are Keras's (`output_padding` included) and the padding TensorFlow's.
"""
import numbers

import numpy as np

from .._kernels import load
from ..autodiff import as_tensor, output
from ._common import check_float, check_padding, ints
from .conv import epilogue_backward, fused_activation, input_grads, row_chunks

_k = load("im2col")
# The backward's chunks, in multiples of the forward's (see _conv_transpose).
_BACKWARD_SCALE = 2


def transposed_output(length, window, stride=1, padding="valid",
                      output_padding=None, dilation=1):
    """(output length, padding before) of a transposed convolution along one
    axis: Keras's deconv_output_length, TensorFlow's padding."""
    span = (window - 1) * dilation + 1
    if output_padding is None:
        out = length * stride + (max(span - stride, 0) if padding == "valid" else 0)
    else:
        pad = span // 2 if padding == "same" else 0
        out = (length - 1) * stride + span - 2 * pad + output_padding
    before = 0 if padding == "valid" else max((length - 1) * stride + span - out, 0) // 2
    return out, before


def _output_padding(op, value, strides):
    """None, or one int >= 0 per axis, each below its stride."""
    if value is None:
        return (None,) * len(strides)
    vals = (value,) * len(strides) if isinstance(value, numbers.Integral) else value
    try:
        vals = tuple(vals)
    except TypeError:
        vals = ()
    if len(vals) != len(strides) or not all(
            isinstance(v, numbers.Integral) and not isinstance(v, bool) and 0 <= v < s
            for v, s in zip(vals, strides)):
        raise ValueError(f"{op}: output_padding must be None or {len(strides)} "
                         f"int(s) >= 0, each smaller than its stride {strides}, "
                         f"got {value!r}")
    return tuple(int(v) for v in vals)


def conv1d_transpose(x, kernel, bias=None, strides=1, padding="valid",
                     output_padding=None, dilation_rate=1, activation=None):
    """Transposed 1-D convolution of (N, L, C) `x` with a (k, O, C) kernel,
    plus `bias` (O,); `activation` None / 'linear' or 'relu' (fused)."""
    return _transpose("conv1d_transpose", ("length",), x, kernel, bias, strides,
                      padding, output_padding, dilation_rate, activation)


def conv2d_transpose(x, kernel, bias=None, strides=(1, 1), padding="valid",
                     output_padding=None, dilation_rate=(1, 1), activation=None):
    """Transposed 2-D convolution of NHWC `x` with a (kh, kw, O, C) kernel
    (Keras's layout), plus `bias` (O,): the gradient of conv2d with respect
    to its input, as a layer.  `padding` 'valid' or 'same'."""
    return _transpose("conv2d_transpose", ("height", "width"), x, kernel, bias,
                      strides, padding, output_padding, dilation_rate, activation)


def conv3d_transpose(x, kernel, bias=None, strides=(1, 1, 1), padding="valid",
                     output_padding=None, dilation_rate=(1, 1, 1), activation=None):
    """Transposed 3-D convolution of NDHWC `x` with a (kd, kh, kw, O, C)
    kernel, plus `bias` (O,)."""
    return _transpose("conv3d_transpose", ("depth", "height", "width"), x, kernel,
                      bias, strides, padding, output_padding, dilation_rate,
                      activation)


def _check_inputs(op, x, kernel, bias, axes):
    """Dtypes, ranks and channels of x, the (k..., O, C) kernel and bias."""
    rank = len(axes) + 2
    check_float(op, "x", x)
    check_float(op, "kernel", kernel, x.dtype)
    if x.ndim != rank:
        raise ValueError(f"{op}: x must have rank {rank} (batch, {', '.join(axes)}, "
                         f"channels), got shape {x.shape}")
    if kernel.ndim != rank:
        raise ValueError(f"{op}: kernel must have rank {rank} "
                         f"({', '.join('k_' + a for a in axes)}, filters, "
                         f"in_channels), got shape {kernel.shape}")
    if kernel.shape[-1] != x.shape[-1]:
        raise ValueError(f"{op}: kernel input channels {kernel.shape[-1]} (the "
                         f"last axis of kernel shape {kernel.shape}) do not match "
                         f"x channels {x.shape[-1]} (x shape {x.shape})")
    if bias is not None:
        check_float(op, "bias", bias, x.dtype)
        if bias.shape != (kernel.shape[-2],):
            raise ValueError(f"{op}: bias must have shape ({kernel.shape[-2]},) "
                             f"(the kernel's filters), got {bias.shape}")


def _transpose(op, axes, x, kernel, bias, strides, padding, output_padding,
               dilation_rate, activation):
    """Check the arguments, find the geometry of the convolution this one is
    the adjoint of (3-D, unit-padded in front), run it."""
    nd = len(axes)
    x, kernel = as_tensor(x), as_tensor(kernel)
    bias = None if bias is None else as_tensor(bias)
    _check_inputs(op, x, kernel, bias, axes)
    strides = ints(op, "strides", strides, nd)
    dilation = ints(op, "dilation_rate", dilation_rate, nd)
    check_padding(op, padding, ("valid", "same"))
    out_pad = _output_padding(op, output_padding, strides)
    relu = fused_activation(op, activation)
    out, pads = [], []
    for axis, length, k, s, d, p in zip(axes, x.shape[1:-1], kernel.shape, strides,
                                        dilation, out_pad):
        size, before = transposed_output(length, k, s, padding, p, d)
        if size < 1:
            raise ValueError(f"{op}: input {axis} {length} with kernel {axis} {k}, "
                             f"strides {s}, padding {padding!r} and output_padding "
                             f"{p} gives an empty output")
        out.append(size)
        pads.append(before)
    one = (1,) * (3 - nd)
    return _conv_transpose(x, kernel, bias, x.shape[:1] + one + x.shape[1:],
                           one + kernel.shape, one + strides, one + dilation,
                           (0,) * (3 - nd) + tuple(pads), one + tuple(out), relu)


def _conv_transpose(x, kernel, bias, x5_shape, k5_shape, strides, dilation, pads,
                    out_size, relu):
    """y = col2im(x @ kernel^T) (+ bias, relu) on 5-D views, with its backward."""
    dtype = x.dtype
    n, d, h, w, c = x5_shape
    kd, kh, kw, o, _ = k5_shape
    xd = np.ascontiguousarray(x.data).reshape(-1, c)
    k2 = np.ascontiguousarray(kernel.data).reshape(-1, c)
    geom = ((kd, kh, kw), strides, dilation, pads, (d, h, w))
    pointwise = kd == kh == kw == 1 and strides == (1, 1, 1)
    y = (np.empty if pointwise else np.zeros)((n,) + out_size + (o,), dtype=dtype)
    y2 = y.reshape(-1, o)
    for (lo, hi), cols in row_chunks(n * d * h, w, k2.shape[0], c, pointwise, dtype):
        part = xd[lo * w:hi * w]
        if pointwise:
            np.matmul(part, k2.T, out=y2[lo * w:hi * w])
        else:
            np.matmul(part, k2.T, out=cols)
            _k.col2im(cols, y, *geom, (lo, hi))
    b = None if bias is None else np.ascontiguousarray(bias.data)
    if b is not None or relu:
        _k.bias_act(y2, b, relu)
    keep_x = xd if kernel.requires_grad else None
    keep_k = k2 if x.requires_grad else None
    keep_y = y2 if relu else None

    def backward(g):
        dz, db = epilogue_backward(g, keep_y, bias, dtype)
        dz5 = dz.reshape((n,) + out_size + (o,))
        dx = None if keep_k is None else np.empty((n * d * h * w, c), dtype=dtype)
        dk = None if keep_x is None else np.empty(k2.shape, dtype=dtype)
        if dk is not None and n * d * h * w == 0:
            dk.fill(0)
        tmp = None
        # two GEMMs read each chunk's columns and the kernel gradient sums
        # over the chunks: longer chunks than the forward's pay
        for (lo, hi), cols in row_chunks(n * d * h, w, k2.shape[0], c, pointwise,
                                         dtype, _BACKWARD_SCALE):
            p0, p1 = lo * w, hi * w
            if pointwise:
                cols = dz[p0:p1]
            else:
                _k.im2col(dz5, cols, *geom, (lo, hi))
            if dx is not None:
                np.matmul(cols, keep_k, out=dx[p0:p1])
            if dk is not None:
                if lo == 0:
                    np.matmul(cols.T, keep_x[p0:p1], out=dk)
                    continue
                if tmp is None:
                    tmp = np.empty_like(dk)
                np.matmul(cols.T, keep_x[p0:p1], out=tmp)
                dk += tmp
        return input_grads(x, dx, kernel, dk, bias, db)

    inputs = (x, kernel) if bias is None else (x, kernel, bias)
    return output(y.reshape((n,) + out_size[5 - x.ndim:] + (o,)), inputs, backward)
