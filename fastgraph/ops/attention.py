"""Attention: the masked softmax, and scaled dot-product attention over heads.

The softmax that turns scores into attention weights runs in one C pass
(csrc/attention.h) that scales the scores, adds tf-keras's -1e9 where a
mask or causality rules a key out, and normalizes.  Where the weights are
wanted (Keras's `return_attention_scores`, or dropout on them), dot-product
attention is two ops:

  attention_weights(q, k) -> (batch, heads, Tq, Tk), softmax(scale q.k)
  attend(weights, v)      -> (batch, Tq, heads, Dv), weights @ v

with q, k, v in the (batch, T, heads, dim) layout that Keras's EinsumDense
projections produce; the heads are walked through strided views (NumPy
hands them to BLAS with their strides), and every product is one
np.matmul.  A product whose second operand would be a transposed view
(q @ k^T, and g @ v^T in the backward) gets that operand as a contiguous
copy instead: NumPy's batched path runs such small A @ B^T products 2-3x
slower than A @ B, far more than the copy costs.

Otherwise it is one fused op, dot_product_attention(q, k, v) (and
self_attention for q, k, v packed by one projection): in C
(csrc/attention_t.h), one pool task per (batch, head) computes a block of
query rows' weights in cache, uses them and drops them; the backward
recomputes them the same way.  The (batch, heads, Tq, Tk) weights are
several times the size of q, k and v, and streaming them through memory
four times per step cost more than their arithmetic.
"""
import numpy as np

from .. import _threads as _thread_control
from .._kernels import load
from ..autodiff import as_array, output
from . import shape as S
from ._common import check_float, contiguous, float_input, workspace

_k = load("attention")
_act = load("activation")
_threads = load("threads")
# Scores per query block of the fused op: a block's weights and their
# gradient (2 x 128 KiB in float32) stay in L2.
_BLOCK_SCORES = 1 << 15
# The fused op's products are calls of NumPy's BLAS from C.
_FUSED = _thread_control.connect_blas(_k)


def _bool_mask(op, mask, shape, what):
    """`mask` (True = attend) broadcast to `shape`, as contiguous uint8."""
    m = np.asarray(as_array(mask))
    if m.dtype != np.bool_:
        m = m != 0
    try:
        m = np.broadcast_to(m, shape)
    except ValueError:
        raise ValueError(f"{op}: mask of shape {m.shape} does not broadcast to "
                         f"{what} {shape}") from None
    return np.ascontiguousarray(m, dtype=np.uint8)


def masked_softmax(x, mask=None, axis=-1):
    """softmax(x + (1 - mask) * -1e9) along `axis`, as tf-keras's Softmax
    layer computes it; `mask` (True = keep) broadcasts to x."""
    op = "masked_softmax"
    x = float_input(x, op)
    if x.ndim == 0:
        raise ValueError(f"{op}: x must have at least 1 dimension, got a scalar")
    if not isinstance(axis, (int, np.integer)) or isinstance(axis, bool) \
            or not -x.ndim <= axis < x.ndim:
        raise ValueError(f"{op}: axis {axis!r} is out of range for x of shape {x.shape}")
    axis = int(axis) % x.ndim
    xd = contiguous(x.data)
    m = None if mask is None else _bool_mask(op, mask, xd.shape, "x of shape")
    if axis != xd.ndim - 1:
        xd = np.ascontiguousarray(np.moveaxis(xd, axis, -1))
        m = None if m is None else np.ascontiguousarray(np.moveaxis(m, axis, -1))
    y = np.empty_like(xd)
    n = xd.shape[-1]
    _k.softmax(xd, None if m is None else m.reshape(-1, n), y)
    if axis != xd.ndim - 1:
        y = np.ascontiguousarray(np.moveaxis(y, -1, axis))

    def backward(g):
        return (_act.softmax_backward(y, contiguous(g, y.dtype), np.empty_like(y), axis),)
    return output(y, (x,), backward)


def _heads(op, name, t, ndim=4):
    if t.ndim != ndim:
        raise ValueError(f"{op}: {name} must be (batch, T, heads, dim), got shape "
                         f"{t.shape}")


def _key_like_query(op, q, k):
    B, _, H, D = q.shape
    if k.shape[0] != B or k.shape[2:] != (H, D):
        raise ValueError(f"{op}: k must be (batch, Tk, heads, dim) = ({B}, Tk, {H}, "
                         f"{D}) like q (shape {q.shape}), got {k.shape}")


def _score_mask(op, mask, B, H, Tq, Tk, causal):
    """(uint8 mask rows, heads, qlen, causal) for the kernels: no mask is
    None; a mask shared by the heads stays (batch * Tq, Tk) with the causal
    rule left to the kernel; one per head becomes (batch * heads * Tq, Tk),
    causality folded in."""
    causal = bool(causal)
    if mask is None:
        return None, H, Tq, causal
    m = np.asarray(as_array(mask))
    if m.ndim == 4 and m.shape[1] != 1:
        m = _bool_mask(op, m, (B, H, Tq, Tk), "(batch, heads, Tq, Tk) =")
        if causal:
            m &= np.tril(np.ones((Tq, Tk), np.uint8))
        return m.reshape(B * H * Tq, Tk), 1, H * Tq, False
    if m.ndim == 4:
        m = m[:, 0]
    if m.ndim != 3:
        raise ValueError(f"{op}: mask must be (batch, Tq, Tk) or (batch, heads, Tq, "
                         f"Tk), each axis possibly 1, got shape {m.shape}")
    m = _bool_mask(op, m, (B, Tq, Tk), "(batch, Tq, Tk) =")
    return m.reshape(B * Tq, Tk), H, Tq, causal


def _contiguous_t(t):
    """(batch, T, heads, D) -> contiguous (batch, heads, D, T), in two
    copies (heads first, then each head's small T x D transposed in
    cache), which together take 2/3 of the time of the direct one."""
    return np.ascontiguousarray(np.ascontiguousarray(
        t.transpose(0, 2, 1, 3)).transpose(0, 1, 3, 2))


def attention_weights(q, k, mask=None, causal=False, scale=1.0):
    """softmax over keys of scale * q.k, (batch, heads, Tq, Tk), for q
    (batch, Tq, heads, D) and k (batch, Tk, heads, D).

    `mask` (True = attend) is (batch, Tq, Tk), shared by the heads, or
    (batch, heads, Tq, Tk), any axis possibly 1; `causal` also rules out
    the keys after the query's position.  Ruled-out scores get -1e9 added
    before the softmax, as in tf-keras.
    """
    op = "attention_weights"
    q, k = float_input(q, op, "q"), float_input(k, op, "k")
    _heads(op, "q", q)
    _heads(op, "k", k)
    check_float(op, "k", k, q.dtype)
    B, Tq, H, _ = q.shape
    _key_like_query(op, q, k)
    Tk = k.shape[1]
    qd, kd = q.data, k.data
    m, heads, qlen, causal = _score_mask(op, mask, B, H, Tq, Tk, causal)
    s = np.matmul(qd.transpose(0, 2, 1, 3), _contiguous_t(kd))
    p = _k.softmax(s, m, s, heads, qlen, causal, float(scale))

    def backward(g):
        ds = _k.softmax_backward(p, contiguous(g, p.dtype), np.empty_like(p), float(scale))
        gq = gk = None
        if q.requires_grad:
            gq = np.empty_like(qd)
            np.matmul(ds, kd.transpose(0, 2, 1, 3), out=gq.transpose(0, 2, 1, 3))
        if k.requires_grad:
            gk = np.empty_like(kd)
            np.matmul(ds.transpose(0, 1, 3, 2), qd.transpose(0, 2, 1, 3),
                      out=gk.transpose(0, 2, 1, 3))
        return gq, gk
    return output(p, (q, k), backward)


def attend(weights, v):
    """weights @ v per head: (batch, Tq, heads, Dv) for weights (batch,
    heads, Tq, Tk) and v (batch, Tk, heads, Dv)."""
    op = "attend"
    w, v = float_input(weights, op, "weights"), float_input(v, op, "v")
    _heads(op, "v", v)
    check_float(op, "v", v, w.dtype)
    if w.ndim != 4 or w.shape[0] != v.shape[0] or w.shape[1] != v.shape[2] \
            or w.shape[3] != v.shape[1]:
        raise ValueError(f"{op}: weights must be (batch, heads, Tq, Tk) matching v "
                         f"(batch, Tk, heads, Dv) = {v.shape}, got {w.shape}")
    wd, vd = w.data, v.data
    B, H, Tq, _ = wd.shape
    y = np.empty((B, Tq, H, vd.shape[3]), dtype=vd.dtype)
    np.matmul(wd, vd.transpose(0, 2, 1, 3), out=y.transpose(0, 2, 1, 3))

    def backward(g):
        gt = g.transpose(0, 2, 1, 3)
        gw = gv = None
        if w.requires_grad:
            gw = np.matmul(gt, _contiguous_t(vd))
        if v.requires_grad:
            gv = np.empty_like(vd)
            np.matmul(wd.transpose(0, 1, 3, 2), gt, out=gv.transpose(0, 2, 1, 3))
        return gw, gv
    return output(y, (w, v), backward)


def dot_product_attention(q, k, v, mask=None, causal=False, scale=1.0):
    """attend(attention_weights(q, k, mask, causal, scale), v) in one fused
    op: (batch, Tq, heads, Dv) for q (batch, Tq, heads, D), k (batch, Tk,
    heads, D) and v (batch, Tk, heads, Dv); the weights are never stored."""
    op = "dot_product_attention"
    q, k = float_input(q, op, "q"), float_input(k, op, "k")
    v = float_input(v, op, "v")
    for name, t in (("q", q), ("k", k), ("v", v)):
        _heads(op, name, t)
    check_float(op, "k", k, q.dtype)
    check_float(op, "v", v, q.dtype)
    B, Tq, H, D = q.shape
    _key_like_query(op, q, k)
    Tk, Dv = k.shape[1], v.shape[3]
    if v.shape[:3] != (B, Tk, H):
        raise ValueError(f"{op}: v must be (batch, Tk, heads, dim) = ({B}, {Tk}, {H}, "
                         f"dim) like k (shape {k.shape}), got {v.shape}")
    if not _FUSED or 0 in (B, Tq, Tk, H, D, Dv):
        return attend(attention_weights(q, k, mask, causal, scale), v)
    qd, kd, vd = contiguous(q.data), contiguous(k.data), contiguous(v.data)
    m, heads, qlen, causal = _score_mask(op, mask, B, H, Tq, Tk, causal)
    run = _fused_runner(B * H, Tq, Tk, qd.dtype)
    y = np.empty((B, Tq, H, Dv), dtype=qd.dtype)
    run(_k.fused, qd, kd, vd, m, y, None, None, None, None, heads, qlen, causal,
        float(scale))

    def backward(g):
        dq, dk, dv = np.empty_like(qd), np.empty_like(kd), np.empty_like(vd)
        run(_k.fused, qd, kd, vd, m, None, contiguous(g, qd.dtype), dq, dk, dv, heads,
            qlen, causal, float(scale))
        return (dq if q.requires_grad else None, dk if k.requires_grad else None,
                dv if v.requires_grad else None)
    return output(y, (q, k, v), backward)


def self_attention(qkv, mask=None, causal=False, scale=1.0):
    """dot_product_attention of q, k and v packed in one qkv (batch, T, 3,
    heads, dim), as one projection of the input makes them: their gradient
    comes back packed too, so that projection's backward is one product."""
    op = "self_attention"
    qkv = float_input(qkv, op, "qkv")
    if qkv.ndim != 5 or qkv.shape[2] != 3:
        raise ValueError(f"{op}: qkv must be (batch, T, 3, heads, dim), got shape "
                         f"{qkv.shape}")
    B, T, _, H, D = qkv.shape
    if not _FUSED or 0 in (B, T, H, D):
        q, k, v = (S.getitem(qkv, (slice(None), slice(None), i)) for i in range(3))
        return attend(attention_weights(q, k, mask, causal, scale), v)
    xd = contiguous(qkv.data)
    m, heads, qlen, causal = _score_mask(op, mask, B, H, T, T, causal)
    run = _fused_runner(B * H, T, T, xd.dtype)
    y = np.empty((B, T, H, D), dtype=xd.dtype)
    run(_k.fused_packed, xd, m, y, None, None, heads, qlen, causal, float(scale))

    def backward(g):
        d = np.empty_like(xd)
        run(_k.fused_packed, xd, m, None, contiguous(g, xd.dtype), d, heads, qlen,
            causal, float(scale))
        return (d,)
    return output(y, (qkv,), backward)


def _fused_runner(tasks, Tq, Tk, dtype):
    """A caller of a fused kernel with this thread's scratch, sized for the
    threads set when it runs (the backward may run under another count)."""
    block = max(1, min(Tq, _BLOCK_SCORES // Tk))

    def run(kernel, *args):
        slots = max(1, min(_threads.get_omp_threads(), tasks))
        _thread_control.prime_blas(slots)
        scratch = workspace("attention", slots * 2 * block * Tk, dtype)
        kernel(*args, scratch, block, slots)
    return run
