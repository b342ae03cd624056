"""The parts of one step on a batch of checked arrays: the forward pass,
the weighted losses, the update, and the trackers of the losses and
metrics over an epoch.

The trainer's `_step` puts them together (with the optimizer update in
training); they read the model's compiled output specs (`model._specs`).
"""
import numpy as np

from ..autodiff import Tensor, as_array, gradients
from ..metrics import Mean
from ..ops import elementwise as E
from ..ops import reduce as R


class Trackers:
    """What a model reports, as metric objects in `metrics_names` order:
    a Mean of the loss (and of each output's loss when there are several),
    weighted by batch size, then each output's compiled metrics.  Their
    state runs over the batches since the last `reset`, so every value is
    one over the whole epoch, not an average of batch values."""

    def __init__(self, specs, names):
        losses = ["loss"] + ([s.name + "_loss" for s in specs] if len(specs) > 1 else [])
        self.losses = [Mean(name=name) for name in losses]
        self.objects = self.losses + [m for s in specs for _, m, _ in s.metrics]
        self.names = names      # the model's metrics_names: added metrics join it
        self.added = {name: Mean(name=name) for name in names[len(self.objects):]}
        self.objects += list(self.added.values())

    def reset(self):
        for metric in self.objects:
            metric.reset_state()

    def update(self, specs, losses, n, ys, outs, sws, masks, added=()):
        """Add one batch: its mean losses (Python floats), the (name, value)
        metrics of add_metric (`added`, averaged) and the compiled metrics."""
        self.update_losses(losses, n)
        self.update_added(added)
        self.update_metrics(specs, ys, outs, sws, masks)

    def update_losses(self, losses, n):
        """Add one batch's mean losses (Python floats), weighted by its size."""
        for tracker, value in zip(self.losses, losses):
            tracker.update_state(value, n)

    def update_added(self, added):
        """Add one batch's add_metric values, one Mean per name."""
        for name, value in added:
            tracker = self.added.get(name)
            if tracker is None:
                tracker = self.added[name] = Mean(name=name)
                self.objects.append(tracker)
                self.names.append(name)
            tracker.update_state(as_array(value))

    @staticmethod
    def update_metrics(specs, ys, outs, sws, masks):
        """Add one batch to the compiled metrics.  Plain metrics weight the
        (unmasked) values equally, weighted metrics by the sample weights."""
        for spec, y, out, sw, mask in zip(specs, ys, outs, sws, masks):
            pred = as_array(out)
            if mask is not None and mask.shape != pred.shape[:-1]:
                mask = None
            for _, metric, weighted in spec.metrics:
                w = sw if weighted else None
                if mask is not None:
                    w = mask if w is None else _expand(w, mask.ndim) * mask
                metric.update_state(y, pred, sample_weight=w)

    def result(self):
        """{name: value}: floats, or arrays for metrics with several values."""
        logs = {}
        for name, metric in zip(self.names, self.objects):
            value = np.asarray(metric.result())
            logs[name] = float(value) if value.ndim == 0 else value.copy()
        return logs

    def state(self):
        """Every state array, flattened into one float64 vector."""
        arrays = [w.ravel() for m in self.objects for w in m.variables]
        return np.concatenate(arrays).astype(np.float64) if arrays else np.zeros(0)

    def set_state(self, vector):
        """Put a `state()` vector (e.g. summed over processes) back."""
        start = 0
        for metric in self.objects:
            for w in metric.variables:
                w[...] = vector[start:start + w.size].reshape(w.shape)
                start += w.size


def forward(model, xs, training):
    """Output Tensors, and output masks (None where an output has none:
    Embedding(mask_zero=True) upstream gives sequence outputs one)."""
    inputs = [Tensor(x) for x in xs]
    if not model._is_graph:     # a subclassed model: call() runs as written
        out = model._flat_outputs(model(model._pack_inputs(inputs), training=training))
        return out, [None] * len(out)
    inputs = inputs[0] if len(inputs) == 1 else inputs
    if model._masked_outputs is None:
        model._masked_outputs = any(getattr(t, "_keras_mask", None) is not None
                                    for t in model.outputs)
    if model._masked_outputs:
        outs, masks = model.call_with_masks(inputs, training=training)
        return outs, [None if m is None else as_array(m) for m in masks]
    out = model.call(inputs, training=training)
    out = list(out) if isinstance(out, (list, tuple)) else [out]
    return out, [None] * len(out)


def weighted_losses(model, ys, outs, sws, masks):
    """Total loss Tensor and each output's (unweighted-by-loss_weight) loss.

    Each output's loss is the mean of its per-sample (per-step) values
    times the sample weights.  Masked steps get weight 0 and the others
    are scaled so the mean runs over valid steps only, as in tf-keras.
    """
    total, per_output = output_losses(model._specs, ys, outs, sws, masks)
    for added in model.losses:
        if not isinstance(added, Tensor):       # a callable's number
            added = Tensor(np.asarray(added, np.float32))
        if added.ndim:        # a loss of several values counts by its mean, as tf-keras
            added = R.mean(added)
        total = added if total is None else E.add(total, added)
    if total is None:
        raise ValueError(f'Model "{model.name}": no loss to compute: compile() was '
                         f'given no loss and the model added none (add_loss)')
    return total, per_output


def output_losses(specs, ys, outs, sws, masks):
    """Total compiled loss Tensor (None without outputs) and each output's
    loss, before the losses the layers add."""
    total, per_output = None, []
    for spec, y, out, sw, mask in zip(specs, ys, outs, sws, masks):
        values = spec.loss(Tensor(y), out)
        w = _expand(sw, values.ndim)
        if mask is not None and mask.shape == values.shape:
            m = mask.astype(values.dtype)
            valid = m.sum()
            m *= m.size / valid if valid else 0.0
            w = m if w is None else w * m
        if w is not None:
            values = E.multiply(values, w)
        loss = R.mean(values)
        per_output.append(loss)
        term = loss if spec.weight == 1.0 else E.multiply(loss, spec.weight)
        total = term if total is None else E.add(total, term)
    return total, per_output


def apply_gradients(optimizer, loss, variables, batch_size):
    """One update of `variables` by `optimizer` from the gradients of `loss`.

    An optimizer that exchanges gradients with other processes
    (fastgraph.distributed.DistributedOptimizer) has a method
    `gradient_listener(variables, batch_size)`: the callable it returns is
    `gradients`' `on_ready`, which hears each gradient as soon as backward
    has made it, so the exchange overlaps the rest of backward; the
    optimizer weighs this process's gradients by its `batch_size`.
    """
    listen = getattr(optimizer, "gradient_listener", None)
    on_ready = None if listen is None else listen(variables, batch_size)
    # Row-sparse table gradients let RMSprop update only the rows a batch
    # used; an exchange between processes needs every gradient dense.
    optimizer.apply(gradients(loss, variables, row_sparse=on_ready is None,
                              on_ready=on_ready), variables)


def _expand(weights, ndim):
    """Per-sample (or per-step) weights with trailing axes to broadcast
    against values of rank `ndim`."""
    if weights is None:
        return None
    return weights.reshape(weights.shape + (1,) * (ndim - weights.ndim))
