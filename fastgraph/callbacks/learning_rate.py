"""Callbacks that change the optimizer's learning rate during training."""
import inspect
import numbers

import numpy as np

from .base import Callback, monitor_op, print_msg, warn_missing


def _optimizer(model, caller):
    optimizer = getattr(model, "optimizer", None)
    if optimizer is None or not hasattr(optimizer, "lr"):
        raise ValueError(f"{caller}: the model's optimizer must have an 'lr' "
                         f"attribute (compile the model first)")
    return optimizer


def _takes_lr(schedule):
    """Whether `schedule` accepts (epoch, lr) rather than (epoch) alone."""
    try:
        params = inspect.signature(schedule).parameters.values()
    except (TypeError, ValueError):
        return True
    positional = 0
    for p in params:
        if p.kind == p.VAR_POSITIONAL:
            return True
        if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD):
            positional += 1
    return positional >= 2


class LearningRateScheduler(Callback):
    """Sets the learning rate at the start of each epoch from `schedule`.

    `schedule(epoch)` or `schedule(epoch, lr)` (epoch 0-based, lr the
    current rate) returns the new rate as a float.  The rate is added to the
    epoch logs as `lr`.
    """

    def __init__(self, schedule, verbose=0):
        super().__init__()
        if not callable(schedule):
            raise TypeError(f"LearningRateScheduler: schedule must be callable, "
                            f"got {type(schedule).__name__}")
        self.schedule = schedule
        self.verbose = verbose
        self._with_lr = _takes_lr(schedule)

    def on_epoch_begin(self, epoch, logs=None):
        optimizer = _optimizer(self.model, "LearningRateScheduler")
        if self._with_lr:
            lr = self.schedule(epoch, float(optimizer.lr))
        else:
            lr = self.schedule(epoch)
        if isinstance(lr, bool) or not isinstance(lr, numbers.Real):
            raise ValueError(f"LearningRateScheduler: the schedule must return "
                             f"a float, got {lr!r} for epoch {epoch}")
        optimizer.lr = float(lr)
        if self.verbose > 0:
            print_msg(f"\nEpoch {epoch + 1}: LearningRateScheduler setting "
                      f"learning rate to {float(lr)}.")

    def on_epoch_end(self, epoch, logs=None):
        if logs is not None:
            logs["lr"] = float(_optimizer(self.model, "LearningRateScheduler").lr)


class ReduceLROnPlateau(Callback):
    """Multiplies the learning rate by `factor` when `monitor` stops improving.

    After `patience` epochs without an improvement larger than `min_delta`
    the rate becomes `max(lr * factor, min_lr)`, then `cooldown` epochs pass
    before counting resumes.  `epsilon` is the Keras 2.0 name of `min_delta`.
    The rate is added to the epoch logs as `lr`.
    """

    def __init__(self, monitor="val_loss", factor=0.1, patience=10, verbose=0,
                 mode="auto", min_delta=1e-4, cooldown=0, min_lr=0,
                 epsilon=None):
        super().__init__()
        if factor >= 1.0:
            raise ValueError(f"ReduceLROnPlateau: factor must be < 1.0, got {factor}")
        self.monitor = monitor
        self.factor = factor
        self.min_lr = min_lr
        self.min_delta = min_delta if epsilon is None else epsilon
        self.patience = patience
        self.verbose = verbose
        self.cooldown = cooldown
        self.mode = monitor_op(monitor, mode, "ReduceLROnPlateau")
        self._reset()

    def _reset(self):
        self.best = np.inf if self.mode == "min" else -np.inf
        self.cooldown_counter = 0
        self.wait = 0

    def _improved(self, current):
        if self.mode == "min":
            return current < self.best - self.min_delta
        return current > self.best + self.min_delta

    def in_cooldown(self):
        """True while the cooldown after a reduction lasts."""
        return self.cooldown_counter > 0

    def on_train_begin(self, logs=None):
        self._reset()

    def on_epoch_end(self, epoch, logs=None):
        logs = logs if logs is not None else {}
        optimizer = _optimizer(self.model, "ReduceLROnPlateau")
        logs["lr"] = float(optimizer.lr)
        current = logs.get(self.monitor)
        if current is None:
            warn_missing("ReduceLROnPlateau", self.monitor, logs)
            return
        if self.in_cooldown():
            self.cooldown_counter -= 1
            self.wait = 0
        if self._improved(current):
            self.best = current
            self.wait = 0
        elif not self.in_cooldown():
            self.wait += 1
            if self.wait >= self.patience:
                old_lr = float(optimizer.lr)
                if old_lr > np.float32(self.min_lr):
                    new_lr = max(old_lr * self.factor, self.min_lr)
                    optimizer.lr = new_lr
                    if self.verbose > 0:
                        print_msg(f"\nEpoch {epoch + 1}: ReduceLROnPlateau "
                                  f"reducing learning rate to {new_lr}.")
                    self.cooldown_counter = self.cooldown
                    self.wait = 0
