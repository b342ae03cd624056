"""Scores accumulated per class: F-beta (F1) and the coefficient of
determination R^2."""
import warnings

import numpy as np

from ..autodiff import as_array
from .base import Metric, check_int
from .confusion import divide_no_nan


def _matrix(x, who):
    x = np.asarray(as_array(x), dtype=np.float64)
    if x.ndim != 2:
        raise ValueError(f"{who} expects 2D inputs (batch_size, output_dim), got "
                         f"shape {x.shape}")
    return x


def _row_weights(sample_weight):
    if sample_weight is None:
        return None
    w = np.asarray(as_array(sample_weight), dtype=np.float64)
    return w.reshape(-1, 1) if w.ndim == 1 else w


class FBetaScore(Metric):
    """F-beta per class, `(1 + beta^2) precision recall / (beta^2 precision
    + recall)`; a prediction is positive above `threshold`, or when it is
    the row's maximum (threshold None).  `average`: None (per class),
    'micro' (over all elements), 'macro' (mean of the classes) or
    'weighted' (weighted by each class's positives)."""

    def __init__(self, average=None, beta=1.0, threshold=None, name="fbeta_score",
                 dtype=None):
        if average not in (None, "micro", "macro", "weighted"):
            raise ValueError(f"{type(self).__name__}: average must be None, "
                             f"'micro', 'macro' or 'weighted', got {average!r}")
        if not isinstance(beta, float) or beta <= 0.0:
            raise ValueError(f"{type(self).__name__}: beta must be a float > 0, got "
                             f"{beta!r}")
        if threshold is not None and (not isinstance(threshold, float)
                                      or not 0.0 < threshold <= 1.0):
            raise ValueError(f"{type(self).__name__}: threshold must be a float in "
                             f"(0, 1], got {threshold!r}")
        super().__init__(name=name, dtype=dtype)
        self.average, self.beta, self.threshold = average, beta, threshold
        self.axis = None if average == "micro" else 0
        self._built = False

    def _build(self, num_classes):
        shape = () if self.average == "micro" else (num_classes,)
        self.true_positives = self.add_weight("true_positives", shape=shape)
        self.false_positives = self.add_weight("false_positives", shape=shape)
        self.false_negatives = self.add_weight("false_negatives", shape=shape)
        self.intermediate_weights = self.add_weight("intermediate_weights", shape=shape)
        self._built = True

    def update_state(self, y_true, y_pred, sample_weight=None):
        """Add one batch's per-class counts."""
        who = type(self).__name__
        y_true, y_pred = _matrix(y_true, who), _matrix(y_pred, who)
        if not self._built:
            self._build(y_pred.shape[-1])
        if self.threshold is None:
            pred = (y_pred >= y_pred.max(axis=-1, keepdims=True)) & (np.abs(y_pred) > 1e-9)
        else:
            pred = y_pred > self.threshold
        pred = pred.astype(np.float64)
        w = _row_weights(sample_weight)

        def total(values):
            return (values if w is None else values * w).sum(axis=self.axis)
        self.true_positives += total(pred * y_true)
        self.false_positives += total(pred * (1.0 - y_true))
        self.false_negatives += total((1.0 - pred) * y_true)
        self.intermediate_weights += total(y_true)

    def result(self):
        if not self._built:
            return self._out(0.0)
        tp = self.true_positives
        precision = divide_no_nan(tp, tp + self.false_positives)
        recall = divide_no_nan(tp, tp + self.false_negatives)
        b2 = self.beta ** 2
        score = divide_no_nan(precision * recall, b2 * precision + recall) * (1.0 + b2)
        if self.average == "weighted":
            weights = divide_no_nan(self.intermediate_weights,
                                    self.intermediate_weights.sum())
            score = (score * weights).sum()
        elif self.average is not None:
            score = np.mean(score)
        return self._out(score)

    def get_config(self):
        return {**super().get_config(), "average": self.average, "beta": self.beta,
                "threshold": self.threshold}


class F1Score(FBetaScore):
    """F-beta with beta 1: the harmonic mean of precision and recall."""

    def __init__(self, average=None, threshold=None, name="f1_score", dtype=None):
        super().__init__(average=average, beta=1.0, threshold=threshold, name=name,
                         dtype=dtype)

    def get_config(self):
        config = super().get_config()
        del config["beta"]
        return config


class R2Score(Metric):
    """The coefficient of determination per output column, `1 - SSres /
    SStot`, aggregated by `class_aggregation` ('uniform_average',
    'variance_weighted_average' or None for per column); with
    `num_regressors`, adjusted for that many independent variables."""

    def __init__(self, class_aggregation="uniform_average", num_regressors=0,
                 name="r2_score", dtype=None):
        if class_aggregation not in (None, "uniform_average", "variance_weighted_average"):
            raise ValueError(f"R2Score: class_aggregation must be None, "
                             f"'uniform_average' or 'variance_weighted_average', got "
                             f"{class_aggregation!r}")
        num_regressors = check_int("R2Score", "num_regressors", num_regressors, 0)
        super().__init__(name=name, dtype=dtype)
        self.class_aggregation = class_aggregation
        self.num_regressors = num_regressors
        self.num_samples = self.add_weight("num_samples", dtype=np.int64)
        self._built = False

    def _build(self, columns):
        self.squared_sum = self.add_weight("squared_sum", shape=(columns,))
        self.sum = self.add_weight("sum", shape=(columns,))
        self.total_mse = self.add_weight("residual", shape=(columns,))
        self.count = self.add_weight("count", shape=(columns,))
        self._built = True

    def update_state(self, y_true, y_pred, sample_weight=None):
        """Add one batch's sums per column."""
        y_true, y_pred = _matrix(y_true, "R2Score"), _matrix(y_pred, "R2Score")
        if not self._built:
            self._build(y_pred.shape[-1])
        w = _row_weights(sample_weight)
        w = np.ones_like(y_true) if w is None else np.broadcast_to(w, y_true.shape)
        weighted = y_true * w
        self.sum += weighted.sum(axis=0)
        self.squared_sum += (y_true * weighted).sum(axis=0)
        self.total_mse += ((y_true - y_pred) ** 2 * w).sum(axis=0)
        self.count += w.sum(axis=0)
        self.num_samples += y_true.size

    def result(self):
        if not self._built:
            return self._out(0.0)
        with np.errstate(divide="ignore", invalid="ignore"):
            mean = self.sum / self.count
            total = self.squared_sum - self.sum * mean
            raw = 1.0 - self.total_mse / total
        raw = np.where(np.isinf(raw), 0.0, raw)
        if self.class_aggregation == "uniform_average":
            score = raw.mean()
        elif self.class_aggregation == "variance_weighted_average":
            score = (total * raw).sum() / total.sum()
        else:
            score = raw
        n, p = int(self.num_samples), self.num_regressors
        if p:
            if p > n - 1:
                warnings.warn("R2Score: more independent predictors than data "
                              "points; falling back to the standard R2 score",
                              stacklevel=2)
            elif p == n - 1:
                warnings.warn("R2Score: division by zero in the adjusted R2 score; "
                              "falling back to the standard R2 score", stacklevel=2)
            else:
                score = 1.0 - (1.0 - score) * (n - 1.0) / (n - p - 1.0)
        return self._out(score)

    def get_config(self):
        return {**super().get_config(), "class_aggregation": self.class_aggregation,
                "num_regressors": self.num_regressors}
