"""Training: compile, fit, evaluate and predict for models.

`Trainer` is the mixin that gives Model Keras's training API; an
`EpochIterator` serves it batches of arrays, Sequences and generators
alike (the latter through the data queue); `data_adapter` checks what the
user passed, `compile_utils` resolves compile's arguments per output, and
`step` runs one batch (or `custom_steps` a model's own train_step /
test_step).  A `Strategy` (the current one: `get_strategy`)
says how several processes share the work, reading `Shard`s of the data.
"""
from .epoch_iterator import EpochIterator
from .sharding import Shard
from .strategy import Strategy, get_strategy, set_strategy
from .trainer import Trainer

__all__ = ["EpochIterator", "Shard", "Strategy", "Trainer", "get_strategy",
           "set_strategy"]
