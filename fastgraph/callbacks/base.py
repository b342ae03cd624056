"""Callback, the list that dispatches to callbacks, and History.

The trainer drives a `CallbackList`; each hook receives a `logs` dict.  As in
tf-keras 2.x there is no BaseLogger: the trainer itself puts running epoch
averages in the batch logs and the final averages (plus `val_*` entries) in
the epoch logs.  Callbacks may add entries to the epoch logs (the learning
rate callbacks add `lr`); History, appended last, records what they added.
"""
import sys
import warnings

_MODES = ("train", "test", "predict")


def print_msg(message):
    """Write one line to the current sys.stdout (so captured output sees it)."""
    sys.stdout.write(message + "\n")
    sys.stdout.flush()


def monitor_op(monitor, mode, caller):
    """'min' or 'max' for `mode`; 'auto' is 'max' for accuracy/AUC-like names."""
    if mode not in ("auto", "min", "max"):
        raise ValueError(f"{caller}: mode must be 'auto', 'min' or 'max', "
                         f"got {mode!r}")
    if mode == "auto":
        name = monitor.lower()
        return "max" if ("acc" in name or "auc" in name
                         or name.startswith("fmeasure")) else "min"
    return mode


def warn_missing(caller, monitor, logs):
    """Warn that the monitored quantity is not in `logs`."""
    warnings.warn(f"{caller} is conditioned on {monitor!r}, which is not "
                  f"available; available keys are: "
                  f"{', '.join(sorted(logs)) or 'none'}", RuntimeWarning,
                  stacklevel=3)


def _overrides(callback, name):
    """True if `callback` defines hook `name` itself (class or instance)."""
    if name in getattr(callback, "__dict__", {}):
        return True
    impl = getattr(type(callback), name, None)
    return impl is not None and impl is not getattr(Callback, name)


class Callback:
    """Base class of callbacks: every Keras hook, each doing nothing.

    `self.model` is the model being trained (set by `set_model`) and
    `self.params` the training parameters (`epochs`, `steps`, `verbose`,
    `metrics`).  `on_batch_begin`/`on_batch_end` are the Keras 2.0 names of
    the training batch hooks: `on_train_batch_*` calls them.
    """

    def __init__(self):
        self.model = None
        self.params = {}
        self.validation_data = None

    def set_params(self, params):
        """Store the training parameters."""
        self.params = params

    def set_model(self, model):
        """Store the model the callback acts on."""
        self.model = model

    def on_batch_begin(self, batch, logs=None):
        """Before a training batch (alias of `on_train_batch_begin`)."""

    def on_batch_end(self, batch, logs=None):
        """After a training batch (alias of `on_train_batch_end`)."""

    def on_epoch_begin(self, epoch, logs=None):
        """At the start of epoch `epoch` (0-based)."""

    def on_epoch_end(self, epoch, logs=None):
        """At the end of an epoch; `logs` holds its averages and `val_*` values."""

    def on_train_batch_begin(self, batch, logs=None):
        """Before training batch `batch` of the epoch."""
        self.on_batch_begin(batch, logs)

    def on_train_batch_end(self, batch, logs=None):
        """After a training batch; `logs` holds the running epoch averages."""
        self.on_batch_end(batch, logs)

    def on_test_batch_begin(self, batch, logs=None):
        """Before an evaluation batch (in `evaluate` or validation)."""

    def on_test_batch_end(self, batch, logs=None):
        """After an evaluation batch."""

    def on_predict_batch_begin(self, batch, logs=None):
        """Before a prediction batch."""

    def on_predict_batch_end(self, batch, logs=None):
        """After a prediction batch."""

    def on_train_begin(self, logs=None):
        """At the start of `fit`."""

    def on_train_end(self, logs=None):
        """At the end of `fit`."""

    def on_test_begin(self, logs=None):
        """At the start of `evaluate` or of a validation pass."""

    def on_test_end(self, logs=None):
        """At the end of `evaluate` or of a validation pass."""

    def on_predict_begin(self, logs=None):
        """At the start of `predict`."""

    def on_predict_end(self, logs=None):
        """At the end of `predict`."""

    def _implements_batch_hooks(self, mode):
        """Whether batch hooks of `mode` ('train', 'test', 'predict') do anything."""
        names = [f"on_{mode}_batch_begin", f"on_{mode}_batch_end"]
        if mode == "train":
            names += ["on_batch_begin", "on_batch_end"]
        return any(_overrides(self, n) for n in names)


class CallbackList:
    """Calls every hook on a list of callbacks, in order.

    With `add_history`, a History is appended unless one is present (so it
    records what the other callbacks added to the logs); with
    `add_progbar`, a `ProgbarLogger(count_mode='steps')` likewise.  Batch
    hooks go only to callbacks that implement them, so a fit with no
    per-batch callback pays nothing per batch.
    """

    def __init__(self, callbacks=None, add_history=False, add_progbar=False,
                 model=None, **params):
        if callbacks is None:
            callbacks = []
        elif isinstance(callbacks, Callback) or not isinstance(callbacks, (list, tuple)):
            callbacks = [callbacks]
        for i, cb in enumerate(callbacks):
            if not hasattr(cb, "on_epoch_end"):
                raise TypeError(f"CallbackList: callbacks[{i}] must be a "
                                f"Callback, got {type(cb).__name__}")
        self.callbacks = list(callbacks)
        self.model = None
        self.params = {}
        from .progbar_logger import ProgbarLogger
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


class History(Callback):
    """Records the epoch logs: `history[key]` is a list, `epoch` the epochs seen.

    `fit` returns it, and it becomes `model.history`.
    """

    def __init__(self):
        super().__init__()
        self.history = {}
        self.epoch = []

    def on_train_begin(self, logs=None):
        self.epoch = []

    def on_epoch_end(self, epoch, logs=None):
        self.epoch.append(epoch)
        for k, v in (logs or {}).items():
            self.history.setdefault(k, []).append(v)
        if self.model is not None:
            self.model.history = self
