"""ModelCheckpoint: save the model or its weights during training."""
import os

import numpy as np

from .base import Callback, monitor_op, print_msg, warn_missing


class ModelCheckpoint(Callback):
    """Saves the model (or only its weights) every epoch or every `save_freq` batches.

    `filepath` may hold `str.format` fields filled from the epoch (1-based,
    as in Keras), the batch (1-based, when saving by batch) and the logs:
    'weights.{epoch:02d}-{val_loss:.2f}.h5'.  With `save_best_only`, a file
    is written only when `monitor` improves in the direction of `mode`
    ('auto': up for accuracy/AUC names, down otherwise).  `period` is the
    Keras 2.0 way of saving every `period` epochs.  The model must provide
    `save(path)` and `save_weights(path)`.
    """

    chief_only = True

    def __init__(self, filepath, monitor="val_loss", verbose=0,
                 save_best_only=False, save_weights_only=False, mode="auto",
                 save_freq="epoch", period=1, initial_value_threshold=None):
        super().__init__()
        self.filepath = os.fspath(filepath)
        self.monitor = monitor
        self.verbose = verbose
        self.save_best_only = save_best_only
        self.save_weights_only = save_weights_only
        if save_freq != "epoch" and (isinstance(save_freq, bool)
                                     or not isinstance(save_freq, int) or save_freq < 1):
            raise ValueError(f"ModelCheckpoint: save_freq must be 'epoch' or a "
                             f"positive integer (batches), got {save_freq!r}")
        if isinstance(period, bool) or not isinstance(period, int) or period < 1:
            raise ValueError(f"ModelCheckpoint: period must be a positive "
                             f"integer, got {period!r}")
        self.save_freq = save_freq
        self.period = period
        self.mode = monitor_op(monitor, mode, "ModelCheckpoint")
        if initial_value_threshold is not None:
            self.best = initial_value_threshold
        else:
            self.best = np.inf if self.mode == "min" else -np.inf
        self.epochs_since_last_save = 0
        self._batches_seen_since_last_saving = 0
        self._last_batch_seen = -1
        self._current_epoch = 0

    def _implements_batch_hooks(self, mode):
        return mode == "train" and self.save_freq != "epoch"

    def on_epoch_begin(self, epoch, logs=None):
        self._current_epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        if self.save_freq == "epoch":
            return
        if batch <= self._last_batch_seen:  # a new epoch began
            self._batches_seen_since_last_saving += batch + 1
        else:
            self._batches_seen_since_last_saving += batch - self._last_batch_seen
        self._last_batch_seen = batch
        if self._batches_seen_since_last_saving >= self.save_freq:
            self._batches_seen_since_last_saving = 0
            self._save(self._current_epoch, batch, logs or {})

    def on_epoch_end(self, epoch, logs=None):
        self.epochs_since_last_save += 1
        if self.save_freq == "epoch" and self.epochs_since_last_save >= self.period:
            self.epochs_since_last_save = 0
            self._save(epoch, None, logs or {})

    def _file_path(self, epoch, batch, logs):
        fields = dict(logs)
        fields["epoch"] = epoch + 1
        if batch is not None:
            fields["batch"] = batch + 1
        try:
            return self.filepath.format(**fields)
        except (KeyError, IndexError) as e:
            raise KeyError(f"ModelCheckpoint: cannot format filepath "
                           f"{self.filepath!r}: no value for {e}; available: "
                           f"{', '.join(sorted(fields))}") from None

    def _save(self, epoch, batch, logs):
        filepath = self._file_path(epoch, batch, logs)
        if self.save_best_only:
            current = logs.get(self.monitor)
            if current is None:
                warn_missing("ModelCheckpoint (save_best_only)", self.monitor, logs)
                return
            improved = current > self.best if self.mode == "max" else current < self.best
            if not improved:
                if self.verbose > 0:
                    print_msg(f"\nEpoch {epoch + 1}: {self.monitor} did not "
                              f"improve from {self.best:.5f}")
                return
            if self.verbose > 0:
                print_msg(f"\nEpoch {epoch + 1}: {self.monitor} improved from "
                          f"{self.best:.5f} to {current:.5f}, saving model to "
                          f"{filepath}")
            self.best = current
        elif self.verbose > 0:
            print_msg(f"\nEpoch {epoch + 1}: saving model to {filepath}")
        dirname = os.path.dirname(filepath)
        if dirname:
            os.makedirs(dirname, exist_ok=True)
        if os.path.isdir(filepath):
            raise IsADirectoryError(f"ModelCheckpoint: filepath {filepath!r} is an "
                                    f"existing directory; give a file path")
        if self.save_weights_only:
            self.model.save_weights(filepath)
        else:
            self.model.save(filepath)
