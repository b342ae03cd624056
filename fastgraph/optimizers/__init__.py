"""Optimizers over fused in-place C kernels, and learning-rate schedules.

SGD, RMSprop, Adagrad, Adadelta, Adam, Adamax, Nadam and Ftrl follow
`tf_keras.optimizers.legacy` (update rules, defaults, slot names, the
order of `get_weights()`, the `decay` argument); `fastgraph.optimizers.legacy`
names the same classes.  AdamW, Lion and Adafactor follow the optimizers
tf-keras 2.11+ added, with `weight_decay`.  tf-keras 2.11+'s own Adam and
the others differ from the legacy ones outside the update rule (which is
the same): no `decay` (use a schedule), `weight_decay` and `use_ema`
arguments, and optimizer variables interleaved per model variable; here
they stay the legacy classes.  Every optimizer takes a number or a
`schedules.LearningRateSchedule` as `learning_rate`.
"""
from .. import registry
from . import legacy, schedules
from .adafactor import Adafactor
from .adagrad import Adadelta, Adagrad
from .adam import Adam, Adamax, AdamW, Nadam
from .base import Optimizer
from .ftrl import Ftrl
from .gradient_descent import SGD
from .lion import Lion
from .rmsprop import RMSprop

RMSProp = RMSprop

# The public home of the classes: what reprs show and what fastgraph.saving
# reads to tell fastgraph's own optimizers from user subclasses.
for _cls in (Optimizer, SGD, RMSprop, Adagrad, Adadelta, Adam, Adamax, Nadam,
             AdamW, Ftrl, Lion, Adafactor):
    _cls.__module__ = __name__

registry.set_base("optimizer", Optimizer)
for _cls in (SGD, RMSprop, Adagrad, Adadelta, Adam, Adamax, Nadam, AdamW, Ftrl,
             Lion, Adafactor):
    registry.register_builtin("optimizer", _cls)
    registry.register_builtin("optimizer", _cls, _cls.__name__.lower())


def serialize(optimizer):
    """`{'class_name': ..., 'config': ...}` describing `optimizer`."""
    return registry.serialize(optimizer)


def deserialize(config, custom_objects=None):
    """An optimizer from `serialize()` output or a name; `custom_objects`
    maps class names to user Optimizer classes."""
    with registry.custom_object_scope(custom_objects or {}):   # for a schedule
        return registry.deserialize("optimizer", config, custom_objects)


def get(identifier, custom_objects=None):
    """An optimizer from a name ('adam', case-insensitive), a config dict
    or an instance (returned as is)."""
    if not isinstance(identifier, (str, dict, Optimizer)):
        raise ValueError(f"Could not interpret optimizer identifier "
                         f"{identifier!r}: expected a name, a config dict or "
                         f"an Optimizer")
    return registry.get("optimizer", identifier, custom_objects)


__all__ = ["Optimizer", "SGD", "RMSprop", "RMSProp", "Adagrad", "Adadelta",
           "Adam", "Adamax", "Nadam", "AdamW", "Ftrl", "Lion", "Adafactor",
           "legacy", "schedules", "serialize", "deserialize", "get"]
