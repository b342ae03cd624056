"""Integer ids to one_hot / multi_hot / count / tf_idf vectors, as
tf-keras's encode_categorical_inputs (a bincount along the last axis)."""
import numpy as np

INT, ONE_HOT, MULTI_HOT, COUNT, TF_IDF = "int", "one_hot", "multi_hot", "count", "tf_idf"


def output_mode_name(mode):
    """Keras's aliases: 'binary' is multi_hot, 'tf-idf' is tf_idf."""
    return {"binary": MULTI_HOT, "tf-idf": TF_IDF}.get(mode, mode)


def encoded_shape(shape, output_mode, depth):
    """The output shape for inputs of `shape` (batch axis included)."""
    shape = tuple(shape)
    if output_mode == INT:
        return shape
    if not shape:
        return (depth,)
    if output_mode == ONE_HOT and shape[-1] != 1:
        return shape + (depth,)
    return shape[:-1] + (depth,)


def encode(ids, output_mode, depth, dtype, where, count_weights=None, idf_weights=None):
    """`ids` (int array, rank <= 2 after one_hot's expansion) encoded; ids
    outside [0, depth) are dropped, as tf's bincount with maxlength does."""
    ids = np.asarray(ids)
    if output_mode == INT:
        return ids.astype(dtype)
    if ids.ndim == 0:
        ids = ids[None]
    if output_mode == ONE_HOT and ids.shape[-1] != 1:
        ids = ids[..., None]
    if ids.ndim > 2:
        raise ValueError(f"{where}: when output_mode is not 'int', the maximum "
                         f"supported output rank is 2; got input of shape "
                         f"{ids.shape} for output_mode={output_mode!r}")
    rows = ids.reshape(-1, ids.shape[-1]) if ids.ndim == 2 else ids[None]
    n, k = rows.shape
    keep = (rows >= 0) & (rows < depth)
    flat = (np.arange(n)[:, None] * depth + np.where(keep, rows, 0)).ravel()
    if count_weights is not None:
        weights = np.asarray(count_weights, dtype=np.float64).reshape(n, k)
    else:
        weights = np.ones((n, k))
    weights = np.where(keep, weights, 0).ravel()
    out = np.bincount(flat, weights=weights, minlength=n * depth).reshape(n, depth)
    if output_mode in (ONE_HOT, MULTI_HOT):
        present = np.bincount(flat, weights=keep.ravel().astype(np.float64),
                              minlength=n * depth).reshape(n, depth)
        out = (present > 0).astype(np.float64)
    if output_mode == TF_IDF:
        out = out * np.asarray(idf_weights, dtype=np.float64)
    out = out.astype(dtype)
    return out if ids.ndim == 2 else out[0]
