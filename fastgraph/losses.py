"""Loss functions, as in tf-keras 2.x: `f(y_true, y_pred)` -> one value per sample.

Each function reduces only the last axis (a mean for the elementwise losses,
a sum for crossentropy, KL divergence and cosine similarity), so it returns
`y_pred.shape[:-1]`; the trainer weights and averages the samples.  They are
written with differentiable ops, so gradients flow to `y_pred`.  The classes
(`MeanSquaredError()`, `CategoricalCrossentropy(from_logits=True)`, ...)
wrap them with options and a reduction to a scalar.
"""
import math
import warnings

import numpy as np

from . import backend as K
from . import registry
from .autodiff import Tensor, as_array, as_tensor, floatx, symbolic
from .ops import losses as _ops


def _prep(y_true, y_pred):
    """y_pred as a float Tensor; y_true as a Tensor of the same dtype."""
    y_pred = as_tensor(y_pred)
    if y_pred.dtype.kind != "f":
        y_pred = K.cast(y_pred, floatx())
    if isinstance(y_true, Tensor):
        if y_true.dtype != y_pred.dtype:
            y_true = K.cast(y_true, y_pred.dtype)
    else:
        y_true = Tensor(np.asarray(y_true, dtype=y_pred.dtype))
    return y_true, y_pred


def mean_squared_error(y_true, y_pred):
    """mean(square(y_pred - y_true), axis=-1)."""
    y_true, y_pred = _prep(y_true, y_pred)
    return K.mean(K.square(y_pred - y_true), axis=-1)


def mean_absolute_error(y_true, y_pred):
    """mean(abs(y_pred - y_true), axis=-1)."""
    y_true, y_pred = _prep(y_true, y_pred)
    return K.mean(K.abs(y_pred - y_true), axis=-1)


def mean_absolute_percentage_error(y_true, y_pred):
    """100 * mean(abs((y_true - y_pred) / max(abs(y_true), epsilon)), axis=-1)."""
    y_true, y_pred = _prep(y_true, y_pred)
    diff = K.abs((y_true - y_pred) / K.maximum(K.abs(y_true), K.epsilon()))
    return 100.0 * K.mean(diff, axis=-1)


def mean_squared_logarithmic_error(y_true, y_pred):
    """mean(square(log(max(y_pred, eps) + 1) - log(max(y_true, eps) + 1)), axis=-1)."""
    y_true, y_pred = _prep(y_true, y_pred)
    first = K.log(K.maximum(y_pred, K.epsilon()) + 1.0)
    second = K.log(K.maximum(y_true, K.epsilon()) + 1.0)
    return K.mean(K.square(first - second), axis=-1)


def _maybe_convert_labels(y_true):
    """Binary labels {0, 1} become {-1, 1}, as the hinge losses expect."""
    d = y_true.data
    if np.all((d == 0) | (d == 1)):
        return 2.0 * y_true - 1.0
    return y_true


def squared_hinge(y_true, y_pred):
    """mean(square(max(1 - y_true * y_pred, 0)), axis=-1); labels in {-1, 1} or {0, 1}."""
    y_true, y_pred = _prep(y_true, y_pred)
    y_true = _maybe_convert_labels(y_true)
    return K.mean(K.square(K.maximum(1.0 - y_true * y_pred, 0.0)), axis=-1)


def hinge(y_true, y_pred):
    """mean(max(1 - y_true * y_pred, 0), axis=-1); labels in {-1, 1} or {0, 1}."""
    y_true, y_pred = _prep(y_true, y_pred)
    y_true = _maybe_convert_labels(y_true)
    return K.mean(K.maximum(1.0 - y_true * y_pred, 0.0), axis=-1)


def categorical_hinge(y_true, y_pred):
    """max(max((1 - y_true) * y_pred) - sum(y_true * y_pred) + 1, 0) per sample."""
    y_true, y_pred = _prep(y_true, y_pred)
    pos = K.sum(y_true * y_pred, axis=-1)
    neg = K.max((1.0 - y_true) * y_pred, axis=-1)
    return K.maximum(neg - pos + 1.0, 0.0)


def huber(y_true, y_pred, delta=1.0):
    """mean over the last axis of 0.5 x^2 where |x| <= delta, else delta |x| - 0.5 delta^2."""
    y_true, y_pred = _prep(y_true, y_pred)
    abs_error = K.abs(y_pred - y_true)
    # With q = min(|x|, delta): 0.5 q^2 + delta (|x| - q) is both branches.
    quadratic = K.minimum(abs_error, delta)
    return K.mean(0.5 * K.square(quadratic) + delta * (abs_error - quadratic), axis=-1)


def log_cosh(y_true, y_pred):
    """mean(log(cosh(y_pred - y_true)), axis=-1), computed without overflow."""
    y_true, y_pred = _prep(y_true, y_pred)
    x = K.abs(y_pred - y_true)
    return K.mean(x + K.log(1.0 + K.exp(-2.0 * x)) - math.log(2.0), axis=-1)


def categorical_crossentropy(y_true, y_pred, from_logits=False, label_smoothing=0.0,
                             axis=-1):
    """-sum(y_true * log(y_pred), axis): one-hot (or soft) targets.

    Fused with a preceding softmax (or given logits with `from_logits`) it
    uses the stable log-softmax form.  `label_smoothing` mixes the targets
    with the uniform distribution.
    """
    if isinstance(axis, bool) or not isinstance(axis, (int, np.integer)):
        raise ValueError(f"categorical_crossentropy: axis must be an int, got {axis!r}")
    y_true, y_pred = _prep(y_true, y_pred)
    if label_smoothing:
        num_classes = y_true.shape[axis]
        y_true = y_true * (1.0 - label_smoothing) + label_smoothing / num_classes
    return _ops.categorical_crossentropy(y_true, y_pred, from_logits=from_logits,
                                         axis=axis)


def sparse_categorical_crossentropy(y_true, y_pred, from_logits=False, axis=-1,
                                    ignore_class=None):
    """Crossentropy with integer class labels (shape `y_pred.shape[:-1]`, or
    with a trailing axis of 1).  Samples labelled `ignore_class` get loss 0."""
    if ignore_class is None:
        return _ops.sparse_categorical_crossentropy(y_true, y_pred,
                                                    from_logits=from_logits, axis=axis)
    labels = as_array(y_true)
    valid = labels != ignore_class
    loss = _ops.sparse_categorical_crossentropy(np.where(valid, labels, 0), y_pred,
                                                from_logits=from_logits, axis=axis)
    valid = valid.reshape(loss.shape)
    return loss * valid.astype(loss.dtype)


def binary_crossentropy(y_true, y_pred, from_logits=False, label_smoothing=0.0,
                        axis=-1):
    """mean(-(y log p + (1 - y) log(1 - p)), axis): independent binary targets.

    Fused with a preceding sigmoid (or given logits with `from_logits`) it
    uses the stable form.  `label_smoothing` squeezes the targets towards 0.5.
    """
    y_true, y_pred = _prep(y_true, y_pred)
    if label_smoothing:
        y_true = y_true * (1.0 - label_smoothing) + 0.5 * label_smoothing
    return K.mean(_ops.binary_crossentropy(y_true, y_pred, from_logits=from_logits),
                  axis=axis)


def kl_divergence(y_true, y_pred):
    """sum(y_true * log(y_true / y_pred), axis=-1), both clipped to [epsilon, 1]."""
    y_true, y_pred = _prep(y_true, y_pred)
    y_true = K.clip(y_true, K.epsilon(), 1.0)
    y_pred = K.clip(y_pred, K.epsilon(), 1.0)
    return K.sum(y_true * K.log(y_true / y_pred), axis=-1)


def poisson(y_true, y_pred):
    """mean(y_pred - y_true * log(y_pred + epsilon), axis=-1)."""
    y_true, y_pred = _prep(y_true, y_pred)
    return K.mean(y_pred - y_true * K.log(y_pred + K.epsilon()), axis=-1)


def _l2_normalize(x, axis):
    return x / K.sqrt(K.maximum(K.sum(K.square(x), axis=axis, keepdims=True), 1e-12))


def cosine_similarity(y_true, y_pred, axis=-1):
    """-sum(l2_normalize(y_true) * l2_normalize(y_pred), axis): -1 for parallel
    vectors, so minimising it maximises the similarity (Keras's cosine_proximity)."""
    y_true, y_pred = _prep(y_true, y_pred)
    return -K.sum(_l2_normalize(y_true, axis) * _l2_normalize(y_pred, axis), axis=axis)


def binary_focal_crossentropy(y_true, y_pred, apply_class_balancing=False, alpha=0.25,
                              gamma=2.0, from_logits=False, label_smoothing=0.0,
                              axis=-1):
    """Binary crossentropy scaled by `(1 - p_t) ** gamma`, `p_t` the
    probability given to the true class, which lowers the weight of easy
    examples (Lin et al., 2017); with `apply_class_balancing` also by `alpha`
    for class 1 and `1 - alpha` for class 0.  Mean over `axis`."""
    y_true, y_pred = _prep(y_true, y_pred)
    if label_smoothing:
        y_true = y_true * (1.0 - label_smoothing) + 0.5 * label_smoothing
    probs = K.sigmoid(y_pred) if from_logits else y_pred
    p_t = y_true * probs + (1.0 - y_true) * (1.0 - probs)
    loss = K.pow(1.0 - p_t, gamma) * _ops.binary_crossentropy(
        y_true, y_pred, from_logits=from_logits)
    if apply_class_balancing:
        loss = (y_true * alpha + (1.0 - y_true) * (1.0 - alpha)) * loss
    return K.mean(loss, axis=axis)


def categorical_focal_crossentropy(y_true, y_pred, alpha=0.25, gamma=2.0,
                                   from_logits=False, label_smoothing=0.0, axis=-1):
    """Categorical crossentropy whose terms are scaled by
    `alpha * (1 - p) ** gamma`, `p` the predicted probability of each class
    (the predictions are renormalised to sum to 1 and clipped to
    [epsilon, 1 - epsilon] first, as in tf-keras)."""
    if isinstance(axis, bool) or not isinstance(axis, (int, np.integer)):
        raise ValueError(f"categorical_focal_crossentropy: axis must be an int, "
                         f"got {axis!r}")
    y_true, y_pred = _prep(y_true, y_pred)
    if y_pred.shape[-1] == 1:
        warnings.warn(f"categorical_focal_crossentropy: expected y_pred of shape "
                      f"(batch_size, num_classes) with num_classes > 1, got "
                      f"{y_pred.shape}; use binary_crossentropy for 2 classes",
                      SyntaxWarning, stacklevel=2)
    if label_smoothing:
        y_true = y_true * (1.0 - label_smoothing) + label_smoothing / y_true.shape[axis]
    if from_logits:
        y_pred = K.softmax(y_pred, axis=axis)
    y_pred = y_pred / K.sum(y_pred, axis=axis, keepdims=True)
    y_pred = K.clip(y_pred, K.epsilon(), 1.0 - K.epsilon())
    terms = alpha * K.pow(1.0 - y_pred, gamma) * (-y_true * K.log(y_pred))
    return K.sum(terms, axis=axis)


mse = MSE = mean_squared_error
mae = MAE = mean_absolute_error
mape = MAPE = mean_absolute_percentage_error
msle = MSLE = mean_squared_logarithmic_error
bce = BCE = binary_crossentropy
kld = KLD = kullback_leibler_divergence = kl_divergence
cosine_proximity = cosine = cosine_similarity
logcosh = log_cosh
huber_loss = huber

class Reduction:
    """The reductions a Loss object applies (Keras's `losses.Reduction`):
    AUTO and SUM_OVER_BATCH_SIZE (the mean over all elements), SUM, NONE."""

    AUTO = "auto"
    NONE = "none"
    SUM = "sum"
    SUM_OVER_BATCH_SIZE = "sum_over_batch_size"

    @classmethod
    def all(cls):
        """Every reduction name."""
        return (cls.AUTO, cls.NONE, cls.SUM, cls.SUM_OVER_BATCH_SIZE)

    @classmethod
    def validate(cls, key):
        """Raise ValueError unless `key` is a reduction name."""
        if key not in cls.all():
            raise ValueError(f"Reduction: invalid reduction {key!r}; expected one "
                             f"of {', '.join(cls.all())}")


class Loss:
    """Base class of loss objects: subclasses define `call(y_true, y_pred)`.

    Calling the object returns `call`'s per-sample values weighted by
    `sample_weight` and reduced by `reduction`: 'auto' or
    'sum_over_batch_size' (the mean over all elements), 'sum', or 'none'.
    """

    _REDUCTIONS = Reduction.all()

    def __init__(self, reduction="auto", name=None):
        if reduction not in self._REDUCTIONS:
            raise ValueError(f"{type(self).__name__}: reduction must be one of "
                             f"{', '.join(self._REDUCTIONS)}, got {reduction!r}")
        if not callable(getattr(self, "call", None)):
            raise TypeError(f"{type(self).__name__}: a Loss subclass must define "
                            f"call(y_true, y_pred)")
        self.reduction = reduction
        self.name = name

    def __call__(self, y_true, y_pred, sample_weight=None):
        if any(symbolic.is_symbolic(v) for v in (y_true, y_pred, sample_weight)):
            # an op node that rebuilds this loss from its config when it runs
            return _loss_object(y_true, y_pred, loss=serialize(self),
                                sample_weight=sample_weight)
        losses = self.call(y_true, y_pred)
        if sample_weight is not None:
            weights = as_array(sample_weight).astype(losses.dtype, copy=False)
            while weights.ndim < losses.ndim:
                weights = weights[..., None]
            while weights.ndim > losses.ndim and weights.shape[-1] == 1:
                weights = weights[..., 0]
            losses = losses * weights
        if self.reduction == "none":
            return losses
        total = K.sum(losses)
        if self.reduction == "sum":
            return total
        return total / max(int(np.prod(losses.shape)), 1)

    def get_config(self):
        """The constructor arguments, for `from_config`."""
        return {"reduction": self.reduction, "name": self.name}

    @classmethod
    def from_config(cls, config):
        """A new loss object from `get_config()`'s output."""
        return cls(**config)


class LossFunctionWrapper(Loss):
    """A Loss calling `fn(y_true, y_pred, **kwargs)`."""

    def __init__(self, fn, reduction="auto", name=None, **kwargs):
        super().__init__(reduction=reduction, name=name)
        self.fn = fn
        self._fn_kwargs = kwargs

    def call(self, y_true, y_pred):
        """The per-sample losses."""
        return self.fn(y_true, y_pred, **self._fn_kwargs)

    def get_config(self):
        config = dict(self._fn_kwargs)
        config.update(super().get_config())
        return config


class MeanSquaredError(LossFunctionWrapper):
    """Loss object for `mean_squared_error`."""

    def __init__(self, reduction="auto", name="mean_squared_error"):
        super().__init__(mean_squared_error, reduction=reduction, name=name)


class MeanAbsoluteError(LossFunctionWrapper):
    """Loss object for `mean_absolute_error`."""

    def __init__(self, reduction="auto", name="mean_absolute_error"):
        super().__init__(mean_absolute_error, reduction=reduction, name=name)


class MeanAbsolutePercentageError(LossFunctionWrapper):
    """Loss object for `mean_absolute_percentage_error`."""

    def __init__(self, reduction="auto", name="mean_absolute_percentage_error"):
        super().__init__(mean_absolute_percentage_error, reduction=reduction, name=name)


class MeanSquaredLogarithmicError(LossFunctionWrapper):
    """Loss object for `mean_squared_logarithmic_error`."""

    def __init__(self, reduction="auto", name="mean_squared_logarithmic_error"):
        super().__init__(mean_squared_logarithmic_error, reduction=reduction, name=name)


class BinaryCrossentropy(LossFunctionWrapper):
    """Loss object for `binary_crossentropy`."""

    def __init__(self, from_logits=False, label_smoothing=0.0, axis=-1,
                 reduction="auto", name="binary_crossentropy"):
        super().__init__(binary_crossentropy, reduction=reduction, name=name,
                         from_logits=from_logits, label_smoothing=label_smoothing,
                         axis=axis)


class CategoricalCrossentropy(LossFunctionWrapper):
    """Loss object for `categorical_crossentropy`."""

    def __init__(self, from_logits=False, label_smoothing=0.0, axis=-1,
                 reduction="auto", name="categorical_crossentropy"):
        super().__init__(categorical_crossentropy, reduction=reduction, name=name,
                         from_logits=from_logits, label_smoothing=label_smoothing,
                         axis=axis)


class SparseCategoricalCrossentropy(LossFunctionWrapper):
    """Loss object for `sparse_categorical_crossentropy`."""

    def __init__(self, from_logits=False, ignore_class=None, reduction="auto",
                 name="sparse_categorical_crossentropy"):
        super().__init__(sparse_categorical_crossentropy, reduction=reduction,
                         name=name, from_logits=from_logits,
                         ignore_class=ignore_class)


class BinaryFocalCrossentropy(LossFunctionWrapper):
    """Loss object for `binary_focal_crossentropy`."""

    def __init__(self, apply_class_balancing=False, alpha=0.25, gamma=2.0,
                 from_logits=False, label_smoothing=0.0, axis=-1,
                 reduction="auto", name="binary_focal_crossentropy"):
        super().__init__(binary_focal_crossentropy, reduction=reduction, name=name,
                         apply_class_balancing=apply_class_balancing, alpha=alpha,
                         gamma=gamma, from_logits=from_logits,
                         label_smoothing=label_smoothing, axis=axis)


class CategoricalFocalCrossentropy(LossFunctionWrapper):
    """Loss object for `categorical_focal_crossentropy`."""

    def __init__(self, alpha=0.25, gamma=2.0, from_logits=False, label_smoothing=0.0,
                 axis=-1, reduction="auto", name="categorical_focal_crossentropy"):
        super().__init__(categorical_focal_crossentropy, reduction=reduction,
                         name=name, alpha=alpha, gamma=gamma, from_logits=from_logits,
                         label_smoothing=label_smoothing, axis=axis)


class Hinge(LossFunctionWrapper):
    """Loss object for `hinge`."""

    def __init__(self, reduction="auto", name="hinge"):
        super().__init__(hinge, reduction=reduction, name=name)


class SquaredHinge(LossFunctionWrapper):
    """Loss object for `squared_hinge`."""

    def __init__(self, reduction="auto", name="squared_hinge"):
        super().__init__(squared_hinge, reduction=reduction, name=name)


class CategoricalHinge(LossFunctionWrapper):
    """Loss object for `categorical_hinge`."""

    def __init__(self, reduction="auto", name="categorical_hinge"):
        super().__init__(categorical_hinge, reduction=reduction, name=name)


class Huber(LossFunctionWrapper):
    """Loss object for `huber`."""

    def __init__(self, delta=1.0, reduction="auto", name="huber_loss"):
        super().__init__(huber, reduction=reduction, name=name, delta=delta)


class LogCosh(LossFunctionWrapper):
    """Loss object for `log_cosh`."""

    def __init__(self, reduction="auto", name="log_cosh"):
        super().__init__(log_cosh, reduction=reduction, name=name)


class KLDivergence(LossFunctionWrapper):
    """Loss object for `kl_divergence`."""

    def __init__(self, reduction="auto", name="kl_divergence"):
        super().__init__(kl_divergence, reduction=reduction, name=name)


class Poisson(LossFunctionWrapper):
    """Loss object for `poisson`."""

    def __init__(self, reduction="auto", name="poisson"):
        super().__init__(poisson, reduction=reduction, name=name)


class CosineSimilarity(LossFunctionWrapper):
    """Loss object for `cosine_similarity`."""

    def __init__(self, axis=-1, reduction="auto", name="cosine_similarity"):
        super().__init__(cosine_similarity, reduction=reduction, name=name, axis=axis)


registry.set_base("loss", Loss)
# Applied to symbolic tensors, a loss function adds an op node.
symbolic.wrap_functions(globals(), [_name for _name, _obj in list(globals().items())
                                    if getattr(_obj, "__module__", None) == __name__
                                    and not _name.startswith("_")], "losses.")
for _name, _obj in list(globals().items()):
    if not _name.startswith("_") and getattr(_obj, "__module__", None) == __name__ \
            and callable(_obj) and (not isinstance(_obj, type) or (
                issubclass(_obj, Loss) and _obj not in (Loss, LossFunctionWrapper))):
        registry.register_builtin("loss", _obj, _name)


def _apply_loss_object(y_true, y_pred, loss=None, sample_weight=None):
    """The loss object `loss` (its config) applied: a Loss object's call on
    symbolic tensors, as a graph op."""
    return deserialize(loss)(y_true, y_pred, sample_weight)


_loss_object = symbolic.symbolic_op(_apply_loss_object, "losses.Loss")


def deserialize(config, custom_objects=None):
    """A loss from a name or a `{'class_name': ..., 'config': ...}` dict.

    `custom_objects` maps names to user losses (functions or Loss classes).
    """
    return registry.deserialize("loss", config, custom_objects)


def get(identifier, custom_objects=None):
    """A loss from a name ('mse', 'categorical_crossentropy', 'Huber', ...),
    a config dict, a Loss object or any callable `f(y_true, y_pred)`."""
    return registry.get("loss", identifier, custom_objects)


def serialize(loss):
    """A loss's name (functions) or `{'class_name', 'config'}` (Loss objects)."""
    return registry.serialize(loss)


def per_sample(loss):
    """`f(y_true, y_pred)` giving per-sample values for any loss `get` accepts
    (a Loss object's unreduced `call`), as the trainer needs."""
    loss = get(loss)
    return loss.call if isinstance(loss, Loss) else loss


__all__ = [
    "mean_squared_error", "mse", "MSE", "mean_absolute_error", "mae", "MAE",
    "mean_absolute_percentage_error", "mape", "MAPE",
    "mean_squared_logarithmic_error", "msle", "MSLE", "squared_hinge", "hinge",
    "categorical_hinge", "huber", "huber_loss", "log_cosh", "logcosh",
    "categorical_crossentropy", "sparse_categorical_crossentropy",
    "binary_crossentropy", "bce", "BCE", "binary_focal_crossentropy",
    "categorical_focal_crossentropy", "kl_divergence", "kld", "KLD",
    "kullback_leibler_divergence", "poisson", "cosine_similarity",
    "cosine_proximity", "cosine", "Loss", "LossFunctionWrapper",
    "MeanSquaredError", "MeanAbsoluteError", "MeanAbsolutePercentageError",
    "MeanSquaredLogarithmicError", "BinaryCrossentropy", "CategoricalCrossentropy",
    "SparseCategoricalCrossentropy", "BinaryFocalCrossentropy",
    "CategoricalFocalCrossentropy", "Reduction", "Hinge", "SquaredHinge", "CategoricalHinge",
    "Huber", "LogCosh", "KLDivergence", "Poisson", "CosineSimilarity", "get",
    "deserialize", "serialize", "per_sample"]
