"""Keras backend control flow (tf-keras 2.x signatures): rnn, map_fn, foldl,
foldr.

They run the user's function eagerly, step by step, on slices of the input
taken with differentiable ops, and stack the results with differentiable
ops: the tape records every step, so gradients flow through the loop to
the inputs, the initial states, the constants and any variable the function
reads.  The slices are cut by repeated halving, so their backward writes
the input's size log2(time steps) times, not once per step.
"""
import numbers

import numpy as np

from ..autodiff import Tensor
from ..ops import elementwise as _ew
from ..ops import shape as _sh
from . import _check

__all__ = ["foldl", "foldr", "map_fn", "rnn"]


def _flat(fn, name, value):
    """(list of Tensors, was it a list/tuple) for a tensor or a flat
    list/tuple of tensors."""
    if isinstance(value, (list, tuple)) and value and not isinstance(
            value[0], numbers.Number):
        return [_check.tensor(fn, f"{name}[{i}]", v) for i, v in enumerate(value)], True
    return [_check.tensor(fn, name, value)], False


def _pack(items, nested):
    return tuple(items) if nested else items[0]


def _unstack(x, axis=0):
    """x's slices along `axis`, each a Tensor on the tape, cut by halving
    (views forward; backward, each level of halves writes x's size once)."""
    lead = (slice(None),) * axis
    n = x.shape[axis]
    if n < 2:
        return [_sh.getitem(x, lead + (0,))] if n else []
    mid = n // 2
    return (_unstack(_sh.getitem(x, lead + (slice(0, mid),)), axis)
            + _unstack(_sh.getitem(x, lead + (slice(mid, None),)), axis))


def _result(fn, value):
    if isinstance(value, Tensor):
        return value
    return _check.tensor(fn, "the function's result", value)


def _expand_mask(mask_t, ref):
    """A (batch,) or (batch, 1...) bool mask shaped to broadcast against ref."""
    return mask_t.reshape(mask_t.shape[0], -1)[:, 0].reshape(
        (mask_t.shape[0],) + (1,) * (ref.ndim - 1))


def rnn(step_function, inputs, initial_states, go_backwards=False, mask=None,
        constants=None, unroll=False, input_length=None, time_major=False,
        zero_output_for_mask=False, return_all_outputs=True):
    """Iterate `step_function(input_t, states + constants) -> (output_t,
    new_states)` over the time axis of `inputs` (batch, time, ...) (time
    first with time_major); returns (last_output, outputs, new_states).

    With `mask` (batch, time) a masked step keeps the previous states and
    outputs the previous output (zeros with zero_output_for_mask); an
    `input_length` array of per-sample lengths (and no mask) masks the steps
    past each length.  go_backwards runs from the last step, and `outputs`
    stays in that order.  `unroll` changes nothing here: every loop runs
    eagerly.
    """
    fn = "rnn"
    if not callable(step_function):
        raise TypeError(f"{fn}: step_function must be callable, got "
                        f"{type(step_function).__name__}")
    flat_in, nested = _flat(fn, "inputs", inputs)
    for i, x in enumerate(flat_in):
        if x.ndim < 3:
            raise ValueError(f"{fn}: inputs must have rank >= 3 (batch, time, ...), "
                             f"got shape {x.shape}")
    time_axis = 0 if time_major else 1
    steps = flat_in[0].shape[time_axis]
    if any(x.shape[time_axis] != steps for x in flat_in):
        raise ValueError(f"{fn}: every input needs {steps} time steps, got shapes "
                         f"{[x.shape for x in flat_in]}")
    if steps == 0:
        raise ValueError(f"{fn}: inputs have no time steps")
    states = [_check.tensor(fn, f"initial_states[{i}]", s)
              for i, s in enumerate(initial_states or [])]
    constants = [_check.tensor(fn, f"constants[{i}]", c)
                 for i, c in enumerate(constants or [])]
    masks = _step_masks(fn, mask, input_length, steps, time_major, go_backwards,
                        flat_in[0].shape[1 - time_axis])
    if masks is not None and not states:
        raise ValueError(f"{fn}: a mask needs at least one state")
    sliced = [_unstack(x, time_axis) for x in flat_in]
    order = range(steps - 1, -1, -1) if go_backwards else range(steps)
    outputs, prev = [], None
    for n, t in enumerate(order):
        out, new_states = step_function(_pack([s[t] for s in sliced], nested),
                                        list(states) + constants)
        out = _result(fn, out)
        new_states = [_result(fn, s) for s in (new_states if isinstance(
            new_states, (list, tuple)) else [new_states])]
        if len(new_states) != len(states):
            raise ValueError(f"{fn}: step_function returned {len(new_states)} "
                             f"states, expected {len(states)}")
        if masks is not None:
            m = masks[n]
            keep = Tensor(np.zeros_like(out.data)) if zero_output_for_mask or prev is None else prev
            out = _ew.where(_expand_mask(m, out), out, keep)
            new_states = [_ew.where(_expand_mask(m, s), s, old)
                          for s, old in zip(new_states, states)]
        states, prev = new_states, out
        outputs.append(out)
    if not return_all_outputs:
        outputs = outputs[-1:]
    stacked = _sh.stack(outputs, axis=time_axis)
    return outputs[-1], stacked, list(states)


def _step_masks(fn, mask, input_length, steps, time_major, go_backwards, batch):
    """One bool (batch, ...) array per step in the order the steps run, or None."""
    if mask is not None:
        m = np.asarray(mask.data if isinstance(mask, Tensor) else mask).astype(bool)
        if m.ndim < 2:
            raise ValueError(f"{fn}: mask must be (batch, time) or (batch, time, 1), "
                             f"got shape {m.shape}")
        if time_major:
            m = np.swapaxes(m, 0, 1)
        if m.shape[:2] != (batch, steps):
            raise ValueError(f"{fn}: mask shape {m.shape} does not match the "
                             f"(batch, time) of the inputs, ({batch}, {steps})")
        order = range(steps - 1, -1, -1) if go_backwards else range(steps)
        return [m[:, t] for t in order]
    if input_length is None or isinstance(input_length, numbers.Integral):
        return None
    lengths = np.asarray(input_length.data if isinstance(input_length, Tensor)
                         else input_length).reshape(-1)
    if lengths.shape != (batch,):
        raise ValueError(f"{fn}: input_length must hold one length per sample "
                         f"({batch}), got shape {lengths.shape}")
    if go_backwards:
        rev = lengths.max() - 1 - lengths
        return [rev < t for t in range(steps)]
    return [lengths > t for t in range(steps)]


def _elements(fn, elems):
    flat, nested = _flat(fn, "elems", elems)
    n = flat[0].shape[0] if flat[0].ndim else 0
    if any(x.ndim == 0 or x.shape[0] != n for x in flat):
        raise ValueError(f"{fn}: elems must share a first axis to iterate over, "
                         f"got shapes {[x.shape for x in flat]}")
    sliced = [_unstack(x) for x in flat]
    return [_pack([s[i] for s in sliced], nested) for i in range(n)]


def map_fn(fn, elems, name=None, dtype=None):
    """fn applied to each slice of `elems` along its first axis, the results
    stacked (cast to `dtype` when given)."""
    if not callable(fn):
        raise TypeError(f"map_fn: fn must be callable, got {type(fn).__name__}")
    items = _elements("map_fn", elems)
    if not items:
        raise ValueError("map_fn: elems has no elements to map over")
    results = [_result("map_fn", fn(item)) for item in items]
    if dtype is not None:
        results = [_ew.cast(r, dtype) for r in results]
    return _sh.stack(results, axis=0)


def _fold(op, fn, items, initializer):
    if not callable(fn):
        raise TypeError(f"{op}: fn must be callable, got {type(fn).__name__}")
    if initializer is None:
        if not items:
            raise ValueError(f"{op}: elems is empty and there is no initializer")
        acc, items = items[0], items[1:]
    else:
        acc = initializer if isinstance(initializer, (list, tuple)) else \
            _check.tensor(op, "initializer", initializer)
    for item in items:
        acc = fn(acc, item)
        if not isinstance(acc, (list, tuple)):
            acc = _result(op, acc)
    return acc


def foldl(fn, elems, initializer=None, name=None):
    """fn(acc, x) over the slices of `elems` from first to last, starting
    from `initializer` (elems[0] when None)."""
    return _fold("foldl", fn, _elements("foldl", elems), initializer)


def foldr(fn, elems, initializer=None, name=None):
    """fn(acc, x) over the slices of `elems` from last to first, starting
    from `initializer` (elems[-1] when None)."""
    return _fold("foldr", fn, _elements("foldr", elems)[::-1], initializer)
