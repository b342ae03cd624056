"""Keras's metrics: the functions `f(y_true, y_pred)` (one value per
sample) and the Metric objects, whose state accumulates over batches so
that `result()` covers all of them (what AUC and precision need).

compile turns every metric into an object (a function into a
MeanMetricWrapper, as tf-keras does), and `get` resolves names: a
function's ('mae', 'binary_accuracy'), or a class's ('AUC', 'Precision'),
which gives a new object with its default arguments.
"""
from .. import registry
from . import functions
from .auc import AUC
from .base import Mean, MeanMetricWrapper, MeanTensor, Metric, Reduce, Sum
from .confusion_metrics import (FalseNegatives, FalsePositives, Precision,
                                PrecisionAtRecall, Recall, RecallAtPrecision,
                                SensitivityAtSpecificity, SpecificityAtSensitivity,
                                TrueNegatives, TruePositives)
from .functions import (BCE, KLD, MAE, MAPE, MSE, MSLE, acc, accuracy, bce,
                        binary_accuracy, binary_crossentropy, binary_focal_crossentropy,
                        categorical_accuracy, categorical_crossentropy,
                        categorical_focal_crossentropy, categorical_hinge,
                        cosine_proximity, cosine_similarity, hinge, huber,
                        kl_divergence, kld, kullback_leibler_divergence, log_cosh,
                        logcosh, mae, mape, mean_absolute_error,
                        mean_absolute_percentage_error, mean_squared_error,
                        mean_squared_logarithmic_error, mse, msle, poisson,
                        resolve_accuracy, sparse_categorical_accuracy,
                        sparse_categorical_crossentropy,
                        sparse_top_k_categorical_accuracy, squared_hinge,
                        top_k_categorical_accuracy)
from .iou import IoU, BinaryIoU, MeanIoU, OneHotIoU, OneHotMeanIoU
from .mean_metrics import (Accuracy, BinaryAccuracy, BinaryCrossentropy,
                           CategoricalAccuracy, CategoricalCrossentropy,
                           CategoricalHinge, CosineSimilarity, Hinge, KLDivergence,
                           LogCoshError, MeanAbsoluteError,
                           MeanAbsolutePercentageError, MeanRelativeError,
                           MeanSquaredError, MeanSquaredLogarithmicError, Poisson,
                           RootMeanSquaredError, SparseCategoricalAccuracy,
                           SparseCategoricalCrossentropy,
                           SparseTopKCategoricalAccuracy, SquaredHinge,
                           TopKCategoricalAccuracy)
from .scores import F1Score, FBetaScore, R2Score

_FUNCTIONS = [name for name, fn in vars(functions).items()
              if not name.startswith("_") and callable(fn) and not isinstance(fn, type)
              and getattr(fn, "__module__", None) == functions.__name__
              and name != "resolve_accuracy"]
_CLASSES = [Sum, Mean, MeanMetricWrapper, MeanTensor, AUC,
            TruePositives, FalsePositives, TrueNegatives, FalseNegatives, Precision,
            Recall, SensitivityAtSpecificity, SpecificityAtSensitivity,
            PrecisionAtRecall, RecallAtPrecision, IoU, BinaryIoU, MeanIoU, OneHotIoU,
            OneHotMeanIoU, Accuracy, BinaryAccuracy, CategoricalAccuracy,
            SparseCategoricalAccuracy, TopKCategoricalAccuracy,
            SparseTopKCategoricalAccuracy, BinaryCrossentropy, CategoricalCrossentropy,
            SparseCategoricalCrossentropy, Hinge, SquaredHinge, CategoricalHinge,
            KLDivergence, Poisson, MeanSquaredError, MeanAbsoluteError,
            MeanAbsolutePercentageError, MeanSquaredLogarithmicError, LogCoshError,
            CosineSimilarity, RootMeanSquaredError, MeanRelativeError, FBetaScore,
            F1Score, R2Score]

registry.set_base("metric", Metric)
for _name in _FUNCTIONS:
    registry.register_builtin("metric", getattr(functions, _name), _name)
for _cls in [Metric, Reduce] + _CLASSES:
    _cls.__module__ = __name__      # the public home, as reprs and saving show it
for _cls in _CLASSES:
    registry.register_builtin("metric", _cls)


def get(identifier, custom_objects=None):
    """A metric from a function name ('accuracy', 'mae', ...), a class name
    ('AUC': a new AUC()), a `{'class_name', 'config'}` dict, a Metric (as
    it is) or any callable."""
    return registry.get("metric", identifier, custom_objects)


def deserialize(config, custom_objects=None):
    """A metric from a name or a config dict."""
    return registry.deserialize("metric", config, custom_objects)


def serialize(metric):
    """A metric function's name, or a Metric's `{'class_name', 'config'}`."""
    if isinstance(metric, Metric):
        return registry.serialize(metric)
    name = registry.get_registered_name(metric) or getattr(metric, "name", None)
    if name is None:
        raise ValueError(f"serialize: cannot name metric {metric!r}")
    return name


__all__ = sorted(_FUNCTIONS) + ["Metric", "Reduce"] + [c.__name__ for c in _CLASSES] + [
    "resolve_accuracy", "get", "serialize", "deserialize"]
