"""Argument checks shared by the backend families: a bad argument is a
TypeError or ValueError naming the backend function and the argument."""
import numbers

import numpy as np

from ..autodiff import Tensor, as_tensor
from .core import image_data_format

__all__ = []    # helpers of the families, not backend functions


def tensor(fn, name, x):
    """`x` (a Tensor, an ndarray, a number or a nested list of numbers) as a
    numeric Tensor."""
    if isinstance(x, Tensor):
        t = x
    elif isinstance(x, (np.ndarray, numbers.Number, np.generic, list, tuple)):
        try:
            t = as_tensor(x)
        except (ValueError, TypeError) as err:
            raise TypeError(f"{fn}: {name} must be a tensor or an array of numbers, "
                            f"got {type(x).__name__} ({err})") from err
    else:
        raise TypeError(f"{fn}: {name} must be a tensor or an array of numbers, "
                        f"got {type(x).__name__}")
    if t.dtype.kind not in "biuf":
        raise TypeError(f"{fn}: {name} must hold numbers, got dtype {t.dtype}")
    return t


def float_tensor(fn, name, x):
    """`x` as a float Tensor (integers become float32)."""
    t = tensor(fn, name, x)
    if t.dtype.kind != "f":
        t = Tensor(t.data.astype(np.float32))
    return t


def integer(fn, name, value, low=None):
    """`value` as a Python int (at least `low` when given)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{fn}: {name} must be an int, got {value!r}")
    if low is not None and value < low:
        raise ValueError(f"{fn}: {name} must be >= {low}, got {value}")
    return int(value)


def shape(fn, value):
    """A shape (an int or a sequence of non-negative ints) as a tuple."""
    if isinstance(value, numbers.Integral) and not isinstance(value, bool):
        value = (value,)
    try:
        dims = tuple(value)
    except TypeError:
        dims = None
    if dims is None or not all(isinstance(d, numbers.Integral) and not isinstance(d, bool)
                               and d >= 0 for d in dims):
        raise TypeError(f"{fn}: shape must be a tuple of non-negative ints, "
                        f"got {value!r}")
    return tuple(int(d) for d in dims)


def data_format(fn, value):
    """'channels_last' or 'channels_first' (None: image_data_format())."""
    if value is None:
        return image_data_format()
    if value not in ("channels_last", "channels_first"):
        raise ValueError(f"{fn}: data_format must be 'channels_last' or "
                         f"'channels_first', got {value!r}")
    return value


def ints(fn, name, value, n):
    """`value` (an int or `n` ints) as a tuple of `n` positive ints."""
    vals = (value,) * n if isinstance(value, numbers.Integral) else value
    try:
        vals = tuple(vals)
    except TypeError:
        vals = ()
    if len(vals) != n or not all(isinstance(v, numbers.Integral) and not isinstance(v, bool)
                                 and v >= 1 for v in vals):
        raise ValueError(f"{fn}: {name} must be a positive int or a tuple of {n} "
                         f"positive ints, got {value!r}")
    return tuple(int(v) for v in vals)


def choice(fn, name, value, allowed):
    """`value`, which must be one of `allowed`."""
    if value not in allowed:
        names = ", ".join(repr(a) for a in allowed)
        raise ValueError(f"{fn}: {name} must be one of {names}, got {value!r}")
    return value
