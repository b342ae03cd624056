"""Strategy: how fit, evaluate and predict share their work with other
processes; the default, `Strategy()`, runs everything in this one.

This is the extension point a run over several processes plugs into
(fastgraph.distributed installs its own with `set_strategy` when it starts
and puts the default back when it stops), in the spirit of tf.distribute's
default strategy.  The trainer asks the current strategy, once per call of
fit/evaluate/predict:
- `shard(training)`: the Shard the EpochIterator reads (None: all data);
- `reduce_sums(sums, counts)`: combine evaluate's running sums in place;
- `gather(arrays)`: put predict's per-process outputs together in order;
- `is_chief`: callbacks marked `chief_only` and progress bars run only on
  the chief process.
Averaging gradients is the optimizer's part (see `step.apply_gradients`).
"""


class Strategy:
    """The default strategy: one process, nothing shared."""

    is_chief = True
    num_replicas = 1

    def shard(self, training):
        """The Shard of the data this process reads, or None for all of it."""
        return None

    def reduce_sums(self, sums, counts):
        """Sum evaluate's per-process `sums` and `counts` arrays in place."""

    def gather(self, arrays):
        """predict's outputs of every process, concatenated in process order."""
        return arrays


_current = [Strategy()]


def get_strategy():
    """The strategy fit, evaluate and predict use now."""
    return _current[0]


def set_strategy(strategy):
    """Make `strategy` (a Strategy, or None for the default) the current one."""
    if strategy is not None and not isinstance(strategy, Strategy):
        raise TypeError(f"set_strategy: expected a fastgraph.training.Strategy "
                        f"or None, got {type(strategy).__name__}")
    _current[0] = Strategy() if strategy is None else strategy
