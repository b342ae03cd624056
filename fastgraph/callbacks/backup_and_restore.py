"""BackupAndRestore: resume an interrupted `fit` from its last finished epoch."""
import json
import os
import shutil

import numpy as np

from ..ops.random import get_rng
from .base import Callback

_FILE = "backup.npz"


class BackupAndRestore(Callback):
    """At the end of every epoch, saves into `backup_dir` the model's
    weights, the optimizer's state (its step count and slots), the epoch
    counter and the random generator's state; when `fit` starts and a
    backup is there (the run before was killed), it restores them all, so
    the run continues from the epoch after the last finished one as if it
    had not stopped.  The backup is deleted when `fit` ends normally
    (unless `delete_checkpoint=False`).  Only `save_freq='epoch'` is
    supported: a backup within an epoch would also need the data
    iterator's position.
    """

    def __init__(self, backup_dir, save_freq="epoch", delete_checkpoint=True,
                 save_before_preemption=False):
        super().__init__()
        if not backup_dir:
            raise ValueError("BackupAndRestore: backup_dir must be a directory path")
        if save_freq != "epoch":
            raise ValueError(f"BackupAndRestore: save_freq must be 'epoch' (a backup "
                             f"within an epoch is not supported), got {save_freq!r}")
        if save_before_preemption:
            raise ValueError("BackupAndRestore: save_before_preemption is not "
                             "supported; the backup is taken after each epoch")
        self.backup_dir = os.fspath(backup_dir)
        self.save_freq = save_freq
        self.delete_checkpoint = bool(delete_checkpoint)
        self._resume_epoch = None

    @property
    def _path(self):
        return os.path.join(self.backup_dir, _FILE)

    def initial_epoch(self, default):
        """The epoch `fit` starts from: the one after the restored backup."""
        return default if self._resume_epoch is None else self._resume_epoch

    def on_train_begin(self, logs=None):
        self._resume_epoch = None
        self.model._training_state = self     # read by the trainer for the epoch
        if os.path.exists(self._path):
            self._restore()

    def _optimizer_variables(self):
        optimizer = self.model.optimizer
        optimizer.build(self.model.trainable_weights)
        return optimizer

    def _restore(self):
        with np.load(self._path, allow_pickle=False) as data:
            meta = json.loads(str(data["meta"]))
            weights = [data[f"weight_{i}"] for i in range(meta["weights"])]
            state = [data[f"optimizer_{i}"] for i in range(meta["optimizer"])]
        self.model.set_weights(weights)
        if state:
            self._optimizer_variables().set_weights(state)
        get_rng().bit_generator.state = meta["rng"]
        self._resume_epoch = meta["epoch"] + 1

    def on_epoch_end(self, epoch, logs=None):
        optimizer = getattr(self.model, "optimizer", None)
        state = [] if optimizer is None else self._optimizer_variables().get_weights()
        weights = self.model.get_weights()
        meta = {"epoch": int(epoch), "weights": len(weights), "optimizer": len(state),
                "rng": get_rng().bit_generator.state}
        arrays = {f"weight_{i}": w for i, w in enumerate(weights)}
        arrays.update({f"optimizer_{i}": w for i, w in enumerate(state)})
        os.makedirs(self.backup_dir, exist_ok=True)
        partial = f"{self._path}.{os.getpid()}.partial.npz"
        np.savez(partial, meta=np.array(json.dumps(meta)), **arrays)
        os.replace(partial, self._path)      # a kill never leaves half a backup

    def on_train_end(self, logs=None):
        if getattr(self.model, "_training_state", None) is self:
            del self.model._training_state
        if self.delete_checkpoint and os.path.isdir(self.backup_dir):
            shutil.rmtree(self.backup_dir)
