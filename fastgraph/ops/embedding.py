"""Embedding lookup: gather rows of a table by integer index, scatter-add back.

The table's gradient is a RowSparseGradient: the dense array with the mask
of the rows the indices touched, so an optimizer handed it can skip the
rows that are zero (as tf-keras does with IndexedSlices).
"""
import numpy as np

from ..autodiff import RowSparseGradient, Tensor, as_array, as_tensor, output
from .._kernels import load
from ._common import check_float

_k = load("embedding")


def _flat_indices(indices, op):
    """`indices` as (original array, flat C-contiguous int32/int64 array)."""
    idx = as_array(indices)
    if idx.dtype.kind not in "iu":
        raise TypeError(f"{op}: indices must have an integer dtype (int32 or "
                        f"int64), got {idx.dtype}; cast token ids to int32")
    if idx.dtype == np.int32 or idx.dtype == np.int64:
        flat = np.ascontiguousarray(idx).reshape(-1)
    else:
        # Unsigned values past int64 wrap to negatives, which the range check
        # then reports with the original value.
        flat = idx.astype(np.int64).reshape(-1)
    return idx, flat


def _check_range(idx, flat, rows, op):
    pos = _k.check(flat, rows)
    if pos >= 0:
        where = tuple(int(i) for i in np.unravel_index(pos, idx.shape))
        value = idx[where] if idx.ndim else idx[()]
        raise IndexError(f"{op}: index {int(value)} at position {where} of indices "
                         f"(shape {idx.shape}) is out of range for a table of "
                         f"{rows} rows; expected 0 <= index < {rows}")


def float_ids(indices, rows, op):
    """Float token ids as integers (int32, or int64 for a table of 2**31 rows
    or more), as Keras casts them; a value that is not a whole number (1.5,
    nan, inf) is a ValueError and one past the integer type an IndexError,
    each naming the value and its position (`embedding` checks the range of
    the rest in its one pass)."""
    idx = as_array(indices)
    with np.errstate(invalid="ignore"):     # nan, inf, huge: caught just below
        ids = idx.astype(np.int32 if rows <= np.iinfo(np.int32).max else np.int64)
    bad = ids != idx            # fractional, not finite, or past the integer type
    if bad.any():
        where = tuple(int(i) for i in np.unravel_index(int(np.argmax(bad)), idx.shape))
        value = float(idx[where] if idx.ndim else idx[()])
        if not np.isfinite(value) or value != np.floor(value):
            raise ValueError(f"{op}: index {value!r} at position {where} of indices "
                             f"(shape {idx.shape}, dtype {idx.dtype}) is not a whole "
                             f"number; token ids must be integers")
        raise IndexError(f"{op}: index {value:.0f} at position {where} of indices "
                         f"(shape {idx.shape}) is out of range for a table of {rows} "
                         f"rows; expected 0 <= index < {rows}")
    return ids


def embedding(indices, table):
    """Rows of `table` (V, D) picked by integer `indices`: shape indices.shape + (D,).

    Differentiable with respect to the table; repeated indices accumulate.
    """
    table = as_tensor(table)
    t = table.data
    if t.ndim != 2:
        raise ValueError(f"embedding: table must have rank 2 (input_dim, output_dim), "
                         f"got shape {t.shape}")
    check_float("embedding", "table", t)
    idx, flat = _flat_indices(indices, "embedding")
    rows, dim = t.shape
    _check_range(idx, flat, rows, "embedding")
    t = np.ascontiguousarray(t)
    y = _k.gather(t, flat).reshape(idx.shape + (dim,))

    def backward(g):
        g = np.ascontiguousarray(g, dtype=t.dtype).reshape(flat.size, dim)
        grad = np.zeros((rows, dim), dtype=t.dtype)  # calloc: untouched rows stay unmapped
        _k.scatter_add(g, flat, grad)
        touched = np.zeros(rows, dtype=np.uint8)
        touched[flat] = 1
        return (RowSparseGradient(grad, touched),)

    return output(y, (table,), backward)


def embedding_mask(indices):
    """Boolean Tensor `indices != 0`: the padding mask of Embedding(mask_zero=True)."""
    idx = as_array(indices)
    if idx.dtype.kind not in "iu":
        raise TypeError(f"embedding_mask: indices must have an integer dtype, "
                        f"got {idx.dtype}")
    return Tensor(np.not_equal(idx, 0))
