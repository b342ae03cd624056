"""Convolutions, channels-last (1-D, 2-D, 3-D, grouped, dilated): Winograd or
im2col in C, then GEMMs per chunk.

The column matrix of a run of output rows ((n*od + z)*oh + i across the
batch), (rows*ow, taps*C), times the kernel reshaped to (taps*C, O) is
already that part of the channels-last output; 1-D and 2-D convolutions run
as 3-D ones of unit depth (and height) on views of the same arrays.  With
`groups`, each pixel's columns are group-major and every group is one GEMM
of its own columns and its kernel block, all of them in one batched matmul.  Chunks are bounded in bytes whatever the image
size.  The backward pass rebuilds the columns chunk by chunk (cheaper than
keeping them: they are kh*kw times the input), so memory stays at one
column buffer.  Bias and relu are applied to each chunk while it is in cache.

Stride-1 3x3 and 5x5 convolutions between at least _WINO_MIN_CHANNELS
channels run as Winograd F(m x m, r x r) on m x m output tiles instead:
F(4x4, 3x3) (4x fewer multiplications) unless the output's size suits 2x2
tiles much better (see _wino_tile), else F(2x2, 3x3) (2.25x) and F(2x2, 5x5)
(2.8x); for the output, for dx (the same convolution of the padded output
gradient with the rotated kernel) and for the kernel gradient (F(r x r,
m x m)).  float32 results then differ from the direct sums by a few units in
the 6th digit for F(4x4, 3x3) and F(2x2, 5x5) (the 7th for F(2x2, 3x3)).
"""
import numbers

import numpy as np

from .._kernels import load
from ..autodiff import as_tensor, output
from ._common import check_float, check_padding, ints, window_geometry, workspace
from ._common import padded_output  # noqa: F401  (public here: the conv layers' output sizes)
from . import conv_pool

_k = load("im2col")
_threads = load("threads")

# Bytes of column buffer per chunk and thread (BLAS splits a chunk's GEMM
# between the threads): big enough for efficient GEMMs, small enough to stay
# in a core's L2 / L3 share between im2col, GEMM and epilogue.
_CHUNK_BYTES = conv_pool.CHUNK_BYTES
# Winograd F(m x m, r x r) per (m, r): the finite Toom-Cook points (with
# infinity, alpha = m + r - 1 of them; csrc/im2col.c writes out the matching
# B^T, A^T and the kernel gradient's G'), the fewest channels it is used
# for, and how much more output F(4x4, 3x3)'s whole tiles may cover than
# F(2x2, 3x3)'s before the smaller tiles win (see _wino_tile).
_WINO_POINTS = {
    (2, 3): (0, 1, -1),
    (4, 3): (0, 1, -1, 2, -2),
    (2, 5): (0, 1, -1, 2, -1 / 2),   # -1/2 rounds less than -2 here
}
_WINO_MIN_CHANNELS = 16
_WINO_WASTE = 1.35


def fused_activation(op, activation):
    """True for 'relu', False for None / 'linear' (the activations fused here)."""
    if activation in (None, "linear", "relu"):
        return activation == "relu"
    raise ValueError(f"{op}: activation must be None, 'linear' or 'relu' (the "
                     f"fused ones), got {activation!r}")


def _check_inputs(op, x, kernel, bias, rank, x_layout, k_layout, groups=1):
    """Dtype, rank, channel and group checks shared by the convolutions."""
    check_float(op, "x", x)
    check_float(op, "kernel", kernel, x.dtype)
    if x.ndim != rank:
        raise ValueError(f"{op}: x must have rank {rank} {x_layout}, got shape {x.shape}")
    if kernel.ndim != rank:
        raise ValueError(f"{op}: kernel must have rank {rank} {k_layout}, got "
                         f"shape {kernel.shape}")
    if kernel.shape[-2] * groups != x.shape[-1]:
        per = f" x groups {groups}" if groups > 1 else ""
        raise ValueError(f"{op}: kernel input channels {kernel.shape[-2]}{per} "
                         f"(kernel shape {kernel.shape}) do not match x channels "
                         f"{x.shape[-1]} (x shape {x.shape})")
    if kernel.shape[-1] % groups:
        raise ValueError(f"{op}: groups {groups} must divide the kernel's "
                         f"{kernel.shape[-1]} filters (kernel shape {kernel.shape})")
    if bias is not None:
        check_float(op, "bias", bias, x.dtype)
        if bias.shape != (kernel.shape[-1],):
            raise ValueError(f"{op}: bias must have shape ({kernel.shape[-1]},) "
                             f"(the kernel's filters), got {bias.shape}")


def _groups(op, groups):
    if isinstance(groups, bool) or not isinstance(groups, numbers.Integral) \
            or groups < 1:
        raise ValueError(f"{op}: groups must be a positive int, got {groups!r}")
    return int(groups)


def sliding_window(op, axes, spatial, window, strides, dilation_rate, padding,
                   paddings):
    """Check the strides, dilation_rate and padding of a window sliding over
    the `spatial` axes; return (strides, dilation, padding before, output
    size) per axis."""
    n = len(axes)
    strides = ints(op, "strides", strides, n)
    dilation = ints(op, "dilation_rate", dilation_rate, n)
    check_padding(op, padding, paddings)
    out, pads = [], []
    for axis, length, k, s, d in zip(axes, spatial, window, strides, dilation):
        size, before = window_geometry(op, axis, length, k, s, d, padding)
        out.append(size)
        pads.append(before)
    return strides, dilation, tuple(pads), tuple(out)


def _spatial(op, x, kernel, bias, strides, padding, dilation_rate, activation,
             groups, axes, paddings=("valid", "same")):
    """Check the arguments of an n-D convolution (n = len(axes)); return its
    3-D geometry: (x5 shape, kernel5 shape, strides, dilation, pads, output
    size), unit-padded in front for n < 3, and whether relu is fused."""
    n = len(axes)
    x, kernel = as_tensor(x), as_tensor(kernel)
    bias = None if bias is None else as_tensor(bias)
    layout = "(batch, " + ", ".join(axes) + ", channels)"
    k_layout = "(" + ", ".join(f"k_{a}" for a in axes) + ", in_channels, filters)"
    groups = _groups(op, groups)
    _check_inputs(op, x, kernel, bias, n + 2, layout, k_layout, groups)
    strides, dilation, pads, out = sliding_window(op, axes, x.shape[1:-1], kernel.shape,
                                                  strides, dilation_rate, padding,
                                                  paddings)
    relu = fused_activation(op, activation)
    one = (1,) * (3 - n)
    geom = (x.shape[:1] + one + x.shape[1:], one + kernel.shape, one + strides,
            one + dilation, (0,) * (3 - n) + pads, one + out)
    return x, kernel, bias, geom, relu, groups


def conv3d(x, kernel, bias=None, strides=(1, 1, 1), padding="valid",
           dilation_rate=(1, 1, 1), activation=None, groups=1):
    """3-D convolution of NDHWC `x` with a (kd, kh, kw, C/groups, O) kernel,
    plus `bias`; `padding` 'valid' or 'same', `activation` as for conv2d."""
    x, kernel, bias, geom, relu, groups = _spatial(
        "conv3d", x, kernel, bias, strides, padding, dilation_rate, activation,
        groups, ("depth", "height", "width"))
    return _conv(x, kernel, bias, *geom, relu, groups)


def conv2d(x, kernel, bias=None, strides=(1, 1), padding="valid",
           dilation_rate=(1, 1), activation=None, groups=1):
    """2-D convolution of NHWC `x` with a (kh, kw, C/groups, O) kernel, plus `bias`.

    `padding` is 'valid' or 'same' (TensorFlow's arithmetic); the output is
    (N, out_h, out_w, O).  `activation` None / 'linear' or 'relu' (applied in
    the same pass as the bias).  `groups` splits the channels into groups
    convolved separately (group g: input channels g*C/groups.., filters
    g*O/groups..).
    """
    x, kernel, bias, geom, relu, groups = _spatial(
        "conv2d", x, kernel, bias, strides, padding, dilation_rate, activation,
        groups, ("height", "width"))
    return _conv(x, kernel, bias, *geom, relu, groups)


def conv1d(x, kernel, bias=None, strides=1, padding="valid", dilation_rate=1,
           activation=None, groups=1):
    """1-D convolution of (N, L, C) `x` with a (k, C/groups, O) kernel, plus `bias`.

    `padding` is 'valid', 'same' or 'causal' (Keras).  `activation` and
    `groups` as for conv2d.
    """
    x, kernel, bias, geom, relu, groups = _spatial(
        "conv1d", x, kernel, bias, strides, padding, dilation_rate, activation,
        groups, ("length",), ("valid", "same", "causal"))
    return _conv(x, kernel, bias, *geom, relu, groups)


def grouped(m, groups):
    """The (rows, groups*k) matrix `m` as the (groups, rows, k) stack of its
    column blocks (a view; `m` itself for one group)."""
    if groups == 1:
        return m
    rows, cols = m.shape
    return m.reshape(rows, groups, cols // groups).transpose(1, 0, 2)


def _conv(x, kernel, bias, x5_shape, k5_shape, strides, dilation, pads, out_size,
          relu=False, groups=1):
    """The convolution on 5-D (NDHWC) views of `x` and `kernel`, with its
    backward.

    Winograd where it fits (see the module docstring); otherwise chunk by
    chunk of output rows: columns (pointwise: the input pixels themselves),
    one GEMM (per group) into the output, then bias and relu while the chunk
    is in cache; backward masks by the relu output and sums the bias
    gradient over the same chunks, just before their GEMMs.
    """
    dtype = x.dtype
    n, d, h, w, c = x5_shape
    kd, kh, kw, cg, o = k5_shape
    od, oh, ow = out_size
    xd = np.ascontiguousarray(x.data).reshape(x5_shape)
    k5 = np.ascontiguousarray(kernel.data).reshape(k5_shape)
    k2 = k5.reshape(kd * kh * kw * cg, o)
    geom = ((kd, kh, kw), strides, dilation, pads, out_size)
    pointwise = kd == kh == kw == 1 and strides == (1, 1, 1) and pads == (0, 0, 0)
    y = np.empty((n,) + out_size + (o,), dtype=dtype)
    y2 = y.reshape(-1, o)
    b = None if bias is None else np.ascontiguousarray(bias.data)
    wino = (d == kd == 1 and groups == 1
            and _winograd_fits(k5_shape[1:], strides[1:], dilation[1:], c, o))
    # Above one thread, groups == 1 runs on the pool (see conv_pool).
    slots = _threads.get_omp_threads() if groups == 1 else 1
    if wino:
        x4, k4 = xd.reshape(n, h, w, c), k5.reshape(k5_shape[1:])
        m = _wino_tile(kh, (oh, ow))
        _winograd(x4, _wino_kernel(k4, m), m, pads[1:], (oh, ow),
                  y.reshape(n, oh, ow, o), b, relu, slots)
    elif slots > 1:
        conv_pool.forward_im2col(xd, k2, b, relu, y2, geom, pointwise, slots)
    else:
        kg = grouped(k2, groups)
        for (lo, hi), cols in row_chunks(n * od * oh, ow, k2.shape[0] * groups, o,
                                         pointwise, dtype):
            if pointwise:
                cols = xd.reshape(-1, c)[lo * ow:hi * ow]
            else:
                _k.im2col(xd, cols, *geom, (lo, hi), groups)
            part = y2[lo * ow:hi * ow]
            np.matmul(grouped(cols, groups), kg, out=grouped(part, groups))
            if b is not None or relu:
                _k.bias_act(part, b, relu)
    y = y.reshape((n,) + out_size[5 - x.ndim:] + (o,))
    keep_x = xd if kernel.requires_grad else None
    keep_k = k5 if x.requires_grad else None
    keep_y = y2 if relu else None

    def backward(g):
        dk = None if keep_x is None else np.empty(k2.shape, dtype=dtype)
        dx = None if keep_k is None else np.empty(x5_shape, dtype=dtype)
        if wino:
            dz, db = epilogue_backward(g, keep_y, bias, dtype)
            dz4 = dz.reshape(n, oh, ow, o)
            if dk is not None:
                _winograd_dk(keep_x.reshape(n, h, w, c), dz4, m, pads[1:],
                             dk.reshape(k5_shape[1:]), slots)
            if dx is not None:
                k4 = keep_k.reshape(k5_shape[1:])
                flipped = np.ascontiguousarray(k4[::-1, ::-1].transpose(0, 1, 3, 2))
                mx = _wino_tile(kh, (h, w))
                _winograd(dz4, _wino_kernel(flipped, mx), mx,
                          (kh - 1 - pads[1], kw - 1 - pads[2]), (h, w),
                          dx.reshape(n, h, w, c), None, False, slots)
        elif slots > 1:
            dz, db = epilogue_backward(g, keep_y, bias, dtype)
            k2_keep = None if keep_k is None else keep_k.reshape(k2.shape)
            conv_pool.backward_im2col(dz, keep_x, k2_keep, dk, dx, geom, pointwise, slots)
        else:
            g2 = np.ascontiguousarray(g, dtype=dtype).reshape(-1, o)
            db = bias_grad_buffer(bias, o)
            k2_keep = None if keep_k is None else keep_k.reshape(k2.shape)
            conv_backward(g2, keep_y, keep_x, k2_keep, dk, dx, db, geom, pointwise,
                          groups)
        return input_grads(x, dx, kernel, dk, bias, db)

    inputs = (x, kernel) if bias is None else (x, kernel, bias)
    return output(y, inputs, backward)


def bias_grad_buffer(bias, o):
    """The float64 accumulator of the bias gradient, or None when the bias
    needs none."""
    if bias is not None and bias.requires_grad:
        return np.zeros(o, dtype=np.float64)
    return None


def epilogue_backward(g, y2, bias, dtype):
    """The backward of the convolutions' epilogue (bias, then relu when the
    relu output y2 (2-D) is given) on the whole output gradient g at once:
    (dz as (pixels, channels), the float64 bias gradient or None)."""
    o = g.shape[-1]
    g2 = np.ascontiguousarray(g, dtype=dtype).reshape(-1, o)
    db = bias_grad_buffer(bias, o)
    dz = g2
    if y2 is not None:
        dz = workspace("dz_full", g2.size, dtype).reshape(g2.shape)
    if y2 is not None or db is not None:
        _k.act_grad(y2, g2, dz, db, y2 is not None)
    return dz, db


def input_grads(x, dx, kernel, dk, bias, db):
    """The gradients a convolution op returns: dx and dk in the shapes of x
    and the kernel (or None), then db (cast to x's dtype) when there is a bias."""
    dx = None if dx is None else dx.reshape(x.shape)
    dk = None if dk is None else dk.reshape(kernel.shape)
    if bias is None:
        return dx, dk
    return dx, dk, None if db is None else db.astype(x.dtype)


def _winograd_fits(k4_shape, strides, dilation, c_in, c_out):
    """Whether a convolution runs as Winograd: stride 1, no dilation, a
    square 3x3 or 5x5 kernel and at least _WINO_MIN_CHANNELS channels on
    each side (with fewer, the tile transforms cost more than they save)."""
    kh, kw = k4_shape[:2]
    return (strides == (1, 1) and dilation == (1, 1) and kh == kw and kh in (3, 5)
            and min(c_in, c_out) >= _WINO_MIN_CHANNELS)


def _wino_tile(r, out_hw):
    """The output tile size m for an (oh, ow) output of an r x r kernel: 4
    for 3x3 unless whole 4x4 tiles cover more than _WINO_WASTE times the
    area whole 2x2 tiles do (outputs 1, 2, 5, 6, 9, 10 wide), else 2."""
    def covered(m):
        return (-(-out_hw[0] // m) * m) * (-(-out_hw[1] // m) * m)
    return 4 if r == 3 and covered(4) <= _WINO_WASTE * covered(2) else 2


def _toom(m, r, n):
    """F(m, r)'s (alpha, n) Vandermonde matrix of its points p_i (rows p_i^k)
    and infinity (0, ..., 0, 1), and each row's prod_{l != i} (p_i - p_l)
    over the other finite points (1 for infinity): G = V_r / those,
    A^T = V_m^T, B^T = diag(those) V_alpha^-T (csrc/im2col.c's)."""
    pts = np.array(_WINO_POINTS[m, r], dtype=np.float64)
    v = np.vstack([pts[:, None] ** np.arange(n), np.eye(1, n, n - 1)])
    f = [np.prod(p - np.delete(pts, i)) for i, p in enumerate(pts)]
    return v, np.array(f + [1.0])


def _wino_kernel(k4, m):
    """G k G^T of F(m x m, r x r) for every (in, out) channel pair of the
    (r, r, C, O) kernel: (alpha*alpha, C, O), in the kernel's dtype."""
    r, _, c, o = k4.shape
    v, f = _toom(m, r, r)
    g = (v / f[:, None]).astype(k4.dtype)
    u = np.tensordot(g, np.tensordot(g, k4, axes=(1, 0)), axes=(1, 1))
    return np.ascontiguousarray(u.transpose(1, 0, 2, 3)).reshape(-1, c, o)


def _winograd(xd, u, m, pads, out_hw, y, b, relu, slots=1):
    """y = act(the stride-1 convolution of NHWC `xd` + b), the kernel given
    transformed (`_wino_kernel` with tile size m): per chunk of m x m-output
    tiles, the input transform, alpha^2 GEMMs (tiles x C) @ (C x O) (in C:
    OpenBLAS threads such small products poorly), the output transform; on
    the pool above one slot."""
    if slots > 1:
        conv_pool.winograd(xd, u, m, pads, out_hw, y, b, relu, slots)
        return
    n, c = xd.shape[0], xd.shape[3]
    a2, _, o = u.shape
    r = int(round(a2 ** 0.5)) - m + 1
    tiles = conv_pool.wino_tiles(n, out_hw, m)
    tile_bytes = a2 * (c + o) * xd.dtype.itemsize
    step = max(1, min(tiles, _CHUNK_BYTES * _threads.get_omp_threads() // tile_bytes))
    vbuf, vs = conv_pool.planes("wino_v", a2, step * c, xd.dtype)
    mbuf, ms = conv_pool.planes("wino_m", a2, step * o, xd.dtype)
    for t0 in range(0, tiles, step):
        t1 = min(tiles, t0 + step)
        _k.wino_input(xd, vbuf, vs, m, r, pads, out_hw, (t0, t1))
        _k.batched_gemm(_plane_view(vbuf, vs, a2, (t1 - t0, c)), u,
                        _plane_view(mbuf, ms, a2, (t1 - t0, o)), False)
        _k.wino_output(mbuf, ms, y, b, relu, m, r, (t0, t1))


def _winograd_dk(xd, dz, m, pads, dk, slots=1):
    """Fill `dk` (r, r, C, O) with the kernel gradient of the stride-1
    convolution of NHWC `xd` whose output gradient is `dz`, as Winograd
    F(r x r, m x m): per chunk of output tiles, the input transform of `xd`,
    G' dz G'^T of the gradient's m x m blocks, and alpha^2 GEMMs
    (C x tiles) @ (tiles x O) summed over the chunks (on the pool above one
    slot); A'^T (.) A' at the end."""
    n, c = xd.shape[0], xd.shape[3]
    r, o = dk.shape[0], dk.shape[3]
    a2 = (m + r - 1) ** 2
    if slots > 1:
        _wino_dk_output(conv_pool.winograd_du(xd, dz, pads, m, r, slots), dk, m)
        return
    out_hw = dz.shape[1:3]
    tiles = conv_pool.wino_tiles(n, out_hw, m)
    tile_bytes = a2 * (c + o) * xd.dtype.itemsize
    # The GEMMs sum over the tiles: longer chunks than the forward's pay.
    budget = 4 * _CHUNK_BYTES * _threads.get_omp_threads()
    step = max(1, min(tiles, budget // tile_bytes))
    vbuf, vs = conv_pool.planes("wino_v", a2, step * c, xd.dtype)
    wbuf, ws = conv_pool.planes("wino_m", a2, step * o, xd.dtype)
    du = np.zeros((a2, c, o), dtype=xd.dtype)
    for t0 in range(0, tiles, step):
        t1 = min(tiles, t0 + step)
        _k.wino_input(xd, vbuf, vs, m, r, pads, out_hw, (t0, t1))
        _k.wino_grad(dz, wbuf, ws, m, r, (t0, t1))
        _k.batched_gemm(_plane_view(vbuf, vs, a2, (t1 - t0, c)).transpose(0, 2, 1),
                        _plane_view(wbuf, ws, a2, (t1 - t0, o)), du, True)
    _wino_dk_output(du, dk, m)


def _wino_dk_output(du, dk, m):
    """dk (r, r, C, O) = A'^T du A' for the Winograd-domain gradient du
    (alpha^2, C, O) of F(r x r, m x m) (A'^T = V_r^T, see _toom)."""
    r, c, o = dk.shape[0], dk.shape[2], dk.shape[3]
    at = _toom(m, r, r)[0].T.astype(du.dtype)
    du = du.reshape(m + r - 1, m + r - 1, c, o)
    dk[...] = np.tensordot(at, np.tensordot(at, du, axes=(1, 0)),
                           axes=(1, 1)).transpose(1, 0, 2, 3)


def _plane_view(buf, stride, count, shape):
    """The (count,) + shape array of planes `stride` elements apart in `buf`."""
    item = buf.itemsize
    return np.lib.stride_tricks.as_strided(
        buf, (count,) + shape, (stride * item, shape[1] * item, item), writeable=True)


def conv_backward(g2, y2, x5, k2, dk, dx, db, geom, pointwise, groups=1):
    """Fill `dk` (columns^T @ dz) and `dx` (col2im of dz @ kernel^T) and add
    the bias gradient to the float64 `db`, chunk by chunk; dk, dx, db and
    x5 / k2 (needed only for dk / dx) may be None.  `geom` is the im2col
    geometry (kernel size, strides, dilation, pads, output size), 3-D.

    dz is g2, or g2 where the relu output y2 is positive and 0 elsewhere.
    Columns are rebuilt per chunk; once the kernel gradient has read them,
    the same buffer receives dz @ kernel^T.
    """
    dtype, o = g2.dtype, g2.shape[1]
    ow = geom[-1][-1]
    lines = g2.shape[0] // ow if ow else 0
    kdim = (dk if dk is not None else k2).shape[0]
    width = kdim * groups
    if dk is not None and lines == 0:
        dk.fill(0)
    if dx is not None and not pointwise:
        dx.fill(0)
    kt = None if k2 is None else grouped(k2, groups).swapaxes(-1, -2)
    dkg = None if dk is None else grouped(dk, groups)
    tmp = None
    for (lo, hi), cols in row_chunks(lines, ow, width, o, pointwise, dtype):
        p0, p1 = lo * ow, hi * ow
        gc = g2[p0:p1]
        if y2 is not None:
            dz = workspace("dz", (p1 - p0) * o, dtype).reshape(p1 - p0, o)
            _k.act_grad(y2[p0:p1], gc, dz, db, True)
            gc = dz
        elif db is not None:
            _k.act_grad(None, gc, None, db, False)
        gg = grouped(gc, groups)
        if dk is not None:
            if pointwise:
                cols = x5.reshape(-1, width)[p0:p1]
            else:
                _k.im2col(x5, cols, *geom, (lo, hi), groups)
            ct = grouped(cols, groups).swapaxes(-1, -2)
            if lo == 0:
                np.matmul(ct, gg, out=dkg)
            else:
                if tmp is None:
                    tmp = np.empty_like(dkg)
                np.matmul(ct, gg, out=tmp)
                dkg += tmp
        if dx is not None:
            if pointwise:
                np.matmul(gg, kt, out=grouped(dx.reshape(-1, width)[p0:p1], groups))
            else:
                np.matmul(gg, kt, out=grouped(cols, groups))
                _k.col2im(cols, dx, *geom, (lo, hi), groups)


def chunk_budget():
    """Bytes of column buffer a chunk may take (_CHUNK_BYTES per thread)."""
    return _CHUNK_BYTES * _threads.get_omp_threads()


def row_chunks(lines, ow, kdim, o, pointwise, dtype, scale=1):
    """Yield ((start, end) output rows, column buffer (rows*ow, kdim) or None
    when pointwise) covering all `lines` rows of `ow` outputs with `kdim`
    columns and `o` output channels each.

    A chunk's column buffer and its output part are each at most about
    _CHUNK_BYTES per thread (times `scale`): small enough to stay in cache
    from im2col through the GEMM to the epilogue (the GEMMs themselves run
    faster there than on larger chunks).
    """
    line_bytes = ow * max(kdim, o) * np.dtype(dtype).itemsize
    step = max(1, min(lines, scale * chunk_budget() // max(line_bytes, 1)))
    buf = None if pointwise else workspace("cols", step * ow * kdim, dtype)
    for lo in range(0, lines, step):
        hi = min(lines, lo + step)
        yield (lo, hi), None if pointwise else buf[:(hi - lo) * ow * kdim].reshape(-1, kdim)
