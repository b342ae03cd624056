"""The class forms of the metric functions (`BinaryAccuracy()`,
`MeanSquaredError()`, ...): each the mean of its function over the samples
seen, with tf-keras's default names and arguments."""
import numpy as np

from ..autodiff import as_array
from . import functions as F
from .base import Mean, MeanMetricWrapper, squeeze_or_expand


def _equal(y_true, y_pred):
    """1.0 where the prediction equals the target exactly."""
    return (np.asarray(y_true) == np.asarray(y_pred, dtype=np.asarray(y_true).dtype)
            ).astype(np.float32)


class Accuracy(MeanMetricWrapper):
    """How often the predictions equal the targets exactly."""

    def __init__(self, name="accuracy", dtype=None):
        super().__init__(_equal, name, dtype=dtype)


class BinaryAccuracy(MeanMetricWrapper):
    """How often `y_pred > threshold` matches binary targets."""

    def __init__(self, name="binary_accuracy", dtype=None, threshold=0.5):
        super().__init__(F.binary_accuracy, name, dtype=dtype, threshold=threshold)


class CategoricalAccuracy(MeanMetricWrapper):
    """How often the top prediction is the one-hot target's class."""

    def __init__(self, name="categorical_accuracy", dtype=None):
        super().__init__(F.categorical_accuracy, name, dtype=dtype)


class SparseCategoricalAccuracy(MeanMetricWrapper):
    """How often the top prediction is the integer label."""

    def __init__(self, name="sparse_categorical_accuracy", dtype=None):
        super().__init__(F.sparse_categorical_accuracy, name, dtype=dtype)


class TopKCategoricalAccuracy(MeanMetricWrapper):
    """How often the one-hot target's class is among the `k` top predictions."""

    def __init__(self, k=5, name="top_k_categorical_accuracy", dtype=None):
        super().__init__(F.top_k_categorical_accuracy, name, dtype=dtype, k=k)


class SparseTopKCategoricalAccuracy(MeanMetricWrapper):
    """How often the integer label is among the `k` top predictions."""

    def __init__(self, k=5, name="sparse_top_k_categorical_accuracy", dtype=None):
        super().__init__(F.sparse_top_k_categorical_accuracy, name, dtype=dtype, k=k)


class BinaryCrossentropy(MeanMetricWrapper):
    """Mean binary crossentropy."""

    def __init__(self, name="binary_crossentropy", dtype=None, from_logits=False,
                 label_smoothing=0):
        super().__init__(F.binary_crossentropy, name, dtype=dtype,
                         from_logits=from_logits, label_smoothing=label_smoothing)


class CategoricalCrossentropy(MeanMetricWrapper):
    """Mean categorical crossentropy."""

    def __init__(self, name="categorical_crossentropy", dtype=None, from_logits=False,
                 label_smoothing=0, axis=-1):
        super().__init__(F.categorical_crossentropy, name, dtype=dtype,
                         from_logits=from_logits, label_smoothing=label_smoothing,
                         axis=axis)


class SparseCategoricalCrossentropy(MeanMetricWrapper):
    """Mean crossentropy against integer labels."""

    def __init__(self, name="sparse_categorical_crossentropy", dtype=None,
                 from_logits=False, ignore_class=None, axis=-1):
        super().__init__(F.sparse_categorical_crossentropy, name, dtype=dtype,
                         from_logits=from_logits, ignore_class=ignore_class, axis=axis)


class Hinge(MeanMetricWrapper):
    """Mean hinge loss."""

    def __init__(self, name="hinge", dtype=None):
        super().__init__(F.hinge, name, dtype=dtype)


class SquaredHinge(MeanMetricWrapper):
    """Mean squared hinge loss."""

    def __init__(self, name="squared_hinge", dtype=None):
        super().__init__(F.squared_hinge, name, dtype=dtype)


class CategoricalHinge(MeanMetricWrapper):
    """Mean categorical hinge loss."""

    def __init__(self, name="categorical_hinge", dtype=None):
        super().__init__(F.categorical_hinge, name, dtype=dtype)


class KLDivergence(MeanMetricWrapper):
    """Mean Kullback-Leibler divergence."""

    def __init__(self, name="kullback_leibler_divergence", dtype=None):
        super().__init__(F.kl_divergence, name, dtype=dtype)


class Poisson(MeanMetricWrapper):
    """Mean Poisson loss."""

    def __init__(self, name="poisson", dtype=None):
        super().__init__(F.poisson, name, dtype=dtype)


class MeanSquaredError(MeanMetricWrapper):
    """Mean squared error."""

    def __init__(self, name="mean_squared_error", dtype=None):
        super().__init__(F.mean_squared_error, name, dtype=dtype)


class MeanAbsoluteError(MeanMetricWrapper):
    """Mean absolute error."""

    def __init__(self, name="mean_absolute_error", dtype=None):
        super().__init__(F.mean_absolute_error, name, dtype=dtype)


class MeanAbsolutePercentageError(MeanMetricWrapper):
    """Mean absolute percentage error."""

    def __init__(self, name="mean_absolute_percentage_error", dtype=None):
        super().__init__(F.mean_absolute_percentage_error, name, dtype=dtype)


class MeanSquaredLogarithmicError(MeanMetricWrapper):
    """Mean squared logarithmic error."""

    def __init__(self, name="mean_squared_logarithmic_error", dtype=None):
        super().__init__(F.mean_squared_logarithmic_error, name, dtype=dtype)


class LogCoshError(MeanMetricWrapper):
    """Mean logarithm of the hyperbolic cosine of the error."""

    def __init__(self, name="logcosh", dtype=None):
        super().__init__(F.log_cosh, name, dtype=dtype)


class CosineSimilarity(MeanMetricWrapper):
    """Mean cosine similarity between targets and predictions along `axis`."""

    def __init__(self, name="cosine_similarity", dtype=None, axis=-1):
        super().__init__(F.cosine_similarity, name, dtype=dtype, axis=axis)


class RootMeanSquaredError(Mean):
    """The square root of the mean squared error over every element seen."""

    def __init__(self, name="root_mean_squared_error", dtype=None):
        super().__init__(name=name, dtype=dtype)

    def update_state(self, y_true, y_pred, sample_weight=None):
        """Add the squared errors of one batch."""
        y_pred, y_true = squeeze_or_expand(as_array(y_pred), as_array(y_true))
        error = np.asarray(y_pred, np.float64) - np.asarray(y_true, np.float64)
        super().update_state(error * error, sample_weight)

    def result(self):
        return self._out(np.sqrt(super().result()))


class MeanRelativeError(Mean):
    """The mean of `|y_true - y_pred| / normalizer` (0 where the normalizer
    is 0)."""

    def __init__(self, normalizer, name=None, dtype=None):
        super().__init__(name=name, dtype=dtype)
        self.normalizer = np.asarray(as_array(normalizer), dtype=np.float64)

    def update_state(self, y_true, y_pred, sample_weight=None):
        """Add the relative errors of one batch."""
        y_pred, y_true = squeeze_or_expand(as_array(y_pred), as_array(y_true))
        normalizer = self.normalizer
        if normalizer.ndim == np.ndim(y_pred) + 1 and normalizer.shape[-1] == 1:
            normalizer = normalizer[..., 0]
        error = np.abs(np.asarray(y_true, np.float64) - np.asarray(y_pred, np.float64))
        with np.errstate(divide="ignore", invalid="ignore"):
            relative = np.where(normalizer != 0, error / normalizer, 0.0)
        super().update_state(relative, sample_weight)

    def get_config(self):
        return {**super().get_config(), "normalizer": self.normalizer.tolist()}
