"""Confusion counts over thresholds, vectorised: the weighted numbers of
true/false positives/negatives of `y_pred > threshold` for every threshold
at once, as tf-keras's `update_confusion_matrix_variables` computes them.

Each prediction falls in one bucket (the number of thresholds below it:
`np.searchsorted`, or a multiplication when the thresholds are evenly
spread over [0, 1], tf-keras's fast path, whose arithmetic it repeats);
`np.bincount` sums the weights of positive and negative labels per bucket,
and a reversed cumulative sum turns the buckets into counts per threshold.
The cost is O(samples + thresholds), never samples x thresholds.
"""
import numpy as np

from ..autodiff import as_array

NEG_INF = -1e10
EPSILON = 1e-7


def parse_thresholds(thresholds, default):
    """A list of floats in [0, 1] from None (`[default]`), a number or a list."""
    if thresholds is None:
        return [default]
    values = list(thresholds) if isinstance(thresholds, (list, tuple, np.ndarray)) \
        else [thresholds]
    for t in values:
        if isinstance(t, bool) or not isinstance(t, (int, float, np.floating)) \
                or not 0.0 <= t <= 1.0:
            raise ValueError(f"thresholds must be numbers in [0, 1], got {thresholds!r}")
    return [float(t) for t in values]


def evenly_distributed(thresholds):
    """Whether `thresholds` (3 or more) are i / (n - 1), as tf-keras checks."""
    n = len(thresholds)
    if n < 3:
        return False
    even = np.arange(n, dtype=np.float32) / (n - 1)
    return bool(np.allclose(thresholds, even, atol=EPSILON))


def filter_top_k(y_pred, k):
    """Predictions outside each row's `k` largest set to NEG_INF."""
    top = np.argpartition(-y_pred, min(k, y_pred.shape[-1]) - 1, axis=-1)[..., :k]
    out = np.full_like(y_pred, NEG_INF)
    np.put_along_axis(out, top, np.take_along_axis(y_pred, top, axis=-1), axis=-1)
    return out


def prepare(y_true, y_pred, sample_weight, top_k=None, class_id=None):
    """(labels as 0/1, predictions, weights or None) as float64 arrays of
    one shape, after tf-keras's rank alignment, top_k and class_id."""
    y_true = np.asarray(as_array(y_true), dtype=np.float64)
    y_pred = np.asarray(as_array(y_pred), dtype=np.float64)
    diff = y_pred.ndim - y_true.ndim
    if diff == 1 and y_pred.shape[-1] == 1:
        y_pred = y_pred[..., 0]
    elif diff == -1 and y_true.shape[-1] == 1:
        y_true = y_true[..., 0]
    if y_true.shape != y_pred.shape:
        raise ValueError(f"y_true of shape {y_true.shape} does not match y_pred of "
                         f"shape {y_pred.shape}")
    if top_k is not None:
        y_pred = filter_top_k(y_pred, top_k)
    weights = None
    if sample_weight is not None:
        weights = np.asarray(as_array(sample_weight), dtype=np.float64)
        while weights.ndim > y_pred.ndim and weights.shape[-1] == 1:
            weights = weights[..., 0]
        while 0 < weights.ndim < y_pred.ndim:
            weights = weights[..., None]
        weights = np.broadcast_to(weights, y_pred.shape)
    if class_id is not None:
        y_true, y_pred = y_true[..., class_id], y_pred[..., class_id]
        weights = None if weights is None else weights[..., class_id]
    return (y_true != 0).astype(np.float64), y_pred, weights


def buckets(y_pred, thresholds, evenly):
    """Per prediction, how many thresholds lie strictly below it (0..T)."""
    t = len(thresholds)
    if evenly:
        # tf-keras's fast path: clip to [0, 1], then ceil(p * (T - 1)) in
        # float32; with the thresholds -eps and 1 + eps at the ends (AUC)
        # a prediction of 0 is above the first one
        p = np.clip(y_pred.astype(np.float32), 0.0, 1.0)
        index = np.ceil(p * np.float32(t - 1)).astype(np.int64)
        if thresholds[0] < 0.0:
            index = np.maximum(index, 1)
        return index
    order = np.argsort(thresholds, kind="stable")
    return np.searchsorted(np.asarray(thresholds)[order], y_pred, side="left"), order


def counts(labels, y_pred, weights, thresholds, evenly, columns=False):
    """(tp, fp, total positives, total negatives) per threshold: arrays of
    shape (T,), or (T, labels) with `columns` (one count per last-axis
    column, for multi-label AUC)."""
    t = len(thresholds)
    pos = labels if weights is None else labels * weights
    neg = (1.0 - labels) if weights is None else (1.0 - labels) * weights
    found = buckets(y_pred, thresholds, evenly)
    order = None
    if not evenly:
        found, order = found
    if columns:
        k = labels.shape[-1]
        found = found.reshape(-1, k) + np.arange(k) * (t + 1)
        size, shape = k * (t + 1), (k, t + 1)
    else:
        size, shape = t + 1, (t + 1,)
    hist_pos = np.bincount(found.ravel(), pos.ravel(), size).reshape(shape)
    hist_neg = np.bincount(found.ravel(), neg.ravel(), size).reshape(shape)
    # positive at threshold j <=> bucket > j: a reversed cumulative sum
    tp = np.cumsum(hist_pos[..., ::-1], axis=-1)[..., ::-1][..., 1:]
    fp = np.cumsum(hist_neg[..., ::-1], axis=-1)[..., ::-1][..., 1:]
    if order is not None:       # back to the order the thresholds were given in
        unsorted = np.empty_like(tp)
        unsorted[..., order] = tp
        tp, unsorted = unsorted, np.empty_like(fp)
        unsorted[..., order] = fp
        fp = unsorted
    total_pos, total_neg = hist_pos.sum(axis=-1), hist_neg.sum(axis=-1)
    if columns:
        return tp.T, fp.T, total_pos, total_neg
    return tp, fp, total_pos, total_neg


class ConfusionCounts:
    """The true/false positive/negative accumulators of a metric, of shape
    (thresholds,) or (thresholds, labels), updated in place; each is also
    the metric's attribute of its name (`metric.true_positives`, ...), as in
    tf-keras."""

    def __init__(self, metric, thresholds, which, shape=None, evenly=None):
        self.thresholds = list(thresholds)
        self.evenly = evenly_distributed(self.thresholds) if evenly is None else evenly
        shape = shape or (len(self.thresholds),)
        self.arrays = {name: metric.add_weight(name, shape=shape) for name in which}
        for name, array in self.arrays.items():
            setattr(metric, name, array)

    def update(self, y_true, y_pred, sample_weight=None, top_k=None, class_id=None,
               columns=False, label_weights=None):
        """Add one batch's counts."""
        labels, y_pred, weights = prepare(y_true, y_pred, sample_weight, top_k,
                                          class_id)
        if label_weights is not None:
            lw = np.broadcast_to(label_weights, y_pred.shape)
            weights = lw if weights is None else weights * lw
        if not columns:
            labels, y_pred = labels.ravel(), y_pred.ravel()
            weights = None if weights is None else weights.ravel()
        elif y_pred.ndim != 2:
            raise ValueError(f"multi-label counts need y_pred of rank 2, got shape "
                             f"{y_pred.shape}")
        tp, fp, total_pos, total_neg = counts(labels, y_pred, weights,
                                              self.thresholds, self.evenly, columns)
        arrays = self.arrays
        if "true_positives" in arrays:
            arrays["true_positives"] += tp
        if "false_positives" in arrays:
            arrays["false_positives"] += fp
        if "true_negatives" in arrays:
            arrays["true_negatives"] += total_neg - fp
        if "false_negatives" in arrays:
            arrays["false_negatives"] += total_pos - tp


def divide_no_nan(a, b):
    """a / b, 0 where b is 0."""
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(b != 0, a / np.where(b != 0, b, 1.0), 0.0)
