"""Weight constraints: functions a layer's weight passes through after each
optimizer update (Keras's `kernel_constraint=`, `bias_constraint=`, ...),
and their lookup by name through the object registry."""
from . import registry
from ._config import Configurable


class Constraint(Configurable):
    """Base class: subclasses implement `__call__(w)`, returning the
    constrained weight (a Tensor or an array of the weight's shape)."""

    def __call__(self, w):
        return w


registry.set_base("constraint", Constraint)


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
