"""The convolutions' work on fastgraph's thread pool (csrc/tasks.h), used
at more than one thread.

OpenBLAS splits each small GEMM of a convolution chunk between the cores
(and an OpenMP region per transform), so at two threads the many fork/join
points cost more than they gain, and a neighbour process that deschedules
one thread stalls every one of them.  Here each pool task does a whole
chunk single-threaded: im2col (or the Winograd input transform), its GEMMs
in C and the epilogue, in its thread's own scratch; the caller takes tasks
too and never waits for a worker that has not started one.  The kernel
gradients are summed per task and added in task order afterwards, so
results do not depend on which thread ran what.
"""
import numpy as np

from .._kernels import load
from ._common import workspace

_k = load("im2col")

# Bytes of column buffer / Winograd planes per task: a chunk stays in one
# core's L2 from im2col through the GEMM to the epilogue.
CHUNK_BYTES = 1 << 20
# Tasks per thread: enough for dynamic balancing when a core is shared,
# few enough that the per-task kernel gradients stay cheap to add.
_TASKS_PER_THREAD = 3


def planes(slot, count, size, dtype, copies=1):
    """Scratch for `copies` sets of `count` planes of `size` elements, and
    the plane stride: 256 bytes past a multiple of 4 KiB, so that writing
    one row into every plane in turn does not suffer 4K aliasing.  Set s
    starts at s * ((count - 1) * stride + size)."""
    itemsize = np.dtype(dtype).itemsize
    stride = (-(-size * itemsize // 4096) * 4096 + 256) // itemsize
    return workspace(slot, copies * ((count - 1) * stride + size), dtype), stride


def _ceil(a, b):
    return -(-a // b)


def _split(total, slots, cap):
    """Items per task: about _TASKS_PER_THREAD tasks per thread, at most `cap`."""
    return max(1, min(cap, _ceil(total, _TASKS_PER_THREAD * slots)))


def forward_im2col(xd, k2, b, relu, y2, geom, pointwise, slots):
    """y2 = act(columns of xd @ k2 + b), one group, tasks of output rows."""
    lines = y2.shape[0] // geom[-1][-1] if geom[-1][-1] else 0
    if lines == 0:
        return
    ow, kdim, o = geom[-1][-1], k2.shape[0], k2.shape[1]
    step = _split(lines, slots, max(1, CHUNK_BYTES // (ow * max(kdim, o) * xd.itemsize)))
    scratch = None if pointwise else workspace("pool_cols", slots * step * ow * kdim,
                                               xd.dtype)
    _k.conv_forward_par(xd, k2, b, relu, y2, *geom, pointwise, step, scratch, slots)


def backward_im2col(dz, xd, k2, dk, dx, geom, pointwise, slots):
    """Fill dk (K, O) with columns^T @ dz and dx with col2im(dz @ k2^T); either
    may be None (then xd, resp. k2, may be too).  Tasks own whole images."""
    n = (xd if xd is not None else dx).shape[0]
    ow, o = geom[-1][-1], dz.shape[1]
    kdim = (dk if dk is not None else k2).shape[0]
    if n == 0 or dz.shape[0] == 0:
        if dk is not None:
            dk.fill(0)
        if dx is not None:
            dx.fill(0)
        return
    per_task = _split(n, slots, n)
    step = max(1, CHUNK_BYTES // (ow * max(kdim, o) * dz.itemsize))
    scratch = None if pointwise else workspace("pool_cols", slots * step * ow * kdim,
                                               dz.dtype)
    parts = None
    if dk is not None:
        parts = workspace("pool_dk", _ceil(n, per_task) * kdim * o, dz.dtype)
        parts = parts.reshape(-1, kdim, o)
    kt = None if dx is None else np.ascontiguousarray(k2.T)
    _k.conv_backward_par(dz, xd if dk is not None else None, kt, parts, dx, *geom,
                         pointwise, step, per_task, scratch, slots)
    if dk is not None:
        np.sum(parts, axis=0, out=dk)


def wino_tiles(n, out_hw, m):
    """The m x m Winograd tiles covering n images' (oh, ow) outputs."""
    return n * _ceil(out_hw[0], m) * _ceil(out_hw[1], m)


def _wino_bufs(a2, step, c, o, dtype, slots):
    vbuf, vs = planes("pool_wino_v", a2, step * c, dtype, slots)
    mbuf, ms = planes("pool_wino_m", a2, step * o, dtype, slots)
    return vbuf, vs, mbuf, ms


def winograd(x4, u, m, pads, out_hw, y4, b, relu, slots):
    """y4 = act(Winograd convolution of x4 with the kernel u transformed for
    m x m tiles + b)."""
    n, c = x4.shape[0], x4.shape[3]
    a2, _, o = u.shape
    r = int(round(a2 ** 0.5)) - m + 1
    tiles = wino_tiles(n, out_hw, m)
    if tiles == 0:
        return
    step = _split(tiles, slots, max(1, CHUNK_BYTES // (a2 * (c + o) * x4.itemsize)))
    _k.wino_forward_par(x4, u, b, relu, y4, m, r, pads, step,
                        _wino_bufs(a2, step, c, o, x4.dtype, slots), slots)


def winograd_du(x4, dz4, pads, m, r, slots):
    """The kernel gradient in the Winograd domain, (alpha^2, C, O): the sum over
    all m x m tiles of V^T W (see conv._winograd_dk), per task then in task
    order."""
    n, c = x4.shape[0], x4.shape[3]
    o = dz4.shape[3]
    a2 = (m + r - 1) ** 2
    tiles = wino_tiles(n, dz4.shape[1:3], m)
    if tiles == 0:
        return np.zeros((a2, c, o), dtype=x4.dtype)
    per_task = _split(tiles, slots, tiles)
    # The GEMMs sum over the tiles: longer chunks than the forward's pay.
    step = max(1, min(per_task, 4 * CHUNK_BYTES // (a2 * (c + o) * x4.itemsize)))
    parts = workspace("pool_du", _ceil(tiles, per_task) * a2 * c * o, x4.dtype)
    parts = parts.reshape(-1, a2, c, o)
    _k.wino_dk_par(x4, dz4, parts, m, r, pads, step, per_task,
                   _wino_bufs(a2, step, c, o, x4.dtype, slots), slots)
    return parts.sum(axis=0)
