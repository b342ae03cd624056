"""Metric objects, as tf-keras's: state accumulated batch by batch by
`update_state`, one `result()` over everything seen since `reset_state()`.

The state lives in NumPy arrays made by `add_weight`.  Accumulators are
float64 (sums over a long epoch stay exact far beyond float32's 2^24), and
every one of them is a sum, so the states of several processes or
batches combine by adding them (`merge_state`).  `result()` gives a NumPy
value of the metric's dtype (float32 by default).
"""
import abc
import contextlib
import re

import numpy as np

from .. import registry
from ..autodiff import as_array, floatx

_UIDS = {}


def _default_name(cls):
    """tf-keras's automatic name: the class name in snake case, then
    `_1`, `_2`, ... for later objects of the same class."""
    prefix = re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", "_",
                    cls.__name__).lower()
    n = _UIDS.get(prefix, 0)
    _UIDS[prefix] = n + 1
    return prefix if n == 0 else f"{prefix}_{n}"


@contextlib.contextmanager
def fresh_names():
    """Automatic names counted afresh inside the block ('auc', then
    'auc_1'), as for the metrics tf-keras's compile creates in a graph of
    their own."""
    global _UIDS
    saved, _UIDS = _UIDS, {}
    try:
        yield
    finally:
        _UIDS = saved


def check_int(owner, name, value, minimum):
    """`value` unless it is not an integer >= `minimum` (ValueError naming
    the metric class and the argument)."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) \
            or value < minimum:
        raise ValueError(f"{owner}: {name} must be an integer >= {minimum}, got "
                         f"{value!r}")
    return int(value)


class Metric(abc.ABC):
    """Base class: subclasses make their state with `add_weight` in
    `__init__` (or on their first update) and define `update_state(...)`
    and `result()`.  Calling the metric updates it and returns the result."""

    def __init__(self, name=None, dtype=None):
        if name is not None and not isinstance(name, str):
            raise TypeError(f"{type(self).__name__}: name must be a string, got "
                            f"{name!r}")
        self.name = name or _default_name(type(self))
        self._dtype = np.dtype(dtype or floatx()).name
        self._weights = []      # (array, initial value)

    @property
    def dtype(self):
        """The dtype of `result()`'s values."""
        return self._dtype

    def add_weight(self, name, shape=(), initializer="zeros", dtype=None,
                   aggregation=None, synchronization=None):
        """A new state array (float64 unless `dtype` says otherwise), filled
        with `initializer` ('zeros', 'ones' or a number) now and at every
        reset.  `aggregation` and `synchronization` are accepted for Keras
        compatibility; every state here is summed across processes."""
        initial = {"zeros": 0.0, "ones": 1.0}.get(initializer, initializer)
        if isinstance(initial, bool) or not isinstance(initial, (int, float)):
            raise ValueError(f"{self.name}.add_weight({name!r}): initializer must "
                             f"be 'zeros', 'ones' or a number, got {initializer!r}")
        array = np.full(tuple(shape), initial, dtype=dtype or np.float64)
        self._weights.append((array, initial))
        return array

    @property
    def variables(self):
        """The live state arrays, in creation order."""
        return [array for array, _ in self._weights]

    weights = variables

    def get_weights(self):
        """Copies of the state arrays."""
        return [array.copy() for array, _ in self._weights]

    def set_weights(self, weights):
        """Set the state from `get_weights()` output."""
        weights = list(weights)
        if len(weights) != len(self._weights):
            raise ValueError(f"{self.name}.set_weights: expected "
                             f"{len(self._weights)} arrays, got {len(weights)}")
        for (array, _), value in zip(self._weights, weights):
            value = np.asarray(value)
            if value.shape != array.shape:
                raise ValueError(f"{self.name}.set_weights: expected shape "
                                 f"{array.shape}, got {value.shape}")
            np.copyto(array, value, casting="unsafe")

    def reset_state(self):
        """Forget everything seen: every state array back to its initial value."""
        for array, initial in self._weights:
            array.fill(initial)

    def reset_states(self):
        """Keras 2's name of `reset_state`."""
        self.reset_state()

    @abc.abstractmethod
    def update_state(self, *args, **kwargs):
        """Accumulate the statistics of one batch."""

    @abc.abstractmethod
    def result(self):
        """The metric's value over everything seen since the last reset."""

    def merge_state(self, metrics):
        """Add the states of `metrics` (metrics of the same kind) to this one."""
        for metric in metrics:
            theirs = metric.variables
            if len(theirs) != len(self._weights) or any(
                    a.shape != b.shape for (a, _), b in zip(self._weights, theirs)):
                raise ValueError(f"{self.name}.merge_state: metric {metric.name!r} "
                                 f"is not compatible with this one")
            for (array, _), other in zip(self._weights, theirs):
                array += other

    def __call__(self, *args, **kwargs):
        """Update with one batch and return the result."""
        self.update_state(*args, **kwargs)
        return self.result()

    def _out(self, value):
        """`value` as the metric's dtype: a NumPy scalar or array."""
        return np.asarray(value, dtype=self._dtype)[()]

    def get_config(self):
        """The constructor arguments, for `from_config`."""
        return {"name": self.name, "dtype": self._dtype}

    @classmethod
    def from_config(cls, config):
        """A new metric from `get_config()`'s output."""
        return cls(**config)

    def __repr__(self):
        return f"<{type(self).__name__} name={self.name!r}>"


def squeeze_or_expand(y_pred, y_true):
    """tf-keras's alignment of ranks: an extra trailing axis of 1 on either
    side is dropped (unless y_pred has exactly one axis more, as with
    sparse labels)."""
    if y_true is None:
        return y_pred, y_true
    diff = y_pred.ndim - y_true.ndim
    if diff == 1 and y_pred.shape[-1] == 1:
        y_pred = y_pred[..., 0]
    elif diff == -1 and y_true.shape[-1] == 1:
        y_true = y_true[..., 0]
    return y_pred, y_true


def align_weights(values, sample_weight, reduce):
    """(values, weights) of the same shape: `sample_weight` broadcast
    against `values` after tf-keras's rank alignment; when it cannot be,
    `values` are reduced by `reduce` ('sum' or 'mean') over their trailing
    axes down to the weights' rank."""
    weights = np.asarray(as_array(sample_weight), dtype=np.float64)
    if weights.ndim == values.ndim + 1 and weights.shape[-1] == 1:
        weights = weights[..., 0]
    elif weights.ndim == values.ndim - 1:
        weights = weights[..., None]
    try:
        return values, np.broadcast_to(weights, values.shape)
    except ValueError:
        if weights.ndim > values.ndim:
            raise ValueError(f"sample_weight of shape {weights.shape} does not "
                             f"fit values of shape {values.shape}") from None
        axes = tuple(range(weights.ndim, values.ndim))
        values = values.sum(axis=axes) if reduce == "sum" else values.mean(axis=axes)
        return values, np.broadcast_to(weights, values.shape)


class Reduce(Metric):
    """The sum ('sum') or the weighted mean ('weighted_mean') of values."""

    def __init__(self, reduction, name, dtype=None):
        if reduction not in ("sum", "weighted_mean"):
            raise ValueError(f"Reduce: reduction must be 'sum' or "
                             f"'weighted_mean', got {reduction!r}")
        super().__init__(name=name, dtype=dtype)
        self.reduction = reduction
        self.total = self.add_weight("total")
        if reduction == "weighted_mean":
            self.count = self.add_weight("count")

    def update_state(self, values, sample_weight=None):
        """Add `values` (any shape), each weighted by `sample_weight` when
        given (broadcast against them as tf-keras does)."""
        if isinstance(values, float) and isinstance(sample_weight, (int, float, type(None))):
            weight = 1.0 if sample_weight is None else sample_weight  # a batch's loss
            self.total[()] += values * weight     # [()]: 6x faster than on the array
            if self.reduction == "weighted_mean":
                self.count[()] += weight
            return
        values = as_array(values)
        if not isinstance(values, np.ndarray) or values.dtype.kind != "f":
            values = np.asarray(values, dtype=np.float64)
        if sample_weight is None:
            self.total[()] += values.sum(dtype=np.float64)
            if self.reduction == "weighted_mean":
                self.count[()] += values.size
            return
        values, weights = align_weights(values.astype(np.float64, copy=False),
                                        sample_weight,
                                        "sum" if self.reduction == "sum" else "mean")
        self.total[()] += np.dot(values.ravel(), weights.ravel())
        if self.reduction == "weighted_mean":
            self.count[()] += weights.sum()

    def result(self):
        if self.reduction == "sum":
            return self._out(self.total)
        count = float(self.count)
        return self._out(float(self.total) / count if count else 0.0)


class Sum(Reduce):
    """The (weighted) sum of everything seen."""

    def __init__(self, name="sum", dtype=None):
        super().__init__("sum", name=name, dtype=dtype)

    def get_config(self):
        return Metric.get_config(self)


class Mean(Reduce):
    """The (weighted) mean of everything seen."""

    def __init__(self, name="mean", dtype=None):
        super().__init__("weighted_mean", name=name, dtype=dtype)

    def get_config(self):
        return Metric.get_config(self)


class MeanMetricWrapper(Mean):
    """The mean of `fn(y_true, y_pred, **kwargs)` over the samples seen:
    how a metric function becomes a metric object."""

    def __init__(self, fn, name=None, dtype=None, **kwargs):
        if not callable(fn):
            raise TypeError(f"MeanMetricWrapper: fn must be a function, got {fn!r}")
        super().__init__(name=name or getattr(fn, "__name__", None), dtype=dtype)
        self._fn = fn
        self._fn_kwargs = kwargs

    def update_state(self, y_true, y_pred, sample_weight=None):
        """Add the per-sample values of one batch."""
        y_pred, y_true = squeeze_or_expand(as_array(y_pred), as_array(y_true))
        Mean.update_state(self, self._fn(y_true, y_pred, **self._fn_kwargs),
                          sample_weight)

    def get_config(self):
        config = {**Metric.get_config(self), **self._fn_kwargs}
        if type(self) is MeanMetricWrapper:
            config["fn"] = registry.get_registered_name(self._fn)
        return config

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        if cls is MeanMetricWrapper:
            fn = config.pop("fn", None)
            return cls(registry.get("metric", fn), **config)
        return cls(**config)


class MeanTensor(Metric):
    """The element-wise (weighted) mean of arrays of one shape (fixed by
    `shape` or by the first update)."""

    def __init__(self, name="mean_tensor", dtype=None, shape=None):
        super().__init__(name=name, dtype=dtype)
        self._shape = None
        self.total = self.count = None
        if shape is not None:
            self._build(tuple(shape))

    def _build(self, shape):
        self._shape = shape
        self.total = self.add_weight("total", shape=shape)
        self.count = self.add_weight("count", shape=shape)

    def update_state(self, values, sample_weight=None):
        """Add `values` element-wise, weighted by `sample_weight` if given."""
        values = np.asarray(as_array(values), dtype=np.float64)
        if self._shape is None:
            self._build(values.shape)
        elif values.shape != self._shape:
            raise ValueError(f"{self.name}: MeanTensor values must keep the shape "
                             f"of the first update, {self._shape}; got "
                             f"{values.shape}")
        if sample_weight is None:
            self.total += values
            self.count += 1.0
            return
        reduced, weights = align_weights(values, sample_weight, "mean")
        if reduced.shape != values.shape:
            raise ValueError(f"{self.name}: sample_weight of shape "
                             f"{np.shape(sample_weight)} does not fit values of "
                             f"shape {values.shape}")
        self.total += values * weights
        self.count += weights

    def result(self):
        if self._shape is None:
            raise ValueError(f"{self.name}: MeanTensor has no value yet; call "
                             f"update_state first")
        with np.errstate(divide="ignore", invalid="ignore"):
            return self._out(np.where(self.count != 0, self.total / self.count, 0.0))

    def get_config(self):
        return {**Metric.get_config(self), "shape": self._shape}
