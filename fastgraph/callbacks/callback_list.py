"""CallbackList: the list the trainer drives, dispatching every hook to its
callbacks in order (with the History and progress bar `fit` adds)."""
from .base import Callback, History
from .progbar_logger import ProgbarLogger

_MODES = ("train", "test", "predict")


class CallbackList:
    """Calls every hook on a list of callbacks, in order.

    With `add_history`, a History is appended unless one is present (so it
    records what the other callbacks added to the logs); with
    `add_progbar`, a `ProgbarLogger(count_mode='steps')` likewise.  Batch
    hooks go only to callbacks that implement them, so a fit with no
    per-batch callback pays nothing per batch.  With `chief=False` (a
    process other than the chief of a run over several), the callbacks
    whose `chief_only` is True (ProgbarLogger among them) are left out.
    """

    def __init__(self, callbacks=None, add_history=False, add_progbar=False,
                 model=None, chief=True, **params):
        if callbacks is None:
            callbacks = []
        elif isinstance(callbacks, Callback) or not isinstance(callbacks, (list, tuple)):
            callbacks = [callbacks]
        for i, cb in enumerate(callbacks):
            if not hasattr(cb, "on_epoch_end"):
                raise TypeError(f"CallbackList: callbacks[{i}] must be a "
                                f"Callback, got {type(cb).__name__}")
        self.callbacks = [cb for cb in callbacks
                          if chief or not getattr(cb, "chief_only", False)]
        self.model = None
        self.params = {}
        self._history = next((cb for cb in self.callbacks if isinstance(cb, History)), None)
        if self._history is None and add_history:
            self._history = History()
            self.callbacks.append(self._history)
        if add_progbar and not any(isinstance(cb, ProgbarLogger) for cb in self.callbacks):
            self.callbacks.append(ProgbarLogger(count_mode="steps"))
        if model is not None:
            self.set_model(model)
        if params:
            self.set_params(params)
        self._refresh()

    @property
    def history(self):
        """The History callback of this list, or None."""
        return self._history

    def _refresh(self):
        self._batch = {}
        for mode in _MODES:
            cbs = []
            for cb in self.callbacks:
                implements = getattr(cb, "_implements_batch_hooks", None)
                if implements is None or implements(mode):
                    cbs.append(cb)
            self._batch[mode] = cbs

    def needs_batch_hooks(self, mode="train"):
        """True if some callback acts on batches of `mode`; else the trainer
        may skip building batch logs."""
        return bool(self._batch[mode])

    def append(self, callback):
        """Add a callback at the end."""
        self.callbacks.append(callback)
        self._refresh()

    def set_params(self, params):
        """Give every callback the training parameters."""
        self.params = params
        for cb in self.callbacks:
            cb.set_params(params)
        self._refresh()

    def set_model(self, model):
        """Give every callback the model (and the model its History)."""
        self.model = model
        if self._history is not None:
            model.history = self._history
        for cb in self.callbacks:
            cb.set_model(model)
        self._refresh()

    def __iter__(self):
        return iter(self.callbacks)

    def __len__(self):
        return len(self.callbacks)

    def _call(self, hook, *args):
        logs = args[-1] if args[-1] is not None else {}
        for cb in self.callbacks:
            getattr(cb, hook)(*args[:-1], logs)

    def _call_batch(self, mode, hook, batch, logs):
        cbs = self._batch[mode]
        if cbs:
            if logs is None:
                logs = {}
            for cb in cbs:
                getattr(cb, hook)(batch, logs)

    def on_batch_begin(self, batch, logs=None):
        """Alias of `on_train_batch_begin`."""
        self._call_batch("train", "on_train_batch_begin", batch, logs)

    def on_batch_end(self, batch, logs=None):
        """Alias of `on_train_batch_end`."""
        self._call_batch("train", "on_train_batch_end", batch, logs)

    def on_train_batch_begin(self, batch, logs=None):
        """Dispatch `on_train_batch_begin`."""
        self._call_batch("train", "on_train_batch_begin", batch, logs)

    def on_train_batch_end(self, batch, logs=None):
        """Dispatch `on_train_batch_end`."""
        self._call_batch("train", "on_train_batch_end", batch, logs)

    def on_test_batch_begin(self, batch, logs=None):
        """Dispatch `on_test_batch_begin`."""
        self._call_batch("test", "on_test_batch_begin", batch, logs)

    def on_test_batch_end(self, batch, logs=None):
        """Dispatch `on_test_batch_end`."""
        self._call_batch("test", "on_test_batch_end", batch, logs)

    def on_predict_batch_begin(self, batch, logs=None):
        """Dispatch `on_predict_batch_begin`."""
        self._call_batch("predict", "on_predict_batch_begin", batch, logs)

    def on_predict_batch_end(self, batch, logs=None):
        """Dispatch `on_predict_batch_end`."""
        self._call_batch("predict", "on_predict_batch_end", batch, logs)

    def on_epoch_begin(self, epoch, logs=None):
        """Dispatch `on_epoch_begin`."""
        self._call("on_epoch_begin", epoch, logs)

    def on_epoch_end(self, epoch, logs=None):
        """Dispatch `on_epoch_end` (every callback sees the same logs dict)."""
        self._call("on_epoch_end", epoch, logs)

    def on_train_begin(self, logs=None):
        """Dispatch `on_train_begin`."""
        self._refresh()
        self._call("on_train_begin", logs)

    def on_train_end(self, logs=None):
        """Dispatch `on_train_end`."""
        self._call("on_train_end", logs)

    def on_test_begin(self, logs=None):
        """Dispatch `on_test_begin`."""
        self._refresh()
        self._call("on_test_begin", logs)

    def on_test_end(self, logs=None):
        """Dispatch `on_test_end`."""
        self._call("on_test_end", logs)

    def on_predict_begin(self, logs=None):
        """Dispatch `on_predict_begin`."""
        self._refresh()
        self._call("on_predict_begin", logs)

    def on_predict_end(self, logs=None):
        """Dispatch `on_predict_end`."""
        self._call("on_predict_end", logs)
