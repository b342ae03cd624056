"""Locally connected convolutions (unshared weights), channels-last: the
columns of the ordinary convolution, then one small GEMM per output
position, all positions in one batched matmul.

The kernel is (positions, taps*C, F), Keras's implementation-1 layout
(LocallyConnected1D/2D): position p = i*ow + j, each row ordered
[kh][kw][C] as the columns are.  Chunks hold whole images.
"""
import numpy as np

from .._kernels import load
from ..autodiff import as_tensor, output
from ._common import check_float, ints, workspace
from .conv import chunk_budget

_k = load("im2col")


def local_conv(x, kernel, kernel_size, strides=None, pads=None, out_size=None):
    """The locally connected convolution of (N, L, C) or NHWC `x`: output
    position p of every image is its (taps*C,) patch times kernel[p], so the
    output is (N, out..., F).

    `kernel_size` and `strides` (default 1) have one entry per spatial axis;
    `pads` is the zero padding before each axis (default none) and
    `out_size` the output size (default: the windows that fit, 'valid').
    """
    x, kernel = as_tensor(x), as_tensor(kernel)
    op = "local_conv"
    check_float(op, "x", x)
    check_float(op, "kernel", kernel, x.dtype)
    if x.ndim not in (3, 4):
        raise ValueError(f"{op}: x must have rank 3 (batch, steps, channels) or 4 "
                         f"(batch, height, width, channels), got shape {x.shape}")
    nd = x.ndim - 2
    ksize = ints(op, "kernel_size", kernel_size, nd)
    strides = ints(op, "strides", 1 if strides is None else strides, nd)
    pads = (0,) * nd if pads is None else tuple(int(p) for p in pads)
    spatial = x.shape[1:-1]
    if out_size is None:
        out_size = tuple((n - k) // s + 1 for n, k, s in zip(spatial, ksize, strides))
    out_size = tuple(int(o) for o in out_size)
    if len(pads) != nd or len(out_size) != nd or min(pads) < 0 or min(out_size) < 1:
        raise ValueError(f"{op}: the windows of kernel_size {ksize} with strides "
                         f"{strides} and pads {pads} leave no output for x of shape "
                         f"{x.shape} (output size {out_size})")
    c = x.shape[-1]
    positions, k_dim = int(np.prod(out_size)), int(np.prod(ksize)) * c
    if kernel.ndim != 3 or kernel.shape[:2] != (positions, k_dim):
        raise ValueError(f"{op}: kernel must have shape ({positions}, {k_dim}, filters) "
                         f"(output positions, kernel taps x {c} channels, filters), "
                         f"got {kernel.shape}")
    one = (1,) * (3 - nd)
    geom = (one + ksize, one + strides, (1, 1, 1), (0,) * (3 - nd) + pads,
            one + out_size)
    return _local(x, kernel, (x.shape[0],) + one + spatial + (c,), geom)


def _local(x, kernel, x5_shape, geom):
    dtype = x.dtype
    n = x5_shape[0]
    positions, k_dim, f = kernel.shape
    lines = geom[-1][0] * geom[-1][1]           # column-buffer rows per image: od*oh
    xd = np.ascontiguousarray(x.data).reshape(x5_shape)
    kd = np.ascontiguousarray(kernel.data)
    y = np.empty((n, positions, f), dtype=dtype)
    per_image = positions * k_dim * np.dtype(dtype).itemsize
    step = max(1, chunk_budget() // max(per_image, 1))

    def columns(n0, n1):
        cols = workspace("cols", (n1 - n0) * positions * k_dim, dtype)
        cols = cols.reshape((n1 - n0) * positions, k_dim)
        _k.im2col(xd, cols, *geom, (n0 * lines, n1 * lines))
        return cols.reshape(n1 - n0, positions, k_dim).transpose(1, 0, 2)

    for n0 in range(0, n, step):
        n1 = min(n, n0 + step)
        np.matmul(columns(n0, n1), kd, out=y[n0:n1].transpose(1, 0, 2))
    keep_x = xd if kernel.requires_grad else None
    keep_k = kd if x.requires_grad else None

    def backward(g):
        gd = np.ascontiguousarray(g, dtype=dtype).reshape(n, positions, f)
        dk = None if keep_x is None else np.zeros(kd.shape, dtype=dtype)
        dx = None if keep_k is None else np.zeros(x5_shape, dtype=dtype)
        tmp = None
        for n0 in range(0, n, step):
            n1 = min(n, n0 + step)
            gp = gd[n0:n1].transpose(1, 0, 2)
            cols = columns(n0, n1) if dk is not None else workspace(
                "cols", (n1 - n0) * positions * k_dim, dtype).reshape(
                    n1 - n0, positions, k_dim).transpose(1, 0, 2)
            if dk is not None:
                if tmp is None:
                    tmp = np.empty_like(dk)
                np.matmul(cols.transpose(0, 2, 1), gp, out=tmp)
                dk += tmp
            if dx is not None:
                np.matmul(gp, keep_k.transpose(0, 2, 1), out=cols)
                flat = cols.transpose(1, 0, 2).reshape((n1 - n0) * positions, k_dim)
                _k.col2im(flat, dx, *geom, (n0 * lines, n1 * lines))
        return (None if dx is None else dx.reshape(x.shape), dk)

    return output(y.reshape((n,) + geom[-1][3 - (x.ndim - 2):] + (f,)), (x, kernel),
                  backward)
