"""Metrics of the confusion counts over thresholds: the four counts,
Precision, Recall, and the sensitivity/specificity/precision/recall
trade-offs (tf-keras's classes, names and configs)."""
import numpy as np

from .base import Metric, check_int
from .confusion import NEG_INF, ConfusionCounts, divide_no_nan, parse_thresholds


class _ConditionCount(Metric):
    """One confusion count per threshold (default 0.5)."""

    _which = None

    def __init__(self, thresholds=None, name=None, dtype=None):
        super().__init__(name=name, dtype=dtype)
        self.init_thresholds = thresholds
        self.thresholds = parse_thresholds(thresholds, 0.5)
        self._counts = ConfusionCounts(self, self.thresholds, (self._which,))
        self.accumulator = getattr(self, self._which)

    def update_state(self, y_true, y_pred, sample_weight=None):
        """Add the counts of one batch (labels nonzero are positive)."""
        self._counts.update(y_true, y_pred, sample_weight)

    def result(self):
        value = self.accumulator
        return self._out(value[0] if len(self.thresholds) == 1 else value)

    def get_config(self):
        return {**super().get_config(), "thresholds": self.init_thresholds}


class TruePositives(_ConditionCount):
    """The (weighted) number of positive labels predicted above each threshold."""

    _which = "true_positives"


class FalsePositives(_ConditionCount):
    """The (weighted) number of negative labels predicted above each threshold."""

    _which = "false_positives"


class TrueNegatives(_ConditionCount):
    """The (weighted) number of negative labels predicted at or below each threshold."""

    _which = "true_negatives"


class FalseNegatives(_ConditionCount):
    """The (weighted) number of positive labels predicted at or below each threshold."""

    _which = "false_negatives"


class _PrecisionRecall(Metric):
    """tp over tp + the count `_other`, per threshold; with `top_k` only the
    k highest predictions of a sample count as predicted (threshold then
    defaults to none), with `class_id` only that column."""

    _other = None

    def __init__(self, thresholds=None, top_k=None, class_id=None, name=None,
                 dtype=None):
        super().__init__(name=name, dtype=dtype)
        self.init_thresholds = thresholds
        self.top_k = top_k
        self.class_id = class_id
        self.thresholds = parse_thresholds(thresholds, 0.5 if top_k is None else NEG_INF)
        self._counts = ConfusionCounts(self, self.thresholds,
                                       ("true_positives", self._other))

    def update_state(self, y_true, y_pred, sample_weight=None):
        """Add the counts of one batch (labels nonzero are positive)."""
        self._counts.update(y_true, y_pred, sample_weight, top_k=self.top_k,
                            class_id=self.class_id)

    def result(self):
        tp = self.true_positives
        value = divide_no_nan(tp, tp + getattr(self, self._other))
        return self._out(value[0] if len(self.thresholds) == 1 else value)

    def get_config(self):
        return {**super().get_config(), "thresholds": self.init_thresholds,
                "top_k": self.top_k, "class_id": self.class_id}


class Precision(_PrecisionRecall):
    """The fraction of predicted positives that are positive."""

    _other = "false_positives"


class Recall(_PrecisionRecall):
    """The fraction of positives predicted positive."""

    _other = "false_negatives"


class _AtConstraint(Metric):
    """The best of one rate over the thresholds where another reaches a
    bound; the thresholds are `num_thresholds` evenly spread over [0, 1]."""

    _bound = None    # the constructor argument holding the bound

    def __init__(self, value, num_thresholds=200, class_id=None, name=None,
                 dtype=None):
        cls = type(self).__name__
        if isinstance(value, bool) or not isinstance(value, (int, float)) \
                or not 0.0 <= value <= 1.0:
            raise ValueError(f"{cls}: {self._bound} must be in [0, 1], got {value!r}")
        num_thresholds = check_int(cls, "num_thresholds", num_thresholds, 1)
        super().__init__(name=name, dtype=dtype)
        self.value = value
        self.num_thresholds = num_thresholds
        self.class_id = class_id
        if num_thresholds == 1:
            thresholds, evenly = [0.5], False
        else:
            thresholds = [(i + 1) / (num_thresholds - 1)
                          for i in range(num_thresholds - 2)]
            thresholds, evenly = [0.0] + thresholds + [1.0], True
        self.thresholds = thresholds
        self._counts = ConfusionCounts(
            self, thresholds, ("true_positives", "true_negatives", "false_positives",
                               "false_negatives"), evenly=evenly)

    def update_state(self, y_true, y_pred, sample_weight=None):
        """Add the counts of one batch (labels nonzero are positive)."""
        self._counts.update(y_true, y_pred, sample_weight, class_id=self.class_id)

    def _rates(self):
        tp, tn = self.true_positives, self.true_negatives
        fp, fn = self.false_positives, self.false_negatives
        return {"sensitivity": divide_no_nan(tp, tp + fn),
                "specificity": divide_no_nan(tn, tn + fp),
                "precision": divide_no_nan(tp, tp + fp)}

    def _best(self, constrained, dependent):
        feasible = constrained >= self.value
        return self._out(dependent[feasible].max() if feasible.any() else 0.0)

    def get_config(self):
        return {**super().get_config(), "class_id": self.class_id,
                "num_thresholds": self.num_thresholds, self._bound: self.value}


class SensitivityAtSpecificity(_AtConstraint):
    """The best sensitivity (recall) where specificity >= `specificity`."""

    _bound = "specificity"

    def __init__(self, specificity, num_thresholds=200, class_id=None, name=None,
                 dtype=None):
        super().__init__(specificity, num_thresholds, class_id, name, dtype)
        self.specificity = specificity

    def result(self):
        rates = self._rates()
        return self._best(rates["specificity"], rates["sensitivity"])


class SpecificityAtSensitivity(_AtConstraint):
    """The best specificity where sensitivity (recall) >= `sensitivity`."""

    _bound = "sensitivity"

    def __init__(self, sensitivity, num_thresholds=200, class_id=None, name=None,
                 dtype=None):
        super().__init__(sensitivity, num_thresholds, class_id, name, dtype)
        self.sensitivity = sensitivity

    def result(self):
        rates = self._rates()
        return self._best(rates["sensitivity"], rates["specificity"])


class PrecisionAtRecall(_AtConstraint):
    """The best precision where recall >= `recall`."""

    _bound = "recall"

    def __init__(self, recall, num_thresholds=200, class_id=None, name=None,
                 dtype=None):
        super().__init__(recall, num_thresholds, class_id, name, dtype)
        self.recall = recall

    def result(self):
        rates = self._rates()
        return self._best(rates["sensitivity"], rates["precision"])


class RecallAtPrecision(_AtConstraint):
    """The best recall where precision >= `precision`."""

    _bound = "precision"

    def __init__(self, precision, num_thresholds=200, class_id=None, name=None,
                 dtype=None):
        super().__init__(precision, num_thresholds, class_id, name, dtype)
        self.precision = precision

    def result(self):
        rates = self._rates()
        return self._best(rates["precision"], rates["sensitivity"])


__all__ = ["TruePositives", "FalsePositives", "TrueNegatives", "FalseNegatives",
           "Precision", "Recall", "SensitivityAtSpecificity",
           "SpecificityAtSensitivity", "PrecisionAtRecall", "RecallAtPrecision"]
