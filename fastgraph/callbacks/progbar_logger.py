"""ProgbarLogger: the progress bar `fit`, `evaluate` and `predict` print."""
from ..utils.progbar import Progbar
from .base import Callback, print_msg

_NOT_METRICS = ("batch", "size", "num_steps")


class ProgbarLogger(Callback):
    """Prints a progress bar per epoch (and for `evaluate`/`predict`).

    `count_mode` 'steps' counts batches against `params['steps']`;
    'samples' counts `logs['size']` against `params['samples']`.  The logs
    already hold running epoch averages, as tf-keras 2.x trainers report
    them, so their values are shown as they are, like the names listed in
    `stateful_metrics`.  Follows `params['verbose']`: 0 silent, 1 a bar,
    2 one line per epoch.
    """

    chief_only = True

    def __init__(self, count_mode="steps", stateful_metrics=None):
        super().__init__()
        if count_mode not in ("steps", "samples"):
            raise ValueError(f"ProgbarLogger: count_mode must be 'steps' or "
                             f"'samples', got {count_mode!r}")
        self.use_steps = count_mode == "steps"
        self.stateful_metrics = set(stateful_metrics or ())
        self.seen = 0
        self.progbar = None
        self.target = None
        self.verbose = 1
        self.epochs = 1
        self._called_in_fit = False

    def set_params(self, params):
        super().set_params(params)
        self.verbose = params.get("verbose", 1)
        self.epochs = params.get("epochs", 1)
        self.target = params.get("steps" if self.use_steps else "samples")

    def _implements_batch_hooks(self, mode):
        # Without a known target the batches must be counted even when silent.
        return self.verbose == 1 or self.target is None

    def on_train_begin(self, logs=None):
        self._called_in_fit = True

    def on_train_end(self, logs=None):
        self._called_in_fit = False

    def on_test_begin(self, logs=None):
        if not self._called_in_fit:
            self._reset()

    def on_predict_begin(self, logs=None):
        self._reset()

    def on_epoch_begin(self, epoch, logs=None):
        self._reset()
        if self.verbose and self.epochs > 1:
            print_msg(f"Epoch {epoch + 1}/{self.epochs}")

    def on_train_batch_end(self, batch, logs=None):
        self._batch_update(batch, logs)

    def on_test_batch_end(self, batch, logs=None):
        if not self._called_in_fit:
            self._batch_update(batch, logs)

    def on_predict_batch_end(self, batch, logs=None):
        self._batch_update(batch, None)

    def on_epoch_end(self, epoch, logs=None):
        self._finalize(logs)

    def on_test_end(self, logs=None):
        if not self._called_in_fit:
            self._finalize(logs)

    def on_predict_end(self, logs=None):
        self._finalize(None)

    def _reset(self):
        self.seen = 0
        self.progbar = Progbar(target=self.target, verbose=self.verbose,
                               stateful_metrics=self.stateful_metrics,
                               unit_name="step" if self.use_steps else "sample")

    def _values(self, logs):
        values = [(k, v) for k, v in (logs or {}).items() if k not in _NOT_METRICS]
        self.progbar.stateful_metrics.update(k for k, _ in values)
        return values

    def _batch_update(self, batch, logs):
        if self.progbar is None:
            self._reset()
        logs = logs or {}
        if self.use_steps:
            self.seen = batch + 1
        else:
            self.seen += logs.get("num_steps", 1) * logs.get("size", 0)
        if self.verbose == 1:
            self.progbar.update(self.seen, self._values(logs), finalize=False)

    def _finalize(self, logs):
        if self.progbar is None:
            self._reset()
        if self.target is None:
            self.target = self.seen
            self.progbar.target = self.target
        self.progbar.update(self.target, self._values(logs), finalize=True)
