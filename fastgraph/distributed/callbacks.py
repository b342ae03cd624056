"""Callbacks for training over several ranks (Horovod's Keras names)."""
import numpy as np

from ..callbacks import Callback
from . import runtime
from .collectives import allreduce, broadcast_variables


class BroadcastGlobalVariablesCallback(Callback):
    """At the start of training, give every rank rank `root_rank`'s weights
    and optimizer state, so that all start from the same point (whatever
    each initialized or loaded)."""

    def __init__(self, root_rank=0):
        super().__init__()
        self.root_rank = root_rank

    def on_train_begin(self, logs=None):
        model = self.model
        broadcast_variables(model.weights, self.root_rank)
        optimizer = getattr(model, "optimizer", None)
        if optimizer is not None:
            optimizer.build(model.trainable_weights)   # the slots exist on every rank
            broadcast_variables(optimizer.variables(), self.root_rank)


class MetricAverageCallback(Callback):
    """At the end of each epoch, replace every value in the logs by its mean
    over the ranks (put it before callbacks that read the logs)."""

    def on_epoch_end(self, epoch, logs=None):
        if logs:
            keys = sorted(k for k, v in logs.items() if np.ndim(v) == 0)
            means = allreduce(np.array([float(logs[k]) for k in keys]))
            logs.update({k: float(v) for k, v in zip(keys, means)})


class LearningRateWarmupCallback(Callback):
    """Ramp the learning rate from `initial_lr / size()` to `initial_lr` over
    the first `warmup_epochs` epochs, batch by batch (Goyal et al. 2017):
    large global batches start gently.

    With `momentum_correction`, an optimizer's `momentum` is scaled by the
    change of rate for the batch the rate changes.  `steps_per_epoch`
    defaults to fit's.
    """

    def __init__(self, initial_lr, warmup_epochs=5, momentum_correction=True,
                 steps_per_epoch=None, verbose=0):
        super().__init__()
        if warmup_epochs <= 0:
            raise ValueError(f"LearningRateWarmupCallback: warmup_epochs must be "
                             f"> 0, got {warmup_epochs}")
        self.initial_lr = float(initial_lr)
        self.warmup_epochs = warmup_epochs
        self.momentum_correction = momentum_correction
        self.steps_per_epoch = steps_per_epoch
        self.verbose = verbose
        self._epoch = 0
        self._momentum = None

    def _rate(self, progress):
        n = runtime.size()
        return self.initial_lr / n * (progress * (n - 1) / self.warmup_epochs + 1)

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch = epoch

    def on_train_batch_begin(self, batch, logs=None):
        if self._epoch >= self.warmup_epochs:
            return
        steps = self.steps_per_epoch or self.params.get("steps") or 1
        optimizer = self.model.optimizer
        old = optimizer.learning_rate
        new = self._rate(self._epoch + (batch + 1) / steps)
        optimizer.learning_rate = new
        momentum = getattr(optimizer, "momentum", None)
        if self.momentum_correction and momentum and old:
            self._momentum = momentum
            optimizer.momentum = momentum * new / old

    def on_train_batch_end(self, batch, logs=None):
        if self._momentum is not None:
            self.model.optimizer.momentum = self._momentum
            self._momentum = None

    def on_epoch_end(self, epoch, logs=None):
        if epoch == self.warmup_epochs - 1 and self.verbose and runtime.rank() == 0:
            print(f"\nEpoch {epoch + 1}: finished the learning rate warmup to "
                  f"{self.model.optimizer.learning_rate:g}.")
        if logs is not None:
            logs["lr"] = self.model.optimizer.learning_rate
