"""Python operators and a few NumPy-style methods on Tensor.

`+ - * / ** @`, unary `- + abs()`, `< <= > >=` (elementwise, bool
Tensors), indexing, `.T`, `.reshape()`, `.sum()`, `.mean()`.  `==` and
`!=` are left alone: Tensors compare (and hash) by identity, which graph
bookkeeping relies on; use `elementwise.equal` for values.  NumPy arrays
work on either side because Tensor's `__array_priority__` makes NumPy
defer to the reflected operator.
"""
from ..autodiff import Tensor
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


def _attach():
    T = Tensor
    T.__add__ = _ew.add
    T.__radd__ = lambda self, other: _ew.add(other, self)
    T.__sub__ = _ew.subtract
    T.__rsub__ = lambda self, other: _ew.subtract(other, self)
    T.__mul__ = _ew.multiply
    T.__rmul__ = lambda self, other: _ew.multiply(other, self)
    T.__truediv__ = _ew.divide
    T.__rtruediv__ = lambda self, other: _ew.divide(other, self)
    T.__pow__ = _ew.power
    T.__rpow__ = lambda self, other: _ew.power(other, self)
    T.__matmul__ = lambda self, other: _la.matmul(self, other)
    T.__rmatmul__ = lambda self, other: _la.matmul(other, self)
    T.__neg__ = _ew.negative
    T.__pos__ = lambda self: self
    T.__abs__ = _ew.abs
    T.__lt__ = _ew.less
    T.__le__ = _ew.less_equal
    T.__gt__ = _ew.greater
    T.__ge__ = _ew.greater_equal
    T.__getitem__ = _sh.getitem
    T.T = property(_sh.transpose, doc="The tensor with its axes reversed.")
    T.reshape = _reshape
    T.sum = _sum
    T.mean = _mean


_attach()
