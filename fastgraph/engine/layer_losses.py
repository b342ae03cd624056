"""What a layer adds beside its outputs: loss terms and metrics, per call.

A call scope marks one top-level call, so that the Tensors `call()` adds
(activity regularization, add_loss, add_metric) belong to that call only
and a later call does not see stale ones.
"""
from __future__ import annotations

import itertools
import threading
from typing import Any, Optional

from ..autodiff import Tensor
from .node import KerasTensor

_state = threading.local()
_ids = itertools.count(1)


class CallScope:
    """Marks a top-level call: losses added during it (activity
    regularization, `add_loss` in `call`) belong to this call only.  A
    `training` value (True/False) holds for the calls inside it that are
    given none, as tf-keras passes it down to sublayers."""

    __slots__ = ("training", "outer")

    def __init__(self, training=None):
        self.training = training

    def __enter__(self):
        depth = getattr(_state, "depth", 0)
        if depth == 0:
            _state.call_id = next(_ids)
        _state.depth = depth + 1
        self.outer = getattr(_state, "training", None)
        if self.training is not None:
            _state.training = self.training
        return _state.call_id

    def __exit__(self, *exc):
        _state.depth -= 1
        _state.training = self.outer


def current_training():
    """The `training` value of the innermost call scope that set one, or None."""
    return getattr(_state, "training", None)


class LossesMixin:
    """Mixin of Layer: add_loss, add_metric, losses and added_metrics."""

    def add_loss(self, losses: Any) -> None:
        """Add loss terms: zero-argument callables (re-evaluated each time
        `losses` is read), inside `call` Tensors for the current call, or, on
        a model, symbolic tensors of its graph (computed by every run; a
        term of several values counts by its mean)."""
        for loss in losses if isinstance(losses, (list, tuple)) else [losses]:
            if isinstance(loss, KerasTensor):
                if not self._is_graph:
                    raise TypeError(f'Layer "{self.name}": a symbolic loss is added '
                                    f'to the model whose graph computes it '
                                    f'(model.add_loss); a layer takes a Tensor '
                                    f'computed in call() or a zero-argument callable')
                self._add_graph_term(loss, None)
                continue
            if callable(loss) and not isinstance(loss, Tensor):
                self._loss_fns.append(loss)
                continue
            call_id = getattr(_state, "call_id", None)
            if not getattr(_state, "depth", 0):
                raise ValueError(f'Layer "{self.name}": a Tensor given to add_loss '
                                 f'outside call() would be stale; pass a '
                                 f'zero-argument callable instead')
            if self._call_losses is None or self._call_losses[0] != call_id:
                self._call_losses = (call_id, [])
            self._call_losses[1].append(loss)

    def add_metric(self, value: Any, name: Optional[str] = None,
                   aggregation: Optional[str] = "mean") -> None:
        """Report the mean of `value` as metric `name` (in metrics_names,
        the history and the progress bar): a symbolic tensor of a model's
        graph, or a Tensor computed in call()."""
        if aggregation not in (None, "mean"):
            raise ValueError(f'Layer "{self.name}": add_metric supports '
                             f'aggregation="mean" only, got {aggregation!r}')
        if not isinstance(name, str) or not name:
            raise ValueError(f'Layer "{self.name}": add_metric needs a name '
                             f'(a non-empty string), got {name!r}')
        if isinstance(value, KerasTensor):
            if not self._is_graph:
                raise TypeError(f'Layer "{self.name}": a symbolic metric is added '
                                f'to the model whose graph computes it '
                                f'(model.add_metric)')
            self._add_graph_term(value, name)
            return
        call_id = getattr(_state, "call_id", None)
        if not getattr(_state, "depth", 0):
            raise ValueError(f'Layer "{self.name}": add_metric outside call() needs '
                             f'a symbolic tensor of the model')
        metrics = self.__dict__.get("_call_metrics")
        if metrics is None or metrics[0] != call_id:
            self._call_metrics = metrics = (call_id, {})
        metrics[1][name] = value

    @property
    def added_metrics(self) -> list:
        """(name, Tensor) of the metrics added by the latest call of this
        layer and its sublayers (add_metric)."""
        call_id = getattr(_state, "call_id", None)
        out = []
        for layer in self._flatten_layers():
            metrics = layer.__dict__.get("_call_metrics")
            if metrics is not None and metrics[0] == call_id:
                out.extend(metrics[1].items())
        return out

    @property
    def losses(self) -> list:
        """Loss Tensors of this layer and its sublayers, per layer in tf-keras
        order: losses of the latest call (activity regularization, add_loss
        in call), then weight regularization (from the current weights, so
        differentiable) and callables given to add_loss."""
        call_id = getattr(_state, "call_id", None)
        out = []
        for layer in self._flatten_layers():
            if layer._call_losses is not None and layer._call_losses[0] == call_id:
                out.extend(layer._call_losses[1])
            out.extend(reg(var) for reg, var in layer._regularized)
            out.extend(fn() for fn in layer._loss_fns)
        return out
