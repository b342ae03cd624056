"""EarlyStopping: stop training when a monitored quantity stops improving."""
import numpy as np

from .base import Callback, monitor_op, print_msg, warn_missing


class EarlyStopping(Callback):
    """Stops training after `patience` epochs without improvement of `monitor`.

    An improvement is a change beyond `min_delta` in the direction of `mode`
    ('auto': up for accuracy/AUC names, down otherwise).  With a `baseline`,
    training also stops if the monitored value has not beaten the baseline
    within `patience` epochs.  With `restore_best_weights`, the weights of
    the best epoch are put back when training ends.  Epochs before
    `start_from_epoch` are ignored (a warm-up).
    """

    def __init__(self, monitor="val_loss", min_delta=0, patience=0, verbose=0,
                 mode="auto", baseline=None, restore_best_weights=False,
                 start_from_epoch=0):
        super().__init__()
        self.monitor = monitor
        self.patience = patience
        self.verbose = verbose
        self.baseline = baseline
        self.restore_best_weights = restore_best_weights
        self.start_from_epoch = start_from_epoch
        self.mode = monitor_op(monitor, mode, "EarlyStopping")
        self.min_delta = abs(min_delta) if self.mode == "max" else -abs(min_delta)
        self.wait = 0
        self.stopped_epoch = 0
        self.best = np.inf if self.mode == "min" else -np.inf
        self.best_weights = None
        self.best_epoch = 0

    def _is_improvement(self, value, reference):
        if self.mode == "max":
            return value - self.min_delta > reference
        return value - self.min_delta < reference

    def on_train_begin(self, logs=None):
        self.wait = 0
        self.stopped_epoch = 0
        self.best = np.inf if self.mode == "min" else -np.inf
        self.best_weights = None
        self.best_epoch = 0

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        current = logs.get(self.monitor)
        if current is None:
            warn_missing("EarlyStopping", self.monitor, logs)
            return
        if epoch < self.start_from_epoch:
            return
        if self.restore_best_weights and self.best_weights is None:
            # The first monitored epoch is the best so far even if it does
            # not beat the initial +-inf by min_delta.
            self.best_weights = _copy_weights(self.model)
            self.best_epoch = epoch
        self.wait += 1
        if self._is_improvement(current, self.best):
            self.best = current
            self.best_epoch = epoch
            if self.restore_best_weights:
                self.best_weights = _copy_weights(self.model)
            if self.baseline is None or self._is_improvement(current, self.baseline):
                self.wait = 0
            return
        if self.wait >= self.patience and epoch > 0:
            self.stopped_epoch = epoch
            self.model.stop_training = True

    def on_train_end(self, logs=None):
        if self.stopped_epoch > 0 and self.verbose > 0:
            print_msg(f"Epoch {self.stopped_epoch + 1}: early stopping")
        if self.restore_best_weights and self.best_weights is not None:
            if self.verbose > 0:
                print_msg("Restoring model weights from the end of the best "
                          f"epoch: {self.best_epoch + 1}.")
            self.model.set_weights(self.best_weights)


def _copy_weights(model):
    # get_weights may hand out views of variables that optimizers update in place.
    return [np.array(w, copy=True) for w in model.get_weights()]
