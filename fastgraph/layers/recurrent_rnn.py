"""RNN: a recurrent layer over any cell, as tf-keras 2's RNN: masks,
go_backwards, time_major, initial_state and constants (symbolic or
concrete), states kept from one batch to the next (stateful), and
return_sequences / return_state.

A cell that can (`cell.fuses(training)`: the built-in cells and stacks of
them) runs the whole sequence as one fused op; any other cell runs one
step at a time, its `call` made of differentiable ops, under Keras's
masking rule: a masked step keeps the states and repeats the previous
output (zero before the first step).
"""
import numpy as np

from ..autodiff import Tensor, Variable, as_array, as_tensor
from ..engine.layer import InputSpec, Layer, is_shape
from ..engine.node import KerasTensor
from ..engine.serialization import deserialize_layer, serialize_layer
from ..ops import elementwise as E
from ..ops import shape as S
from .recurrent_cell_base import (_BuiltinCell, build_sublayer, flatten_states,
                                  output_dims, pack_states, state_shapes, zero_states)
from .recurrent_stacked import StackedRNNCells, accepts, check_cell

NEED_BATCH = ("If a RNN is stateful, it needs to know its batch size. Specify the "
              "batch size of your input tensors: \n- If using a Sequential model, "
              "specify the batch size by passing a `batch_input_shape` argument to "
              "your first layer.\n- If using the functional API, specify the batch "
              "size by passing a `batch_shape` argument to your Input layer.")

_CONCRETE = (KerasTensor, Tensor, np.ndarray)


def _as_list(value):
    """None, or the states (nested per cell for a stack, as tf-keras takes
    them) as one flat list."""
    return None if value is None else flatten_states(value)


def split_inputs(layer, inputs, initial_state, constants=None, num_constants=0):
    """(inputs, states or None, constants or None) of a call given
    `[x, *states, *constants]` or the keyword arguments (tf-keras accepts
    both; the last `num_constants` of the list are constants)."""
    if isinstance(inputs, (list, tuple)) and inputs and all(
            isinstance(t, _CONCRETE) for t in inputs):
        if initial_state is not None or constants is not None:
            raise ValueError(f'Layer "{layer.name}": give the initial states (and '
                             f'constants) either in the inputs list or as keyword '
                             f'arguments, not both')
        rest = list(inputs[1:])
        cut = len(rest) - num_constants
        return inputs[0], (rest[:cut] or None), (rest[cut:] or None)
    return inputs, _as_list(initial_state), _as_list(constants)


def call_with_states(layer, base_call, x, states, constants, shapes, args, kwargs):
    """Call `layer` with initial states (each of shape (batch,) + shapes[i])
    and/or constants: symbolic ones join the inputs of the node (as
    tf-keras does, so the graph records them), with the input spec extended
    for the call; concrete ones go to call() as keyword arguments."""
    if states is not None and len(states) != len(shapes):
        raise ValueError(f'Layer "{layer.name}": initial_state must be a list of '
                         f'{len(shapes)} tensor(s) of shape(s) '
                         f'{[(None,) + s for s in shapes]}, got {len(states)}')
    extra = (states or []) + (constants or [])
    symbolic = [isinstance(t, KerasTensor) for t in [x] + extra]
    if not any(symbolic):
        if states is not None:
            kwargs = dict(kwargs, initial_state=states)
        if constants is not None:
            kwargs = dict(kwargs, constants=constants)
        return base_call(x, *args, **kwargs)
    if not all(symbolic):
        raise ValueError(f'Layer "{layer.name}": the inputs, the initial states and '
                         f'the constants must be all symbolic tensors (from Input or '
                         f'layer calls) or all concrete values, not a mix')
    layer._maybe_build(x.shape, x.dtype)
    saved = layer.input_spec
    specs = [InputSpec(shape=(None,) + s) for s in shapes] if states else []
    layer.input_spec = [saved] + specs + [None] * len(constants or [])
    try:
        return base_call([x] + extra, *args, **kwargs)
    finally:
        layer.input_spec = saved


def _keep_rows(mask, ndim):
    """A (batch,) or (batch, steps) bool mask shaped to broadcast over `ndim` dims."""
    return mask.reshape(mask.shape + (1,) * (ndim - mask.ndim))


class RNN(Layer):
    """A recurrent layer over `cell` (a cell, or a list of cells run as
    StackedRNNCells).  Outputs the last output, the whole sequence
    (`return_sequences`) and/or, with `return_state`, the final states
    after it.  `stateful=True` needs a known batch size (Input(batch_shape)
    or the layer's batch_input_shape / batch_size) and starts each batch
    from the states the previous one ended with, until reset_states()."""

    _input_ndim = None      # exact input rank required (None: at least 3)

    def __init__(self, cell, return_sequences=False, return_state=False,
                 go_backwards=False, stateful=False, unroll=False, time_major=False,
                 **kwargs):
        if isinstance(cell, (list, tuple)):
            cell = StackedRNNCells(cell)
        check_cell(cell, "Argument `cell`")
        self.zero_output_for_mask = bool(kwargs.pop("zero_output_for_mask", False))
        if "input_shape" not in kwargs and ("input_dim" in kwargs
                                            or "input_length" in kwargs):
            kwargs["input_shape"] = (kwargs.pop("input_length", None),
                                     kwargs.pop("input_dim", None))
        super().__init__(**kwargs)
        self.cell = cell
        self.return_sequences = bool(return_sequences)
        self.return_state = bool(return_state)
        self.go_backwards = bool(go_backwards)
        self.stateful = bool(stateful)
        self.unroll = bool(unroll)          # a speed hint in tf-keras; results equal
        self.time_major = bool(time_major)
        self.supports_masking = True
        self.input_spec = InputSpec(ndim=self._input_ndim) if self._input_ndim \
            else InputSpec(min_ndim=3)
        self._num_constants = 0
        self._states = None

    # ---------------------------------------------------------- shapes
    def _first_shape(self, input_shape):
        shape = tuple(input_shape if is_shape(input_shape) else input_shape[0])
        want = self._input_ndim
        if (want and len(shape) != want) or len(shape) < 3:
            expected = f"ndim={want}" if want else "min_ndim=3"
            raise ValueError(f'Input 0 of layer "{self.name}" is incompatible with the '
                             f'layer: expected {expected}, found ndim={len(shape)}. '
                             f'Full shape received: {shape}')
        return shape

    def _batch_steps(self, shape):
        return (shape[1], shape[0]) if self.time_major else (shape[0], shape[1])

    def _state_dims(self, input_shape):
        """Each state's shape without the batch, for inputs of `input_shape`."""
        return state_shapes(self.cell.state_size, f'Layer "{self.name}"')

    def _output_dims(self, input_shape):
        return output_dims(self.cell, f'Layer "{self.name}"')

    @property
    def _n_states(self):
        return len(state_shapes(self.cell.state_size, f'Layer "{self.name}"'))

    def build(self, input_shape):
        shape = self._first_shape(input_shape)
        batch, steps = self._batch_steps(shape)
        if self.unroll and steps is None:
            raise ValueError(f'Layer "{self.name}": cannot unroll a RNN if the time '
                             f'dimension is undefined: give the Input a `shape` (or '
                             f'the first layer an `input_shape`) with the number of '
                             f'timesteps')
        if self.stateful and batch is None:
            raise ValueError(NEED_BATCH)
        build_sublayer(self, self.cell, (batch,) + shape[2:])
        spec_batch = batch if self.stateful else None
        lead = (None, spec_batch) if self.time_major else (spec_batch, None)
        self.input_spec = InputSpec(shape=lead + shape[2:])
        self.built = True
        if self.stateful:
            self.reset_states()

    def compute_output_shape(self, input_shape):
        shape = self._first_shape(input_shape)
        batch, steps = self._batch_steps(shape)
        dims = self._output_dims(shape)
        if not self.return_sequences:
            out = (batch,) + dims
        elif self.time_major:
            out = (steps, batch) + dims
        else:
            out = (batch, steps) + dims
        if self.return_state:
            return [out] + [(batch,) + d for d in self._state_dims(shape)]
        return out

    def compute_mask(self, inputs, mask=None):
        if isinstance(mask, (list, tuple)):
            mask = mask[0]
        out = mask if self.return_sequences else None
        return [out] + [None] * self._n_states if self.return_state else out

    # ---------------------------------------------------------- calling
    def __call__(self, inputs, *args, initial_state=None, constants=None, **kwargs):
        x, states, constants = split_inputs(self, inputs, initial_state, constants,
                                            self._num_constants)
        if states is None and constants is None:
            return super().__call__(x, *args, **kwargs)
        if constants is not None:
            self._num_constants = len(constants)
        shape = x.shape if hasattr(x, "shape") else np.shape(x)
        return call_with_states(self, super().__call__, x, states, constants,
                                self._state_dims(tuple(shape)), args, kwargs)

    def get_initial_state(self, inputs):
        """The cell's initial states (zeros unless the cell says otherwise)
        for a batch of `inputs`, as a flat list."""
        x = as_tensor(inputs[0] if isinstance(inputs, (list, tuple)) else inputs)
        batch = x.shape[1] if self.time_major else x.shape[0]
        dtype = x.dtype if x.dtype.kind == "f" else np.dtype(self.dtype)
        return self._initial_states(batch, dtype, tuple(x.shape))

    def _initial_states(self, batch, dtype, input_shape):
        fn = getattr(self.cell, "get_initial_state", None)
        states = (fn(inputs=None, batch_size=batch, dtype=dtype) if fn
                  else zero_states(self.cell.state_size, batch_size=batch, dtype=dtype))
        return [as_tensor(s) for s in flatten_states(states)]

    def call(self, inputs, mask=None, training=None, initial_state=None, constants=None):
        x, states, constants = split_inputs(self, inputs, initial_state, constants,
                                            self._num_constants)
        if isinstance(mask, (list, tuple)):
            mask = mask[0]
        x = as_tensor(x)
        shape = self._first_shape(tuple(x.shape))
        dtype = np.dtype(self.dtype)
        if x.dtype.kind != "f":
            x = E.cast(x, dtype)
        if self.stateful:
            self._check_batch(shape)
        if self.time_major:
            x = S.transpose(x, (1, 0) + tuple(range(2, x.ndim)))
        N, T = x.shape[:2]
        mask = self._check_mask(mask, N, T)
        if states is not None:
            states = self._check_states(states, N, x.dtype, self._state_dims(shape))
        if self.stateful:
            states = self._held_states(states)
        for cell in [self.cell] + list(getattr(self.cell, "cells", [])):
            if isinstance(cell, _BuiltinCell):
                cell.reset_dropout_mask()
                cell.reset_recurrent_dropout_mask()
        training = bool(training)
        if constants is None and callable(getattr(self.cell, "fuses", None)) \
                and self.cell.fuses(training):
            outputs = self.cell.sequence(x, states, mask, self.go_backwards,
                                         self.return_sequences, training)
        else:
            if states is None:
                states = self._initial_states(N, x.dtype, shape)
            consts = None if constants is None else [as_tensor(c) for c in constants]
            outputs = self._run_steps(x, states, consts, mask, training)
        out, finals = outputs[0], list(outputs[1:])
        if self.stateful:
            for var, s in zip(self._states, finals):
                np.copyto(var.data, as_array(s), casting="same_kind")
        if self.zero_output_for_mask and mask is not None:
            done = mask[:, ::-1] if self.go_backwards else mask
            keep = done if self.return_sequences else done[:, -1]
            out = E.multiply(out, _keep_rows(keep, out.ndim).astype(out.dtype))
        if self.time_major and self.return_sequences:
            out = S.transpose(out, (1, 0) + tuple(range(2, out.ndim)))
        return [out] + finals if self.return_state else out

    def _check_mask(self, mask, N, T):
        if mask is None:
            return None
        mask = as_array(mask)
        mask = (mask.T if self.time_major else mask).astype(bool, copy=False)
        if mask.shape != (N, T):
            raise ValueError(f'Layer "{self.name}": the mask must have shape '
                             f'(batch, timesteps) = {(N, T)}, got {mask.shape}')
        return mask

    def _check_states(self, states, batch, dtype, dims):
        if states is None:
            return None
        if len(states) != len(dims):
            raise ValueError(f'Layer "{self.name}": initial_state must be a list of '
                             f'{len(dims)} tensor(s) of shape(s) '
                             f'{[(batch,) + d for d in dims]}, got {len(states)}')
        out = []
        for i, (s, d) in enumerate(zip(states, dims)):
            s = s if isinstance(s, Tensor) else Tensor(np.asarray(s, dtype=dtype))
            if s.shape != (batch,) + d:
                raise ValueError(f'Layer "{self.name}": initial_state[{i}] must have '
                                 f'shape {(batch,) + d}, got {s.shape}')
            out.append(s if s.dtype == dtype else E.cast(s, dtype))
        return out

    def _run_steps(self, x, states, constants, mask, training, step=None):
        """The sequence one step at a time: `cell.call`, or `step(x_t,
        states)` on the flat states when given."""
        cell, T = self.cell, x.shape[1]
        kwargs = {"training": training} if accepts(cell.call, "training") else {}
        if constants is not None:
            if not accepts(cell.call, "constants"):
                raise ValueError(f'Layer "{self.name}": the RNN cell {cell!r} does not '
                                 f'support constants (its call has no `constants` '
                                 f'argument)')
            kwargs["constants"] = constants
        checked = step is not None
        if step is None:
            own = getattr(cell, "step_function", None)
            first = x.data[:, 0]          # a step's inputs, for their shape and dtype
            step = own(first, training) if own is not None and constants is None \
                else None
            checked = step is not None
        if step is None:
            def step(xt, flat):
                return cell.call(xt, pack_states(cell.state_size, flat), **kwargs)
        prev, outs = None, []
        for t in (range(T - 1, -1, -1) if self.go_backwards else range(T)):
            out, new = step(S.getitem(x, (slice(None), t)), states)
            if not checked:         # a user cell: any structure, arrays or Tensors
                out, new = as_tensor(out), [as_tensor(s) for s in flatten_states(new)]
                if len(new) != len(states):
                    raise ValueError(f'Layer "{self.name}": the cell returned '
                                     f'{len(new)} state(s), its state_size has '
                                     f'{len(states)}')
            if mask is not None:
                if prev is None:
                    prev = Tensor(np.zeros(out.shape, dtype=out.dtype))
                if not mask[:, t].all():
                    keep = mask[:, t]
                    new = [E.where(_keep_rows(keep, a.ndim), a, b)
                           for a, b in zip(new, states)]
                    out = E.where(_keep_rows(keep, out.ndim), out, prev)
            states, prev = new, out
            if self.return_sequences:
                outs.append(out)
        return (S.stack(outs, axis=1) if self.return_sequences else prev, *states)

    # ---------------------------------------------------------- stateful
    @property
    def states(self):
        """The held states of a stateful layer (Variables), or Nones
        before it is built."""
        return list(self._states) if self._states is not None else [None] * self._n_states

    def _spec_batch(self):
        spec = self.input_spec[0] if isinstance(self.input_spec, list) else self.input_spec
        shape = getattr(spec, "shape", None)
        return shape, (None if shape is None else self._batch_steps(shape)[0])

    def _check_batch(self, shape):
        spec_shape, batch = self._spec_batch()
        if self._batch_steps(shape)[0] != batch:
            raise ValueError(f'Input 0 of layer "{self.name}" is incompatible with the '
                             f'layer: expected shape={spec_shape}, found shape={shape}')

    def _held_states(self, given):
        """The states a stateful call starts from: the held ones, or the
        given initial_state while every held state is zero (tf-keras)."""
        if given is not None and not any(np.any(v.data) for v in self._states):
            return given
        return [Tensor(v.data.copy()) for v in self._states]

    def reset_states(self, states=None):
        """Set the held states to zeros, or to `states` (one array per state)."""
        if not self.stateful:
            raise AttributeError("Layer must be stateful.")
        spec_shape, batch = self._spec_batch()
        if not batch:
            raise ValueError(NEED_BATCH)
        shapes = [(batch,) + d for d in self._state_dims(spec_shape)]
        if any(d is None for s in shapes for d in s):
            raise ValueError(NEED_BATCH)
        dtype = np.dtype(self.dtype)
        if self._states is None:
            self._states = [Variable(np.zeros(s, dtype), name=f"{self.name}/state_{i}:0",
                                     trainable=False) for i, s in enumerate(shapes)]
        if states is None:
            for var in self._states:
                var.data[...] = 0
            return
        values = [as_array(v) for v in _as_list(states)]
        if len(values) != len(self._states):
            raise ValueError(f"Layer {self.name} expects {len(self._states)} states, but "
                             f"it received {len(values)} state values. States "
                             f"received: {states}")
        for i, (value, shape) in enumerate(zip(values, shapes)):
            if value.shape != shape:
                raise ValueError(f"State {i} is incompatible with layer {self.name}: "
                                 f"expected shape={shape} but found shape={value.shape}")
        for var, value in zip(self._states, values):
            var.assign(value)

    # ---------------------------------------------------------- configs
    def get_config(self):
        config = super().get_config()
        config.update({"return_sequences": self.return_sequences,
                       "return_state": self.return_state,
                       "go_backwards": self.go_backwards, "stateful": self.stateful,
                       "unroll": self.unroll, "time_major": self.time_major})
        if self._num_constants:
            config["num_constants"] = self._num_constants
        if self.zero_output_for_mask:
            config["zero_output_for_mask"] = True
        config["cell"] = serialize_layer(self.cell)
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        cell = deserialize_layer(config.pop("cell"), custom_objects)
        num_constants = config.pop("num_constants", 0)
        layer = cls(cell, **config)
        layer._num_constants = num_constants
        return layer
