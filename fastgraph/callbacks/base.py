"""Callback, History, and the helpers every callback module shares.

Each hook receives a `logs` dict.  As in tf-keras 2.x the trainer itself
puts the running values over the epoch in the batch logs and the epoch's
values (plus `val_*` entries) in the epoch logs.  Callbacks may add
entries to the epoch logs (the learning rate callbacks add `lr`); History,
appended last by the CallbackList, records what they added.
"""
import sys
import warnings


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

    `chief_only`: in a run over several processes (fastgraph.distributed),
    a callback with `chief_only` True runs on the chief process (rank 0)
    alone; the progress bar, ModelCheckpoint and CSVLogger set it (set it to
    False on an instance to run that one everywhere).
    """

    chief_only = False

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
