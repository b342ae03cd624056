"""Python operators and a few NumPy-style methods on Tensor.

`+ - * / // % ** @`, unary `- + abs()`, `< <= > >=` (elementwise, bool
Tensors), indexing, `.T`, `.reshape()`, `.sum()`, `.mean()`.  `==` and
`!=` are left alone: Tensors compare (and hash) by identity, which graph
bookkeeping relies on; use `elementwise.equal` for values.  NumPy arrays
work on either side because Tensor's `__array_priority__` makes NumPy
defer to the reflected operator.
"""
from ..autodiff import Tensor, symbolic
from . import elementwise as _ew
from . import linalg as _la
from . import reduce as _red
from . import shape as _sh


def _reshape(self, *shape):
    """x.reshape(2, 3) or x.reshape((2, 3))."""
    if len(shape) == 1 and not isinstance(shape[0], int):
        shape = shape[0]
    return _sh.reshape(self, shape)


def _sum(self, axis=None, keepdims=False):
    """Sum over `axis`."""
    return _red.sum(self, axis, keepdims)


def _mean(self, axis=None, keepdims=False):
    """Mean over `axis`."""
    return _red.mean(self, axis, keepdims)


def _binary(fn, reflected=False):
    """The operator method: NotImplemented beside a symbolic tensor, so
    Python asks the symbolic tensor's operator (which adds a graph node)."""
    if reflected:
        def method(self, other):
            if symbolic.is_symbolic(other):
                return NotImplemented
            return fn(other, self)
    else:
        def method(self, other):
            if symbolic.is_symbolic(other):
                return NotImplemented
            return fn(self, other)
    return method


def _attach():
    T = Tensor
    for op, fn in (("add", _ew.add), ("sub", _ew.subtract), ("mul", _ew.multiply),
                   ("truediv", _ew.divide), ("floordiv", _ew.floor_divide),
                   ("mod", _ew.mod), ("pow", _ew.power), ("matmul", _la.matmul)):
        setattr(T, f"__{op}__", _binary(fn))
        setattr(T, f"__r{op}__", _binary(fn, reflected=True))
    for op, fn in (("lt", _ew.less), ("le", _ew.less_equal), ("gt", _ew.greater),
                   ("ge", _ew.greater_equal)):
        setattr(T, f"__{op}__", _binary(fn))
    T.__neg__ = _ew.negative
    T.__pos__ = lambda self: self
    T.__abs__ = _ew.abs
    T.__getitem__ = _sh.getitem
    T.T = property(_sh.transpose, doc="The tensor with its axes reversed.")
    T.reshape = _reshape
    T.sum = _sum
    T.mean = _mean


_attach()
