"""Helpers of the Layer base: automatic names, shape structures, output
inference by a call on zero arrays."""
import re

import numpy as np

from ..autodiff import Tensor, no_grad
from .dtypes import STRING, numpy_dtype
from .weight_scope import current_scope


_UIDS = {}


def to_snake_case(name):
    """Class name to Keras's snake case: Conv2D -> conv2d, LSTM -> lstm."""
    s = re.sub(r"(.)([A-Z][a-z0-9]+)", r"\1_\2", name)
    s = re.sub(r"([a-z])([A-Z])", r"\1_\2", s).lower()
    return s if s[0] != "_" else "private" + s


def unique_name(prefix, zero_based=True):
    """`prefix`, then `prefix_1`, ... (or `prefix_1`, `prefix_2`, ... when
    not zero-based), counted per prefix for the whole process."""
    n = _UIDS.get(prefix, 0)
    _UIDS[prefix] = n + 1
    if zero_based:
        return prefix if n == 0 else f"{prefix}_{n}"
    return f"{prefix}_{n + 1}"


def next_uid(prefix=""):
    """1, 2, ... for successive calls with `prefix`, counted with the
    automatic names (K.get_uid)."""
    _UIDS[prefix] = _UIDS.get(prefix, 0) + 1
    return _UIDS[prefix]


def reset_uids():
    """Restart automatic naming (`dense`, `input_1`, ... again), as
    `clear_session` does in Keras."""
    _UIDS.clear()


def is_shape(s):
    """True for one shape: a tuple/list of ints and Nones."""
    return isinstance(s, (tuple, list)) and all(
        d is None or isinstance(d, (int, np.integer)) for d in s)


def map_shapes(fn, shapes):
    """Apply fn to one shape or to each shape of a list of shapes."""
    return fn(shapes) if is_shape(shapes) else [fn(s) for s in shapes]


def _structure(x, fn):
    if isinstance(x, dict):         # a subclassed model's inputs by name
        return {k: fn(t) for k, t in x.items()}
    return [fn(t) for t in x] if isinstance(x, (list, tuple)) else fn(x)


def infer_by_dummy_call(fn, shapes, dtypes, layer_name=None):
    """Shapes and dtypes of `fn`'s outputs, found by calling it on zero
    arrays: each unknown (None) dimension is tried at 2 and then at 3, and
    output dimensions that change between the two calls are unknown.
    Returns (shape, dtype) or a list of them, following fn's output.
    While loading (in a WeightCreationScope) large dummy inputs are refused
    with a ValueError naming `layer_name`."""
    scope = current_scope()
    if scope is not None:
        one = is_shape(shapes)
        scope.check_dummy([shapes] if one else shapes,
                          [numpy_dtype(d).itemsize for d in ([dtypes] if one else dtypes)],
                          layer_name)
    runs = []
    for fill in (2, 3):
        def dummy(s, d):
            shape = tuple(fill if x is None else x for x in s)
            if d == STRING:
                return Tensor(np.full(shape, "", dtype=object))
            return Tensor(np.zeros(shape, d))
        if is_shape(shapes):
            args = dummy(shapes, dtypes)
        else:
            args = [dummy(s, d) for s, d in zip(shapes, dtypes)]
        with no_grad(), np.errstate(all="ignore"):
            runs.append(fn(args))

    def describe(a, b):
        if a is None:
            return None
        a_shape, b_shape = np.shape(a), np.shape(b)
        if len(a_shape) != len(b_shape):
            raise ValueError(f"cannot infer the output shape: the rank changes with "
                             f"the input size ({a_shape} vs {b_shape})")
        shape = tuple(x if x == y else None for x, y in zip(a_shape, b_shape))
        return shape, str(getattr(a, "dtype", np.asarray(a).dtype))
    a, b = runs
    if isinstance(a, (list, tuple)):
        return [describe(x, y) for x, y in zip(a, b)]
    return describe(a, b)
