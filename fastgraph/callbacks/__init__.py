"""Callbacks: objects called by `fit`, `evaluate` and `predict` at each stage.

The Keras 2 set: Callback, CallbackList (used by the trainer), History,
BaseLogger, ProgbarLogger, EarlyStopping, ModelCheckpoint,
LearningRateScheduler, ReduceLROnPlateau, CSVLogger, LambdaCallback,
TerminateOnNaN, BackupAndRestore, RemoteMonitor and TensorBoard (which needs
the `fastgraph[tensorboard]` extra).  A model
they act on provides `stop_training`, `optimizer.lr`, `get_weights()`,
`set_weights()`, `save(path)` and `save_weights(path)`.
"""
from .backup_and_restore import BackupAndRestore
from .base import Callback, History
from .base_logger import BaseLogger
from .callback_list import CallbackList
from .csv_logger import CSVLogger
from .early_stopping import EarlyStopping
from .lambda_callback import LambdaCallback
from .learning_rate import LearningRateScheduler, ReduceLROnPlateau
from .model_checkpoint import ModelCheckpoint
from .progbar_logger import ProgbarLogger
from .remote_monitor import RemoteMonitor
from .tensorboard import TensorBoard
from .terminate_on_nan import TerminateOnNaN

__all__ = ["Callback", "CallbackList", "History", "ProgbarLogger",
           "EarlyStopping", "ModelCheckpoint", "LearningRateScheduler",
           "ReduceLROnPlateau", "CSVLogger", "LambdaCallback", "TerminateOnNaN",
           "BaseLogger", "BackupAndRestore", "RemoteMonitor", "TensorBoard"]
