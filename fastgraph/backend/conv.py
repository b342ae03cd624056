"""Keras backend convolutions and pooling as functions (tf-keras 2.x
`keras.backend` signatures): conv1d/2d/3d, conv2d_transpose, depthwise and
separable conv2d, pool2d/3d, local_conv1d/2d.

They run fastgraph's channels-last kernels; with data_format
'channels_first' the input is transposed in and the output back out
(kernels keep Keras's layouts, which do not depend on the data format).
"""
import numbers

from ..ops import conv as _conv
from ..ops import conv_depthwise as _dw
from ..ops import conv_local as _local
from ..ops import conv_transpose as _tconv
from ..ops import pool as _pool
from ..ops import shape as _sh
from . import _check

__all__ = ["conv1d", "conv2d", "conv2d_transpose", "conv3d", "depthwise_conv2d",
           "local_conv1d", "local_conv2d", "pool2d", "pool3d", "separable_conv2d"]


def _inputs(fn, x, rank, data_format, **kernels):
    """x (channels-last, float) and the kernels as float Tensors of x's dtype."""
    fmt = _check.data_format(fn, data_format)
    x = _check.float_tensor(fn, "x", x)
    if x.ndim != rank:
        raise ValueError(f"{fn}: x must have rank {rank}, got shape {x.shape}")
    if fmt == "channels_first":
        x = _sh.transpose(x, (0,) + tuple(range(2, rank)) + (1,))
    ks = []
    for name, k in kernels.items():
        k = _check.float_tensor(fn, name, k)
        if k.dtype != x.dtype:
            raise TypeError(f"{fn}: {name} dtype {k.dtype} differs from x dtype "
                            f"{x.dtype}; cast one of them")
        ks.append(k)
    return fmt, x, ks


def _out(y, fmt):
    """The channels-last result in the caller's data format."""
    if fmt == "channels_first":
        return _sh.transpose(y, (0, y.ndim - 1) + tuple(range(1, y.ndim - 1)))
    return y


def conv1d(x, kernel, strides=1, padding="valid", data_format=None, dilation_rate=1):
    """1-D convolution with a (k, in, out) kernel; padding 'valid', 'same' or
    'causal'."""
    fmt, x, (k,) = _inputs("conv1d", x, 3, data_format, kernel=kernel)
    return _out(_conv.conv1d(x, k, None, strides, padding, dilation_rate), fmt)


def conv2d(x, kernel, strides=(1, 1), padding="valid", data_format=None,
           dilation_rate=(1, 1)):
    """2-D convolution with a (kh, kw, in, out) kernel."""
    fmt, x, (k,) = _inputs("conv2d", x, 4, data_format, kernel=kernel)
    return _out(_conv.conv2d(x, k, None, strides, padding, dilation_rate), fmt)


def conv3d(x, kernel, strides=(1, 1, 1), padding="valid", data_format=None,
           dilation_rate=(1, 1, 1)):
    """3-D convolution with a (kd, kh, kw, in, out) kernel."""
    fmt, x, (k,) = _inputs("conv3d", x, 5, data_format, kernel=kernel)
    return _out(_conv.conv3d(x, k, None, strides, padding, dilation_rate), fmt)


def conv2d_transpose(x, kernel, output_shape, strides=(1, 1), padding="valid",
                     data_format=None, dilation_rate=(1, 1)):
    """Transposed 2-D convolution with a (kh, kw, out, in) kernel, to
    `output_shape` (batch, rows, cols, out) in the data format's order (the
    batch may be None): the gradient of conv2d (same strides, padding and
    dilation) from that shape back to x's, as tf.nn.conv2d_transpose."""
    fn = "conv2d_transpose"
    fmt, x, (k,) = _inputs(fn, x, 4, data_format, kernel=kernel)
    try:
        want = tuple(None if v is None else int(v) for v in output_shape)
    except (TypeError, ValueError):
        want = ()
    if len(want) != 4:
        raise ValueError(f"{fn}: output_shape must be 4 ints (batch, rows, cols, "
                         f"channels in the data format's order), got {output_shape!r}")
    if fmt == "channels_first":
        want = (want[0], want[2], want[3], want[1])
    if want[0] is not None and want[0] != x.shape[0]:
        raise ValueError(f"{fn}: output_shape batch {want[0]} differs from x's "
                         f"batch {x.shape[0]}")
    if want[3] != k.shape[2]:
        raise ValueError(f"{fn}: output_shape channels {want[3]} differ from the "
                         f"kernel's output channels {k.shape[2]} (kernel shape "
                         f"{k.shape})")
    strides = _check.ints(fn, "strides", strides, 2)
    dilation = _check.ints(fn, "dilation_rate", dilation_rate, 2)
    _check.choice(fn, "padding", padding, ("valid", "same"))
    for axis, size, length, kk, s, d in zip(("rows", "cols"), want[1:3], x.shape[1:3],
                                          k.shape[:2], strides, dilation):
        back, _, _ = _conv.padded_output(size, kk, s, d, padding)
        if back != length:
            raise ValueError(f"{fn}: output_shape {axis} {size} is not a size that "
                             f"conv2d with kernel {kk}, strides {s}, dilation {d} "
                             f"and padding {padding!r} maps to x's {length}")
    full = _tconv.conv2d_transpose(x, k, None, strides, "valid", None, dilation)
    crop, pads = [slice(None)], [(0, 0)]
    for size, length, kk, s, d, have in zip(want[1:3], x.shape[1:3], k.shape[:2],
                                            strides, dilation, full.shape[1:3]):
        _, before, _ = _conv.padded_output(size, kk, s, d, padding)
        end = min(before + size, have)
        crop.append(slice(before, end))
        pads.append((0, before + size - end))
    y = _sh.getitem(full, tuple(crop) + (slice(None),))
    if any(p[1] for p in pads):
        y = _sh.pad(y, pads + [(0, 0)])
    return _out(y, fmt)


def depthwise_conv2d(x, depthwise_kernel, strides=(1, 1), padding="valid",
                     data_format=None, dilation_rate=(1, 1)):
    """Depthwise 2-D convolution with a (kh, kw, in, multiplier) kernel."""
    fmt, x, (k,) = _inputs("depthwise_conv2d", x, 4, data_format,
                           depthwise_kernel=depthwise_kernel)
    return _out(_dw.depthwise_conv2d(x, k, None, strides, padding, dilation_rate), fmt)


def separable_conv2d(x, depthwise_kernel, pointwise_kernel, strides=(1, 1),
                     padding="valid", data_format=None, dilation_rate=(1, 1)):
    """A depthwise convolution (with the strides and dilation) followed by a
    1x1 convolution with the (1, 1, in * multiplier, out) pointwise kernel."""
    fn = "separable_conv2d"
    if len(strides) != 2:
        raise ValueError(f"{fn}: strides must be a tuple of 2 integers, got {strides!r}")
    fmt, x, (dk, pk) = _inputs(fn, x, 4, data_format, depthwise_kernel=depthwise_kernel,
                               pointwise_kernel=pointwise_kernel)
    y = _dw.depthwise_conv2d(x, dk, None, strides, padding, dilation_rate)
    return _out(_conv.conv2d(y, pk), fmt)


def _pooling(fn, x, nd, pool_size, strides, padding, data_format, pool_mode):
    if pool_mode not in ("max", "avg"):
        raise ValueError(f"{fn}: pool_mode must be 'max' or 'avg', got {pool_mode!r}")
    for name, v in (("pool_size", pool_size), ("strides", strides)):
        if isinstance(v, numbers.Integral) or len(v) != nd:
            raise ValueError(f"{fn}: {name} must be a tuple of {nd} integers, got {v!r}")
    fmt, x, _ = _inputs(fn, x, nd + 2, data_format)
    ops = {(2, "max"): _pool.max_pool2d, (2, "avg"): _pool.avg_pool2d,
           (3, "max"): _pool.max_pool3d, (3, "avg"): _pool.avg_pool3d}
    return _out(ops[nd, pool_mode](x, pool_size, strides, padding), fmt)


def pool2d(x, pool_size, strides=(1, 1), padding="valid", data_format=None,
           pool_mode="max"):
    """2-D max or average pooling (average over the window's cells inside
    the image, as TensorFlow's 'same' padding does)."""
    return _pooling("pool2d", x, 2, pool_size, strides, padding, data_format, pool_mode)


def pool3d(x, pool_size, strides=(1, 1, 1), padding="valid", data_format=None,
           pool_mode="max"):
    """3-D max or average pooling."""
    return _pooling("pool3d", x, 3, pool_size, strides, padding, data_format, pool_mode)


def _local_conv(fn, inputs, kernel, kernel_size, strides, output_shape, data_format):
    nd = len(output_shape)
    fmt, x, (k,) = _inputs(fn, inputs, nd + 2, data_format, kernel=kernel)
    if k.ndim != 3:
        raise ValueError(f"{fn}: kernel must have rank 3 (output positions, "
                         f"features, filters), got shape {k.shape}")
    ksize = _check.ints(fn, "kernel_size", kernel_size, nd)
    if fmt == "channels_first":
        # Keras orders a channels_first patch [C][taps]; the kernel rows follow.
        c = x.shape[-1]
        taps = k.shape[1] // c
        k = _sh.reshape(_sh.transpose(_sh.reshape(k, (k.shape[0], c, taps, k.shape[2])),
                                      (0, 2, 1, 3)), k.shape)
    return _out(_local.local_conv(x, k, ksize, strides, None, output_shape), fmt)


def local_conv1d(inputs, kernel, kernel_size, strides, data_format=None):
    """Convolution with unshared weights over steps: kernel (output_length,
    kernel_size * in, filters), Keras's LocallyConnected1D layout."""
    k = _check.float_tensor("local_conv1d", "kernel", kernel)
    return _local_conv("local_conv1d", inputs, k, kernel_size, strides,
                       (k.shape[0],) if k.ndim == 3 else (1,), data_format)


def local_conv2d(inputs, kernel, kernel_size, strides, output_shape, data_format=None):
    """Convolution with unshared weights over rows and columns: kernel
    (rows * cols of output_shape, kh * kw * in, filters)."""
    try:
        output_shape = tuple(int(v) for v in output_shape)
    except (TypeError, ValueError):
        output_shape = ()
    if len(output_shape) != 2:
        raise ValueError(f"local_conv2d: output_shape must be (rows, cols), "
                         f"got {output_shape!r}")
    return _local_conv("local_conv2d", inputs, kernel, kernel_size, strides,
                       output_shape, data_format)
