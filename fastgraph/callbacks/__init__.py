"""Callbacks: objects called by `fit`, `evaluate` and `predict` at each stage.

The Keras 2 set: Callback, CallbackList (used by the trainer), History,
ProgbarLogger, EarlyStopping, ModelCheckpoint, LearningRateScheduler,
ReduceLROnPlateau, CSVLogger, LambdaCallback and TerminateOnNaN.  A model
they act on provides `stop_training`, `optimizer.lr`, `get_weights()`,
`set_weights()`, `save(path)` and `save_weights(path)`.
"""
from .base import Callback, History
from .callback_list import CallbackList
from .csv_logger import CSVLogger
from .early_stopping import EarlyStopping
from .lambda_callback import LambdaCallback
from .learning_rate import LearningRateScheduler, ReduceLROnPlateau
from .model_checkpoint import ModelCheckpoint
from .progbar_logger import ProgbarLogger
from .terminate_on_nan import TerminateOnNaN

__all__ = ["Callback", "CallbackList", "History", "ProgbarLogger",
           "EarlyStopping", "ModelCheckpoint", "LearningRateScheduler",
           "ReduceLROnPlateau", "CSVLogger", "LambdaCallback", "TerminateOnNaN"]
