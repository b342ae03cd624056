"""Weight regularizers (tf-keras 2.x): penalties added to the training loss.

A regularizer is called on a weight (a Variable) and returns a scalar Tensor
built from differentiable ops, so it joins the loss on the tape and its
gradient reaches the weight.
"""
import numpy as np

from . import registry
from ._config import Configurable
from .autodiff import Tensor
from .ops import elementwise as E
from .ops import reduce as R


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


def l1_l2(l1=0.01, l2=0.01):
    """An L1L2 regularizer (both factors 0.01 by default, as Keras)."""
    return L1L2(l1=l1, l2=l2)


l1 = L1
l2 = L2

registry.set_base("regularizer", Regularizer)
for _cls in (L1L2, L1, L2):
    registry.register_builtin("regularizer", _cls)
registry.register_builtin("regularizer", L1, "l1")
registry.register_builtin("regularizer", L2, "l2")
registry.register_builtin("regularizer", l1_l2, "l1_l2", factory=True)


def serialize(regularizer):
    """Keras-style config: {'class_name': ..., 'config': {...}}."""
    return registry.serialize(regularizer)


def deserialize(config, custom_objects=None):
    """A regularizer from a name or a {'class_name', 'config'} dict."""
    return registry.deserialize("regularizer", config, custom_objects)


def get(identifier, custom_objects=None):
    """A regularizer from None, a name ('l2'), a config dict or a callable."""
    return registry.get("regularizer", identifier, custom_objects)
