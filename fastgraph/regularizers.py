"""Weight regularizers (tf-keras 2.x): penalties added to the training loss.

A regularizer is called on a weight (a Variable) and returns a scalar Tensor
built from differentiable ops, so it joins the loss on the tape and its
gradient reaches the weight.
"""
import numpy as np

from . import registry
from ._config import Configurable
from .autodiff import Tensor
from .backend import l2_normalize
from .ops import elementwise as E
from .ops import linalg as LA
from .ops import reduce as R
from .ops import shape as S


class Regularizer(Configurable):
    """Base class: subclasses implement `__call__(x)` returning a scalar Tensor."""


class L1L2(Regularizer):
    """l1 * sum(|x|) + l2 * sum(x ** 2)."""

    def __init__(self, l1=0.0, l2=0.0):
        self.l1, self.l2 = float(l1), float(l2)
        for name, value in (("l1", self.l1), ("l2", self.l2)):
            if not np.isfinite(value) or value < 0:
                raise ValueError(f"{type(self).__name__}: {name} must be a "
                                 f"non-negative number, got {value}")

    def __call__(self, x):
        total = None
        if self.l1:
            total = E.multiply(R.sum(E.abs(x)), self.l1)
        if self.l2:
            term = E.multiply(R.sum(E.square(x)), self.l2)
            total = term if total is None else E.add(total, term)
        if total is None:
            return Tensor(np.zeros((), dtype=x.dtype))
        return total

    def get_config(self):
        return {"l1": self.l1, "l2": self.l2}


class L1(L1L2):
    """l1 * sum(|x|); `l=` is accepted as the Keras 2.0 name of `l1`."""

    def __init__(self, l1=0.01, **kwargs):
        super().__init__(l1=kwargs.pop("l", l1))
        if kwargs:
            raise TypeError(f"L1: unexpected argument(s) {sorted(kwargs)}")

    def get_config(self):
        return {"l1": self.l1}


class L2(L1L2):
    """l2 * sum(x ** 2); `l=` is accepted as the Keras 2.0 name of `l2`."""

    def __init__(self, l2=0.01, **kwargs):
        super().__init__(l2=kwargs.pop("l", l2))
        if kwargs:
            raise TypeError(f"L2: unexpected argument(s) {sorted(kwargs)}")

    def get_config(self):
        return {"l2": self.l2}


class OrthogonalRegularizer(Regularizer):
    """Pushes the rows (mode='rows') or columns (mode='columns') of a 2-D
    weight towards orthogonality: factor times the mean absolute cosine
    between distinct pairs of them (tf-keras: factor * 0.5 * sum over the
    off-diagonal of |cos| / number of pairs)."""

    def __init__(self, factor=0.01, mode="rows"):
        if isinstance(factor, bool) or not isinstance(factor, (int, float)) \
                or not np.isfinite(factor):
            raise ValueError(f"OrthogonalRegularizer: factor must be a finite "
                             f"number, got {factor!r}")
        if mode not in ("rows", "columns"):
            raise ValueError(f"OrthogonalRegularizer: mode must be 'rows' or "
                             f"'columns', got {mode!r}")
        self.factor, self.mode = float(factor), mode

    def __call__(self, x):
        if x.ndim != 2:
            raise ValueError(f"OrthogonalRegularizer: the weight must have rank 2, "
                             f"got shape {tuple(x.shape)}")
        axis = 1 if self.mode == "rows" else 0
        size = x.shape[1 - axis]
        if size < 2:
            raise ValueError(f"OrthogonalRegularizer: mode={self.mode!r} needs at "
                             f"least 2 {self.mode} to compare, got shape "
                             f"{tuple(x.shape)}")
        unit = l2_normalize(x, axis=axis)
        product = (LA.matmul(unit, S.transpose(unit)) if axis == 1
                   else LA.matmul(S.transpose(unit), unit))
        off_diagonal = E.multiply(product, 1.0 - np.eye(size, dtype=x.dtype))
        pairs = size * (size - 1.0) / 2.0
        return E.multiply(R.sum(E.abs(off_diagonal)), self.factor * 0.5 / pairs)

    def get_config(self):
        return {"factor": self.factor, "mode": self.mode}


def l1_l2(l1=0.01, l2=0.01):
    """An L1L2 regularizer (both factors 0.01 by default, as Keras)."""
    return L1L2(l1=l1, l2=l2)


l1 = L1
l2 = L2
orthogonal_regularizer = OrthogonalRegularizer

registry.set_base("regularizer", Regularizer)
for _cls in (L1L2, L1, L2, OrthogonalRegularizer):
    registry.register_builtin("regularizer", _cls)
registry.register_builtin("regularizer", L1, "l1")
registry.register_builtin("regularizer", L2, "l2")
registry.register_builtin("regularizer", l1_l2, "l1_l2", factory=True)
registry.register_builtin("regularizer", OrthogonalRegularizer, "orthogonal_regularizer")


def serialize(regularizer):
    """Keras-style config: {'class_name': ..., 'config': {...}}."""
    return registry.serialize(regularizer)


def deserialize(config, custom_objects=None):
    """A regularizer from a name or a {'class_name', 'config'} dict."""
    return registry.deserialize("regularizer", config, custom_objects)


def get(identifier, custom_objects=None):
    """A regularizer from None, a name ('l2'), a config dict or a callable."""
    return registry.get("regularizer", identifier, custom_objects)
