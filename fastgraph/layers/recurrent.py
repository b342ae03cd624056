"""Recurrent layers: LSTM, GRU, SimpleRNN (tf-keras 2.x arguments, weights,
outputs, masks and configs).

A whole sequence runs as one fused op of `fastgraph.ops.rnn` (time loop in
C).  A per-step path made of differentiable ops takes over where the fused
kernels cannot follow: recurrent dropout while training (masks fixed per
sequence, one per gate, as tf-keras's implementation 1) and activations the
kernels do not know (any callable).
"""
import numbers

import numpy as np

from .. import activations, constraints, initializers, regularizers
from ..autodiff import Tensor, as_array, as_tensor
from ..engine.layer import InputSpec, Layer, is_shape
from ..engine.node import KerasTensor
from ..ops import elementwise as E
from ..ops import rnn as rnn_ops
from ..ops import shape as S
from ..ops.linalg import matmul
from ..ops.random import dropout as dropout_op
from .core import get_constraint

# Activations the fused kernels compute (see fastgraph.ops.rnn).
FUSED_ACTIVATIONS = frozenset(("linear", "tanh", "sigmoid", "hard_sigmoid", "relu",
                               "softsign", "softplus", "elu", "selu", "exponential"))


def _is_fused(fn):
    """True when `fn` is a registry activation the fused kernels implement."""
    name = activations.serialize(fn)
    return name in FUSED_ACTIVATIONS and activations.get(name) is fn


def _rate(cls, arg, value):
    if isinstance(value, bool) or not isinstance(value, numbers.Real) \
            or not 0 <= value < 1:
        raise ValueError(f"{cls}: {arg} must be a float in [0, 1), got {value!r}")
    return float(value)


def _tensor_list(value):
    """A list of states: a single state or a list/tuple of them."""
    return list(value) if isinstance(value, (list, tuple)) else [value]


def split_states(layer, inputs, initial_state):
    """(inputs, states or None) from a call given `[x, *states]` or
    `x, initial_state=...` (tf-keras accepts both)."""
    if isinstance(inputs, (list, tuple)) and inputs and all(
            isinstance(t, (KerasTensor, Tensor, np.ndarray)) for t in inputs):
        if initial_state is not None:
            raise ValueError(f'Layer "{layer.name}": give the initial states either in '
                             f'the inputs list or as initial_state=, not both')
        inputs, rest = inputs[0], list(inputs[1:])
        return inputs, (rest or None)
    return inputs, (None if initial_state is None else _tensor_list(initial_state))


def call_with_states(layer, base_call, x, states, n_states, state_dim, args, kwargs):
    """Call `layer` with initial states: symbolic states join the inputs of
    the node (as tf-keras does, so the graph records them), with the input
    spec extended for the call; concrete ones go to call() as a kwarg."""
    if len(states) != n_states:
        raise ValueError(f'Layer "{layer.name}": initial_state must be a list of '
                         f'{n_states} tensor(s) of shape (batch, {state_dim}), got '
                         f'{len(states)}')
    symbolic = [isinstance(t, KerasTensor) for t in [x] + states]
    if not any(symbolic):
        return base_call(x, *args, initial_state=states, **kwargs)
    if not all(symbolic):
        raise ValueError(f'Layer "{layer.name}": the inputs and the initial states must '
                         f'be all symbolic tensors (from Input or layer calls) or all '
                         f'concrete values, not a mix')
    layer._maybe_build(x.shape, x.dtype)
    saved = layer.input_spec
    layer.input_spec = [saved] + [InputSpec(shape=(None, state_dim))] * len(states)
    try:
        return base_call([x] + states, *args, **kwargs)
    finally:
        layer.input_spec = saved


class _RNN(Layer):
    """Shared machinery of the recurrent layers.

    Subclasses set `_gates` (column blocks of the kernels), `_n_states`,
    `_cell` (the tf-keras weight name prefix), and implement `_bias_shape`,
    `_fused` (the whole-sequence op) and `_step_fn` (one step from ops)."""

    _gates, _n_states, _cell = 1, 1, "rnn_cell"

    def __init__(self, units, activation, use_bias, kernel_initializer,
                 recurrent_initializer, bias_initializer, kernel_regularizer,
                 recurrent_regularizer, bias_regularizer, kernel_constraint,
                 recurrent_constraint, bias_constraint, dropout, recurrent_dropout,
                 return_sequences, return_state, go_backwards, stateful, unroll,
                 time_major, zero_output_for_mask=False, **kwargs):
        cls = type(self).__name__
        if stateful:
            raise ValueError(f"{cls}: stateful=True is not supported: fastgraph's "
                             f"recurrent layers do not carry states from one batch "
                             f"to the next. Use stateful=False (the default) and pass "
                             f"states explicitly with initial_state= and "
                             f"return_state=True.")
        if "input_shape" not in kwargs and ("input_dim" in kwargs
                                            or "input_length" in kwargs):
            kwargs["input_shape"] = (kwargs.pop("input_length", None),
                                     kwargs.pop("input_dim", None))
        super().__init__(**kwargs)
        if isinstance(units, bool) or not isinstance(units, numbers.Integral) or units <= 0:
            raise ValueError(f"{cls}: received an invalid value for `units`, expected "
                             f"a positive integer. Received: units={units!r}")
        self.units = int(units)
        self.activation = activations.get(activation)
        self.use_bias = bool(use_bias)
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.recurrent_initializer = initializers.get(recurrent_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.recurrent_regularizer = regularizers.get(recurrent_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = get_constraint(kernel_constraint, cls, "kernel_constraint")
        self.recurrent_constraint = get_constraint(recurrent_constraint, cls,
                                                   "recurrent_constraint")
        self.bias_constraint = get_constraint(bias_constraint, cls, "bias_constraint")
        self.dropout = _rate(cls, "dropout", dropout)
        self.recurrent_dropout = _rate(cls, "recurrent_dropout", recurrent_dropout)
        self.return_sequences = bool(return_sequences)
        self.return_state = bool(return_state)
        self.go_backwards = bool(go_backwards)
        self.stateful = False
        self.unroll = bool(unroll)          # a speed hint in tf-keras; results equal
        self.time_major = bool(time_major)
        self.zero_output_for_mask = bool(zero_output_for_mask)
        self.supports_masking = True
        self.input_spec = InputSpec(ndim=3)
        self.kernel = self.recurrent_kernel = self.bias = None

    # ----------------------------------------------------------- building
    def build(self, input_shape):
        shape = tuple(input_shape if is_shape(input_shape) else input_shape[0])
        if len(shape) != 3:
            raise ValueError(f'Input 0 of layer "{self.name}" is incompatible with the '
                             f'layer: expected ndim=3, found ndim={len(shape)}. Full '
                             f'shape received: {shape}')
        if shape[-1] is None:
            raise ValueError(f'Layer "{self.name}": the last dimension (features) of '
                             f'the inputs should be defined. Found None. Full input '
                             f'shape received: {shape}')
        features, width = shape[-1], self._gates * self.units
        self.kernel = self.add_weight(
            f"{self._cell}/kernel", (features, width), initializer=self.kernel_initializer,
            regularizer=self.kernel_regularizer, constraint=self.kernel_constraint)
        self.recurrent_kernel = self.add_weight(
            f"{self._cell}/recurrent_kernel", (self.units, width),
            initializer=self.recurrent_initializer,
            regularizer=self.recurrent_regularizer,
            constraint=self.recurrent_constraint)
        if self.use_bias:
            self.bias = self.add_weight(
                f"{self._cell}/bias", self._bias_shape(), initializer=self._bias_init(),
                regularizer=self.bias_regularizer, constraint=self.bias_constraint)
        self.input_spec = InputSpec(shape=(None, None, features))
        self.built = True

    def _bias_init(self):
        return self.bias_initializer

    def __call__(self, inputs, *args, initial_state=None, **kwargs):
        inputs, states = split_states(self, inputs, initial_state)
        if states is None:
            return super().__call__(inputs, *args, **kwargs)
        return call_with_states(self, super().__call__, inputs, states, self._n_states,
                                self.units, args, kwargs)

    def compute_output_shape(self, input_shape):
        shape = tuple(input_shape if is_shape(input_shape) else input_shape[0])
        if len(shape) != 3:
            raise ValueError(f'Layer "{self.name}" expects inputs of rank 3 (batch, '
                             f'timesteps, features), got shape {shape}')
        batch, steps = (shape[1], shape[0]) if self.time_major else shape[:2]
        if not self.return_sequences:
            out = (batch, self.units)
        elif self.time_major:
            out = (steps, batch, self.units)
        else:
            out = (batch, steps, self.units)
        if self.return_state:
            return [out] + [(batch, self.units)] * self._n_states
        return out

    def compute_mask(self, inputs, mask=None):
        if isinstance(mask, (list, tuple)):
            mask = mask[0]
        out = mask if self.return_sequences else None
        return [out] + [None] * self._n_states if self.return_state else out

    # ------------------------------------------------------------ running
    def call(self, inputs, mask=None, training=None, initial_state=None):
        inputs, states = split_states(self, inputs, initial_state)
        if isinstance(mask, (list, tuple)):
            mask = mask[0]
        x = as_tensor(inputs)
        if x.ndim != 3:
            raise ValueError(f'Layer "{self.name}" expects inputs of rank 3 (batch, '
                             f'timesteps, features), got shape {x.shape}')
        dtype = self.kernel.dtype
        if x.dtype.kind != "f":
            x = E.cast(x, dtype)
        if self.time_major:
            x = S.transpose(x, (1, 0, 2))
        N, T, _ = x.shape
        if mask is not None:
            mask = as_array(mask)
            mask = (mask.T if self.time_major else mask).astype(bool, copy=False)
            if mask.shape != (N, T):
                raise ValueError(f'Layer "{self.name}": the mask must have shape '
                                 f'(batch, timesteps) = {(N, T)}, got {mask.shape}')
        states = self._check_states(states, N, dtype)
        if (training and self.recurrent_dropout) or not self._fused_ok():
            outputs = self._run_steps(x, states, mask, bool(training))
        else:
            if training and self.dropout:
                x = dropout_op(x, self.dropout, noise_shape=(N, 1, x.shape[2]))
            outputs = self._fused(x, states, mask)
        out = outputs[0]
        if self.zero_output_for_mask and mask is not None:
            done = mask[:, ::-1] if self.go_backwards else mask
            keep = done if self.return_sequences else done[:, -1]
            out = E.multiply(out, keep[..., None].astype(dtype))
        if self.time_major and self.return_sequences:
            out = S.transpose(out, (1, 0, 2))
        return [out] + list(outputs[1:]) if self.return_state else out

    def _fused_ok(self):
        return _is_fused(self.activation)

    def _check_states(self, states, batch, dtype):
        if states is None:
            return None
        if len(states) != self._n_states:
            raise ValueError(f'Layer "{self.name}": initial_state must be a list of '
                             f'{self._n_states} tensor(s) of shape (batch, '
                             f'{self.units}), got {len(states)}')
        out = []
        for i, s in enumerate(states):
            if not isinstance(s, Tensor):
                s = Tensor(np.asarray(s, dtype=dtype))
            if s.shape != (batch, self.units):
                raise ValueError(f'Layer "{self.name}": initial_state[{i}] must have '
                                 f'shape (batch, units) = {(batch, self.units)}, got '
                                 f'{s.shape}')
            out.append(s)
        return out

    def _masks(self, shape, rate, dtype):
        """Dropout multipliers (0 or 1/(1-rate)) drawn once per sequence: one
        per gate block with implementation 1, else one shared."""
        count = self._gates if getattr(self, "implementation", 1) == 1 else 1
        ones = Tensor(np.ones(shape, dtype=dtype))
        return [dropout_op(ones, rate).data for _ in range(count)]

    def _run_steps(self, x, states, mask, training):
        """The sequence one step at a time, with tf-keras's masking rule:
        a masked step keeps the states and repeats the previous output."""
        N, T, D = x.shape
        dtype = self.kernel.dtype
        zeros = Tensor(np.zeros((N, self.units), dtype=dtype))
        if states is None:
            states = [zeros] * self._n_states
        in_masks = self._masks((N, D), self.dropout, dtype) \
            if training and self.dropout else None
        rec_masks = self._masks((N, self.units), self.recurrent_dropout, dtype) \
            if training and self.recurrent_dropout else None
        step = self._step_fn(in_masks, rec_masks)
        prev, outs = zeros, []
        for t in (range(T - 1, -1, -1) if self.go_backwards else range(T)):
            out, new = step(S.getitem(x, (slice(None), t)), states)
            if mask is not None and not mask[:, t].all():
                keep = mask[:, t, None]
                new = [E.where(keep, a, b) for a, b in zip(new, states)]
                out = E.where(keep, out, prev)
            states, prev = new, out
            outs.append(out)
        out = S.stack(outs, axis=1) if self.return_sequences else outs[-1]
        return (out, *states)

    def _blocks(self, w, n):
        """Column blocks of a kernel (or a bias vector) per gate."""
        return S.split(w, n, axis=-1) if n > 1 else [w]

    # ------------------------------------------------------------ configs
    def _rnn_config(self):
        config = super().get_config()
        config.update({"return_sequences": self.return_sequences,
                       "return_state": self.return_state,
                       "go_backwards": self.go_backwards, "stateful": self.stateful,
                       "unroll": self.unroll, "time_major": self.time_major})
        if self.zero_output_for_mask:
            config["zero_output_for_mask"] = True
        config.update({"units": self.units,
                       "activation": activations.serialize(self.activation)})
        return config

    def _weights_config(self):
        return {
            "use_bias": self.use_bias,
            "kernel_initializer": initializers.serialize(self.kernel_initializer),
            "recurrent_initializer": initializers.serialize(self.recurrent_initializer),
            "bias_initializer": initializers.serialize(self.bias_initializer)}

    def _tail_config(self):
        return {
            "kernel_regularizer": regularizers.serialize(self.kernel_regularizer),
            "recurrent_regularizer": regularizers.serialize(self.recurrent_regularizer),
            "bias_regularizer": regularizers.serialize(self.bias_regularizer),
            "activity_regularizer": regularizers.serialize(self.activity_regularizer),
            "kernel_constraint": constraints.serialize(self.kernel_constraint),
            "recurrent_constraint": constraints.serialize(self.recurrent_constraint),
            "bias_constraint": constraints.serialize(self.bias_constraint),
            "dropout": self.dropout, "recurrent_dropout": self.recurrent_dropout}


def _gate_inputs(v, masks, n):
    """`v` for each of n gates, multiplied by its dropout mask if any."""
    if masks is None:
        return [v] * n
    if len(masks) == 1:
        return [E.multiply(v, masks[0])] * n
    return [E.multiply(v, m) for m in masks]


def _implementation(cls, implementation, recurrent_dropout):
    if implementation not in (0, 1, 2):
        raise ValueError(f"{cls}: implementation must be 1 or 2, got {implementation!r}")
    # tf-keras: 0 is an old name of 1; recurrent dropout forces 1.
    return 1 if implementation in (0, 1) or recurrent_dropout else 2


class LSTM(_RNN):
    """Long short-term memory (Hochreiter 1997), as tf-keras's LSTM: kernel
    (features, 4*units), recurrent_kernel (units, 4*units), bias (4*units,),
    gates i, f, c, o.  Returns the last output, the whole sequence
    (`return_sequences`) and/or [output, h, c] (`return_state`)."""

    _gates, _n_states, _cell = 4, 2, "lstm_cell"

    def __init__(self, units, activation="tanh", recurrent_activation="sigmoid",
                 use_bias=True, kernel_initializer="glorot_uniform",
                 recurrent_initializer="orthogonal", bias_initializer="zeros",
                 unit_forget_bias=True, kernel_regularizer=None,
                 recurrent_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None,
                 recurrent_constraint=None, bias_constraint=None, dropout=0.0,
                 recurrent_dropout=0.0, return_sequences=False, return_state=False,
                 go_backwards=False, stateful=False, unroll=False, time_major=False,
                 implementation=2, **kwargs):
        super().__init__(units, activation, use_bias, kernel_initializer,
                         recurrent_initializer, bias_initializer, kernel_regularizer,
                         recurrent_regularizer, bias_regularizer, kernel_constraint,
                         recurrent_constraint, bias_constraint, dropout,
                         recurrent_dropout, return_sequences, return_state,
                         go_backwards, stateful, unroll, time_major,
                         activity_regularizer=activity_regularizer, **kwargs)
        self.recurrent_activation = activations.get(recurrent_activation)
        self.unit_forget_bias = bool(unit_forget_bias)
        self.implementation = _implementation("LSTM", implementation,
                                              self.recurrent_dropout)

    def _bias_shape(self):
        return (4 * self.units,)

    def _bias_init(self):
        if not self.unit_forget_bias:
            return self.bias_initializer
        init, u = self.bias_initializer, self.units

        def forget_bias_one(shape, dtype=None):
            return np.concatenate([np.asarray(init((u,), dtype=dtype)), np.ones(u, dtype),
                                   np.asarray(init((2 * u,), dtype=dtype))])
        return forget_bias_one

    def _fused_ok(self):
        return _is_fused(self.activation) and _is_fused(self.recurrent_activation)

    def _fused(self, x, states, mask):
        return rnn_ops.lstm(x, self.kernel, self.recurrent_kernel, self.bias,
                            initial_state=states, mask=mask,
                            go_backwards=self.go_backwards,
                            return_sequences=self.return_sequences,
                            activation=self.activation,
                            recurrent_activation=self.recurrent_activation)

    def _step_fn(self, in_masks, rec_masks):
        K, U = self._blocks(self.kernel, 4), self._blocks(self.recurrent_kernel, 4)
        B = self._blocks(self.bias, 4) if self.bias is not None else None
        act, ract = self.activation, self.recurrent_activation

        def step(x, states):
            h, c = states
            z = [E.add(matmul(a, k), matmul(b, r)) for a, b, k, r in
                 zip(_gate_inputs(x, in_masks, 4), _gate_inputs(h, rec_masks, 4), K, U)]
            if B is not None:
                z = [E.add(zi, bi) for zi, bi in zip(z, B)]
            i, f, o = ract(z[0]), ract(z[1]), ract(z[3])
            c = E.add(E.multiply(f, c), E.multiply(i, act(z[2])))
            h = E.multiply(o, act(c))
            return h, [h, c]
        return step

    def get_config(self):
        config = self._rnn_config()
        config["recurrent_activation"] = activations.serialize(self.recurrent_activation)
        config.update(self._weights_config())
        config["unit_forget_bias"] = self.unit_forget_bias
        config.update(self._tail_config())
        config["implementation"] = self.implementation
        return config


class GRU(_RNN):
    """Gated recurrent unit, as tf-keras's GRU: kernel (features, 3*units),
    recurrent_kernel (units, 3*units), gates z, r, h; with reset_after=True
    (the default) the bias is (2, 3*units): input and recurrent biases."""

    _gates, _n_states, _cell = 3, 1, "gru_cell"

    def __init__(self, units, activation="tanh", recurrent_activation="sigmoid",
                 use_bias=True, kernel_initializer="glorot_uniform",
                 recurrent_initializer="orthogonal", bias_initializer="zeros",
                 kernel_regularizer=None, recurrent_regularizer=None,
                 bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, recurrent_constraint=None,
                 bias_constraint=None, dropout=0.0, recurrent_dropout=0.0,
                 return_sequences=False, return_state=False, go_backwards=False,
                 stateful=False, unroll=False, time_major=False, reset_after=True,
                 implementation=2, **kwargs):
        super().__init__(units, activation, use_bias, kernel_initializer,
                         recurrent_initializer, bias_initializer, kernel_regularizer,
                         recurrent_regularizer, bias_regularizer, kernel_constraint,
                         recurrent_constraint, bias_constraint, dropout,
                         recurrent_dropout, return_sequences, return_state,
                         go_backwards, stateful, unroll, time_major,
                         activity_regularizer=activity_regularizer, **kwargs)
        self.recurrent_activation = activations.get(recurrent_activation)
        self.reset_after = bool(reset_after)
        self.implementation = _implementation("GRU", implementation,
                                              self.recurrent_dropout)

    def _bias_shape(self):
        return (2, 3 * self.units) if self.reset_after else (3 * self.units,)

    def _fused_ok(self):
        return _is_fused(self.activation) and _is_fused(self.recurrent_activation)

    def _fused(self, x, states, mask):
        return rnn_ops.gru(x, self.kernel, self.recurrent_kernel, self.bias,
                           initial_state=states, mask=mask,
                           go_backwards=self.go_backwards,
                           return_sequences=self.return_sequences,
                           activation=self.activation,
                           recurrent_activation=self.recurrent_activation,
                           reset_after=self.reset_after)

    def _step_fn(self, in_masks, rec_masks):
        K, U = self._blocks(self.kernel, 3), self._blocks(self.recurrent_kernel, 3)
        b_in = b_rec = None
        if self.bias is not None and self.reset_after:
            b_in = self._blocks(S.getitem(self.bias, 0), 3)
            b_rec = self._blocks(S.getitem(self.bias, 1), 3)
        elif self.bias is not None:
            b_in = self._blocks(self.bias, 3)
        act, ract, reset_after = self.activation, self.recurrent_activation, self.reset_after

        def step(x, states):
            (h,) = states
            xs = [matmul(a, k) for a, k in zip(_gate_inputs(x, in_masks, 3), K)]
            if b_in is not None:
                xs = [E.add(a, b) for a, b in zip(xs, b_in)]
            hz, hr, hh = _gate_inputs(h, rec_masks, 3)
            rz, rr = matmul(hz, U[0]), matmul(hr, U[1])
            if b_rec is not None:
                rz, rr = E.add(rz, b_rec[0]), E.add(rr, b_rec[1])
            z, r = ract(E.add(xs[0], rz)), ract(E.add(xs[1], rr))
            if reset_after:
                rh = matmul(hh, U[2])
                if b_rec is not None:
                    rh = E.add(rh, b_rec[2])
                rh = E.multiply(r, rh)
            else:
                rh = matmul(E.multiply(r, hh), U[2])
            candidate = act(E.add(xs[2], rh))
            h = E.add(E.multiply(z, h), E.multiply(E.subtract(1.0, z), candidate))
            return h, [h]
        return step

    def get_config(self):
        config = self._rnn_config()
        config["recurrent_activation"] = activations.serialize(self.recurrent_activation)
        config.update(self._weights_config())
        config.update(self._tail_config())
        config["implementation"] = self.implementation
        config["reset_after"] = self.reset_after
        return config


class SimpleRNN(_RNN):
    """Fully connected recurrence h = activation(x @ kernel + h_prev @
    recurrent_kernel + bias), as tf-keras's SimpleRNN: kernel (features,
    units), recurrent_kernel (units, units), bias (units,)."""

    _gates, _n_states, _cell = 1, 1, "simple_rnn_cell"

    def __init__(self, units, activation="tanh", use_bias=True,
                 kernel_initializer="glorot_uniform",
                 recurrent_initializer="orthogonal", bias_initializer="zeros",
                 kernel_regularizer=None, recurrent_regularizer=None,
                 bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, recurrent_constraint=None,
                 bias_constraint=None, dropout=0.0, recurrent_dropout=0.0,
                 return_sequences=False, return_state=False, go_backwards=False,
                 stateful=False, unroll=False, time_major=False, **kwargs):
        super().__init__(units, activation, use_bias, kernel_initializer,
                         recurrent_initializer, bias_initializer, kernel_regularizer,
                         recurrent_regularizer, bias_regularizer, kernel_constraint,
                         recurrent_constraint, bias_constraint, dropout,
                         recurrent_dropout, return_sequences, return_state,
                         go_backwards, stateful, unroll, time_major,
                         activity_regularizer=activity_regularizer, **kwargs)

    def _bias_shape(self):
        return (self.units,)

    def _fused(self, x, states, mask):
        return rnn_ops.simple_rnn(x, self.kernel, self.recurrent_kernel, self.bias,
                                  initial_state=states, mask=mask,
                                  go_backwards=self.go_backwards,
                                  return_sequences=self.return_sequences,
                                  activation=self.activation)

    def _step_fn(self, in_masks, rec_masks):
        K, U, b, act = self.kernel, self.recurrent_kernel, self.bias, self.activation

        def step(x, states):
            (a,), (h,) = _gate_inputs(x, in_masks, 1), _gate_inputs(states[0], rec_masks, 1)
            z = E.add(matmul(a, K), matmul(h, U))
            out = act(z if b is None else E.add(z, b))
            return out, [out]
        return step

    def get_config(self):
        config = self._rnn_config()
        config.update(self._weights_config())
        config.update(self._tail_config())
        return config
