"""Activation functions by their Keras names, and their lookup by name.

The functions are those of `fastgraph.ops.activation` (C kernels, fused
into Dense when given by name); `get` turns a name, None or a callable into
a function and `serialize` turns a function back into its Keras name, both
through the one object registry (fastgraph.registry).
"""
from . import registry
from .autodiff import symbolic
from .ops.activation import (ACTIVATIONS, elu, exponential, gelu, hard_sigmoid,
                             leaky_relu, linear, mish, relu, selu, sigmoid,
                             softmax, softplus, softsign, swish, tanh)

__all__ = ["get", "serialize", "deserialize", "elu", "exponential", "gelu",
           "hard_sigmoid", "leaky_relu", "linear", "mish", "relu", "selu",
           "sigmoid", "softmax", "softplus", "softsign", "swish", "tanh"]

# Applied to a symbolic tensor, an activation adds an op node.
symbolic.wrap_functions(globals(), __all__, "activations.")
for _name, _fn in ACTIVATIONS.items():
    registry.register_builtin("activation", globals().get(_name, _fn), _name)


def serialize(activation):
    """The Keras name of an activation function ('relu', ...); a function
    outside the registry is named by its `__name__`."""
    if activation is None:
        return "linear"
    return registry.get_registered_name(activation) or type(activation).__name__


def deserialize(name, custom_objects=None):
    """The activation function called `name` (custom_objects first)."""
    return get(name, custom_objects)


def get(identifier, custom_objects=None):
    """An activation function from None (linear), a name, a
    {'class_name': name} dict or a callable."""
    if identifier is None:
        return linear
    if isinstance(identifier, dict) and "class_name" not in identifier:
        identifier = identifier.get("config")
    return registry.get("activation", identifier, custom_objects)
