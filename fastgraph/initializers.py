"""Weight initializers with tf-keras 2.x names, defaults and formulas.

An initializer is called as `init(shape, dtype=None)` and returns a NumPy
array (floatx unless `dtype` says otherwise).  Random ones draw from the
process-wide generator (`fastgraph.ops.random.get_rng()`, reseeded by
`set_seed`) unless built with a `seed`, which makes every call return the
same values, as a seeded tf-keras initializer does.
"""
import math

import numpy as np

from . import registry
from ._config import Configurable
from .autodiff import floatx
from .ops.random import get_rng


def _dtype(dtype):
    return np.dtype(dtype or floatx())


def _shape(shape):
    return tuple(int(d) for d in shape)


def _compute_fans(shape):
    """(fan_in, fan_out) as tf-keras: kernels (..., in, out) count the
    receptive field (the leading axes) in both."""
    if len(shape) < 1:
        return 1, 1
    if len(shape) == 1:
        return shape[0], shape[0]
    if len(shape) == 2:
        return shape[0], shape[1]
    receptive = math.prod(shape[:-2])
    return shape[-2] * receptive, shape[-1] * receptive


class Initializer(Configurable):
    """Base class: subclasses implement `__call__(shape, dtype=None)`."""


class _Random(Initializer):
    """An initializer whose values come from a generator."""

    def __init__(self, seed=None):
        self.seed = seed

    def _rng(self):
        return get_rng() if self.seed is None else np.random.default_rng(self.seed)

    def _float(self, dtype, who):
        dtype = _dtype(dtype)
        if dtype.kind != "f":
            raise TypeError(f"{who}: expected a float dtype, got {dtype}")
        return dtype

    def _truncated(self, rng, shape, mean, stddev, dtype):
        """Normal values, those beyond two standard deviations redrawn."""
        x = rng.standard_normal(shape, dtype=np.float32)
        bad = np.abs(x) > 2.0
        while bad.any():
            x[bad] = rng.standard_normal(int(bad.sum()), dtype=np.float32)
            bad = np.abs(x) > 2.0
        return (x * stddev + mean).astype(dtype, copy=False)

    def get_config(self):
        return {"seed": self.seed}


class Zeros(Initializer):
    """All zeros."""

    def __call__(self, shape, dtype=None):
        return np.zeros(_shape(shape), dtype=_dtype(dtype))


class Ones(Initializer):
    """All ones."""

    def __call__(self, shape, dtype=None):
        return np.ones(_shape(shape), dtype=_dtype(dtype))


class Constant(Initializer):
    """Every value equal to `value`."""

    def __init__(self, value=0):
        self.value = value

    def __call__(self, shape, dtype=None):
        return np.full(_shape(shape), self.value, dtype=_dtype(dtype))

    def get_config(self):
        return {"value": self.value}


class RandomNormal(_Random):
    """Normal with `mean` and `stddev`."""

    def __init__(self, mean=0.0, stddev=0.05, seed=None):
        super().__init__(seed)
        self.mean, self.stddev = mean, stddev

    def __call__(self, shape, dtype=None):
        dtype = self._float(dtype, "RandomNormal")
        x = self._rng().standard_normal(_shape(shape), dtype=np.float32)
        return (x * self.stddev + self.mean).astype(dtype, copy=False)

    def get_config(self):
        return {"mean": self.mean, "stddev": self.stddev, "seed": self.seed}


class RandomUniform(_Random):
    """Uniform on [minval, maxval)."""

    def __init__(self, minval=-0.05, maxval=0.05, seed=None):
        super().__init__(seed)
        self.minval, self.maxval = minval, maxval

    def __call__(self, shape, dtype=None):
        dtype = self._float(dtype, "RandomUniform")
        x = self._rng().random(_shape(shape), dtype=np.float32)
        x *= self.maxval - self.minval
        x += self.minval
        return x.astype(dtype, copy=False)

    def get_config(self):
        return {"minval": self.minval, "maxval": self.maxval, "seed": self.seed}


class TruncatedNormal(_Random):
    """Normal with `mean` and `stddev`, values beyond 2 stddev redrawn."""

    def __init__(self, mean=0.0, stddev=0.05, seed=None):
        super().__init__(seed)
        self.mean, self.stddev = mean, stddev

    def __call__(self, shape, dtype=None):
        dtype = self._float(dtype, "TruncatedNormal")
        return self._truncated(self._rng(), _shape(shape), self.mean, self.stddev, dtype)

    def get_config(self):
        return {"mean": self.mean, "stddev": self.stddev, "seed": self.seed}


class VarianceScaling(_Random):
    """Values scaled to the kernel's fans: variance `scale / n`, n the fan
    chosen by `mode` ('fan_in', 'fan_out', 'fan_avg'), drawn from
    `distribution` ('truncated_normal', 'untruncated_normal' or 'normal',
    'uniform')."""

    _MODES = ("fan_in", "fan_out", "fan_avg")
    _DISTRIBUTIONS = ("normal", "uniform", "truncated_normal", "untruncated_normal")

    def __init__(self, scale=1.0, mode="fan_in", distribution="truncated_normal",
                 seed=None):
        super().__init__(seed)
        if scale <= 0.0:
            raise ValueError(f"VarianceScaling: scale must be a positive float, got {scale}")
        if mode not in self._MODES:
            raise ValueError(f"VarianceScaling: mode must be one of {self._MODES}, "
                             f"got {mode!r}")
        distribution = distribution.lower()
        if distribution not in self._DISTRIBUTIONS:
            raise ValueError(f"VarianceScaling: distribution must be one of "
                             f"{self._DISTRIBUTIONS}, got {distribution!r}")
        self.scale, self.mode, self.distribution = scale, mode, distribution

    def __call__(self, shape, dtype=None):
        dtype = self._float(dtype, type(self).__name__)
        shape = _shape(shape)
        fan_in, fan_out = _compute_fans(shape)
        n = {"fan_in": fan_in, "fan_out": fan_out,
             "fan_avg": (fan_in + fan_out) / 2.0}[self.mode]
        scale = self.scale / max(1.0, n)
        rng = self._rng()
        if self.distribution == "truncated_normal":
            # 0.8796... is the stddev of a unit normal truncated to [-2, 2].
            stddev = math.sqrt(scale) / 0.87962566103423978
            return self._truncated(rng, shape, 0.0, stddev, dtype)
        if self.distribution == "uniform":
            limit = math.sqrt(3.0 * scale)
            x = rng.random(shape, dtype=np.float32)
            x *= 2 * limit          # in place: kernels can be 100M+ values
            x -= limit
            return x.astype(dtype, copy=False)
        x = rng.standard_normal(shape, dtype=np.float32)
        x *= math.sqrt(scale)
        return x.astype(dtype, copy=False)

    def get_config(self):
        return {"scale": self.scale, "mode": self.mode,
                "distribution": self.distribution, "seed": self.seed}


class _Preset(VarianceScaling):
    """A VarianceScaling with fixed arguments `_ARGS` (scale, mode,
    distribution); its config is the seed only."""

    def __init__(self, seed=None):
        scale, mode, distribution = self._ARGS
        super().__init__(scale, mode, distribution, seed)

    def get_config(self):
        return {"seed": self.seed}


class GlorotUniform(_Preset):
    """Uniform with limit sqrt(6 / (fan_in + fan_out)) (Keras's default)."""
    _ARGS = (1.0, "fan_avg", "uniform")


class GlorotNormal(_Preset):
    """Truncated normal with stddev sqrt(2 / (fan_in + fan_out))."""
    _ARGS = (1.0, "fan_avg", "truncated_normal")


class HeNormal(_Preset):
    """Truncated normal with stddev sqrt(2 / fan_in)."""
    _ARGS = (2.0, "fan_in", "truncated_normal")


class HeUniform(_Preset):
    """Uniform with limit sqrt(6 / fan_in)."""
    _ARGS = (2.0, "fan_in", "uniform")


class LecunNormal(_Preset):
    """Truncated normal with stddev sqrt(1 / fan_in)."""
    _ARGS = (1.0, "fan_in", "truncated_normal")


class LecunUniform(_Preset):
    """Uniform with limit sqrt(3 / fan_in)."""
    _ARGS = (1.0, "fan_in", "uniform")


class Orthogonal(_Random):
    """A (semi-)orthogonal matrix times `gain`, over the flattened
    (prod(shape[:-1]), shape[-1]) view of the shape."""

    def __init__(self, gain=1.0, seed=None):
        super().__init__(seed)
        self.gain = gain

    def __call__(self, shape, dtype=None):
        dtype = self._float(dtype, "Orthogonal")
        shape = _shape(shape)
        if len(shape) < 2:
            raise ValueError(f"Orthogonal: the shape must have at least 2 "
                             f"dimensions, got {shape}")
        rows, cols = math.prod(shape[:-1]), shape[-1]
        a = self._rng().standard_normal((max(rows, cols), min(rows, cols)))
        q, r = np.linalg.qr(a)
        q *= np.sign(np.diag(r))
        if rows < cols:
            q = q.T
        return (self.gain * q).reshape(shape).astype(dtype)

    def get_config(self):
        return {"gain": self.gain, "seed": self.seed}


class Identity(Initializer):
    """`gain` times the identity matrix (2-D shapes only)."""

    def __init__(self, gain=1.0):
        self.gain = gain

    def __call__(self, shape, dtype=None):
        shape = _shape(shape)
        if len(shape) != 2:
            raise ValueError(f"Identity: the shape must be 2-D, got {shape}")
        return (self.gain * np.eye(*shape)).astype(_dtype(dtype))

    def get_config(self):
        return {"gain": self.gain}


zeros = zero = Zeros
ones = one = Ones
constant = Constant
random_normal = normal = RandomNormal
random_uniform = uniform = RandomUniform
truncated_normal = TruncatedNormal
variance_scaling = VarianceScaling
glorot_uniform = GlorotUniform
glorot_normal = GlorotNormal
he_normal = HeNormal
he_uniform = HeUniform
lecun_normal = LecunNormal
lecun_uniform = LecunUniform
orthogonal = Orthogonal
identity = Identity

registry.set_base("initializer", Initializer)
for _name, _cls in list(globals().items()):
    if isinstance(_cls, type) and issubclass(_cls, Initializer) \
            and not _name.startswith("_") and _cls is not Initializer:
        registry.register_builtin("initializer", _cls, _name)


def serialize(initializer):
    """Keras-style config: {'class_name': ..., 'config': {...}}."""
    return registry.serialize(initializer)


def deserialize(config, custom_objects=None):
    """An initializer from a name or a {'class_name', 'config'} dict."""
    return registry.deserialize("initializer", config, custom_objects)


def get(identifier, custom_objects=None):
    """An initializer from None, a name ('glorot_uniform' or
    'GlorotUniform'), a config dict, an Initializer class or a callable."""
    return registry.get("initializer", identifier, custom_objects)
