"""Convolutions, channels-last: im2col in C, then one GEMM per chunk.

The column matrix of a run of output rows (n*oh + i across the batch),
(rows*ow, kh*kw*C), times the kernel reshaped to (kh*kw*C, O) is already
that part of the NHWC output.  Chunks are bounded in bytes whatever the image
size.  The backward pass rebuilds the columns chunk by chunk (cheaper than
keeping them: they are kh*kw times the input), so memory stays at one
column buffer.
"""
import numbers

import numpy as np

from .._kernels import load
from ..autodiff import as_tensor, output

_k = load("im2col")

# Bytes of column buffer per chunk: big enough for efficient GEMMs, small
# enough to stay in the last-level cache between im2col and the GEMM.
_CHUNK_BYTES = 4 << 20


def padded_output(length, window, stride=1, dilation=1, padding="valid"):
    """(output length, pad before, pad after) of a window sliding over `length`.

    TensorFlow's arithmetic: 'valid' uses no padding; 'same' gives
    ceil(length / stride) outputs with the odd padding cell after; 'causal'
    pads only before, by the dilated window minus one.
    """
    span = (window - 1) * dilation + 1
    if padding == "valid":
        return max((length - span) // stride + 1, 0), 0, 0
    if padding == "same":
        out = -(-length // stride)
        total = max((out - 1) * stride + span - length, 0)
        return out, total // 2, total - total // 2
    if padding == "causal":
        return (length - 1) // stride + 1, span - 1, 0
    raise ValueError(f"padded_output: padding must be 'valid', 'same' or "
                     f"'causal', got {padding!r}")


def _ints(op, name, value, n):
    """`value` (an int or a sequence of `n` ints) as a tuple of positive ints."""
    vals = (value,) * n if isinstance(value, numbers.Integral) else value
    try:
        vals = tuple(vals)
    except TypeError:
        vals = None
    if (vals is None or len(vals) != n
            or not all(isinstance(v, numbers.Integral) and not isinstance(v, bool)
                       and v >= 1 for v in vals)):
        raise ValueError(f"{op}: {name} must be a positive int or a tuple of "
                         f"{n} positive ints, got {value!r}")
    return tuple(int(v) for v in vals)


def _check_padding(op, padding, allowed):
    if padding not in allowed:
        names = ", ".join(repr(p) for p in allowed)
        raise ValueError(f"{op}: padding must be one of {names}, got {padding!r}")


def _check_float(op, name, t, dtype=None):
    if dtype is None:
        if t.dtype not in (np.float32, np.float64):
            raise TypeError(f"{op}: {name} must be float32 or float64, got {t.dtype}")
    elif t.dtype != dtype:
        raise TypeError(f"{op}: {name} dtype {t.dtype} differs from x dtype "
                        f"{dtype}; cast one of them")


def _check_inputs(op, x, kernel, bias, rank, x_layout, k_layout):
    """Dtype, rank and channel checks shared by conv1d and conv2d."""
    _check_float(op, "x", x)
    _check_float(op, "kernel", kernel, x.dtype)
    if x.ndim != rank:
        raise ValueError(f"{op}: x must have rank {rank} {x_layout}, got shape {x.shape}")
    if kernel.ndim != rank:
        raise ValueError(f"{op}: kernel must have rank {rank} {k_layout}, got "
                         f"shape {kernel.shape}")
    if kernel.shape[-2] != x.shape[-1]:
        raise ValueError(f"{op}: kernel input channels {kernel.shape[-2]} "
                         f"(kernel shape {kernel.shape}) do not match x channels "
                         f"{x.shape[-1]} (x shape {x.shape})")
    if bias is not None:
        _check_float(op, "bias", bias, x.dtype)
        if bias.shape != (kernel.shape[-1],):
            raise ValueError(f"{op}: bias must have shape ({kernel.shape[-1]},) "
                             f"(the kernel's filters), got {bias.shape}")


def _geometry(op, axis, length, window, stride, dilation, padding, what="kernel"):
    """Output length and padding before along one axis; an empty output is an error."""
    out, before, _ = padded_output(length, window, stride, dilation, padding)
    if out < 1:
        raise ValueError(f"{op}: input {axis} {length} is too small for {what} "
                         f"{axis} {window} (dilation {dilation}) with "
                         f"padding {padding!r}: the output would be empty")
    return out, before


def conv2d(x, kernel, bias=None, strides=(1, 1), padding="valid",
           dilation_rate=(1, 1)):
    """2-D convolution of NHWC `x` with a (kh, kw, C, O) kernel, plus `bias`.

    `padding` is 'valid' or 'same' (TensorFlow's arithmetic); the output is
    (N, out_h, out_w, O).
    """
    x, kernel = as_tensor(x), as_tensor(kernel)
    bias = None if bias is None else as_tensor(bias)
    _check_inputs("conv2d", x, kernel, bias, 4, "(batch, height, width, channels)",
                  "(kh, kw, in_channels, filters)")
    strides = _ints("conv2d", "strides", strides, 2)
    dilation = _ints("conv2d", "dilation_rate", dilation_rate, 2)
    _check_padding("conv2d", padding, ("valid", "same"))
    (_, h, w, _), (kh, kw, _, _) = x.shape, kernel.shape
    oh, pt = _geometry("conv2d", "height", h, kh, strides[0], dilation[0], padding)
    ow, pl = _geometry("conv2d", "width", w, kw, strides[1], dilation[1], padding)
    return _conv(x, kernel, bias, x.shape, kernel.shape, strides, dilation,
                 (pt, pl), (oh, ow))


def conv1d(x, kernel, bias=None, strides=1, padding="valid", dilation_rate=1):
    """1-D convolution of (N, L, C) `x` with a (k, C, O) kernel, plus `bias`.

    `padding` is 'valid', 'same' or 'causal' (Keras); runs as a 2-D
    convolution of height 1 on views of the same arrays.
    """
    x, kernel = as_tensor(x), as_tensor(kernel)
    bias = None if bias is None else as_tensor(bias)
    _check_inputs("conv1d", x, kernel, bias, 3, "(batch, steps, channels)",
                  "(kernel_size, in_channels, filters)")
    (stride,) = _ints("conv1d", "strides", strides, 1)
    (dilation,) = _ints("conv1d", "dilation_rate", dilation_rate, 1)
    _check_padding("conv1d", padding, ("valid", "same", "causal"))
    n, length, c = x.shape
    k, _, o = kernel.shape
    out, before = _geometry("conv1d", "length", length, k, stride, dilation, padding)
    return _conv(x, kernel, bias, (n, 1, length, c), (1, k, c, o), (1, stride),
                 (1, dilation), (0, before), (1, out))


def _conv(x, kernel, bias, x4_shape, k4_shape, strides, dilation, pads, out_hw):
    """The convolution on 4-D views of `x` and `kernel`, with its backward."""
    dtype = x.dtype
    n, h, w, c = x4_shape
    kh, kw, _, o = k4_shape
    oh, ow = out_hw
    xd = np.ascontiguousarray(x.data).reshape(x4_shape)
    k2 = kernel.data.reshape(kh * kw * c, o)
    geom = ((kh, kw), strides, dilation, pads, out_hw)
    pointwise = kh == kw == 1 and strides == (1, 1) and pads == (0, 0)
    y = np.empty((n, oh, ow, o), dtype=dtype)
    y2 = y.reshape(-1, o)
    b = None if bias is None else bias.data
    if pointwise:
        np.matmul(xd.reshape(-1, c), k2, out=y2)
        if b is not None:
            y2 += b
    else:
        for rows, cols in _chunks(n * oh, ow, k2.shape[0], dtype):
            _k.im2col(xd, cols, *geom, rows)
            part = y2[rows[0] * ow:rows[1] * ow]
            np.matmul(cols, k2, out=part)
            if b is not None:
                part += b
    if x.ndim == 3:
        y = y.reshape(n, ow, o)
    keep_x = xd if kernel.requires_grad else None
    keep_k = k2 if x.requires_grad else None

    def backward(g):
        g2 = np.ascontiguousarray(g, dtype=dtype).reshape(-1, o)
        db = g2.sum(axis=0) if bias is not None and bias.requires_grad else None
        dk = None if keep_x is None else np.empty((kh * kw * c, o), dtype=dtype)
        dx = None if keep_k is None else np.empty(x4_shape, dtype=dtype)
        if pointwise:
            if dk is not None:
                np.matmul(keep_x.reshape(-1, c).T, g2, out=dk)
            if dx is not None:
                np.matmul(g2, keep_k.T, out=dx.reshape(-1, c))
        else:
            _conv_backward(g2, keep_x, keep_k, dk, dx, geom, dtype)
        dx = None if dx is None else dx.reshape(x.shape)
        dk = None if dk is None else dk.reshape(kernel.shape)
        return (dx, dk) if bias is None else (dx, dk, db)

    inputs = (x, kernel) if bias is None else (x, kernel, bias)
    return output(y, inputs, backward)


def _conv_backward(g2, x4, k2, dk, dx, geom, dtype):
    """Fill `dk` (columns^T @ dy) and `dx` (col2im of dy @ kernel^T), chunk by chunk.

    Either may be None.  Columns are rebuilt per chunk; once the kernel
    gradient has read them, the same buffer receives dy @ kernel^T.
    """
    oh, ow = geom[-1]
    n = (dx if dx is not None else x4).shape[0]
    kdim = (dk if dk is not None else k2).shape[0]
    tmp = None
    if dk is not None and n == 0:
        dk.fill(0)
    if dx is not None:
        dx.fill(0)
    for rows, cols in _chunks(n * oh, ow, kdim, dtype):
        gc = g2[rows[0] * ow:rows[1] * ow]
        if dk is not None:
            _k.im2col(x4, cols, *geom, rows)
            if rows[0] == 0:
                np.matmul(cols.T, gc, out=dk)
            else:
                if tmp is None:
                    tmp = np.empty_like(dk)
                np.matmul(cols.T, gc, out=tmp)
                dk += tmp
        if dx is not None:
            np.matmul(gc, k2.T, out=cols)
            _k.col2im(cols, dx, *geom, rows)


def _chunks(lines, per_line, kdim, dtype):
    """Yield ((start, end) output rows, column buffer) covering `lines` rows."""
    line_bytes = per_line * kdim * np.dtype(dtype).itemsize
    step = max(1, min(lines, _CHUNK_BYTES // max(line_bytes, 1)))
    buf = np.empty((step * per_line, kdim), dtype=dtype)
    for lo in range(0, lines, step):
        hi = min(lines, lo + step)
        yield (lo, hi), buf[:(hi - lo) * per_line]
