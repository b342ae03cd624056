"""tf-keras 2.2+'s customizable steps: `train_step`, `test_step` and
`predict_step`, with `compiled_loss`, `compiled_metrics` and `metrics`.

A model that overrides `train_step(data)` (or `test_step`) has fit (or
evaluate, and the *_on_batch methods) call it once per batch with `data`
as tf-keras passes it: `x` alone when there are no targets, else
`(x, y)` or `(x, y, sample_weight)`, each array (or list or dict of
arrays) as given to fit.  It returns a dict of logs, which history, the
progress bar and the callbacks show.  A model that does not override them
runs the trainer's own step (trainer.py), which computes the same thing
without the Python-level indirection.  Metric objects assigned as
attributes are tracked into `metrics`, which fit resets every epoch.
"""
import numpy as np

from ..autodiff import GradientTape, Tensor, as_array
from ..metrics import Metric
from ..ops import elementwise as E
from ..utils.data_packing import pack_x_y_sample_weight, unpack_x_y_sample_weight
from .step import Trackers, output_losses


def _flat(value):
    """A list of what `value` holds: one item, a list/tuple, or None."""
    if value is None:
        return []
    return list(value) if isinstance(value, (list, tuple)) else [value]


def _per_output(model, value, n, what, spread=True):
    """Arrays (or None) per output from one array, a list, or a dict by
    output name; with `spread`, one array given for several outputs
    applies to each (sample weights)."""
    if isinstance(value, dict):
        missing = [k for k in model.output_names or [] if k not in value]
        if missing:
            raise KeyError(f"{what}: no entry for output(s) {missing}; the dict "
                           f"has keys {sorted(value)}")
        value = [value[k] for k in model.output_names]
    if spread and value is not None and not isinstance(value, (list, tuple)) and n > 1:
        value = [value] * n
    items = [None if v is None else as_array(v) for v in _flat(value)]
    return items + [None] * (n - len(items)) if spread else items


class CompiledLoss:
    """`model.compiled_loss(y_true, y_pred, sample_weight=None,
    regularization_losses=None)`: the total loss Tensor of compile's losses
    (weighted per output) plus `regularization_losses`, also added to the
    loss trackers that `metrics` reports."""

    def __init__(self, model):
        self._model = model

    @property
    def metrics(self):
        """The loss means: 'loss', then one per output when there are several."""
        trackers = self._model._trackers
        return list(trackers.losses) if trackers is not None else []

    def __call__(self, y_true, y_pred, sample_weight=None, regularization_losses=None):
        model = self._model
        specs = model._specs or []
        outs = model._flat_outputs(y_pred)
        ys = _per_output(model, y_true, len(specs), "compiled_loss", spread=False)
        if specs and len(ys) != len(specs):
            raise ValueError(f"compiled_loss: {len(ys)} target(s) for the "
                             f"{len(specs)} compiled output(s) {model.output_names}")
        sws = _per_output(model, sample_weight, len(specs), "compiled_loss")
        total, per_output = output_losses(specs, ys, outs, sws, [None] * len(specs))
        for reg in regularization_losses or []:
            total = reg if total is None else E.add(total, reg)
        if total is None:
            raise ValueError("compiled_loss: the model was compiled without a loss "
                             "and no regularization_losses were given")
        n = ys[0].shape[0] if ys else (outs[0].shape[0] if outs else 1)
        if model._trackers is not None:
            losses = [float(total.data)]
            if len(specs) > 1:
                losses += [float(t.data) for t in per_output]
            model._trackers.update_losses(losses, n)
        return total


class CompiledMetrics:
    """`model.compiled_metrics`: compile's metrics, updated by
    `update_state(y_true, y_pred, sample_weight=None)`."""

    def __init__(self, model):
        self._model = model

    @property
    def metrics(self):
        """The compiled metric objects, in `metrics_names` order."""
        return [m for spec in self._model._specs or [] for _, m, _ in spec.metrics]

    def update_state(self, y_true, y_pred, sample_weight=None):
        """Add one batch to every compiled metric."""
        model = self._model
        specs = model._specs or []
        ys = _per_output(model, y_true, len(specs), "compiled_metrics", spread=False)
        outs = model._flat_outputs(y_pred)
        sws = _per_output(model, sample_weight, len(specs), "compiled_metrics")
        Trackers.update_metrics(specs, ys, outs, sws, [None] * len(specs))

    def reset_state(self):
        """Forget every compiled metric's state."""
        for metric in self.metrics:
            metric.reset_state()


class StepAPI:
    """The step methods and what they use; mixed into Trainer."""

    _step_logs = None      # logs of the last overridden step, None otherwise

    def __setattr__(self, name, value):
        if isinstance(value, Metric) and not name.startswith("_"):
            tracked = self.__dict__.setdefault("_tracked_metrics", [])
            if all(value is not m for m in tracked):
                tracked.append(value)
        super().__setattr__(name, value)

    # --------------------------------------------- what a step works with
    @property
    def compiled_loss(self):
        """The compiled losses as one callable (see CompiledLoss)."""
        return CompiledLoss(self)

    @property
    def compiled_metrics(self):
        """The compiled metrics (see CompiledMetrics)."""
        return CompiledMetrics(self)

    @property
    def metrics(self):
        """Every metric object the model reports and fit resets each epoch:
        the loss means, the compiled metrics, then Metric attributes."""
        # an overridden step without a compiled loss reports its own metrics
        compiled = self._trackers is not None and (self._specs or not self._custom_steps())
        out = list(self._trackers.objects) if compiled else []
        out += [m for m in self.__dict__.get("_tracked_metrics", [])
                if all(m is not o for o in out)]
        return out

    @property
    def trainable_variables(self):
        """tf-keras's name of `trainable_weights`."""
        return self.trainable_weights

    @property
    def non_trainable_variables(self):
        """tf-keras's name of `non_trainable_weights`."""
        return self.non_trainable_weights

    @property
    def variables(self):
        """tf-keras's name of `weights`."""
        return self.weights

    # --------------------------------------------- the default steps
    def train_step(self, data):
        """One update on `data` and the logs: forward under a GradientTape,
        `compiled_loss` with the layers' losses, `optimizer.minimize`,
        `compiled_metrics`; returns {metric name: value}."""
        x, y, sample_weight = unpack_x_y_sample_weight(data)
        with GradientTape() as tape:
            y_pred = self(x, training=True)
            loss = self.compiled_loss(y, y_pred, sample_weight,
                                      regularization_losses=self.losses)
        self.optimizer.minimize(loss, self.trainable_variables, tape=tape)
        return self.compute_metrics(x, y, y_pred, sample_weight)

    def test_step(self, data):
        """Loss and metrics on `data` in inference mode; returns the logs."""
        x, y, sample_weight = unpack_x_y_sample_weight(data)
        y_pred = self(x, training=False)
        self.compiled_loss(y, y_pred, sample_weight, regularization_losses=self.losses)
        return self.compute_metrics(x, y, y_pred, sample_weight)

    def predict_step(self, data):
        """The model's outputs for the inputs in `data`."""
        x, _, _ = unpack_x_y_sample_weight(data)
        return self(x, training=False)

    def compute_metrics(self, x, y, y_pred, sample_weight):
        """Update the compiled metrics and return every metric's result."""
        self.compiled_metrics.update_state(y, y_pred, sample_weight)
        return self.get_metrics_result()

    def get_metrics_result(self):
        """{name: result} of every metric in `metrics`; compiled ones under
        their names in `metrics_names` ('a_mse' for 'mse' on output 'a')."""
        trackers = self._trackers
        names = {} if trackers is None else \
            {id(m): name for m, name in zip(trackers.objects, trackers.names)}
        return {names.get(id(m), m.name): m.result() for m in self.metrics}

    # ------------------------------------------ how the trainer runs them
    def _overrides(self, name):
        """True when the model's class overrides the step method `name`."""
        return getattr(type(self), name) is not getattr(StepAPI, name)

    def _custom_steps(self):
        return self._overrides("train_step") or self._overrides("test_step")

    def _run_step(self, xs, ys, sws, train):
        """Call the overridden train_step/test_step on one batch of checked
        arrays; keep its logs as Python values."""
        where = "train_step" if train else "test_step"
        y = sw = None
        if ys:
            y = ys[0] if len(ys) == 1 else list(ys)
            if any(w is not None for w in sws):
                sw = sws[0] if len(sws) == 1 else list(sws)
        logs = getattr(self, where)(pack_x_y_sample_weight(self._pack_inputs(xs), y, sw))
        if not isinstance(logs, dict):
            raise TypeError(f"{type(self).__name__}.{where} must return a dict of "
                            f"logs ({{name: value}}), got {type(logs).__name__}")
        self._step_logs = {k: _plain(v) for k, v in logs.items()}

    def _logs(self):
        """The logs of the latest step: an overridden step's, or the
        trackers' running values."""
        return dict(self._step_logs) if self._step_logs is not None \
            else self._trackers.result()

    def _unchecked_data(self, xs, y, sample_weight, class_weight):
        """(inputs, targets, sample weights) for an overridden step: the
        targets and weights as arrays, as given (none when y is None)."""
        if class_weight is not None:
            raise ValueError(f"{type(self).__name__}: class_weight is not supported "
                             f"with an overridden train_step/test_step; weigh "
                             f"samples in the step")
        if isinstance(y, dict) or isinstance(sample_weight, dict):
            raise TypeError(f"{type(self).__name__}: without a compiled loss, give y "
                            f"and sample_weight as arrays or lists of arrays")
        ys = [np.asarray(as_array(a)) for a in _flat(y)]
        sws = [None if w is None else np.asarray(as_array(w))
               for w in _flat(sample_weight)]
        return xs, ys, sws + [None] * (len(ys) - len(sws))


def in_order(logs, names):
    """The values of `logs`: those named in `names` in that order, then
    the others (an overridden step may log other names) sorted by name, as
    tf-keras orders them; one alone as is."""
    values = ([logs[k] for k in names if k in logs]
              + [logs[k] for k in sorted(logs) if k not in names])
    return values[0] if len(values) == 1 else values


def _plain(value):
    """A log value as a float (a scalar) or an array."""
    value = np.asarray(value.data if isinstance(value, Tensor) else value)
    return float(value) if value.ndim == 0 else value.copy()
