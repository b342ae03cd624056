"""Intersection-over-union metrics for segmentation and classification,
from a confusion matrix accumulated with one `np.bincount` per batch."""
import numpy as np

from ..autodiff import as_array
from .base import Metric, check_int
from .confusion import divide_no_nan


def _flat(x, dtype=np.float64):
    return np.asarray(as_array(x), dtype=dtype).reshape(-1)


class _IoUBase(Metric):
    """A (num_classes x num_classes) confusion matrix: rows true classes,
    columns predicted ones (class ids, or argmax over `axis` for one-hot
    or probability inputs); samples labelled `ignore_class` are left out."""

    def __init__(self, num_classes, name=None, dtype=None, ignore_class=None,
                 sparse_y_true=True, sparse_y_pred=True, axis=-1):
        num_classes = check_int(type(self).__name__, "num_classes", num_classes, 1)
        super().__init__(name=name, dtype=dtype)
        self.num_classes = num_classes
        self.ignore_class = ignore_class
        self.sparse_y_true = sparse_y_true
        self.sparse_y_pred = sparse_y_pred
        self.axis = axis
        self.total_cm = self.add_weight("total_confusion_matrix",
                                        shape=(num_classes, num_classes))

    def update_state(self, y_true, y_pred, sample_weight=None):
        """Add one batch to the confusion matrix."""
        if not self.sparse_y_true:
            y_true = np.argmax(as_array(y_true), axis=self.axis)
        if not self.sparse_y_pred:
            y_pred = np.argmax(as_array(y_pred), axis=self.axis)
        truth = _flat(y_true).astype(np.int64)
        pred = _flat(y_pred).astype(np.int64)
        if truth.size != pred.size:
            raise ValueError(f"{self.name}: y_true has {truth.size} values, y_pred "
                             f"{pred.size}")
        weights = None if sample_weight is None else np.broadcast_to(
            _flat(sample_weight), truth.shape)
        if self.ignore_class is not None:
            keep = truth != self.ignore_class
            truth, pred = truth[keep], pred[keep]
            weights = None if weights is None else weights[keep]
        n = self.num_classes
        for what, ids in (("y_true", truth), ("y_pred", pred)):
            if ids.size and (ids.min() < 0 or ids.max() >= n):
                raise ValueError(f"{self.name}: {what} class ids must be in [0, {n}), "
                                 f"got values in [{ids.min()}, {ids.max()}]")
        self.total_cm += np.bincount(truth * n + pred, weights, n * n).reshape(n, n)


class IoU(_IoUBase):
    """The mean, over `target_class_ids`, of true positives / (true
    positives + false positives + false negatives) per class (classes never
    seen are left out of the mean)."""

    def __init__(self, num_classes, target_class_ids, name=None, dtype=None,
                 ignore_class=None, sparse_y_true=True, sparse_y_pred=True, axis=-1):
        super().__init__(num_classes, name=name, dtype=dtype, ignore_class=ignore_class,
                         sparse_y_true=sparse_y_true, sparse_y_pred=sparse_y_pred,
                         axis=axis)
        target_class_ids = list(target_class_ids)
        if not target_class_ids or max(target_class_ids) >= num_classes:
            raise ValueError(f"{type(self).__name__}: target_class_ids must be in "
                             f"[0, {num_classes}), got {target_class_ids}")
        self.target_class_ids = target_class_ids

    def result(self):
        cm = self.total_cm
        tp = np.diagonal(cm)
        denominator = cm.sum(axis=0) + cm.sum(axis=1) - tp
        tp, denominator = tp[self.target_class_ids], denominator[self.target_class_ids]
        valid = np.count_nonzero(denominator)
        return self._out(divide_no_nan(divide_no_nan(tp, denominator).sum(), valid))

    def get_config(self):
        return {**super().get_config(), "num_classes": self.num_classes,
                "target_class_ids": self.target_class_ids,
                "ignore_class": self.ignore_class, "sparse_y_true": self.sparse_y_true,
                "sparse_y_pred": self.sparse_y_pred, "axis": self.axis}


class BinaryIoU(IoU):
    """IoU of binary targets against predictions `>= threshold`."""

    def __init__(self, target_class_ids=(0, 1), threshold=0.5, name=None, dtype=None):
        super().__init__(2, target_class_ids, name=name, dtype=dtype)
        self.threshold = threshold

    def update_state(self, y_true, y_pred, sample_weight=None):
        """Add one batch, predictions thresholded."""
        pred = (np.asarray(as_array(y_pred), dtype=np.float64) >= self.threshold)
        super().update_state(y_true, pred.astype(np.float64), sample_weight)

    def get_config(self):
        return {"target_class_ids": self.target_class_ids,
                "threshold": self.threshold, "name": self.name, "dtype": self.dtype}


class MeanIoU(IoU):
    """IoU averaged over every class."""

    def __init__(self, num_classes, name=None, dtype=None, ignore_class=None,
                 sparse_y_true=True, sparse_y_pred=True, axis=-1):
        super().__init__(num_classes, list(range(num_classes)), name=name, dtype=dtype,
                         ignore_class=ignore_class, sparse_y_true=sparse_y_true,
                         sparse_y_pred=sparse_y_pred, axis=axis)

    def get_config(self):
        config = super().get_config()
        del config["target_class_ids"]
        return config


class OneHotIoU(IoU):
    """IoU with one-hot targets (and, unless `sparse_y_pred`, probability
    predictions), reduced by argmax."""

    def __init__(self, num_classes, target_class_ids, name=None, dtype=None,
                 ignore_class=None, sparse_y_pred=False, axis=-1):
        super().__init__(num_classes, target_class_ids, name=name, dtype=dtype,
                         ignore_class=ignore_class, sparse_y_true=False,
                         sparse_y_pred=sparse_y_pred, axis=axis)

    def get_config(self):
        config = super().get_config()
        del config["sparse_y_true"]
        return config


class OneHotMeanIoU(MeanIoU):
    """MeanIoU with one-hot targets (and, unless `sparse_y_pred`,
    probability predictions)."""

    def __init__(self, num_classes, name=None, dtype=None, ignore_class=None,
                 sparse_y_pred=False, axis=-1):
        super().__init__(num_classes, name=name, dtype=dtype, ignore_class=ignore_class,
                         sparse_y_true=False, sparse_y_pred=sparse_y_pred, axis=axis)

    def get_config(self):
        config = super().get_config()
        del config["sparse_y_true"]
        return config
