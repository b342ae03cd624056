"""Keras backend math: ranges, trigonometry, running sums and products, and
random tensors and variables (tf-keras 2.x `keras.backend` signatures)."""
import numbers

import numpy as np

from ..autodiff import Tensor, Variable, floatx
from ..ops import random as _random
from ..ops import scan as _scan
from ..ops import trig as _trig
from . import _check

__all__ = ["arange", "cos", "cumprod", "cumsum", "random_bernoulli",
           "random_normal_variable", "random_uniform_variable", "sin",
           "truncated_normal"]


def arange(start, stop=None, step=1, dtype="int32"):
    """A 1-D tensor start, start + step, ... below stop (one argument: the
    stop, from 0; a negative one gives an empty tensor).  As tf.range, the
    values are int32 when every bound is an int, float32 otherwise, and are
    cast only when `dtype` is not 'int32'."""
    bounds = []
    for name, v in (("start", start), ("stop", stop), ("step", step)):
        if isinstance(v, (Tensor, np.ndarray)) and np.ndim(v) == 0:
            v = np.asarray(v).item()        # e.g. K.shape(x)[0] as a 0-d tensor
        if v is not None and (isinstance(v, bool) or not isinstance(v, numbers.Real)):
            raise TypeError(f"arange: {name} must be a number, got {v!r}")
        bounds.append(v)
    start, stop, step = bounds
    if stop is None:
        start, stop = 0, max(start, 0)
    if step == 0:
        raise ValueError("arange: step must not be 0")
    ints = all(isinstance(v, numbers.Integral) for v in (start, stop, step))
    values = np.arange(start, stop, step, dtype=np.int32 if ints else np.float32)
    return Tensor(values if dtype == "int32" else values.astype(dtype))


def sin(x):
    """Elementwise sine."""
    return _trig.sin(_check.tensor("sin", "x", x))


def cos(x):
    """Elementwise cosine."""
    return _trig.cos(_check.tensor("cos", "x", x))


def cumsum(x, axis=0):
    """Running sum of x along `axis`."""
    return _scan.cumsum(_check.tensor("cumsum", "x", x), axis)


def cumprod(x, axis=0):
    """Running product of x along `axis` (its gradient exact at zeros)."""
    return _scan.cumprod(_check.tensor("cumprod", "x", x), axis)


def _rng(seed):
    return _random.get_rng() if seed is None else np.random.default_rng(seed)


def _dtype(fn, dtype):
    dtype = np.dtype(floatx() if dtype is None else dtype)
    if dtype.kind != "f":
        raise TypeError(f"{fn}: dtype must be a float type, got {dtype}")
    return dtype


def random_uniform_variable(shape, low, high, dtype=None, name=None, seed=None):
    """A Variable of uniform samples in [low, high)."""
    fn = "random_uniform_variable"
    values = _rng(seed).uniform(low, high, _check.shape(fn, shape))
    return Variable(values, dtype=_dtype(fn, dtype), name=name)


def random_normal_variable(shape, mean, scale, dtype=None, name=None, seed=None):
    """A Variable of normal samples of mean `mean` and deviation `scale`."""
    fn = "random_normal_variable"
    values = _rng(seed).normal(mean, scale, _check.shape(fn, shape))
    return Variable(values, dtype=_dtype(fn, dtype), name=name)


def random_bernoulli(shape, p=0.0, dtype=None, seed=None):
    """A Tensor of 1 with probability p and 0 otherwise (uniform <= p, as
    tf-keras draws it)."""
    fn = "random_bernoulli"
    u = _rng(seed).random(_check.shape(fn, shape))
    return Tensor((u <= p).astype(_dtype(fn, dtype)))


def truncated_normal(shape, mean=0.0, stddev=1.0, dtype=None, seed=None):
    """A Tensor of normal samples, those beyond two deviations from the
    mean drawn again (tf.random.truncated_normal)."""
    fn = "truncated_normal"
    rng = _rng(seed)
    z = rng.standard_normal(_check.shape(fn, shape))
    bad = np.abs(z) > 2.0
    while bad.any():
        z[bad] = rng.standard_normal(int(bad.sum()))
        bad = np.abs(z) > 2.0
    return Tensor((mean + stddev * z).astype(_dtype(fn, dtype)))
