"""Keras backend CTC (tf-keras 2.x signatures): ctc_batch_cost (the loss,
differentiable), ctc_decode (greedy, or TensorFlow's prefix beam search)
and ctc_label_dense_to_sparse.  The loss and the beam search run in C
(fastgraph.ops.ctc).

As tf-keras, the inputs are softmax outputs (batch, steps, classes), the
last class the blank, and every function works on log(y_pred + epsilon).
"""
import collections

import numpy as np

from ..autodiff import Tensor, symbolic
from ..ops import ctc as _ctc
from ..ops import elementwise as _ew
from ..ops import reduce as _red
from ..ops import shape as _sh
from . import _check
from .core import epsilon

__all__ = ["ctc_batch_cost", "ctc_decode", "ctc_label_dense_to_sparse"]

SparseTensor = collections.namedtuple("SparseTensor", "indices values dense_shape")
SparseTensor.__doc__ = ("The non-zero entries of a dense tensor, as tf.SparseTensor "
                        "holds them: indices (n, rank) int64, values (n,), "
                        "dense_shape (rank,) int64.")


def _ints(fn, name, value, n=None):
    """`value` as int64 (floats holding whole numbers, as Keras 2 programs
    feed labels, pass), reshaped to (n,) when `n` is given."""
    a = _check.tensor(fn, name, value).data
    if a.dtype.kind == "f" and np.all(a == np.round(a)):
        a = a.astype(np.int64)
    if a.dtype.kind not in "iu":
        raise TypeError(f"{fn}: {name} must hold integers, got dtype {a.dtype}")
    if n is not None:
        if a.size != n:
            raise ValueError(f"{fn}: {name} must hold one value per sample ({n}), "
                             f"got shape {a.shape}")
        a = a.reshape(n)
    return a.astype(np.int64)


def ctc_label_dense_to_sparse(labels, label_lengths):
    """The first label_lengths[b] labels of each row of `labels` (batch,
    max_labels) as a SparseTensor of dense_shape labels.shape."""
    fn = "ctc_label_dense_to_sparse"
    lab = _check.tensor(fn, "labels", labels).data
    if lab.ndim != 2:
        raise ValueError(f"{fn}: labels must be (batch, max_labels), got shape {lab.shape}")
    lengths = _ints(fn, "label_lengths", label_lengths, lab.shape[0])
    if (lengths < 0).any() or (lengths > lab.shape[1]).any():
        raise ValueError(f"{fn}: label_lengths must lie in [0, {lab.shape[1]}], "
                         f"got {lengths.tolist()}")
    mask = np.arange(lab.shape[1]) < lengths[:, None]
    indices = np.argwhere(mask).astype(np.int64)
    return SparseTensor(indices, lab[mask], np.array(lab.shape, np.int64))


def _log_probs(fn, y_pred):
    y = _check.float_tensor(fn, "y_pred", y_pred)
    if y.ndim != 3 or y.shape[-1] < 2:
        raise ValueError(f"{fn}: y_pred must be (samples, time_steps, num_categories) "
                         f"with at least 2 categories, got shape {y.shape}")
    return _ew.log(_ew.add(y, epsilon()))


def ctc_batch_cost(y_true, y_pred, input_length, label_length):
    """The CTC loss of each sample, (samples, 1): y_true (samples,
    max_string_length) labels, y_pred the softmax outputs, input_length and
    label_length (samples, 1).  As tf-keras, log(y_pred + epsilon) is taken
    as logits (normalised again by a log-softmax).  On symbolic inputs,
    shape inference's zero stand-ins are no valid CTC input (zero lengths):
    there only the shapes are checked and the loss's shape is returned."""
    fn = "ctc_batch_cost"
    z = _log_probs(fn, y_pred)
    n = z.shape[0]
    labels = _ints(fn, "y_true", y_true)
    if labels.ndim != 2 or labels.shape[0] != n:
        raise ValueError(f"{fn}: y_true must be ({n}, max_string_length), got shape "
                         f"{labels.shape}")
    il = _ints(fn, "input_length", input_length, n)
    ll = _ints(fn, "label_length", label_length, n)
    if symbolic.is_inferring():
        return Tensor(np.zeros((n, 1), z.dtype))
    lp = _ew.subtract(z, _red.logsumexp(z, axis=-1, keepdims=True))
    try:
        loss = _ctc.ctc_loss(lp, labels, ll, il)
    except ValueError as err:
        raise ValueError(f"{fn}: {err}") from err
    return _sh.expand_dims(loss, 1)


def ctc_decode(y_pred, input_length, greedy=True, beam_width=100, top_paths=1):
    """Decode softmax outputs: ([top_paths dense (samples, time_steps)
    int64 arrays, -1 past each sequence], log_probabilities (samples,
    top_paths)).  Greedy (best path: the most likely class at each step,
    repeats merged, blanks dropped; its value is minus the sum of the chosen
    log-probabilities, as tf.nn.ctc_greedy_decoder) or TensorFlow's prefix
    beam search of `beam_width` beams (whose repeated labels are merged once
    more, as tf.nn.ctc_beam_search_decoder's merge_repeated does)."""
    fn = "ctc_decode"
    lp = _log_probs(fn, y_pred).data
    n, steps, classes = lp.shape
    lengths = _ints(fn, "input_length", input_length, n)
    if (lengths < 0).any() or (lengths > steps).any():
        raise ValueError(f"{fn}: input_length must lie in [0, {steps}], got "
                         f"{lengths.tolist()}")
    if greedy:
        paths, scores = _greedy(lp, lengths)
    else:
        beam_width = _check.integer(fn, "beam_width", beam_width, 1)
        top_paths = _check.integer(fn, "top_paths", top_paths, 1)
        if top_paths > beam_width:
            raise ValueError(f"{fn}: top_paths ({top_paths}) must not exceed "
                             f"beam_width ({beam_width})")
        try:
            paths, scores = _ctc.beam_search(lp, lengths, beam_width, top_paths)
        except ValueError as err:
            raise ValueError(f"{fn}: {err}") from err
    return [Tensor(p) for p in paths], Tensor(scores)


def _greedy(lp, lengths):
    """Best-path decoding of every sample at once."""
    n, steps, classes = lp.shape
    best = lp.argmax(axis=-1)
    valid = np.arange(steps) < lengths[:, None]
    scores = -np.where(valid, lp.max(axis=-1), 0).sum(axis=1, keepdims=True)
    prev = np.concatenate([np.full((n, 1), -1), best[:, :-1]], axis=1)
    keep = valid & (best != classes - 1) & (best != prev)
    # each kept label moves to its rank among its row's kept labels
    rank = np.cumsum(keep, axis=1) - 1
    dense = np.full((1, n, steps), -1, dtype=np.int64)
    rows, cols = np.nonzero(keep)
    dense[0, rows, rank[rows, cols]] = best[rows, cols]
    return dense, scores.astype(lp.dtype)
