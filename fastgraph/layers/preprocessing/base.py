"""What the preprocessing layers share: `adapt` (the PreprocessingLayer
contract of tf-keras: reset_state, update_state per batch, finalize_state),
the refusal of gradients through layers that have none, and argument checks."""
import numbers

import numpy as np

from ...autodiff import Tensor, is_recording
from ...engine.dtypes import STRING, as_strings, is_string_array
from ...engine.layer import Layer
from ...utils import Sequence


def values(x):
    """The array behind a Tensor or array-like (strings as object arrays)."""
    a = x.data if isinstance(x, Tensor) else np.asarray(x)
    return as_strings(a) if is_string_array(a) else a


def no_gradient(layer, x):
    """Raise when `x` needs a gradient that `layer` cannot give (its output
    is integer ids, strings or hashes): a silent zero gradient would train
    nothing upstream without saying so."""
    for t in x if isinstance(x, (list, tuple)) else [x]:
        if isinstance(t, Tensor) and t.requires_grad and is_recording():
            raise ValueError(f'Layer "{layer.name}" ({type(layer).__name__}) has no '
                             f'gradient: its input comes from trainable weights, but '
                             f'its output is discrete. Put it before the trainable '
                             f'layers (preprocessing), or stop the gradient.')


def check_choice(layer, arg, value, allowed):
    if value not in allowed:
        raise ValueError(f"{layer}: `{arg}` must be one of {list(allowed)}, got "
                         f"{value!r}")


def check_positive_int(layer, arg, value, allow_none=False, minimum=1):
    if value is None and allow_none:
        return None
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) \
            or value < minimum:
        raise ValueError(f"{layer}: `{arg}` must be an integer >= {minimum}, got "
                         f"{value!r}")
    return int(value)


def batches(data, batch_size=None, steps=None):
    """The batches `adapt` reads: arrays and lists are cut into batches of
    `batch_size` (32) along the first axis, as tf-keras does; a Sequence or
    any iterable yields its own batches (the inputs of (x, y) pairs)."""
    if isinstance(data, Tensor):
        data = data.data
    if isinstance(data, (np.ndarray, list, tuple, str, bytes, numbers.Number)):
        a = np.asarray(data)
        if a.dtype.kind in "USO":
            a = as_strings(a, "adapt data")
        if a.ndim == 0:
            yield a[None]
            return
        size = 32 if batch_size is None else int(batch_size)
        n = -(-len(a) // size)
        for i in range(n if steps is None else min(n, int(steps))):
            yield a[i * size:(i + 1) * size]
        return
    if isinstance(data, Sequence):
        source = (data[i] for i in range(len(data)))
    elif hasattr(data, "__iter__"):
        source = iter(data)
    else:
        raise TypeError(f"adapt: data must be an array, a list, a "
                        f"fastgraph.utils.Sequence or an iterable of batches, got "
                        f"{type(data).__name__}")
    for i, batch in enumerate(source):
        if steps is not None and i >= steps:
            break
        if isinstance(batch, tuple):
            batch = batch[0]
        batch = np.asarray(batch.data if isinstance(batch, Tensor) else batch)
        yield as_strings(batch, "adapt data") if batch.dtype.kind in "USO" else batch


class PreprocessingLayer(Layer):
    """A layer whose state is computed from data by `adapt` (tf-keras's
    PreprocessingLayer): `adapt(data, batch_size=None, steps=None)` resets
    the state, feeds every batch to `update_state` and ends with
    `finalize_state`; `is_adapted` says whether it ran."""

    _adapt_dtype = None

    def adapt(self, data, batch_size=None, steps=None):
        """Compute the layer's state from `data` (array, list, Sequence or
        iterable of batches)."""
        if steps is not None:
            check_positive_int(type(self).__name__, "steps", steps)
        self.reset_state()
        seen = False
        for batch in batches(data, batch_size, steps):
            if not self.built:
                shape = (None,) + tuple(batch.shape[1:])
                self._maybe_build(shape, STRING if batch.dtype == object
                                  else str(batch.dtype))
            self.update_state(batch)
            seen = True
        if not seen:
            raise ValueError(f'Layer "{self.name}": adapt received no data')
        self.finalize_state()
        self._is_adapted = True

    @property
    def is_adapted(self):
        """True once `adapt` has run."""
        return getattr(self, "_is_adapted", False)

    def update_state(self, data):
        """Accumulate statistics of one batch (subclasses)."""
        raise TypeError(f"{type(self).__name__} cannot be adapted")

    def finalize_state(self):
        """Turn the accumulated statistics into the layer's state."""

    def reset_state(self):
        """Forget the accumulated statistics."""
