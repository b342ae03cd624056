"""AUC: the area under the ROC or precision-recall curve, from confusion
counts over thresholds (tf-keras's Riemann sums, interpolation included)."""
import numpy as np

from ..autodiff import as_array
from .base import Metric, check_int
from .confusion import EPSILON, ConfusionCounts, divide_no_nan, evenly_distributed

_CURVES = ("ROC", "PR")
_SUMMATIONS = ("interpolation", "minoring", "majoring")


class AUC(Metric):
    """Area under the ROC curve (`curve='ROC'`) or the precision-recall
    curve ('PR'), approximated over `num_thresholds` thresholds evenly
    spread over [0, 1] (or the given `thresholds`), summed with
    `summation_method` 'interpolation' (trapezoids; for PR, Davis &
    Goadrich's interpolation), 'minoring' or 'majoring'.  With
    `multi_label`, one curve per label column, averaged (weighted by
    `label_weights`); otherwise every element counts as one prediction.
    `from_logits` applies a sigmoid to the predictions first."""

    def __init__(self, num_thresholds=200, curve="ROC", summation_method="interpolation",
                 name=None, dtype=None, thresholds=None, multi_label=False,
                 num_labels=None, label_weights=None, from_logits=False):
        curve = str(curve).upper()
        if curve not in _CURVES:
            raise ValueError(f"AUC: curve must be one of {_CURVES}, got {curve!r}")
        summation_method = str(summation_method).lower()
        if summation_method not in _SUMMATIONS:
            raise ValueError(f"AUC: summation_method must be one of {_SUMMATIONS}, "
                             f"got {summation_method!r}")
        self._init_from_thresholds = thresholds is not None
        if thresholds is not None:
            thresholds = sorted(float(t) for t in thresholds)
            self.num_thresholds = len(thresholds) + 2
            evenly = evenly_distributed([0.0] + thresholds + [1.0])
        else:
            self.num_thresholds = num_thresholds = check_int("AUC", "num_thresholds",
                                                             num_thresholds, 2)
            thresholds = [(i + 1) / (num_thresholds - 1) for i in range(num_thresholds - 2)]
            evenly = True
        self._thresholds = np.array([0.0 - EPSILON] + thresholds + [1.0 + EPSILON])
        self._evenly = evenly
        self.curve, self.summation_method = curve, summation_method
        super().__init__(name=name, dtype=dtype)
        self.multi_label = bool(multi_label)
        self.num_labels = num_labels
        if label_weights is not None:
            label_weights = np.asarray(label_weights, dtype=np.float64)
            if (label_weights < 0).any():
                raise ValueError("AUC: every value of label_weights must be >= 0")
        self.label_weights = label_weights
        self._from_logits = bool(from_logits)
        self._counts = None
        if not self.multi_label:
            if num_labels:
                raise ValueError("AUC: num_labels is needed only when multi_label "
                                 "is True")
            self._build(None)
        elif num_labels:
            self._build(num_labels)

    @property
    def thresholds(self):
        """The thresholds, with -epsilon and 1 + epsilon at the ends."""
        return list(self._thresholds)

    def _build(self, num_labels):
        shape = (self.num_thresholds,) if num_labels is None else (
            self.num_thresholds, num_labels)
        self._num_labels = num_labels
        self._counts = ConfusionCounts(
            self, self._thresholds, ("true_positives", "true_negatives",
                                     "false_positives", "false_negatives"),
            shape=shape, evenly=self._evenly)

    def update_state(self, y_true, y_pred, sample_weight=None):
        """Add the counts of one batch (labels nonzero are positive)."""
        y_pred = np.asarray(as_array(y_pred), dtype=np.float64)
        if self._counts is None:
            if y_pred.ndim != 2:
                raise ValueError(f"{self.name}: y_pred must have rank 2 with "
                                 f"multi_label=True, got shape {y_pred.shape}")
            self._build(y_pred.shape[1])
        if self.multi_label and y_pred.shape[-1] != self._num_labels:
            raise ValueError(f"{self.name}: expected {self._num_labels} labels, got "
                             f"y_pred of shape {y_pred.shape}")
        if self._from_logits:
            y_pred = 1.0 / (1.0 + np.exp(-y_pred))
        self._counts.update(y_true, y_pred, sample_weight, columns=self.multi_label,
                            label_weights=None if self.multi_label
                            else self.label_weights)

    def _by_label(self, terms):
        if not self.multi_label:
            return terms.sum()
        by_label = terms.sum(axis=0)
        if self.label_weights is None:
            return by_label.mean()
        return divide_no_nan((by_label * self.label_weights).sum(),
                             self.label_weights.sum())

    def _interpolate_pr(self):
        tp, fp, fn = self.true_positives, self.false_positives, self.false_negatives
        dtp = tp[:-1] - tp[1:]
        p = tp + fp
        dp = p[:-1] - p[1:]
        slope = divide_no_nan(dtp, np.maximum(dp, 0))
        intercept = tp[1:] - slope * p[1:]
        both = (p[:-1] > 0) & (p[1:] > 0)
        ratio = np.where(both, divide_no_nan(p[:-1], np.maximum(p[1:], 0)), 1.0)
        with np.errstate(divide="ignore", invalid="ignore"):
            log = np.log(np.where(ratio > 0, ratio, 1.0))
        increment = divide_no_nan(slope * (dtp + intercept * log),
                                  np.maximum(tp[1:] + fn[1:], 0))
        return self._by_label(increment)

    def result(self):
        if self._counts is None:
            return self._out(0.0)
        if self.curve == "PR" and self.summation_method == "interpolation":
            return self._out(self._interpolate_pr())
        tp, tn = self.true_positives, self.true_negatives
        fp, fn = self.false_positives, self.false_negatives
        recall = divide_no_nan(tp, tp + fn)
        if self.curve == "ROC":
            x, y = divide_no_nan(fp, fp + tn), recall
        else:
            x, y = recall, divide_no_nan(tp, tp + fp)
        if self.summation_method == "interpolation":
            heights = (y[:-1] + y[1:]) / 2.0
        elif self.summation_method == "minoring":
            heights = np.minimum(y[:-1], y[1:])
        else:
            heights = np.maximum(y[:-1], y[1:])
        return self._out(self._by_label((x[:-1] - x[1:]) * heights))

    def get_config(self):
        config = {**super().get_config(), "num_thresholds": self.num_thresholds,
                  "curve": self.curve, "summation_method": self.summation_method,
                  "multi_label": self.multi_label, "num_labels": self.num_labels,
                  "label_weights": None if self.label_weights is None
                  else self.label_weights.tolist(),
                  "from_logits": self._from_logits}
        if self._init_from_thresholds:
            config["thresholds"] = self.thresholds[1:-1]
        return config
