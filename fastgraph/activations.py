"""Activation functions by their Keras names, and their lookup by name.

The functions are those of `fastgraph.ops.activation` (C kernels, fused
into Dense when given by name); `get` turns a name, None or a callable into
a function and `serialize` turns a function back into its Keras name.
"""
from .ops.activation import (ACTIVATIONS, elu, exponential, hard_sigmoid,
                             leaky_relu, linear, relu, selu, sigmoid, softmax,
                             softplus, softsign, swish, tanh)

__all__ = ["get", "serialize", "deserialize", "elu", "exponential",
           "hard_sigmoid", "leaky_relu", "linear", "relu", "selu", "sigmoid",
           "softmax", "softplus", "softsign", "swish", "tanh"]

_NAME_OF = {fn: name for name, fn in ACTIVATIONS.items()}


def serialize(activation):
    """The Keras name of an activation function ('relu', ...); a function
    outside the registry is named by its `__name__`."""
    if activation is None:
        return "linear"
    name = _NAME_OF.get(activation)
    if name is not None:
        return name
    return getattr(activation, "__name__", type(activation).__name__)


def deserialize(name, custom_objects=None):
    """The activation function called `name` (custom_objects first)."""
    return get(name, custom_objects)


def get(identifier, custom_objects=None):
    """An activation function from None (linear), a name, a
    {'class_name': name} dict or a callable."""
    if identifier is None:
        return linear
    if isinstance(identifier, dict):
        identifier = identifier.get("class_name", identifier.get("config"))
    if isinstance(identifier, str):
        fn = (custom_objects or {}).get(identifier) or ACTIVATIONS.get(identifier)
        if fn is None:
            raise ValueError(f"Unknown activation function: {identifier!r}; expected "
                             f"one of {sorted(ACTIVATIONS)} or an entry of "
                             f"custom_objects")
        return fn
    if callable(identifier):
        return identifier
    raise TypeError(f"Could not interpret activation function identifier: "
                    f"{identifier!r}")
