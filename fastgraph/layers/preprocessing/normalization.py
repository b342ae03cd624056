"""Normalization and Discretization (tf-keras 2.x), with `adapt`."""
import numbers

import numpy as np

from ...autodiff import Tensor, floatx
from ...backend import epsilon
from ...ops import elementwise as E
from .base import PreprocessingLayer, check_choice, no_gradient, values
from .categorical import COUNT, INT, MULTI_HOT, ONE_HOT, encode, encoded_shape


class Normalization(PreprocessingLayer):
    """(x - mean) / sqrt(variance) per index of the kept `axis` (the
    features; None normalises with one scalar), from `mean`/`variance` or
    learned by `adapt`; `invert=True` maps back.  Differentiable in x.  The
    adapted statistics are the non-trainable weights mean, variance, count,
    as in tf-keras, so they save and load with the weights."""

    def __init__(self, axis=-1, mean=None, variance=None, invert=False, **kwargs):
        super().__init__(**kwargs)
        if axis is None:
            axis = ()
        elif isinstance(axis, numbers.Integral):
            axis = (int(axis),)
        else:
            axis = tuple(int(a) for a in axis)
        if (mean is None) != (variance is None):
            raise ValueError(f"Normalization: when setting values directly, both "
                             f"`mean` and `variance` must be set, got mean={mean!r} "
                             f"and variance={variance!r}")
        self.axis = axis
        self.input_mean, self.input_variance = mean, variance
        self.invert = bool(invert)

    def build(self, input_shape):
        if not isinstance(input_shape, tuple) and not (
                isinstance(input_shape, list) and all(
                    d is None or isinstance(d, numbers.Integral) for d in input_shape)):
            raise ValueError("Normalization only accepts a single input")
        ndim = len(input_shape)
        if any(a < -ndim or a >= ndim for a in self.axis):
            raise ValueError(f"Normalization: all `axis` values must be in the range "
                             f"[-{ndim}, {ndim}), got axis={self.axis} for input shape "
                             f"{tuple(input_shape)}")
        keep = sorted(a % ndim for a in self.axis)
        for a in keep:
            if input_shape[a] is None:
                raise ValueError(f"Normalization: all `axis` values to be kept must "
                                 f"have a known size, got axis={self.axis} and input "
                                 f"shape {tuple(input_shape)}")
        self._keep = keep
        self._reduce = tuple(d for d in range(ndim) if d not in keep)
        self._broadcast = tuple(input_shape[d] if d in keep else 1 for d in range(ndim))
        stats_shape = tuple(input_shape[d] for d in keep)
        if self.input_mean is None:
            self.adapt_mean = self.add_weight("mean", stats_shape, initializer="zeros",
                                              trainable=False)
            self.adapt_variance = self.add_weight("variance", stats_shape,
                                                  initializer="ones", trainable=False)
            self.count = self.add_weight("count", (), dtype="int64",
                                         initializer="zeros", trainable=False)
        else:
            self._mean = (np.asarray(self.input_mean, np.float64)
                          * np.ones(stats_shape)).reshape(self._broadcast)
            self._variance = (np.asarray(self.input_variance, np.float64)
                              * np.ones(stats_shape)).reshape(self._broadcast)
        self.built = True

    def update_state(self, data):
        if self.input_mean is not None:
            raise ValueError(f"Cannot `adapt` a Normalization layer that is "
                             f"initialized with static `mean` and `variance`, you "
                             f"passed mean {self.input_mean} and variance "
                             f"{self.input_variance}.")
        data = np.asarray(data, dtype=np.float64)
        if data.ndim != len(self._broadcast):
            raise ValueError(f'Layer "{self.name}": adapt data of shape {data.shape} '
                             f'does not match the layer input rank '
                             f'{len(self._broadcast)}')
        batch_mean = data.mean(axis=self._reduce) if self._reduce else data
        batch_var = data.var(axis=self._reduce) if self._reduce else np.zeros_like(data)
        batch_count = int(np.prod([data.shape[d] for d in self._reduce])) \
            if self._reduce else 1
        mean = self.adapt_mean.data.astype(np.float64)
        var = self.adapt_variance.data.astype(np.float64)
        count = int(self.count.data)
        total = count + batch_count
        w_new = batch_count / total
        w_old = 1.0 - w_new
        total_mean = mean * w_old + batch_mean * w_new
        total_var = ((var + (mean - total_mean) ** 2) * w_old
                     + (batch_var + (batch_mean - total_mean) ** 2) * w_new)
        self.adapt_mean.assign(total_mean.astype(self.adapt_mean.dtype))
        self.adapt_variance.assign(total_var.astype(self.adapt_variance.dtype))
        self.count.assign(np.int64(total))

    def reset_state(self):
        if self.input_mean is not None or not self.built:
            return
        self.adapt_mean.assign(np.zeros(self.adapt_mean.shape))
        self.adapt_variance.assign(np.ones(self.adapt_variance.shape))
        self.count.assign(np.int64(0))

    def _stats(self):
        if self.input_mean is not None:
            mean, var = self._mean, self._variance
        else:
            mean = self.adapt_mean.data.reshape(self._broadcast)
            var = self.adapt_variance.data.reshape(self._broadcast)
        dtype = self.dtype
        return (np.asarray(mean, dtype),
                np.maximum(np.sqrt(np.asarray(var, dtype)), np.asarray(epsilon(), dtype)))

    def call(self, inputs):
        x = E.cast(inputs, self.dtype) if inputs.dtype.kind in "fbiu" else inputs
        mean, scale = self._stats()
        if self.invert:
            return E.add(E.multiply(x, scale), mean)
        return E.divide(E.subtract(x, mean), scale)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config.update({"axis": list(self.axis),
                       "invert": self.invert,
                       "mean": _listify(self.input_mean),
                       "variance": _listify(self.input_variance)})
        return config


def _listify(x):
    return np.asarray(x).tolist() if isinstance(x, np.ndarray) else x


def _summarize(values, eps):
    """tf-keras's per-batch quantile summary: every `step`-th sorted value
    with weight `step`, as a (2, k) float32 array."""
    v = np.sort(values.reshape(-1).astype(np.float32))
    increment = int(np.float32(v.size) / np.float32(1.0 / eps))
    step = max(increment, 1)
    bounds = v[increment::step]
    return np.stack([bounds, np.full(bounds.shape, step, np.float32)])


def _compress(summary, eps):
    if summary.shape[1] * eps < 1:
        return summary
    percents = eps + np.arange(0.0, 1.0, eps)
    cum = summary[1].cumsum()
    cum_percents = cum / cum[-1]
    bins = np.interp(percents, cum_percents, summary[0])
    cum = np.interp(percents, cum_percents, cum)
    weights = cum - np.concatenate((np.array([0]), cum[:-1]))
    return np.stack((bins, weights)).astype(np.float32)


class Discretization(PreprocessingLayer):
    """Bucket ids of numeric inputs: the number of `bin_boundaries` <= x
    (Bucketize), or boundaries of `num_bins` quantile bins learned by
    `adapt` (tf-keras's approximate quantiles with `epsilon`, batch by
    batch); `output_mode` int, one_hot, multi_hot or count.  The adapted
    boundaries are kept in the config (bin_boundaries)."""

    def __init__(self, bin_boundaries=None, num_bins=None, epsilon=0.01,
                 output_mode="int", sparse=False, **kwargs):
        if "bins" in kwargs:
            bins = kwargs.pop("bins")
            if isinstance(bins, numbers.Integral) and num_bins is None:
                num_bins = bins
            elif bin_boundaries is None:
                bin_boundaries = bins
        check_choice("Discretization", "output_mode", output_mode,
                     (INT, ONE_HOT, MULTI_HOT, COUNT))
        if kwargs.get("dtype") is None:
            kwargs["dtype"] = "int64" if output_mode == INT else floatx()
        elif output_mode == INT and np.dtype(kwargs["dtype"]).kind not in "iu":
            kwargs["dtype"] = "int64"
        super().__init__(**kwargs)
        if sparse:
            raise ValueError("Discretization: sparse outputs are not supported "
                             "(fastgraph has no sparse tensors); use sparse=False")
        if num_bins is not None and (not isinstance(num_bins, numbers.Integral)
                                     or num_bins < 0):
            raise ValueError(f"Discretization: `num_bins` must be an integer >= 0, "
                             f"got {num_bins!r}")
        if num_bins is not None and bin_boundaries is not None:
            raise ValueError(f"Discretization: both `num_bins` and `bin_boundaries` "
                             f"should not be set, got num_bins={num_bins} and "
                             f"bin_boundaries={bin_boundaries}")
        self.input_bin_boundaries = _listify(bin_boundaries)
        self.bin_boundaries = list(self.input_bin_boundaries or [])
        self.num_bins, self.epsilon = num_bins, float(epsilon)
        self.output_mode, self.sparse = output_mode, False
        self._summary = np.zeros((2, 0), np.float32)

    def update_state(self, data):
        if self.input_bin_boundaries is not None:
            raise ValueError(f"Cannot adapt a Discretization layer that has been "
                             f"initialized with `bin_boundaries`, use `num_bins` "
                             f"instead. You passed `bin_boundaries="
                             f"{self.input_bin_boundaries}`.")
        if self.num_bins is None:
            raise ValueError("Discretization: set `num_bins` to adapt the layer")
        batch = _summarize(np.asarray(data, dtype=np.float32), self.epsilon)
        merged = np.concatenate((batch, self._summary), axis=1)
        merged = merged[:, np.argsort(merged[0], kind="stable")]
        self._summary = _compress(merged, self.epsilon)

    def finalize_state(self):
        if self.input_bin_boundaries is not None or self.num_bins is None:
            return
        if self._summary.shape[1]:
            self.bin_boundaries = _compress(self._summary, 1.0 / self.num_bins)[0, :-1] \
                .astype(np.float64).tolist()

    def reset_state(self):
        self._summary = np.zeros((2, 0), np.float32)

    def call(self, inputs):
        no_gradient(self, inputs)
        x = values(inputs)
        if x.dtype.kind not in "fiub":
            raise TypeError(f'Layer "{self.name}" (Discretization) expects numeric '
                            f'inputs, got dtype {x.dtype}')
        bounds = np.asarray(self.bin_boundaries, dtype=np.float32)
        ids = np.searchsorted(bounds, x.astype(np.float32) if x.dtype.kind == "f"
                              else x, side="right").astype(np.int64)
        return Tensor(encode(ids, self.output_mode, len(self.bin_boundaries) + 1,
                             self.dtype, f'Layer "{self.name}"'))

    def compute_output_shape(self, input_shape):
        return encoded_shape(input_shape, self.output_mode, len(self.bin_boundaries) + 1)

    def get_config(self):
        config = super().get_config()
        adapted = self.input_bin_boundaries is None and self.is_adapted
        config.update({"bin_boundaries": (self.bin_boundaries if adapted
                                          else self.input_bin_boundaries),
                       "num_bins": None if adapted else self.num_bins,
                       "epsilon": self.epsilon, "output_mode": self.output_mode,
                       "sparse": False})
        return config
