"""NumPy helpers of the Keras utils: one-hot and ordinal encoding, normalisation."""
import numpy as np


def to_categorical(y, num_classes=None, dtype="float32"):
    """One-hot encode integer class labels: shape `y.shape + (num_classes,)`.

    As in Keras, a trailing axis of size 1 is dropped first, so labels of
    shape (n, 1) give (n, num_classes).  `num_classes` defaults to
    `max(y) + 1`.  Negative, non-integral or too large labels raise ValueError.
    """
    y = np.asarray(y)
    if y.dtype.kind not in "iub":
        if y.dtype.kind != "f":
            raise ValueError(f"to_categorical: y must hold integer class labels, "
                             f"got dtype {y.dtype}")
        if y.size and not np.all(np.isfinite(y) & (y == np.floor(y))):
            raise ValueError("to_categorical: y must hold integer class labels, "
                             "got non-integral float values")
    y = y.astype(np.int64)
    shape = y.shape
    if len(shape) > 1 and shape[-1] == 1:
        shape = shape[:-1]
    y = y.ravel()
    if y.size and y.min() < 0:
        raise ValueError(f"to_categorical: class labels must be >= 0, "
                         f"got {int(y.min())}")
    if num_classes is None:
        if not y.size:
            raise ValueError("to_categorical: num_classes is required when y is empty")
        num_classes = int(y.max()) + 1
    else:
        if isinstance(num_classes, bool) or int(num_classes) != num_classes \
                or num_classes < 1:
            raise ValueError(f"to_categorical: num_classes must be a positive "
                             f"integer, got {num_classes!r}")
        num_classes = int(num_classes)
        if y.size and y.max() >= num_classes:
            raise ValueError(f"to_categorical: class label {int(y.max())} is out "
                             f"of range for num_classes={num_classes}")
    categorical = np.zeros((y.size, num_classes), dtype=dtype)
    categorical[np.arange(y.size), y] = 1
    return categorical.reshape(shape + (num_classes,))


def to_ordinal(y, num_classes=None, dtype="float32"):
    """Ordinal encoding of integer labels: shape `y.shape + (num_classes - 1,)`.

    Label k becomes k ones followed by zeros (for ordinal regression), as
    tf-keras's `to_ordinal`; a trailing axis of size 1 is dropped first and
    `num_classes` defaults to `max(y) + 1`.
    """
    y = np.array(y, dtype="int")
    shape = y.shape
    if len(shape) > 1 and shape[-1] == 1:
        shape = shape[:-1]
    y = y.reshape(-1)
    if not num_classes:
        if not y.size:
            raise ValueError("to_ordinal: num_classes is required when y is empty")
        num_classes = int(np.max(y)) + 1
    ordinal = (np.arange(num_classes - 1)[None, :] < y[:, None]).astype(dtype)
    return ordinal.reshape(shape + (num_classes - 1,))


def normalize(x, axis=-1, order=2):
    """Scale `x` to unit `order`-norm along `axis` (zero vectors stay zero)."""
    x = np.asarray(x)
    norm = np.atleast_1d(np.linalg.norm(x, order, axis))
    norm[norm == 0] = 1
    return x / np.expand_dims(norm, axis)
