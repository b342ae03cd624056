"""Metric functions, as in tf-keras 2.x: `f(y_true, y_pred)` -> one value per sample.

Metrics need no gradient: the accuracy family works on NumPy arrays (Tensors
are read through), and the losses used as metrics run without recording.
Each returns a float32 array of shape `y_pred.shape[:-1]`; the trainer
averages it with the sample weights.  `accuracy`/`acc` picks the binary,
categorical or sparse variant as tf-keras does (see `resolve_accuracy`).
"""
import numpy as np

from .. import losses as _losses
from ..autodiff import as_array, no_grad


def binary_accuracy(y_true, y_pred, threshold=0.5):
    """mean(y_true == (y_pred > threshold), axis=-1)."""
    y_true, y_pred = as_array(y_true), as_array(y_pred)
    if y_true.ndim == y_pred.ndim - 1:
        y_true = y_true[..., None]
    return np.mean(y_true == (y_pred > threshold), axis=-1, dtype=np.float32)


def categorical_accuracy(y_true, y_pred):
    """1.0 where argmax(y_pred) == argmax(y_true) (one-hot targets), else 0.0."""
    y_true, y_pred = as_array(y_true), as_array(y_pred)
    return (np.argmax(y_true, axis=-1) == np.argmax(y_pred, axis=-1)).astype(np.float32)


def _sparse_labels(y_true, y_pred, caller):
    labels = as_array(y_true)
    if labels.ndim == y_pred.ndim:
        if labels.shape[-1] != 1:
            raise ValueError(f"{caller}: integer labels must have shape "
                             f"{y_pred.shape[:-1]} or {y_pred.shape[:-1] + (1,)}, "
                             f"got {labels.shape}")
        labels = labels[..., 0]
    return labels


def sparse_categorical_accuracy(y_true, y_pred):
    """1.0 where argmax(y_pred) equals the integer label, else 0.0."""
    y_pred = as_array(y_pred)
    labels = _sparse_labels(y_true, y_pred, "sparse_categorical_accuracy")
    matches = (np.argmax(y_pred, axis=-1) == labels).astype(np.float32)
    if matches.ndim > 1 and matches.shape[-1] == 1:
        matches = matches[..., 0]
    return matches


def _in_top_k(labels, y_pred, k, caller):
    """Whether each label is among the k highest predictions (ties count as
    in, as tf.math.in_top_k does)."""
    num_classes = y_pred.shape[-1]
    flat = y_pred.reshape(-1, num_classes)
    labels = labels.reshape(-1).astype(np.int64)
    if labels.size != flat.shape[0]:
        raise ValueError(f"{caller}: {labels.size} labels for "
                         f"{flat.shape[0]} predictions")
    if labels.size and (labels.min() < 0 or labels.max() >= num_classes):
        raise IndexError(f"{caller}: labels must be in [0, {num_classes}), got "
                         f"values in [{labels.min()}, {labels.max()}]")
    target = flat[np.arange(flat.shape[0]), labels]
    higher = np.count_nonzero(flat > target[:, None], axis=-1)
    matches = (higher < k) & np.isfinite(target)
    return matches.astype(np.float32).reshape(y_pred.shape[:-1])


def top_k_categorical_accuracy(y_true, y_pred, k=5):
    """1.0 where the target class (one-hot) is in the top `k` predictions."""
    y_pred = as_array(y_pred)
    labels = np.argmax(as_array(y_true), axis=-1)
    return _in_top_k(labels, y_pred, k, "top_k_categorical_accuracy")


def sparse_top_k_categorical_accuracy(y_true, y_pred, k=5):
    """1.0 where the integer label is in the top `k` predictions."""
    y_pred = as_array(y_pred)
    labels = _sparse_labels(y_true, y_pred, "sparse_top_k_categorical_accuracy")
    return _in_top_k(labels, y_pred, k, "sparse_top_k_categorical_accuracy")


def accuracy(y_true, y_pred):
    """Binary, sparse or categorical accuracy, chosen from the shapes as
    tf-keras's compile does (binary if the output's last axis is 1, sparse if
    the targets lack the class axis)."""
    y_true, y_pred = as_array(y_true), as_array(y_pred)
    return _choose_by_shape(y_pred.shape, y_true.shape)(y_true, y_pred)


acc = accuracy


def _choose_by_shape(output_shape, target_shape):
    if output_shape[-1] == 1:
        return binary_accuracy
    if target_shape is not None and (
            len(target_shape) < len(output_shape)
            or (target_shape[-1] == 1 and output_shape[-1] != 1)):
        return sparse_categorical_accuracy
    return categorical_accuracy


def _loss_name(loss):
    if isinstance(loss, str):
        try:
            loss = _losses.get(loss)
        except ValueError:
            return loss
    if isinstance(loss, _losses.LossFunctionWrapper):
        loss = loss.fn
    return getattr(loss, "__name__", None)


def resolve_accuracy(loss, output_shape, target_shape=None):
    """The accuracy function 'accuracy'/'acc' means for an output.

    Sparse if `loss` (a name, function or Loss object) is
    sparse_categorical_crossentropy; binary if the output's last dimension
    is 1 or the loss is binary_crossentropy; otherwise sparse if
    `target_shape` lacks the class axis, else categorical.
    """
    name = _loss_name(loss)
    if name == "sparse_categorical_crossentropy":
        return sparse_categorical_accuracy
    if name == "binary_crossentropy":
        return binary_accuracy
    return _choose_by_shape(tuple(output_shape), target_shape)


def _from_loss(fn, name, sign=1.0):
    def metric(y_true, y_pred, **kwargs):
        with no_grad():
            value = as_array(fn(y_true, y_pred, **kwargs))
        return -value if sign < 0 else value

    metric.__name__ = metric.__qualname__ = name
    metric.__doc__ = f"The `{fn.__name__}` loss as a metric (computed without gradients)."
    return metric


mean_squared_error = mse = MSE = _from_loss(_losses.mean_squared_error,
                                            "mean_squared_error")
mean_absolute_error = mae = MAE = _from_loss(_losses.mean_absolute_error,
                                             "mean_absolute_error")
mean_absolute_percentage_error = mape = MAPE = _from_loss(
    _losses.mean_absolute_percentage_error, "mean_absolute_percentage_error")
mean_squared_logarithmic_error = msle = MSLE = _from_loss(
    _losses.mean_squared_logarithmic_error, "mean_squared_logarithmic_error")
binary_crossentropy = bce = BCE = _from_loss(_losses.binary_crossentropy,
                                             "binary_crossentropy")
categorical_crossentropy = _from_loss(_losses.categorical_crossentropy,
                                      "categorical_crossentropy")
sparse_categorical_crossentropy = _from_loss(_losses.sparse_categorical_crossentropy,
                                             "sparse_categorical_crossentropy")
hinge = _from_loss(_losses.hinge, "hinge")
squared_hinge = _from_loss(_losses.squared_hinge, "squared_hinge")
categorical_hinge = _from_loss(_losses.categorical_hinge, "categorical_hinge")
kl_divergence = kld = KLD = kullback_leibler_divergence = _from_loss(
    _losses.kl_divergence, "kl_divergence")
poisson = _from_loss(_losses.poisson, "poisson")
log_cosh = logcosh = _from_loss(_losses.log_cosh, "log_cosh")
huber = _from_loss(_losses.huber, "huber")
# tf-keras 2.x: the metric is the similarity itself (+1 for parallel
# vectors), the negative of the loss of the same name.
cosine_similarity = cosine_proximity = _from_loss(_losses.cosine_similarity,
                                                  "cosine_similarity", sign=-1.0)
binary_focal_crossentropy = _from_loss(_losses.binary_focal_crossentropy,
                                       "binary_focal_crossentropy")
categorical_focal_crossentropy = _from_loss(_losses.categorical_focal_crossentropy,
                                            "categorical_focal_crossentropy")

