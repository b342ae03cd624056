"""Argument checks and array helpers that several op families share.

Checks raise errors that name the op, the argument and what was expected;
the array helpers copy only when they must, since every op calls them.
"""
import numbers
import threading

import numpy as np

from ..autodiff import Tensor, as_tensor, floatx

# Per-thread scratch buffers larger than this are not kept between calls.
_KEEP_BYTES = 16 << 20
_local = threading.local()


def contiguous(a, dtype=None):
    """`a` as a C-contiguous array (no copy when it already is one; 0-d kept)."""
    a = np.asarray(a, dtype=dtype)
    return a if a.flags.c_contiguous else np.ascontiguousarray(a)


def float_input(x, op, name="x"):
    """`x` as a float32/float64 Tensor; integer or bool data is cast to floatx."""
    x = as_tensor(x)
    if x.dtype == np.float32 or x.dtype == np.float64:
        return x
    if x.dtype.kind in "biu":
        return Tensor(np.asarray(x.data, dtype=floatx()))
    raise TypeError(f"{op}: {name} must be a float32 or float64 tensor, "
                    f"got dtype {x.dtype}")


def check_float(op, name, t, dtype=None):
    """`t` (a Tensor or array) must be float32 or float64, or exactly `dtype`
    (that of x) when given."""
    if dtype is None:
        if t.dtype not in (np.float32, np.float64):
            raise TypeError(f"{op}: {name} must be float32 or float64, got {t.dtype}")
    elif t.dtype != dtype:
        raise TypeError(f"{op}: {name} dtype {t.dtype} differs from x dtype "
                        f"{dtype}; cast one of them")


def ints(op, name, value, n):
    """`value` (an int or a sequence of `n` ints) as a tuple of positive ints."""
    vals = (value,) * n if isinstance(value, numbers.Integral) else value
    try:
        vals = tuple(vals)
    except TypeError:
        vals = None
    if (vals is None or len(vals) != n
            or not all(isinstance(v, numbers.Integral) and not isinstance(v, bool)
                       and v >= 1 for v in vals)):
        raise ValueError(f"{op}: {name} must be a positive int or a tuple of "
                         f"{n} positive ints, got {value!r}")
    return tuple(int(v) for v in vals)


def check_padding(op, padding, allowed):
    if padding not in allowed:
        names = ", ".join(repr(p) for p in allowed)
        raise ValueError(f"{op}: padding must be one of {names}, got {padding!r}")


def padded_output(length, window, stride=1, dilation=1, padding="valid"):
    """(output length, pad before, pad after) of a window sliding over `length`.

    TensorFlow's arithmetic: 'valid' uses no padding; 'same' gives
    ceil(length / stride) outputs with the odd padding cell after; 'causal'
    pads only before, by the dilated window minus one.
    """
    span = (window - 1) * dilation + 1
    if padding == "valid":
        return max((length - span) // stride + 1, 0), 0, 0
    if padding == "same":
        out = -(-length // stride)
        total = max((out - 1) * stride + span - length, 0)
        return out, total // 2, total - total // 2
    if padding == "causal":
        return (length - 1) // stride + 1, span - 1, 0
    raise ValueError(f"padded_output: padding must be 'valid', 'same' or "
                     f"'causal', got {padding!r}")


def window_geometry(op, axis, length, window, stride, dilation, padding,
                    what="kernel"):
    """Output length and padding before along one axis; an empty output is an error."""
    out, before, _ = padded_output(length, window, stride, dilation, padding)
    if out < 1:
        raise ValueError(f"{op}: input {axis} {length} is too small for {what} "
                         f"{axis} {window} (dilation {dilation}) with "
                         f"padding {padding!r}: the output would be empty")
    return out, before


def workspace(slot, size, dtype):
    """A scratch array of `size` elements, reused by this thread's next call
    with the same slot (large buffers would otherwise be page-faulted in
    afresh every step); very large ones are not kept."""
    bufs = _local.__dict__.setdefault("bufs", {})
    key = (slot, np.dtype(dtype))
    buf = bufs.get(key)
    if buf is None or buf.size < size:
        buf = np.empty(size, dtype=dtype)
        if buf.nbytes <= _KEEP_BYTES:
            bufs[key] = buf
    return buf[:size]
