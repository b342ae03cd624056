"""The process-wide random generator, and dropout drawn from it."""
import numbers

import numpy as np

from ..autodiff import as_tensor, output
from .._kernels import load
from ._common import check_float

_k = load("dropout")
_state = {"rng": np.random.default_rng()}


def set_seed(seed):
    """Reseed the generator behind dropout and the weight initializers.

    `seed` is a non-negative int (or None for fresh OS entropy).
    """
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, numbers.Integral)
                             or seed < 0):
        raise ValueError(f"set_seed: seed must be a non-negative integer or None, "
                         f"got {seed!r}")
    _state["rng"] = np.random.default_rng(None if seed is None else int(seed))


def get_rng():
    """The current process-wide np.random.Generator (replaced by set_seed)."""
    return _state["rng"]


def _noise_shape(noise_shape, shape):
    if noise_shape is None:
        return shape
    noise_shape = tuple(noise_shape)
    if len(noise_shape) != len(shape):
        raise ValueError(f"dropout: noise_shape must have {len(shape)} entries like "
                         f"the input shape {shape}, got {noise_shape}")
    filled = tuple(d if n is None else int(n) for n, d in zip(noise_shape, shape))
    for n, d in zip(filled, shape):
        if n != 1 and n != d:
            raise ValueError(f"dropout: noise_shape {noise_shape} does not broadcast "
                             f"to the input shape {shape}; each entry must be None, "
                             f"1 or the input's size")
    return filled


def dropout(x, rate, noise_shape=None, seed=None):
    """Inverted dropout: zero each element with probability `rate`, scale the rest by 1/(1-rate).

    `noise_shape` (Keras semantics, None entries taken from x) shares one draw
    along its size-1 axes; `seed` fixes the mask, otherwise it comes from
    get_rng().  Rate 0 returns `x` itself.
    """
    if isinstance(rate, bool) or not isinstance(rate, numbers.Real) or not 0 <= rate < 1:
        raise ValueError(f"dropout: rate must be a number in [0, 1), got {rate!r}")
    x = as_tensor(x)
    if rate == 0:
        return x
    xd = x.data
    check_float("dropout", "x", xd)
    shape = _noise_shape(noise_shape, xd.shape)
    rng = get_rng() if seed is None else np.random.default_rng(seed)
    key = int(rng.integers(0, 2 ** 64, dtype=np.uint64))
    threshold = min(int(float(rate) * 2.0 ** 32), 2 ** 32 - 1)
    scale = 1.0 / (1.0 - float(rate))
    if shape == xd.shape:
        y, mask = _k.dropout(np.ascontiguousarray(xd), key, threshold, scale)

        def backward(g):
            return (_k.backward(np.ascontiguousarray(g, dtype=xd.dtype), mask, scale),)
    else:
        mult = _k.mask(shape, key, threshold).astype(xd.dtype)
        mult *= scale
        y = xd * mult

        def backward(g):
            return (g * mult,)

    return output(y, (x,), backward)
