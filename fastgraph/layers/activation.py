"""The advanced activation layers (tf-keras 2.x): LeakyReLU, PReLU, ELU,
ThresholdedReLU, ReLU and Softmax, each one op on the tape (C kernels)."""
import numbers

import numpy as np

from .. import constraints, initializers, regularizers
from ..engine.layer import InputSpec, Layer, is_shape
from ..ops import activation as A
from ..ops import elementwise as E
from ..ops import reduce as R
from ..ops.attention import masked_softmax
from .core import get_constraint


def _number(layer, name, value, low=None):
    """`value` as a float; ValueError naming the layer and the argument when
    it is not a number (or below `low`)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or value != value:
        raise ValueError(f"{layer}: {name} must be a number, got {value!r}")
    if low is not None and value < low:
        raise ValueError(f"{layer}: {name} must be >= {low}, got {value!r}")
    return float(value)


class _Elementwise(Layer):
    """A parameter-free activation: same shape out, masks pass through."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True

    def compute_output_shape(self, input_shape):
        return input_shape


class LeakyReLU(_Elementwise):
    """x for x >= 0, alpha * x below."""

    def __init__(self, alpha=0.3, **kwargs):
        super().__init__(**kwargs)
        self.alpha = _number("LeakyReLU", "alpha", alpha)

    def call(self, inputs):
        return A.relu(inputs, alpha=self.alpha)

    def get_config(self):
        config = super().get_config()
        config["alpha"] = self.alpha
        return config


class ELU(_Elementwise):
    """x for x > 0, alpha * (exp(x) - 1) below."""

    def __init__(self, alpha=1.0, **kwargs):
        super().__init__(**kwargs)
        self.alpha = _number("ELU", "alpha", alpha)

    def call(self, inputs):
        return A.elu(inputs, self.alpha)

    def get_config(self):
        config = super().get_config()
        config["alpha"] = self.alpha
        return config


class ThresholdedReLU(_Elementwise):
    """x for x > theta, 0 otherwise."""

    def __init__(self, theta=1.0, **kwargs):
        super().__init__(**kwargs)
        self.theta = _number("ThresholdedReLU", "theta", theta, 0)

    def call(self, inputs):
        return A.relu(inputs, threshold=self.theta)

    def get_config(self):
        config = super().get_config()
        config["theta"] = self.theta
        return config


class ReLU(_Elementwise):
    """tf-keras's ReLU: x from `threshold` up (clipped at `max_value`),
    negative_slope * (x - threshold) below."""

    def __init__(self, max_value=None, negative_slope=0.0, threshold=0.0, **kwargs):
        super().__init__(**kwargs)
        self.max_value = (None if max_value is None
                          else _number("ReLU", "max_value", max_value, 0))
        self.negative_slope = _number("ReLU", "negative_slope", negative_slope, 0)
        self.threshold = _number("ReLU", "threshold", threshold, 0)

    def call(self, inputs):
        return A.relu(inputs, alpha=self.negative_slope, max_value=self.max_value,
                      threshold=self.threshold)

    def get_config(self):
        config = super().get_config()
        config.update({"max_value": self.max_value,
                       "negative_slope": self.negative_slope,
                       "threshold": self.threshold})
        return config


class Softmax(_Elementwise):
    """Softmax along `axis` (an int, or a list of axes normalized together).
    A mask (True = keep; from the call or from the previous layer) adds
    -1e9 to the entries it rules out first, as tf-keras does."""

    def __init__(self, axis=-1, **kwargs):
        kwargs.pop("robust_masking", None)   # tf-keras's option: same result here
        super().__init__(**kwargs)
        axes = axis if isinstance(axis, (list, tuple)) else [axis]
        if not axes or not all(isinstance(a, numbers.Integral) and not isinstance(a, bool)
                               for a in axes):
            raise ValueError(f"Softmax: axis must be an int or a list of ints, "
                             f"got {axis!r}")
        self.axis = [int(a) for a in axis] if isinstance(axis, (list, tuple)) else int(axis)

    def build(self, input_shape):
        if is_shape(input_shape):
            n = len(input_shape)
            for a in self.axis if isinstance(self.axis, list) else [self.axis]:
                if not -n <= a < n:
                    raise ValueError(f'Softmax "{self.name}": axis {a} is out of range '
                                     f'for inputs of rank {n} (shape {input_shape})')
        self.built = True

    def call(self, inputs, mask=None):
        axes = self.axis if isinstance(self.axis, list) else [self.axis]
        if len(axes) == 1:
            return masked_softmax(inputs, mask, axes[0])
        if mask is not None:
            inputs = E.add(inputs, _adder(mask, inputs.dtype))
        return E.exp(E.subtract(inputs, R.logsumexp(inputs, axis=tuple(axes),
                                                    keepdims=True)))

    def get_config(self):
        config = super().get_config()
        config["axis"] = self.axis
        return config


def _adder(mask, dtype):
    """tf-keras's (1 - mask) * -1e9 as an array of `dtype`."""
    return (1.0 - np.asarray(mask, dtype=dtype)) * np.asarray(-1e9, dtype=dtype)


class PReLU(Layer):
    """x for x > 0, alpha * x below, with alpha learned per input entry
    (shared along `shared_axes`, e.g. [1, 2] for one alpha per channel of
    an image)."""

    def __init__(self, alpha_initializer="zeros", alpha_regularizer=None,
                 alpha_constraint=None, shared_axes=None, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True
        self.alpha_initializer = initializers.get(alpha_initializer)
        self.alpha_regularizer = regularizers.get(alpha_regularizer)
        self.alpha_constraint = get_constraint(alpha_constraint, "PReLU",
                                               "alpha_constraint")
        if shared_axes is None:
            self.shared_axes = None
        else:
            axes = list(shared_axes) if isinstance(shared_axes, (list, tuple)) \
                else [shared_axes]
            if not all(isinstance(a, numbers.Integral) and not isinstance(a, bool)
                       and a >= 1 for a in axes):
                raise ValueError(f"PReLU: shared_axes must be axes >= 1 (axis 0 is "
                                 f"the batch), got {shared_axes!r}")
            self.shared_axes = [int(a) for a in axes]
        self.alpha = None

    def build(self, input_shape):
        rank = len(input_shape)
        shared = self.shared_axes or []
        bad = [a for a in shared if a >= rank]
        if bad:
            raise ValueError(f'PReLU "{self.name}": shared_axes {bad} out of range '
                             f'for inputs of rank {rank} (shape {input_shape})')
        param_shape = [1 if i in shared else d for i, d in enumerate(input_shape)][1:]
        if any(d is None for d in param_shape):
            raise ValueError(f'PReLU "{self.name}": every axis that is not shared '
                             f'needs a known size, got input shape {input_shape}; '
                             f'share the unknown axes with shared_axes')
        self.alpha = self.add_weight("alpha", param_shape,
                                     initializer=self.alpha_initializer,
                                     regularizer=self.alpha_regularizer,
                                     constraint=self.alpha_constraint)
        axes = {i: input_shape[i] for i in range(1, rank) if i not in shared} \
            if shared else {}
        self.input_spec = InputSpec(ndim=rank, axes=axes)
        self.built = True

    def call(self, inputs):
        return A.prelu(inputs, self.alpha)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config.update({
            "alpha_initializer": initializers.serialize(self.alpha_initializer),
            "alpha_regularizer": regularizers.serialize(self.alpha_regularizer),
            "alpha_constraint": constraints.serialize(self.alpha_constraint),
            "shared_axes": self.shared_axes,
        })
        return config
