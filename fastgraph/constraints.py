"""Weight constraints: functions a layer's weight passes through after each
optimizer update (Keras's `kernel_constraint=`, `bias_constraint=`, ...),
and their lookup by name through the object registry.

The built-in constraints project the weight's values with NumPy (they run
after the update, outside the tape) and return an array for an array, a
Tensor for a Tensor, with tf-keras's arithmetic (norms divided with
`backend.epsilon()` added, as tf-keras does).
"""
import numbers

import numpy as np

from . import backend, registry
from ._config import Configurable
from .autodiff import Tensor, as_array


class Constraint(Configurable):
    """Base class: subclasses implement `__call__(w)`, returning the
    constrained weight (a Tensor or an array of the weight's shape)."""

    def __call__(self, w):
        return w


def _values(w):
    a = np.asarray(as_array(w))
    return a if a.dtype.kind == "f" else a.astype(backend.floatx())


def _like(w, values):
    return Tensor(values) if isinstance(w, Tensor) else values


def _number(cls, name, value, low=None):
    if isinstance(value, bool) or not isinstance(value, numbers.Real) \
            or not np.isfinite(value) or (low is not None and value < low):
        bound = "" if low is None else f" >= {low}"
        raise ValueError(f"{cls}: {name} must be a finite number{bound}, got {value!r}")
    return value


def _axis(cls, axis):
    items = axis if isinstance(axis, (list, tuple)) else [axis]
    if not all(isinstance(a, numbers.Integral) and not isinstance(a, bool) for a in items):
        raise ValueError(f"{cls}: axis must be an int or a list of ints, got {axis!r}")
    return list(axis) if isinstance(axis, (list, tuple)) else int(axis)


def _norms(cls, w, axis):
    """sqrt(sum(w ** 2)) over `axis`, kept for broadcasting."""
    axes = tuple(axis) if isinstance(axis, list) else axis
    try:
        return np.sqrt(np.sum(np.square(w), axis=axes, keepdims=True))
    except np.exceptions.AxisError:
        raise ValueError(f"{cls}: axis {axis!r} is out of range for a weight of "
                         f"shape {w.shape}") from None


class MaxNorm(Constraint):
    """Rescales each slice along `axis` whose L2 norm exceeds `max_value`
    down to that norm (axis 0: each unit's incoming weights of a Dense
    kernel; [0, 1, 2]: each filter of a Conv2D kernel)."""

    def __init__(self, max_value=2, axis=0):
        self.max_value = _number("MaxNorm", "max_value", max_value, 0)
        self.axis = _axis("MaxNorm", axis)

    def __call__(self, w):
        v = _values(w)
        norms = _norms("MaxNorm", v, self.axis)
        desired = np.clip(norms, 0, self.max_value)
        return _like(w, (v * (desired / (backend.epsilon() + norms))).astype(v.dtype))

    def get_config(self):
        return {"max_value": self.max_value, "axis": self.axis}


class NonNeg(Constraint):
    """Sets the negative weights to zero."""

    def __call__(self, w):
        v = _values(w)
        return _like(w, v * (v >= 0).astype(v.dtype))


class UnitNorm(Constraint):
    """Scales each slice along `axis` to unit L2 norm."""

    def __init__(self, axis=0):
        self.axis = _axis("UnitNorm", axis)

    def __call__(self, w):
        v = _values(w)
        norms = _norms("UnitNorm", v, self.axis)
        return _like(w, (v / (backend.epsilon() + norms)).astype(v.dtype))

    def get_config(self):
        return {"axis": self.axis}


class MinMaxNorm(Constraint):
    """Moves each slice's L2 norm along `axis` into [min_value, max_value]:
    the new norm is (1 - rate) * norm + rate * clip(norm, min, max)."""

    def __init__(self, min_value=0.0, max_value=1.0, rate=1.0, axis=0):
        self.min_value = _number("MinMaxNorm", "min_value", min_value, 0)
        self.max_value = _number("MinMaxNorm", "max_value", max_value, 0)
        if self.max_value < self.min_value:
            raise ValueError(f"MinMaxNorm: max_value ({max_value}) must not be "
                             f"below min_value ({min_value})")
        self.rate = _number("MinMaxNorm", "rate", rate, 0)
        self.axis = _axis("MinMaxNorm", axis)

    def __call__(self, w):
        v = _values(w)
        norms = _norms("MinMaxNorm", v, self.axis)
        desired = (self.rate * np.clip(norms, self.min_value, self.max_value)
                   + (1 - self.rate) * norms)
        return _like(w, (v * (desired / (backend.epsilon() + norms))).astype(v.dtype))

    def get_config(self):
        return {"min_value": self.min_value, "max_value": self.max_value,
                "rate": self.rate, "axis": self.axis}


class RadialConstraint(Constraint):
    """Makes each (rows, cols) plane of a square Conv2D kernel (rows, cols,
    in, out) constant on concentric rings, as tf-keras computes it: the
    centre (1x1 for odd sizes, 2x2 for even ones) takes the value at
    [s - 1, s - 1] (s = size // 2) and the k-th ring around it the value
    on the diagonal just past the centre, [s + k - 1] for odd sizes,
    [s + k] for even ones."""

    def __call__(self, w):
        v = _values(w)
        if v.ndim != 4:
            raise ValueError(f"RadialConstraint: the weight must have rank 4 "
                             f"(rows, cols, in, out), got shape {v.shape}")
        n = v.shape[0]
        if v.shape[1] != n:
            raise ValueError(f"RadialConstraint: the kernel must be square, got "
                             f"shape {v.shape}")
        s, i = n // 2, np.arange(n)
        if n % 2:       # rings around the centre cell s
            dist, first = np.abs(i - s), s - 1
        else:           # rings around the centre block s - 1, s
            dist, first = np.maximum(np.maximum(s - 1 - i, i - s), 0), s
        ring = np.maximum(dist[:, None], dist[None, :])
        source = np.clip(np.where(ring == 0, s - 1, first + ring), 0, n - 1)
        return _like(w, np.ascontiguousarray(v[source, source]))


max_norm = MaxNorm
non_neg = NonNeg
unit_norm = UnitNorm
min_max_norm = MinMaxNorm
radial_constraint = RadialConstraint

registry.set_base("constraint", Constraint)
for _cls in (Constraint, MaxNorm, NonNeg, UnitNorm, MinMaxNorm, RadialConstraint):
    registry.register_builtin("constraint", _cls)
for _name, _cls in (("max_norm", MaxNorm), ("non_neg", NonNeg), ("unit_norm", UnitNorm),
                    ("min_max_norm", MinMaxNorm), ("radial_constraint", RadialConstraint),
                    ("maxnorm", MaxNorm), ("nonneg", NonNeg), ("unitnorm", UnitNorm)):
    registry.register_builtin("constraint", _cls, _name)


def serialize(constraint):
    """None, {'class_name', 'config'} for a Constraint, else its name."""
    return registry.serialize(constraint)


def deserialize(config, custom_objects=None):
    """A constraint from a name or a {'class_name', 'config'} dict."""
    return registry.deserialize("constraint", config, custom_objects)


def get(identifier, custom_objects=None):
    """A constraint from None, a name, a config dict, a Constraint or any
    callable applied to the weight."""
    return registry.get("constraint", identifier, custom_objects)
