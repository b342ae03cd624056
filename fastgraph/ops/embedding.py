"""Embedding lookup: gather rows of a table by integer index, scatter-add back.

The table's gradient is dense (the tape and every consumer see an ordinary
array) but is registered with the mask of the rows its indices touched, so
an optimizer can skip the rows that are zero (`touched_rows`).  Such a
gradient is read-only: writing to it would make the mask a lie.
"""
import weakref

import numpy as np

from ..autodiff import Tensor, as_array, as_tensor, output
from .._kernels import load

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


def embedding(indices, table):
    """Rows of `table` (V, D) picked by integer `indices`: shape indices.shape + (D,).

    Differentiable with respect to the table; repeated indices accumulate.
    """
    table = as_tensor(table)
    t = table.data
    if t.ndim != 2:
        raise ValueError(f"embedding: table must have rank 2 (input_dim, output_dim), "
                         f"got shape {t.shape}")
    if t.dtype != np.float32 and t.dtype != np.float64:
        raise TypeError(f"embedding: table must be float32 or float64, got {t.dtype}")
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
        return (_mark_rows(grad, touched),)

    return output(y, (table,), backward)


# id(gradient) -> (weak reference to it, uint8 mask of its possibly nonzero rows)
_TOUCHED = {}


def _mark_rows(grad, touched):
    """Register `touched` as the rows outside which `grad` is zero; freeze it."""
    key = id(grad)
    grad.flags.writeable = False
    _TOUCHED[key] = (weakref.ref(grad, lambda _, key=key: _TOUCHED.pop(key, None)),
                     touched)
    return grad


def touched_rows(grad):
    """The uint8 mask (one entry per table row) outside which `grad` is zero,
    when `grad` is a table gradient made by `embedding`'s backward, else None."""
    entry = _TOUCHED.get(id(grad))
    if entry is None or entry[0]() is not grad:
        return None
    return entry[1]


def embedding_mask(indices):
    """Boolean Tensor `indices != 0`: the padding mask of Embedding(mask_zero=True)."""
    idx = as_array(indices)
    if idx.dtype.kind not in "iu":
        raise TypeError(f"embedding_mask: indices must have an integer dtype, "
                        f"got {idx.dtype}")
    return Tensor(np.not_equal(idx, 0))
