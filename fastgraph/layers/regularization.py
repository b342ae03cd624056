"""Regularization layers (tf-keras 2.x) beside Dropout: SpatialDropout1D,
2D and 3D (whole channels dropped), GaussianNoise, GaussianDropout,
AlphaDropout and ActivityRegularization.  The noise layers act only when
training; otherwise they return their input."""
import numbers

import numpy as np

from .. import regularizers
from ..engine.layer import InputSpec, Layer
from ..ops import noise
from ..ops.random import dropout
from .core import Dropout


def _rate(layer, rate):
    if isinstance(rate, bool) or not isinstance(rate, numbers.Real) or not 0 <= rate < 1:
        raise ValueError(f"{layer}: invalid value {rate!r} received for `rate`, "
                         f"expected a value in [0, 1).")
    return rate


def _data_format(layer, data_format):
    data_format = data_format or "channels_last"
    if data_format not in ("channels_last", "channels_first"):
        raise ValueError(f"{layer}: data_format must be 'channels_last' or "
                         f"'channels_first', got {data_format!r}")
    return data_format


class _Seeded(Layer):
    """A noise layer: `seed` makes its sequence of draws reproducible."""

    def __init__(self, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.seed = seed
        self._seeds = None if seed is None else np.random.default_rng(seed)
        self.supports_masking = True

    def _next_seed(self):
        return None if self._seeds is None else int(self._seeds.integers(2 ** 63))

    def compute_output_shape(self, input_shape):
        return input_shape

    def _compute_output_dtype(self, input_dtypes):
        return input_dtypes if isinstance(input_dtypes, str) else input_dtypes[0]


class _SpatialDropout(Dropout):
    """Dropout of whole feature maps: one draw per sample and channel."""

    _rank = 3

    def __init__(self, rate, data_format=None, **kwargs):
        _rate(type(self).__name__, rate)
        super().__init__(rate, **kwargs)
        self.data_format = _data_format(type(self).__name__, data_format)
        self.input_spec = InputSpec(ndim=self._rank)

    def call(self, inputs, training=None):
        if not training or self.rate == 0:
            return inputs
        shape = [1] * inputs.ndim
        channel = 1 if self.data_format == "channels_first" else inputs.ndim - 1
        shape[0], shape[channel] = inputs.shape[0], inputs.shape[channel]
        seed = None if self._seeds is None else int(self._seeds.integers(2 ** 63))
        return dropout(inputs, self.rate, tuple(shape), seed)

    def get_config(self):
        config = super().get_config()
        config["data_format"] = self.data_format
        return config


class SpatialDropout1D(_SpatialDropout):
    """Drops whole channels of (batch, steps, channels) inputs."""

    def __init__(self, rate, **kwargs):
        super().__init__(rate, data_format=None, **kwargs)

    def get_config(self):
        config = super().get_config()
        del config["data_format"]
        return config


class SpatialDropout2D(_SpatialDropout):
    """Drops whole channels of 4-D image inputs."""

    _rank = 4


class SpatialDropout3D(_SpatialDropout):
    """Drops whole channels of 5-D volume inputs."""

    _rank = 5


class GaussianNoise(_Seeded):
    """Adds zero-mean Gaussian noise of standard deviation `stddev`."""

    def __init__(self, stddev, seed=None, **kwargs):
        super().__init__(seed=seed, **kwargs)
        if isinstance(stddev, bool) or not isinstance(stddev, numbers.Real) \
                or not 0 <= stddev < float("inf"):
            raise ValueError(f"GaussianNoise: stddev must be a finite number >= 0, "
                             f"got {stddev!r}")
        self.stddev = stddev

    def call(self, inputs, training=None):
        if not training:
            return inputs
        return noise.gaussian_noise(inputs, self.stddev, self._next_seed())

    def get_config(self):
        config = super().get_config()
        config.update({"stddev": self.stddev, "seed": self.seed})
        return config


class GaussianDropout(_Seeded):
    """Multiplies by Gaussian noise of mean 1 and variance rate / (1 - rate)."""

    def __init__(self, rate, seed=None, **kwargs):
        super().__init__(seed=seed, **kwargs)
        self.rate = _rate("GaussianDropout", rate)

    def call(self, inputs, training=None):
        if not training or self.rate == 0:
            return inputs
        return noise.gaussian_dropout(inputs, self.rate, self._next_seed())

    def get_config(self):
        config = super().get_config()
        config.update({"rate": self.rate, "seed": self.seed})
        return config


class AlphaDropout(_Seeded):
    """Dropout for SELU networks: keeps the inputs' mean and variance."""

    def __init__(self, rate, noise_shape=None, seed=None, **kwargs):
        super().__init__(seed=seed, **kwargs)
        self.rate = _rate("AlphaDropout", rate)
        self.noise_shape = None if noise_shape is None else tuple(noise_shape)

    def call(self, inputs, training=None):
        if not training or self.rate == 0:
            return inputs
        return noise.alpha_dropout(inputs, self.rate, self.noise_shape, self._next_seed())

    def get_config(self):
        config = super().get_config()
        config.update({"rate": self.rate, "noise_shape": self.noise_shape,
                       "seed": self.seed})
        return config


class ActivityRegularization(Layer):
    """Identity that adds l1 * sum(|x|) + l2 * sum(x ** 2) of its output
    (averaged over the batch) to the model's losses."""

    def __init__(self, l1=0.0, l2=0.0, **kwargs):
        kwargs.pop("activity_regularizer", None)
        try:
            reg = regularizers.L1L2(l1=l1, l2=l2)
        except (TypeError, ValueError) as err:
            raise ValueError(f"ActivityRegularization: {err}") from None
        super().__init__(activity_regularizer=reg, **kwargs)
        self.supports_masking = True
        self.l1, self.l2 = l1, l2

    def compute_output_shape(self, input_shape):
        return input_shape

    def _compute_output_dtype(self, input_dtypes):
        return input_dtypes if isinstance(input_dtypes, str) else input_dtypes[0]

    def get_config(self):
        config = super().get_config()
        config.update({"l1": self.l1, "l2": self.l2})
        return config
