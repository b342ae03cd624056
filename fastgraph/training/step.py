"""The parts of one step on a batch of checked arrays: the forward pass,
the weighted losses, the update, the metrics, and their running means over
an epoch.

The trainer's `_step` puts them together (with the optimizer update in
training); they read the model's compiled output specs (`model._specs`).
"""
import numpy as np

from ..autodiff import Tensor, as_array, gradients
from ..ops import elementwise as E
from ..ops import reduce as R


class RunningMeans:
    """Running means of the logged values over the batches of an epoch:
    losses weighted by batch size, metrics by their number of values."""

    def __init__(self, names):
        self.names = names
        self.sums = np.zeros(len(names))
        self.counts = np.zeros(len(names))

    def add(self, values, counts):
        self.sums += values
        self.counts += counts

    def result(self):
        means = self.sums / np.where(self.counts > 0, self.counts, 1.0)
        return {n: float(v) for n, v in zip(self.names, means)}


def forward(model, xs, training):
    """Output Tensors, and output masks (None where an output has none:
    Embedding(mask_zero=True) upstream gives sequence outputs one)."""
    inputs = [Tensor(x) for x in xs]
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
    total, per_output = None, []
    for spec, y, out, sw, mask in zip(model._specs, ys, outs, sws, masks):
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
    for reg in model.losses:
        total = E.add(total, reg)
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


def metric_values(specs, ys, outs, sws, masks):
    """(sum, count) of every metric: plain metrics average over the
    (unmasked) values, weighted metrics weight them by sample weight."""
    values, counts = [], []
    for spec, y, out, sw, mask in zip(specs, ys, outs, sws, masks):
        pred = as_array(out)
        for _, fn, weighted in spec.metrics:
            r = np.asarray(as_array(fn(y, pred)), dtype=np.float64)
            w = _expand(sw, r.ndim) if weighted else None
            if mask is not None and mask.shape == r.shape:
                w = mask if w is None else w * mask
            if w is None:
                values.append(float(r.sum()))
                counts.append(float(max(r.size, 1)))
            else:
                w = np.broadcast_to(w, r.shape)
                values.append(float((r * w).sum()))
                counts.append(float(w.sum()))
    return values, counts


def _expand(weights, ndim):
    """Per-sample (or per-step) weights with trailing axes to broadcast
    against values of rank `ndim`."""
    if weights is None:
        return None
    return weights.reshape(weights.shape + (1,) * (ndim - weights.ndim))
