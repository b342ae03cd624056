"""Convolutions, channels-last: Winograd or im2col in C, then GEMMs per chunk.

The column matrix of a run of output rows (n*oh + i across the batch),
(rows*ow, kh*kw*C), times the kernel reshaped to (kh*kw*C, O) is already
that part of the NHWC output.  Chunks are bounded in bytes whatever the image
size.  The backward pass rebuilds the columns chunk by chunk (cheaper than
keeping them: they are kh*kw times the input), so memory stays at one
column buffer.  Bias and relu are applied to each chunk while it is in cache.

Stride-1 3x3 and 5x5 convolutions between at least _WINO_MIN_CHANNELS
channels run as Winograd F(2x2, r x r) on 2x2 output tiles instead: 2.25x
(3x3) and 2.8x (5x5) fewer multiplications, for the output, for dx (the
same convolution of the padded output gradient with the rotated kernel) and
for the kernel gradient (F(r x r, 2x2)).  float32 results then differ from
the direct sums by a few units in the 6th digit for 5x5 (the 7th for 3x3).
"""
import numpy as np

from .._kernels import load
from ..autodiff import as_tensor, output
from ._common import check_float, check_padding, ints, window_geometry, workspace
from ._common import padded_output  # noqa: F401  (public here: the conv layers' output sizes)

_k = load("im2col")
_threads = load("threads")

# Bytes of column buffer per chunk and thread (BLAS splits a chunk's GEMM
# between the threads): big enough for efficient GEMMs, small enough to stay
# in a core's L2 / L3 share between im2col, GEMM and epilogue.
_CHUNK_BYTES = 1 << 20
# Winograd F(2x2, r x r): the kernel transform G (alpha x r) per kernel size
# r (Toom-Cook points 0, 1, -1 (, 2, -1/2) and infinity; csrc/im2col.c holds
# the matching B^T and A^T), and the fewest channels it is used for.
_WINO_G = {
    3: np.array([[-1, 0, 0], [1 / 2, 1 / 2, 1 / 2], [1 / 2, -1 / 2, 1 / 2], [0, 0, 1]]),
    5: np.array([[1, 0, 0, 0, 0],
                 [-1 / 3, -1 / 3, -1 / 3, -1 / 3, -1 / 3],
                 [1 / 3, -1 / 3, 1 / 3, -1 / 3, 1 / 3],
                 [1 / 15, 2 / 15, 4 / 15, 8 / 15, 16 / 15],
                 [-16 / 15, 8 / 15, -4 / 15, 2 / 15, -1 / 15],
                 [0, 0, 0, 0, 1]]),
}
# A'^T (r x alpha) of F(r x r, 2x2), the kernel gradient's output transform.
_WINO_AT_GRAD = {
    3: np.array([[1, 1, 1, 0], [0, 1, -1, 0], [0, 1, 1, 1]]),
    5: np.array([[1, 1, 1, 1, 1, 0],
                 [0, 1, -1, 2, -1 / 2, 0],
                 [0, 1, 1, 4, 1 / 4, 0],
                 [0, 1, -1, 8, -1 / 8, 0],
                 [0, 1, 1, 16, 1 / 16, 1]]),
}
_WINO_MIN_CHANNELS = 16


def _check_activation(op, activation):
    """True for 'relu', False for None / 'linear' (the activations fused here)."""
    if activation in (None, "linear", "relu"):
        return activation == "relu"
    raise ValueError(f"{op}: activation must be None, 'linear' or 'relu' (the "
                     f"fused ones), got {activation!r}")


def _check_inputs(op, x, kernel, bias, rank, x_layout, k_layout):
    """Dtype, rank and channel checks shared by conv1d and conv2d."""
    check_float(op, "x", x)
    check_float(op, "kernel", kernel, x.dtype)
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
        check_float(op, "bias", bias, x.dtype)
        if bias.shape != (kernel.shape[-1],):
            raise ValueError(f"{op}: bias must have shape ({kernel.shape[-1]},) "
                             f"(the kernel's filters), got {bias.shape}")


def conv2d(x, kernel, bias=None, strides=(1, 1), padding="valid",
           dilation_rate=(1, 1), activation=None):
    """2-D convolution of NHWC `x` with a (kh, kw, C, O) kernel, plus `bias`.

    `padding` is 'valid' or 'same' (TensorFlow's arithmetic); the output is
    (N, out_h, out_w, O).  `activation` None / 'linear' or 'relu' (applied in
    the same pass as the bias).
    """
    x, kernel = as_tensor(x), as_tensor(kernel)
    bias = None if bias is None else as_tensor(bias)
    _check_inputs("conv2d", x, kernel, bias, 4, "(batch, height, width, channels)",
                  "(kh, kw, in_channels, filters)")
    strides = ints("conv2d", "strides", strides, 2)
    dilation = ints("conv2d", "dilation_rate", dilation_rate, 2)
    check_padding("conv2d", padding, ("valid", "same"))
    relu = _check_activation("conv2d", activation)
    (_, h, w, _), (kh, kw, _, _) = x.shape, kernel.shape
    oh, pt = window_geometry("conv2d", "height", h, kh, strides[0], dilation[0], padding)
    ow, pl = window_geometry("conv2d", "width", w, kw, strides[1], dilation[1], padding)
    return _conv(x, kernel, bias, x.shape, kernel.shape, strides, dilation,
                 (pt, pl), (oh, ow), relu)


def conv1d(x, kernel, bias=None, strides=1, padding="valid", dilation_rate=1,
           activation=None):
    """1-D convolution of (N, L, C) `x` with a (k, C, O) kernel, plus `bias`.

    `padding` is 'valid', 'same' or 'causal' (Keras); runs as a 2-D
    convolution of height 1 on views of the same arrays.  `activation` as
    for conv2d.
    """
    x, kernel = as_tensor(x), as_tensor(kernel)
    bias = None if bias is None else as_tensor(bias)
    _check_inputs("conv1d", x, kernel, bias, 3, "(batch, steps, channels)",
                  "(kernel_size, in_channels, filters)")
    (stride,) = ints("conv1d", "strides", strides, 1)
    (dilation,) = ints("conv1d", "dilation_rate", dilation_rate, 1)
    check_padding("conv1d", padding, ("valid", "same", "causal"))
    relu = _check_activation("conv1d", activation)
    n, length, c = x.shape
    k, _, o = kernel.shape
    out, before = window_geometry("conv1d", "length", length, k, stride, dilation, padding)
    return _conv(x, kernel, bias, (n, 1, length, c), (1, k, c, o), (1, stride),
                 (1, dilation), (0, before), (1, out), relu)


def _conv(x, kernel, bias, x4_shape, k4_shape, strides, dilation, pads, out_hw,
          relu=False):
    """The convolution on 4-D views of `x` and `kernel`, with its backward.

    Winograd where it fits (see the module docstring); otherwise chunk by
    chunk of output rows: columns (pointwise: the input pixels themselves),
    one GEMM into the output, then bias and relu while the chunk is in
    cache; backward masks by the relu output and sums the bias gradient over
    the same chunks, just before their GEMMs.
    """
    dtype = x.dtype
    n, h, w, c = x4_shape
    kh, kw, _, o = k4_shape
    oh, ow = out_hw
    xd = np.ascontiguousarray(x.data).reshape(x4_shape)
    k4 = np.ascontiguousarray(kernel.data).reshape(k4_shape)
    k2 = k4.reshape(kh * kw * c, o)
    geom = ((kh, kw), strides, dilation, pads, out_hw)
    pointwise = kh == kw == 1 and strides == (1, 1) and pads == (0, 0)
    y = np.empty((n, oh, ow, o), dtype=dtype)
    y2 = y.reshape(-1, o)
    b = None if bias is None else np.ascontiguousarray(bias.data)
    wino = _winograd_fits(k4_shape, strides, dilation, c, o)
    if wino:
        _winograd(xd, _wino_kernel(k4), pads, out_hw, y, b, relu)
    else:
        for (lo, hi), cols in _chunks(n, geom, k2.shape, pointwise, dtype):
            if pointwise:
                cols = xd.reshape(-1, c)[lo * ow:hi * ow]
            else:
                _k.im2col(xd, cols, *geom, (lo, hi))
            part = y2[lo * ow:hi * ow]
            np.matmul(cols, k2, out=part)
            if b is not None or relu:
                _k.bias_act(part, b, relu)
    if x.ndim == 3:
        y = y.reshape(n, ow, o)
    keep_x = xd if kernel.requires_grad else None
    keep_k = k4 if x.requires_grad else None
    keep_y = y2 if relu else None

    def backward(g):
        g2 = np.ascontiguousarray(g, dtype=dtype).reshape(-1, o)
        db = None
        if bias is not None and bias.requires_grad:
            db = np.zeros(o, dtype=np.float64)
        dk = None if keep_x is None else np.empty(k2.shape, dtype=dtype)
        dx = None if keep_k is None else np.empty(x4_shape, dtype=dtype)
        if wino:
            dz = g2
            if keep_y is not None:
                dz = workspace("dz_full", g2.size, dtype).reshape(g2.shape)
            if keep_y is not None or db is not None:
                _k.act_grad(keep_y, g2, dz, db, keep_y is not None)
            dz4 = dz.reshape(n, oh, ow, o)
            if dk is not None:
                _winograd_dk(keep_x, dz4, pads, dk.reshape(k4_shape))
            if dx is not None:
                flipped = np.ascontiguousarray(keep_k[::-1, ::-1].transpose(0, 1, 3, 2))
                _winograd(dz4, _wino_kernel(flipped), (kh - 1 - pads[0], kw - 1 - pads[1]),
                          (h, w), dx, None, False)
        else:
            k2_keep = None if keep_k is None else keep_k.reshape(k2.shape)
            _conv_backward(g2, keep_y, keep_x, k2_keep, dk, dx, db, geom, pointwise)
        dx = None if dx is None else dx.reshape(x.shape)
        dk = None if dk is None else dk.reshape(kernel.shape)
        if bias is None:
            return dx, dk
        return dx, dk, None if db is None else db.astype(dtype)

    inputs = (x, kernel) if bias is None else (x, kernel, bias)
    return output(y, inputs, backward)


def _winograd_fits(k4_shape, strides, dilation, c_in, c_out):
    """Whether a convolution runs as Winograd: stride 1, no dilation, a
    square 3x3 or 5x5 kernel and at least _WINO_MIN_CHANNELS channels on
    each side (with fewer, the tile transforms cost more than they save)."""
    kh, kw = k4_shape[:2]
    return (strides == (1, 1) and dilation == (1, 1) and kh == kw and kh in _WINO_G
            and min(c_in, c_out) >= _WINO_MIN_CHANNELS)


def _wino_kernel(k4):
    """G k G^T for every (in, out) channel pair of the (r, r, C, O) kernel:
    (alpha*alpha, C, O), in the kernel's dtype."""
    r, _, c, o = k4.shape
    g = _WINO_G[r].astype(k4.dtype)
    u = np.tensordot(g, np.tensordot(g, k4, axes=(1, 0)), axes=(1, 1))
    return np.ascontiguousarray(u.transpose(1, 0, 2, 3)).reshape(-1, c, o)


def _winograd(xd, u, pads, out_hw, y, b, relu):
    """y = act(the stride-1 convolution of NHWC `xd` + b), the kernel given
    transformed (`_wino_kernel`): per chunk of 2x2-output tiles, the input
    transform, alpha^2 GEMMs (tiles x C) @ (C x O) (in C: OpenBLAS threads
    such small products poorly), the output transform."""
    n, c = xd.shape[0], xd.shape[3]
    a2, _, o = u.shape
    r = int(round(a2 ** 0.5)) - 1
    tiles = n * ((out_hw[0] + 1) // 2) * ((out_hw[1] + 1) // 2)
    tile_bytes = a2 * (c + o) * xd.dtype.itemsize
    step = max(1, min(tiles, _CHUNK_BYTES * _threads.get_omp_threads() // tile_bytes))
    vbuf, vs = _planes("wino_v", a2, step * c, xd.dtype)
    mbuf, ms = _planes("wino_m", a2, step * o, xd.dtype)
    for t0 in range(0, tiles, step):
        t1 = min(tiles, t0 + step)
        _k.wino_input(xd, vbuf, vs, r, pads, out_hw, (t0, t1))
        _k.batched_gemm(_plane_view(vbuf, vs, a2, (t1 - t0, c)), u,
                        _plane_view(mbuf, ms, a2, (t1 - t0, o)), False)
        _k.wino_output(mbuf, ms, y, b, relu, r, (t0, t1))


def _winograd_dk(xd, dz, pads, dk):
    """Fill `dk` (r, r, C, O) with the kernel gradient of the stride-1
    convolution of NHWC `xd` whose output gradient is `dz`, as Winograd
    F(r x r, 2x2): per chunk of output tiles, the input transform of `xd`,
    G' dz G'^T of the gradient's 2x2 blocks, and alpha^2 GEMMs
    (C x tiles) @ (tiles x O) summed over the chunks; A'^T (.) A' at the end."""
    n, c = xd.shape[0], xd.shape[3]
    r, o = dk.shape[0], dk.shape[3]
    a2 = (r + 1) ** 2
    out_hw = dz.shape[1:3]
    tiles = n * ((out_hw[0] + 1) // 2) * ((out_hw[1] + 1) // 2)
    tile_bytes = a2 * (c + o) * xd.dtype.itemsize
    # The GEMMs sum over the tiles: longer chunks than the forward's pay.
    budget = 4 * _CHUNK_BYTES * _threads.get_omp_threads()
    step = max(1, min(tiles, budget // tile_bytes))
    vbuf, vs = _planes("wino_v", a2, step * c, xd.dtype)
    wbuf, ws = _planes("wino_m", a2, step * o, xd.dtype)
    du = np.zeros((a2, c, o), dtype=xd.dtype)
    for t0 in range(0, tiles, step):
        t1 = min(tiles, t0 + step)
        _k.wino_input(xd, vbuf, vs, r, pads, out_hw, (t0, t1))
        _k.wino_grad(dz, wbuf, ws, r, (t0, t1))
        _k.batched_gemm(_plane_view(vbuf, vs, a2, (t1 - t0, c)).transpose(0, 2, 1),
                        _plane_view(wbuf, ws, a2, (t1 - t0, o)), du, True)
    at = _WINO_AT_GRAD[r].astype(xd.dtype)
    du = du.reshape(r + 1, r + 1, c, o)
    dk[...] = np.tensordot(at, np.tensordot(at, du, axes=(1, 0)),
                           axes=(1, 1)).transpose(1, 0, 2, 3)


def _planes(slot, count, size, dtype):
    """A scratch buffer for `count` planes of `size` elements and their
    stride: 256 bytes past a multiple of 4 KiB, so that writing one row into
    every plane in turn does not suffer 4K aliasing."""
    itemsize = np.dtype(dtype).itemsize
    stride = (-(-size * itemsize // 4096) * 4096 + 256) // itemsize
    return workspace(slot, (count - 1) * stride + size, dtype), stride


def _plane_view(buf, stride, count, shape):
    """The (count,) + shape array of planes `stride` elements apart in `buf`."""
    item = buf.itemsize
    return np.lib.stride_tricks.as_strided(
        buf, (count,) + shape, (stride * item, shape[1] * item, item), writeable=True)


def _conv_backward(g2, y2, x4, k2, dk, dx, db, geom, pointwise):
    """Fill `dk` (columns^T @ dz) and `dx` (col2im of dz @ kernel^T) and add
    the bias gradient to the float64 `db`, chunk by chunk; dk, dx, db and
    x4 / k2 (needed only for dk / dx) may be None.

    dz is g2, or g2 where the relu output y2 is positive and 0 elsewhere.
    Columns are rebuilt per chunk; once the kernel gradient has read them,
    the same buffer receives dz @ kernel^T.
    """
    dtype, o = g2.dtype, g2.shape[1]
    n, ow = g2.shape[0] // (geom[-1][0] * geom[-1][1]), geom[-1][1]
    kshape = (dk if dk is not None else k2).shape
    if dk is not None and n == 0:
        dk.fill(0)
    if dx is not None and not pointwise:
        dx.fill(0)
    tmp = None
    for (lo, hi), cols in _chunks(n, geom, kshape, pointwise, dtype):
        p0, p1 = lo * ow, hi * ow
        gc = g2[p0:p1]
        if y2 is not None:
            dz = workspace("dz", (p1 - p0) * o, dtype).reshape(p1 - p0, o)
            _k.act_grad(y2[p0:p1], gc, dz, db, True)
            gc = dz
        elif db is not None:
            _k.act_grad(None, gc, None, db, False)
        if dk is not None:
            if pointwise:
                cols = x4.reshape(-1, kshape[0])[p0:p1]
            else:
                _k.im2col(x4, cols, *geom, (lo, hi))
            if lo == 0:
                np.matmul(cols.T, gc, out=dk)
            else:
                if tmp is None:
                    tmp = np.empty_like(dk)
                np.matmul(cols.T, gc, out=tmp)
                dk += tmp
        if dx is not None:
            if pointwise:
                np.matmul(gc, k2.T, out=dx.reshape(-1, kshape[0])[p0:p1])
            else:
                np.matmul(gc, k2.T, out=cols)
                _k.col2im(cols, dx, *geom, (lo, hi))


def _chunks(n, geom, kshape, pointwise, dtype):
    """Yield ((start, end) output rows n*oh + i, column buffer or None when
    pointwise) covering all n*oh rows.

    A chunk's column buffer and its output part are each at most about
    _CHUNK_BYTES per thread: small enough to stay in cache from im2col
    through the GEMM to the epilogue (the GEMMs themselves run faster there
    than on larger chunks).
    """
    (oh, ow), (kdim, o) = geom[-1], kshape
    lines = n * oh
    line_bytes = ow * max(kdim, o) * np.dtype(dtype).itemsize
    budget = _CHUNK_BYTES * _threads.get_omp_threads()
    step = max(1, min(lines, budget // max(line_bytes, 1)))
    buf = None if pointwise else workspace("cols", step * ow * kdim, dtype)
    for lo in range(0, lines, step):
        hi = min(lines, lo + step)
        yield (lo, hi), None if pointwise else buf[:(hi - lo) * ow * kdim].reshape(-1, kdim)
