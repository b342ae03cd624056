"""Training noise: additive and multiplicative Gaussian noise, and alpha
dropout (which keeps SELU's self-normalizing mean and variance).

Each draws from `seed` when given, else from the process-wide generator
(ops.random.get_rng), and is one op whose gradient is the input's
multiplier (1, the noise, or a * kept).
"""
import math
import numbers

import numpy as np

from ..autodiff import output
from ._common import float_input
from .random import _noise_shape, get_rng

_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


def _rng(seed):
    return get_rng() if seed is None else np.random.default_rng(seed)


def _rate(op, rate):
    if isinstance(rate, bool) or not isinstance(rate, numbers.Real) or not 0 <= rate < 1:
        raise ValueError(f"{op}: rate must be a number in [0, 1), got {rate!r}")
    return float(rate)


def gaussian_noise(x, stddev, seed=None):
    """x + N(0, stddev^2) noise."""
    op = "gaussian_noise"
    if isinstance(stddev, bool) or not isinstance(stddev, numbers.Real) \
            or not stddev >= 0 or math.isinf(stddev):
        raise ValueError(f"{op}: stddev must be a finite number >= 0, got {stddev!r}")
    x = float_input(x, op)
    noise = _rng(seed).standard_normal(x.shape, dtype=x.dtype)
    noise *= x.dtype.type(stddev)
    noise += x.data

    def backward(g):
        return (g,)
    return output(noise, (x,), backward)


def gaussian_dropout(x, rate, seed=None):
    """x * N(1, rate / (1 - rate)) noise (rate 0 returns x)."""
    op = "gaussian_dropout"
    rate = _rate(op, rate)
    x = float_input(x, op)
    if rate == 0:
        return x
    mult = _rng(seed).standard_normal(x.shape, dtype=x.dtype)
    mult *= x.dtype.type(math.sqrt(rate / (1.0 - rate)))
    mult += 1

    def backward(g):
        return (g * mult,)
    return output(x.data * mult, (x,), backward)


def alpha_dropout(x, rate, noise_shape=None, seed=None):
    """tf-keras's AlphaDropout: dropped entries are set to SELU's negative
    saturation value, then all are scaled and shifted by a and b so that
    mean and variance are kept (rate 0 returns x).  `noise_shape` shares
    the draw along its size-1 axes, as for dropout."""
    op = "alpha_dropout"
    rate = _rate(op, rate)
    x = float_input(x, op)
    if rate == 0:
        return x
    shape = _noise_shape(noise_shape, x.shape)
    kept = _rng(seed).random(shape) >= rate
    alpha_p = -_SELU_ALPHA * _SELU_SCALE
    a = ((1 - rate) * (1 + rate * alpha_p ** 2)) ** -0.5
    b = -a * alpha_p * rate
    mult = (kept * a).astype(x.dtype)
    shift = ((~kept) * (a * alpha_p) + b).astype(x.dtype)

    def backward(g):
        return (g * mult,)
    return output(x.data * mult + shift, (x,), backward)
