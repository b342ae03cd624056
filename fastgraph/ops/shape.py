"""Shape ops: reshape, transpose, join and split, indexing, gather, tile, pad.

Outputs are NumPy views where NumPy gives views (reshape, transpose,
basic indexing), so they may be non-contiguous; an op that needs
C-contiguous data must make it so.  Gradients of indexing with integer or
boolean arrays are scatter-added, so repeated indices accumulate.
"""
import math
import operator

import numpy as np

from ..autodiff import Tensor, as_tensor, output


# ---------------------------------------------------------------- axes

def normalize_axis(op, axis, shape, arg="axis", extra=0):
    """`axis` as a non-negative int for a tensor of `shape` (plus `extra`
    new positions, as for expand_dims/stack), or a clear error."""
    if isinstance(axis, bool) or not isinstance(axis, (int, np.integer)):
        raise TypeError(f"{op}: {arg} must be an integer, got {axis!r}")
    n = len(shape) + extra
    if not -n <= axis < n:
        raise ValueError(f"{op}: {arg}={axis} is out of range for a tensor of "
                         f"shape {tuple(shape)} (expected {-n} <= {arg} < {n})")
    return int(axis) % n


def normalize_axes(op, axis, shape):
    """`axis` (None, an int or a sequence of ints) as None or a sorted tuple
    of distinct non-negative ints."""
    if axis is None:
        return None
    if axis.__class__ is int and -len(shape) <= axis < len(shape):
        return (axis % len(shape),)
    if isinstance(axis, (list, tuple)):
        axes = tuple(sorted(normalize_axis(op, a, shape) for a in axis))
        if len(set(axes)) != len(axes):
            raise ValueError(f"{op}: axis {tuple(axis)} repeats an axis "
                             f"(tensor shape {tuple(shape)})")
        return axes
    if isinstance(axis, np.ndarray) and axis.ndim == 1:
        return normalize_axes(op, axis.tolist(), shape)
    return (normalize_axis(op, axis, shape),)


def _ints(op, arg, values):
    """A sequence of Python ints (from ints, arrays or 0-d Tensors)."""
    if isinstance(values, Tensor):
        values = values.data
    if isinstance(values, np.ndarray):
        values = values.reshape(-1).tolist()
    elif isinstance(values, (int, np.integer)):
        values = [values]
    try:
        return tuple(operator.index(v.data if isinstance(v, Tensor) else v)
                     for v in values)
    except TypeError as err:
        raise TypeError(f"{op}: {arg} must be integers, got {values!r}") from err


# ---------------------------------------------------------------- reshaping

def reshape(x, shape):
    """x with a new shape of the same size; one entry may be -1."""
    x = as_tensor(x)
    xd = x.data
    if not (isinstance(shape, tuple) and all(v.__class__ is int for v in shape)):
        shape = _ints("reshape", "shape", shape)
    try:
        y = xd.reshape(shape)
    except ValueError as err:
        raise ValueError(f"reshape: cannot reshape a tensor of shape {xd.shape} "
                         f"({xd.size} elements) to shape {shape}") from err
    in_shape = xd.shape
    return output(y, (x,), lambda g: (g.reshape(in_shape),))


def flatten(x):
    """x reshaped to (batch, -1): every axis but the first flattened."""
    x = as_tensor(x)
    if x.data.ndim == 0:
        raise ValueError("flatten: x must have a batch axis, got a scalar")
    shape = x.data.shape
    return reshape(x, (shape[0], math.prod(shape[1:])))


def expand_dims(x, axis=-1):
    """x with a new axis of length 1 inserted at `axis`."""
    x = as_tensor(x)
    shape = x.data.shape
    axis = normalize_axis("expand_dims", axis, shape, extra=1)
    return reshape(x, shape[:axis] + (1,) + shape[axis:])


def squeeze(x, axis=None):
    """x without the given length-1 axes (all of them when axis is None)."""
    x = as_tensor(x)
    shape = x.data.shape
    axes = normalize_axes("squeeze", axis, shape)
    if axes is None:
        axes = tuple(i for i, n in enumerate(shape) if n == 1)
    for a in axes:
        if shape[a] != 1:
            raise ValueError(f"squeeze: axis {a} of a tensor of shape {shape} has "
                             f"length {shape[a]}, expected 1")
    return reshape(x, tuple(n for i, n in enumerate(shape) if i not in axes))


def transpose(x, perm=None):
    """x with its axes permuted by `perm` (reversed when None)."""
    x = as_tensor(x)
    ndim = x.data.ndim
    if perm is None:
        perm = tuple(range(ndim - 1, -1, -1))
    else:
        perm = _ints("transpose", "perm", perm)
        if sorted(p % ndim if -ndim <= p < ndim else p for p in perm) != list(range(ndim)):
            raise ValueError(f"transpose: perm {perm} is not a permutation of the "
                             f"{ndim} axes of a tensor of shape {x.data.shape}")
    inverse = tuple(np.argsort([p % ndim for p in perm]).tolist()) if ndim else ()
    return output(x.data.transpose(perm), (x,), lambda g: (g.transpose(inverse),))


permute_dimensions = transpose


# ---------------------------------------------------------------- joining

def _tensors(op, tensors):
    """The list `tensors` as Tensors; arrays take the first Tensor's float dtype."""
    if isinstance(tensors, (Tensor, np.ndarray)) or not hasattr(tensors, "__len__"):
        raise TypeError(f"{op}: tensors must be a list of tensors, "
                        f"got {type(tensors).__name__}")
    if len(tensors) == 0:
        raise ValueError(f"{op}: tensors is an empty list")
    like = next((t.data.dtype for t in tensors if isinstance(t, Tensor)), None)
    out = []
    for t in tensors:
        if not isinstance(t, Tensor):
            t = as_tensor(t)
            if like is not None and like.kind == "f" and t.data.dtype != like \
                    and t.data.dtype.kind in "biuf":
                t = Tensor(t.data.astype(like))
        out.append(t)
    return out


def concatenate(tensors, axis=-1):
    """Join tensors along an existing axis."""
    ts = _tensors("concatenate", tensors)
    first = ts[0].data.shape
    axis = normalize_axis("concatenate", axis, first)
    for i, t in enumerate(ts[1:], 1):
        s = t.data.shape
        if len(s) != len(first) or s[:axis] + s[axis + 1:] != first[:axis] + first[axis + 1:]:
            raise ValueError(
                f"concatenate: tensors[{i}] has shape {s}, incompatible with "
                f"tensors[0] of shape {first}: all axes but axis {axis} must match")
    y = np.concatenate([t.data for t in ts], axis=axis)
    offsets = np.cumsum([t.data.shape[axis] for t in ts[:-1]]).tolist()

    def backward(g):
        return tuple(np.split(g, offsets, axis=axis))
    return output(y, tuple(ts), backward)


def stack(tensors, axis=0):
    """Join same-shaped tensors along a new axis."""
    ts = _tensors("stack", tensors)
    first = ts[0].data.shape
    for i, t in enumerate(ts[1:], 1):
        if t.data.shape != first:
            raise ValueError(f"stack: tensors[{i}] has shape {t.data.shape}, "
                             f"expected the shape of tensors[0], {first}")
    axis = normalize_axis("stack", axis, first, extra=1)
    y = np.stack([t.data for t in ts], axis=axis)

    def backward(g):
        g = np.moveaxis(g, axis, 0)
        return tuple(g[i] for i in range(len(ts)))
    return output(y, tuple(ts), backward)


def split(x, num_or_size_splits, axis=0):
    """x cut along `axis` into equal parts (an int) or parts of given sizes
    (a list), as tf.split; returns a list of tensors."""
    x = as_tensor(x)
    shape = x.data.shape
    axis = normalize_axis("split", axis, shape)
    n = shape[axis]
    if isinstance(num_or_size_splits, (int, np.integer)):
        k = int(num_or_size_splits)
        if k <= 0 or n % k:
            raise ValueError(f"split: axis {axis} of length {n} (shape {shape}) "
                             f"cannot be cut into {k} equal parts")
        sizes = [n // k] * k
    else:
        sizes = list(_ints("split", "num_or_size_splits", num_or_size_splits))
        if any(s < 0 for s in sizes) or sum(sizes) != n:
            raise ValueError(f"split: sizes {sizes} must be non-negative and sum "
                             f"to {n}, the length of axis {axis} (shape {shape})")
    parts, start = [], 0
    lead = (slice(None),) * axis
    for s in sizes:
        parts.append(getitem(x, lead + (slice(start, start + s),)))
        start += s
    return parts


# ---------------------------------------------------------------- indexing

def _basic(index):
    """True when `index` uses only ints, slices, None and Ellipsis."""
    items = index if isinstance(index, tuple) else (index,)
    for i in items:
        if i is None or i is Ellipsis or isinstance(i, slice):
            continue
        if isinstance(i, (int, np.integer)) and not isinstance(i, (bool, np.bool_)):
            continue
        return False
    return True


def _plain_index(index):
    """`index` with Tensors replaced by their arrays."""
    if isinstance(index, Tensor):
        return index.data
    if isinstance(index, tuple):
        return tuple(i.data if isinstance(i, Tensor) else i for i in index)
    return index


def getitem(x, index):
    """x[index] with NumPy semantics: ints, slices, None, Ellipsis, integer
    and boolean arrays."""
    x = as_tensor(x)
    xd = x.data
    index = _plain_index(index)
    try:
        y = xd[index]
    except IndexError as err:
        raise IndexError(f"getitem: {err} (tensor shape {xd.shape}, "
                         f"index {index!r})") from err
    shape = xd.shape
    if _basic(index):
        def backward(g):
            gx = np.zeros(shape, dtype=g.dtype)
            gx[index] = g
            return (gx,)
    else:
        def backward(g):
            gx = np.zeros(shape, dtype=g.dtype)
            np.add.at(gx, index, g)
            return (gx,)
    return output(np.asarray(y), (x,), backward)


def gather(x, indices, axis=0):
    """Slices of x at integer `indices` along `axis` (tf.gather): the output
    shape is x.shape[:axis] + indices.shape + x.shape[axis+1:]."""
    x = as_tensor(x)
    xd = x.data
    axis = normalize_axis("gather", axis, xd.shape)
    idx = indices.data if isinstance(indices, Tensor) else np.asarray(indices)
    if idx.dtype.kind not in "iu":
        raise TypeError(f"gather: indices must be integers, got dtype {idx.dtype}")
    n = xd.shape[axis]
    if idx.size and (idx.min() < 0 or idx.max() >= n):
        bad = idx[(idx < 0) | (idx >= n)].reshape(-1)[0]
        raise IndexError(f"gather: index {bad} is out of range for axis {axis} "
                         f"of length {n} (tensor shape {xd.shape}); indices must "
                         f"be in [0, {n})")
    y = np.take(xd, idx, axis=axis)
    shape = xd.shape

    def backward(g):
        gx = np.zeros(shape, dtype=g.dtype)
        np.add.at(gx, (slice(None),) * axis + (idx,), g)
        return (gx,)
    return output(y, (x,), backward)


# ---------------------------------------------------------------- repetition

def tile(x, n):
    """x repeated n[i] times along each axis (np.tile semantics)."""
    x = as_tensor(x)
    reps = _ints("tile", "n", n)
    if any(r < 0 for r in reps):
        raise ValueError(f"tile: n must be non-negative, got {reps}")
    shape = x.data.shape
    nd = max(len(reps), len(shape))
    full = (1,) * (nd - len(shape)) + shape
    reps = (1,) * (nd - len(reps)) + reps
    y = np.tile(x.data, reps)

    def backward(g):
        inter = [v for pair in zip(reps, full) for v in pair]
        g = g.reshape(inter).sum(axis=tuple(range(0, 2 * nd, 2)))
        return (g.reshape(shape),)
    return output(y, (x,), backward)


def repeat(x, repeats, axis):
    """Each element repeated `repeats` times along `axis` (np.repeat with an
    integer count; Keras K.repeat_elements)."""
    x = as_tensor(x)
    shape = x.data.shape
    axis = normalize_axis("repeat", axis, shape)
    if isinstance(repeats, bool) or not isinstance(repeats, (int, np.integer)) \
            or repeats < 0:
        raise ValueError(f"repeat: repeats must be a non-negative integer, "
                         f"got {repeats!r}")
    r = int(repeats)
    y = np.repeat(x.data, r, axis=axis)

    def backward(g):
        g = g.reshape(shape[:axis + 1] + (r,) + shape[axis + 1:])
        return (g.sum(axis=axis + 1),)
    return output(y, (x,), backward)


def repeat_vector(x, n):
    """(batch, dim) -> (batch, n, dim), each row repeated n times (Keras
    RepeatVector and K.repeat)."""
    x = as_tensor(x)
    if x.data.ndim != 2:
        raise ValueError(f"repeat_vector: x must have shape (batch, dim), got "
                         f"{x.data.shape}")
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 0:
        raise ValueError(f"repeat_vector: n must be a non-negative integer, got {n!r}")
    y = np.repeat(x.data[:, None, :], int(n), axis=1)
    return output(y, (x,), lambda g: (g.sum(axis=1),))


def pad(x, pad_width, value=0.0):
    """x padded with the constant `value`; `pad_width` gives (before, after)
    per axis as in np.pad (a single int or pair applies to every axis)."""
    x = as_tensor(x)
    xd = x.data
    try:
        widths = np.broadcast_to(np.asarray(pad_width), (xd.ndim, 2))
    except ValueError as err:
        raise ValueError(f"pad: pad_width {pad_width!r} does not give (before, "
                         f"after) for each of the {xd.ndim} axes of a tensor of "
                         f"shape {xd.shape}") from err
    if widths.dtype.kind not in "iu" or (widths < 0).any():
        raise ValueError(f"pad: pad_width must be non-negative integers, "
                         f"got {pad_width!r}")
    widths = widths.tolist()
    out_shape = tuple(n + b + a for n, (b, a) in zip(xd.shape, widths))
    inner = tuple(slice(b, b + n) for n, (b, _) in zip(xd.shape, widths))
    y = np.full(out_shape, value, dtype=xd.dtype)
    y[inner] = xd
    return output(y, (x,), lambda g: (g[inner],))
