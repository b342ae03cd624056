"""The tape: records of executed ops, replayed in reverse for gradients.

An op whose inputs require gradients (and that runs while recording is on)
stores a Record on its output: the inputs and a `backward(grad_output)`
closure that returns one gradient per input (None where an input gets
none).  Records carry an increasing sequence number, so the records that
lead to a loss form a tape in execution order; `gradients` replays it from
the newest record backwards, with no graph search, and drops each record
once used, so nothing is held after the backward pass.  Under `no_grad`
(inference) nothing is recorded and no closure outlives its op.
"""
import heapq
import itertools
import threading

import numpy as np

from .row_sparse import RowSparseGradient, add_gradients
from .tensor import Tensor

_local = threading.local()
_seq = itertools.count()


class Record:
    """One op on the tape: its position, its inputs and its backward."""

    __slots__ = ("seq", "inputs", "backward")

    def __init__(self, inputs, backward):
        self.seq = next(_seq)
        self.inputs = inputs
        self.backward = backward


def is_recording():
    """True unless inside `no_grad` on this thread."""
    return getattr(_local, "enabled", True)


class _GradMode:
    def __init__(self, enabled):
        self.enabled = enabled

    def __enter__(self):
        self.prev = is_recording()
        _local.enabled = self.enabled
        return self

    def __exit__(self, *exc):
        _local.enabled = self.prev


def no_grad():
    """Context manager: ops run without recording (inference)."""
    return _GradMode(False)


def enable_grad():
    """Context manager: ops record again inside a `no_grad` block."""
    return _GradMode(True)


def output(data, inputs, backward, cls=Tensor):
    """Wrap an op's result `data` in a `cls` (Tensor or a subclass of it
    taking the same arguments), recording `backward` when it is needed.

    `inputs` is the tuple of Tensors the op read; `backward(g)` must return a
    tuple with one gradient (array or None) per input, each of the input's
    shape or broadcastable to it, or a RowSparseGradient of its shape.
    """
    if _local.__dict__.get("enabled", True):
        for t in inputs:
            if t.requires_grad:
                out = cls(data, True)
                out._rec = Record(inputs, backward)
                return out
    return cls(data)


def unbroadcast(grad, shape):
    """Sum `grad` over the axes that broadcasting added or stretched."""
    if grad.shape == shape:
        return grad
    extra = grad.ndim - len(shape)
    if extra > 0:
        grad = grad.sum(axis=tuple(range(extra)))
    axes = tuple(i for i, n in enumerate(shape) if n == 1 and grad.shape[i] != 1)
    if axes:
        grad = grad.sum(axis=axes, keepdims=True)
    return grad.reshape(shape)


def gradients(loss, variables, grad_loss=None, retain=False, row_sparse=False,
              on_ready=None):
    """Gradients of `loss` with respect to each of `variables`.

    Returns one array per variable (zeros where the loss does not depend on
    it).  `grad_loss` seeds the backward pass (ones by default, so a
    non-scalar loss is summed).  Records are released as they are replayed
    unless `retain` is True.  With `row_sparse=True` a gradient the ops left
    row-sparse (an embedding table's) comes as its RowSparseGradient, for an
    optimizer that updates only those rows; otherwise as its dense array.

    `on_ready(i, grad)`, when given, is called once per variable with the
    gradient returned for `variables[i]`, as soon as the records that use it
    have all been replayed: a caller can start sending a gradient while
    backward goes on (fastgraph.distributed does).  Only then does the tape
    count the records that use each variable (one walk over the records).
    """
    if not isinstance(loss, Tensor):
        raise TypeError(f"gradients: loss must be a Tensor, got {type(loss).__name__}")
    for i, v in enumerate(variables):
        if not isinstance(v, Tensor):
            raise TypeError(f"gradients: variables[{i}] must be a Tensor, "
                            f"got {type(v).__name__}")
    if grad_loss is None:
        grad_loss = np.ones(loss.shape, dtype=loss.dtype)
    elif np.shape(grad_loss) != loss.shape:
        raise ValueError(f"gradients: grad_loss has shape {np.shape(grad_loss)}, "
                         f"expected the loss shape {loss.shape}")
    grads = {id(loss): np.asarray(grad_loss, dtype=loss.dtype)}
    keep = {id(v) for v in variables}
    heap = []
    if loss._rec is not None:
        heap.append((-loss._rec.seq, id(loss), loss))
    queued = {id(loss)}
    uses = None if on_ready is None else _count_uses(heap, keep)
    while heap:
        _, key, out = heapq.heappop(heap)
        rec = out._rec
        g = grads[key] if key in keep else grads.pop(key)
        if type(g) is RowSparseGradient:    # backward closures take arrays
            g = g.dense
        in_grads = rec.backward(g)
        if not retain:
            out._rec = None
        for t, gi in zip(rec.inputs, in_grads):
            k = id(t)
            if gi is not None and t.requires_grad:
                if gi.shape != t.shape:
                    gi = unbroadcast(gi, t.shape)
                prev = grads.get(k)
                grads[k] = gi if prev is None else add_gradients(prev, gi)
                if t._rec is not None and k not in queued:
                    queued.add(k)
                    heapq.heappush(heap, (-t._rec.seq, k, t))
            if uses is not None and k in uses:
                _used_once(uses, k, grads, variables, on_ready, row_sparse)
    if uses is not None:     # variables whose uses were not all replayed
        for k in [k for k, n in uses.items() if n >= 0]:
            uses[k] = 1
            _used_once(uses, k, grads, variables, on_ready, row_sparse)
    return [_final(grads, v, row_sparse) for v in variables]


def _final(grads, v, row_sparse):
    g = grads.get(id(v))
    if g is None:
        return np.zeros(v.shape, dtype=v.dtype)
    if type(g) is RowSparseGradient:
        return g if row_sparse else g.dense
    return np.asarray(g, dtype=v.dtype)


def _count_uses(heap, keep):
    """id(variable) -> how many inputs of the records behind the loss (the
    one tensor on `heap`, if any) it is."""
    uses = dict.fromkeys(keep, 0)
    stack = [out for _, _, out in heap]
    seen = {id(out) for out in stack}
    while stack:
        rec = stack.pop()._rec
        for t in rec.inputs:
            k = id(t)
            if k in uses:
                uses[k] += 1
            if t.requires_grad and t._rec is not None and k not in seen:
                seen.add(k)
                stack.append(t)
    return uses


def _used_once(uses, key, grads, variables, on_ready, row_sparse):
    """One use of a variable replayed: at the last, its gradient is final
    (stored as the array `gradients` returns) and `on_ready` hears of it."""
    uses[key] -= 1
    if uses[key]:
        return
    uses[key] = -1
    i = next(i for i, v in enumerate(variables) if id(v) == key)
    grads[key] = g = _final(grads, variables[i], row_sparse)
    on_ready(i, g)
