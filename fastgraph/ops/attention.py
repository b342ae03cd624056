"""Attention: the masked softmax, and scaled dot-product attention over heads.

The softmax that turns scores into attention weights runs in one C pass
(csrc/attention.h) that scales the scores, adds tf-keras's -1e9 where a
mask or causality rules a key out, and normalizes.  Dot-product attention
is two ops, so that the weights can be an output of their own (Keras's
`return_attention_scores`) and dropout can sit between them:

  attention_weights(q, k) -> (batch, heads, Tq, Tk), softmax(scale q.k)
  attend(weights, v)      -> (batch, Tq, heads, Dv), weights @ v

with q, k, v in the (batch, T, heads, dim) layout that Keras's EinsumDense
projections produce; the heads are walked through strided views (NumPy
hands them to BLAS with their strides, cheaper than transposed copies),
and every product is one np.matmul.
"""
import numpy as np

from .._kernels import load
from ..autodiff import as_array, output
from ._common import check_float, contiguous, float_input

_k = load("attention")
_act = load("activation")


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


def _score_mask(op, mask, B, H, Tq, Tk, causal):
    """(uint8 mask rows, heads, qlen, causal) for the kernel: a mask shared
    by the heads stays (batch * Tq, Tk) with the causal rule left to the
    kernel; one per head becomes (batch * heads * Tq, Tk), causality
    folded in."""
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
    B, Tq, H, D = q.shape
    if k.shape[0] != B or k.shape[2:] != (H, D):
        raise ValueError(f"{op}: k must be (batch, Tk, heads, dim) = ({B}, Tk, {H}, "
                         f"{D}) like q (shape {q.shape}), got {k.shape}")
    Tk = k.shape[1]
    qd, kd = q.data, k.data
    m, heads, qlen, causal = (None, H, Tq, bool(causal)) if mask is None else \
        _score_mask(op, mask, B, H, Tq, Tk, bool(causal))
    s = np.matmul(qd.transpose(0, 2, 1, 3), kd.transpose(0, 2, 3, 1))
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
            gw = np.matmul(gt, vd.transpose(0, 2, 3, 1))
        if v.requires_grad:
            gv = np.empty_like(vd)
            np.matmul(wd.transpose(0, 1, 3, 2), gt, out=gv.transpose(0, 2, 1, 3))
        return gw, gv
    return output(y, (w, v), backward)
