"""Elementwise ops: arithmetic, powers and logs, comparisons, selection, casts.

Binary ops broadcast like NumPy; the tape sums each gradient back to its
input's shape.  Dtypes never widen behind the user's back: a Python (or
NumPy) scalar operand stays a Python scalar, which NumPy treats as "weak"
(float32 + 2.5 is float32), and an array operand beside a float Tensor is
cast to that Tensor's dtype.  Both operands being Tensors follows NumPy.

Tie rules: `maximum`/`minimum` send the gradient of a tie to the first
operand (as TensorFlow does); `clip` passes the gradient wherever
min_value <= x <= max_value, bounds included.
"""
import math

import numpy as np

from ..autodiff import Tensor, as_tensor, floatx, output

# Stands in, in an op's `inputs`, for an operand that is a constant (a
# scalar or plain array): it never requires grad, so its gradient slot is
# skipped by the tape.
_CONST = Tensor(np.zeros(()))


def _arr(y):
    """`y` as an ndarray (NumPy returns scalars from 0-d arithmetic)."""
    return y if y.__class__ is np.ndarray else np.asarray(y)


def _apply(op, fn, *values):
    """fn(*values) as an ndarray; a broadcasting failure names the op."""
    try:
        return _arr(fn(*values))
    except ValueError as err:
        shapes = " and ".join(str(np.shape(v)) for v in values)
        raise ValueError(f"{op}: operands of shapes {shapes} do not broadcast "
                         f"together") from err


def _scalar(x):
    """`x` as a weak Python scalar if it is a number, else None."""
    cls = x.__class__
    if cls is float or cls is int or cls is bool:
        return x
    if isinstance(x, np.generic) and x.dtype.kind in "biuf":
        return x.item()
    if isinstance(x, (int, float)):
        return x
    return None


def _constant(x, dtype):
    """A non-Tensor operand placed beside a Tensor of `dtype`: (_CONST, value)."""
    s = _scalar(x)
    if s is not None:
        return _CONST, s
    arr = np.asarray(x)
    if dtype.kind == "f" and arr.dtype != dtype and arr.dtype.kind in "biuf":
        arr = arr.astype(dtype)
    return _CONST, arr


def operands(a, b):
    """Coerce two operands: (A, B, a_value, b_value).

    A and B are the Tensors to list as the op's inputs (`_CONST` for a
    constant), the values are what to compute with.
    """
    if isinstance(a, Tensor):
        if isinstance(b, Tensor):
            return a, b, a.data, b.data
        B, bd = _constant(b, a.data.dtype)
        return a, B, a.data, bd
    if isinstance(b, Tensor):
        A, ad = _constant(a, b.data.dtype)
        return A, b, ad, b.data
    a = as_tensor(a)
    B, bd = _constant(b, a.data.dtype)
    return a, B, a.data, bd


def floating(x):
    """`x` as a Tensor of a float dtype (non-float inputs become floatx)."""
    x = as_tensor(x)
    if x.data.dtype.kind != "f":
        return Tensor(x.data.astype(floatx()))
    return x


# ---------------------------------------------------------------- arithmetic

def add(a, b):
    """a + b."""
    A, B, ad, bd = operands(a, b)
    return output(_apply("add", np.add, ad, bd), (A, B), _add_backward)


def _add_backward(g):
    return g, g


def subtract(a, b):
    """a - b."""
    A, B, ad, bd = operands(a, b)

    def backward(g):
        return g, (-g if B.requires_grad else None)
    return output(_apply("subtract", np.subtract, ad, bd), (A, B), backward)


def multiply(a, b):
    """a * b."""
    A, B, ad, bd = operands(a, b)

    def backward(g):
        return (g * bd if A.requires_grad else None,
                g * ad if B.requires_grad else None)
    return output(_apply("multiply", np.multiply, ad, bd), (A, B), backward)


def divide(a, b):
    """a / b (true division)."""
    A, B, ad, bd = operands(a, b)
    y = _apply("divide", np.divide, ad, bd)

    def backward(g):
        ga = g / bd
        return (ga if A.requires_grad else None,
                -ga * y if B.requires_grad else None)
    return output(y, (A, B), backward)


def floor_divide(a, b):
    """a // b; its derivative is zero wherever it is defined."""
    A, B, ad, bd = operands(a, b)
    y = _apply("floor_divide", np.floor_divide, ad, bd)

    def backward(g):
        zero = np.zeros_like(g)
        return (zero if A.requires_grad else None, zero if B.requires_grad else None)
    return output(y, (A, B), backward)


def mod(a, b):
    """a % b (the sign of b, as Python and tf.math.floormod):
    d/da = 1, d/db = -floor(a / b)."""
    A, B, ad, bd = operands(a, b)
    y = _apply("mod", np.mod, ad, bd)

    def backward(g):
        return (g if A.requires_grad else None,
                -g * np.floor_divide(ad, bd) if B.requires_grad else None)
    return output(y, (A, B), backward)


def negative(x):
    """-x."""
    x = as_tensor(x)
    return output(_arr(-x.data), (x,), _negative_backward)


def _negative_backward(g):
    return (-g,)


def power(x, p):
    """x ** p; `p` a scalar or a tensor (d/dp is taken as 0 where x <= 0)."""
    X, P, xd, pd = operands(x, p)
    y = _apply("power", np.power, xd, pd)

    def backward(g):
        gx = gp = None
        if X.requires_grad:
            gx = g * (pd * np.power(xd, pd - 1))
        if P.requires_grad:
            if X is _CONST and not isinstance(xd, np.ndarray):
                log_x = math.log(xd) if xd > 0 else 0.0
            else:
                log_x = np.log(np.where(xd > 0, xd, 1))
            gp = g * y * log_x
        return gx, gp
    return output(y, (X, P), backward)


def square(x):
    """x ** 2."""
    x = as_tensor(x)
    xd = x.data

    def backward(g):
        gx = g * xd
        gx *= 2
        return (gx,)
    return output(_arr(xd * xd), (x,), backward)


def sqrt(x):
    """Square root (the gradient is infinite at 0, as in TensorFlow)."""
    x = floating(x)
    y = _arr(np.sqrt(x.data))

    def backward(g):
        return (g / (2 * y),)
    return output(y, (x,), backward)


def exp(x):
    """e ** x."""
    x = floating(x)
    y = _arr(np.exp(x.data))
    return output(y, (x,), lambda g: (g * y,))


def log(x):
    """Natural logarithm."""
    x = floating(x)
    xd = x.data
    return output(_arr(np.log(xd)), (x,), lambda g: (g / xd,))


def abs(x):
    """|x| (gradient sign(x), so 0 at 0)."""
    x = as_tensor(x)
    xd = x.data
    return output(_arr(np.abs(xd)), (x,), lambda g: (g * np.sign(xd),))


def sign(x):
    """-1, 0 or 1 by the sign of x; not differentiable (a constant)."""
    return Tensor(_arr(np.sign(as_tensor(x).data)))


def round(x):
    """Round to the nearest integer, halves to even; a constant."""
    return Tensor(_arr(np.round(as_tensor(x).data)))


# ---------------------------------------------------------------- selection

def maximum(a, b):
    """Elementwise max; a tie sends the gradient to `a`."""
    A, B, ad, bd = operands(a, b)

    def backward(g):
        first = np.greater_equal(ad, bd)
        return (np.where(first, g, 0) if A.requires_grad else None,
                np.where(first, 0, g) if B.requires_grad else None)
    return output(_apply("maximum", np.maximum, ad, bd), (A, B), backward)


def minimum(a, b):
    """Elementwise min; a tie sends the gradient to `a`."""
    A, B, ad, bd = operands(a, b)

    def backward(g):
        first = np.less_equal(ad, bd)
        return (np.where(first, g, 0) if A.requires_grad else None,
                np.where(first, 0, g) if B.requires_grad else None)
    return output(_apply("minimum", np.minimum, ad, bd), (A, B), backward)


def clip(x, min_value, max_value):
    """Clip x to [min_value, max_value] (Keras K.clip: None means unbounded,
    scalar bounds with max < min clip to min)."""
    x = as_tensor(x)
    if (isinstance(min_value, (int, float)) and isinstance(max_value, (int, float))
            and max_value < min_value):
        max_value = min_value
    xd = x.data
    L, lo = _constant(-math.inf, xd.dtype) if min_value is None else \
        _bound(min_value, xd.dtype)
    H, hi = _constant(math.inf, xd.dtype) if max_value is None else \
        _bound(max_value, xd.dtype)

    def backward(g):
        gx = None
        if x.requires_grad:
            gx = np.where((xd >= lo) & (xd <= hi), g, 0)
        return (gx,
                np.where(xd < lo, g, 0) if L.requires_grad else None,
                np.where(xd > hi, g, 0) if H.requires_grad else None)
    return output(_apply("clip", np.clip, xd, lo, hi), (x, L, H), backward)


def _bound(v, dtype):
    return (v, v.data) if isinstance(v, Tensor) else _constant(v, dtype)


def where(condition, a, b):
    """Elementwise `a` where `condition` is true, else `b` (all broadcast)."""
    cond = condition.data if isinstance(condition, Tensor) else np.asarray(condition)
    if cond.dtype != np.bool_:
        cond = cond.astype(bool)
    A, B, ad, bd = operands(a, b)

    def backward(g):
        return (np.where(cond, g, 0) if A.requires_grad else None,
                np.where(cond, 0, g) if B.requires_grad else None)
    return output(_apply("where", np.where, cond, ad, bd), (A, B), backward)


def cast(x, dtype):
    """x converted to `dtype`; the gradient flows only from float to float."""
    x = as_tensor(x)
    try:
        dt = np.dtype(dtype)
    except TypeError as err:
        raise TypeError(f"cast: dtype must name a NumPy dtype such as 'float32', "
                        f"got {dtype!r}") from err
    src = x.data.dtype
    if src == dt:
        return x
    y = x.data.astype(dt)
    if dt.kind != "f" or src.kind != "f":
        return Tensor(y)
    return output(y, (x,), lambda g: (g.astype(src),))


# ---------------------------------------------------------------- comparisons
# Results are bool Tensors and carry no gradient.

def equal(a, b):
    """a == b, elementwise."""
    _, _, ad, bd = operands(a, b)
    return Tensor(_apply("equal", np.equal, ad, bd))


def not_equal(a, b):
    """a != b, elementwise."""
    _, _, ad, bd = operands(a, b)
    return Tensor(_apply("not_equal", np.not_equal, ad, bd))


def greater(a, b):
    """a > b, elementwise."""
    _, _, ad, bd = operands(a, b)
    return Tensor(_apply("greater", np.greater, ad, bd))


def greater_equal(a, b):
    """a >= b, elementwise."""
    _, _, ad, bd = operands(a, b)
    return Tensor(_apply("greater_equal", np.greater_equal, ad, bd))


def less(a, b):
    """a < b, elementwise."""
    _, _, ad, bd = operands(a, b)
    return Tensor(_apply("less", np.less, ad, bd))


def less_equal(a, b):
    """a <= b, elementwise."""
    _, _, ad, bd = operands(a, b)
    return Tensor(_apply("less_equal", np.less_equal, ad, bd))


def logical_and(a, b):
    """a and b, elementwise (bool)."""
    _, _, ad, bd = operands(a, b)
    return Tensor(_apply("logical_and", np.logical_and, ad, bd))


def logical_or(a, b):
    """a or b, elementwise (bool)."""
    _, _, ad, bd = operands(a, b)
    return Tensor(_apply("logical_or", np.logical_or, ad, bd))


def logical_not(x):
    """not x, elementwise (bool)."""
    return Tensor(_arr(np.logical_not(as_tensor(x).data)))
