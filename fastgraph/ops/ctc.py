"""Connectionist temporal classification over log-probabilities, in C
(csrc/ctc.c): the loss, whose forward-backward recursion gives each
sequence's loss and, in the same call, its gradient, which the backward
pass scales; and TensorFlow's prefix beam search to decode."""
import numpy as np

from .._kernels import load
from ..autodiff import as_tensor, output
from ._common import check_float

_k = load("ctc")


def _lengths(op, name, value, n):
    a = np.asarray(value.data if hasattr(value, "data") else value)
    if a.dtype.kind not in "iu" or a.size != n:
        raise ValueError(f"{op}: {name} must hold {n} integer lengths (one per "
                         f"sample), got {a.dtype} of shape {a.shape}")
    return np.ascontiguousarray(a.reshape(n), dtype=np.int64)


def ctc_loss(log_probs, labels, label_length, input_length):
    """-log p(labels | log_probs) per sample: log_probs (batch, steps,
    classes), normalised over the classes, the blank the last class; labels
    (batch, max_labels) of which sample b uses the first label_length[b];
    input_length[b] steps of sample b are read.  No alignment (a label
    repeated without room for a blank between): the loss is +inf and the
    gradient zero, as TensorFlow's CTCLoss gives."""
    op = "ctc_loss"
    x = as_tensor(log_probs)
    check_float(op, "log_probs", x)
    if x.ndim != 3:
        raise ValueError(f"{op}: log_probs must be (batch, steps, classes), got "
                         f"shape {x.shape}")
    n = x.shape[0]
    lab = np.asarray(labels.data if hasattr(labels, "data") else labels)
    if lab.dtype.kind not in "iuf" or lab.ndim != 2 or lab.shape[0] != n:
        raise ValueError(f"{op}: labels must be ({n}, max_labels) integers, got "
                         f"{lab.dtype} of shape {lab.shape}")
    lab = np.ascontiguousarray(lab, dtype=np.int64)
    ll = _lengths(op, "label_length", label_length, n)
    il = _lengths(op, "input_length", input_length, n)
    xd = np.ascontiguousarray(x.data)
    loss = np.empty(n, dtype=x.dtype)
    grad = np.empty_like(xd) if x.requires_grad else None
    try:
        _k.loss(xd, lab, ll, il, loss, grad)
    except ValueError as err:
        raise ValueError(f"{op}: {err}") from err

    def backward(g):
        return (grad * g[:, None, None],)
    return output(loss, (x,), backward)


def beam_search(log_probs, lengths, width, top):
    """The `top` best label sequences of each sample by TensorFlow's prefix
    beam search (CTCBeamSearchDecoder: `width` beams, the default scorer,
    repeated labels of a prefix merged): (paths (top, batch, steps) int64,
    -1 past each sequence; log-probabilities (batch, top)).  log_probs is
    a (batch, steps, classes) array, the blank the last class; sample b
    reads lengths[b] steps."""
    lp = np.ascontiguousarray(log_probs)
    n, steps, _ = lp.shape
    paths = np.full((top, n, steps), -1, dtype=np.int64)
    scores = np.empty((n, top), dtype=lp.dtype)
    kept = np.empty(n, dtype=np.int64)
    _k.beam(lp, np.ascontiguousarray(lengths, dtype=np.int64), width, top, paths,
            scores, kept)
    short = np.flatnonzero(kept < top)
    if short.size:
        raise ValueError(f"the beam search kept {kept[short[0]]} paths for sample "
                         f"{short[0]}, fewer than top_paths={top}")
    return paths, scores
