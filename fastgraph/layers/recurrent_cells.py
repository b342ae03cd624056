"""The built-in recurrent cells: SimpleRNNCell, GRUCell, LSTMCell (tf-keras's
weights, layouts, configs and dropout), one timestep each.

Besides `call` (one step from differentiable ops), each cell runs a whole
sequence at once with `sequence`, on the fused C time loop of
fastgraph.ops.rnn, whenever `fuses(training)` says it may: its step is this
module's own (not a subclass's), its activations are ones the kernels
compute, and no recurrent dropout is drawn.  So RNN(LSTMCell(u)) runs the
same kernel as LSTM(u).
"""
import numbers

from .. import activations
from ..ops import elementwise as E
from ..ops import rnn as rnn_ops
from ..ops import shape as S
from ..ops.linalg import matmul
from ..ops.random import dropout as dropout_op
from .recurrent_cell_base import AbstractRNNCell, _BuiltinCell, forget_bias_one

# Activations the fused kernels compute (see fastgraph.ops.rnn).
FUSED_ACTIVATIONS = frozenset(("linear", "tanh", "sigmoid", "hard_sigmoid", "relu",
                               "softsign", "softplus", "elu", "selu", "exponential"))


def is_fused(fn):
    """True when `fn` is a registry activation the fused kernels implement."""
    name = activations.serialize(fn)
    return name in FUSED_ACTIVATIONS and activations.get(name) is fn


def _gate_inputs(v, masks, n):
    """`v` for each of n gates, multiplied by its dropout mask if any."""
    if masks is None:
        return [v] * n
    if not isinstance(masks, list):
        return [E.multiply(v, masks)] * n
    return [E.multiply(v, m) for m in masks]


def _products(w, n, masks, bias=None):
    """A function v -> the n gates' (v * mask_g) @ w_g (+ bias_g), w cut into
    n column blocks: with one mask per gate (a list), the weights are cut
    here, once for a whole sequence; otherwise one product is split."""
    if isinstance(masks, list):
        ws = S.split(w, n, axis=-1)
        bs = [None] * n if bias is None else S.split(bias, n, axis=-1)

        def per_gate(v):
            ps = [matmul(E.multiply(v, m), k) for m, k in zip(masks, ws)]
            return [p if b is None else E.add(p, b) for p, b in zip(ps, bs)]
        return per_gate

    def whole(v):
        p = matmul(v if masks is None else E.multiply(v, masks), w)
        p = p if bias is None else E.add(p, bias)
        return S.split(p, n, axis=-1) if n > 1 else [p]
    return whole


def implementation_of(cls, implementation, recurrent_dropout):
    """tf-keras's `implementation`: 0 is an old name of 1; recurrent
    dropout forces 1."""
    if implementation not in (0, 1, 2):
        raise ValueError(f"{cls}: implementation must be 1 or 2, got {implementation!r}")
    return 1 if implementation in (0, 1) or recurrent_dropout else 2


class _GateCell(_BuiltinCell):
    """Shared by the three cells: `_gates` column blocks in kernel
    (features, gates*units) and recurrent_kernel (units, gates*units)."""

    _gates = 1
    _fused_for = _fused_answer = None

    def __init__(self, units, activation, recurrent_activation, use_bias,
                 kernel_initializer, recurrent_initializer, bias_initializer,
                 kernel_regularizer, recurrent_regularizer, bias_regularizer,
                 kernel_constraint, recurrent_constraint, bias_constraint, dropout,
                 recurrent_dropout, **kwargs):
        super().__init__(**kwargs)
        if isinstance(units, bool) or not isinstance(units, numbers.Integral) or units <= 0:
            raise ValueError(f"{type(self).__name__}: received an invalid value for "
                             f"`units`, expected a positive integer. Received: "
                             f"units={units!r}")
        self.units = int(units)
        self._options(activation, recurrent_activation, use_bias, kernel_initializer,
                      recurrent_initializer, bias_initializer, kernel_regularizer,
                      recurrent_regularizer, bias_regularizer, kernel_constraint,
                      recurrent_constraint, bias_constraint, dropout, recurrent_dropout)

    @property
    def state_size(self):
        return self.units

    @property
    def output_size(self):
        return self.units

    def build(self, input_shape):
        features, width = input_shape[-1], self._gates * self.units
        if features is None:
            raise ValueError(f'Layer "{self.name}": the last dimension (features) of '
                             f'the inputs should be defined. Found None. Full input '
                             f'shape received: {tuple(input_shape)}')
        self._add_weights((features, width), (self.units, width), self._bias_shape(),
                          self._bias_init())

    def _bias_shape(self):
        return (self._gates * self.units,)

    def _bias_init(self):
        return self.bias_initializer

    def _activations(self):
        return (self.activation,)

    def _mask_count(self):
        return self._gates if getattr(self, "implementation", 1) == 1 else 1

    def _sequence_masks(self, inputs, training):
        """(input masks, recurrent masks) of this sequence, for a step's
        inputs: None, one array, or one per gate (implementation 1)."""
        count = self._mask_count()
        return (self.input_masks(inputs.shape, inputs.dtype, training, count),
                self.recurrent_masks((inputs.shape[0], self.units), inputs.dtype,
                                     training, count))

    def _preactivations(self, dp, rec):
        """A function (x, h) -> the gates' x @ kernel + h @ recurrent_kernel
        + bias, the dropout masks applied; one sum split in gates when
        there is no mask per gate."""
        n, K, U, b = self._gates, self.kernel, self.recurrent_kernel, self.bias
        if isinstance(dp, list) or isinstance(rec, list):
            px, ph = _products(K, n, dp, b), _products(U, n, rec)
            return lambda x, h: [E.add(a, c) for a, c in zip(px(x), ph(h))]

        def whole(x, h):
            x = x if dp is None else E.multiply(x, dp)
            h = h if rec is None else E.multiply(h, rec)
            z = E.add(matmul(x, K), matmul(h, U))
            z = z if b is None else E.add(z, b)
            return S.split(z, n, axis=-1) if n > 1 else [z]
        return whole

    # ------------------------------------------------- the fused sequence
    def _own_step(self):
        """Whether `call` is this module's (not a subclass's)."""
        own = next(c for c in type(self).__mro__ if c.__module__ == __name__)
        return type(self).call is own.call

    def fuses(self, training):
        """Whether `sequence` may run: the step and initial states are this
        module's, the activations the kernels', no recurrent dropout."""
        if training and self.recurrent_dropout:
            return False
        acts = self._activations()
        if acts != self._fused_for:         # answered once per set of activations
            self._fused_answer = (
                self._own_step()
                and type(self).get_initial_state is AbstractRNNCell.get_initial_state
                and all(is_fused(f) for f in acts))
            self._fused_for = acts
        return self._fused_answer

    def step_function(self, inputs, training):
        """`call` for the steps of one sequence whose first step's inputs
        are `inputs`: masks drawn and weights cut per gate once for all of
        them; None when a subclass overrides call."""
        return self._stepper(inputs, training) if self._own_step() else None

    def call(self, inputs, states, training=None):
        return self._stepper(inputs, training)(inputs, states)

    def sequence(self, x, states, mask, go_backwards, return_sequences, training):
        """(output, *final states) of the whole (batch, timesteps, features)
        sequence `x` in one fused op; `states` None means zeros.  Input
        dropout uses one mask per sequence, shared by the gates (as
        tf-keras's implementation 2)."""
        if training and self.dropout:
            x = dropout_op(x, self.dropout, noise_shape=(x.shape[0], 1, x.shape[2]))
        return self._fused(x, states, mask, go_backwards, return_sequences)

    # ------------------------------------------------------------ configs
class SimpleRNNCell(_GateCell):
    """One step of h = activation(x @ kernel + bias + h_prev @
    recurrent_kernel): kernel (features, units), recurrent_kernel (units,
    units), bias (units,)."""

    def __init__(self, units, activation="tanh", use_bias=True,
                 kernel_initializer="glorot_uniform",
                 recurrent_initializer="orthogonal", bias_initializer="zeros",
                 kernel_regularizer=None, recurrent_regularizer=None,
                 bias_regularizer=None, kernel_constraint=None,
                 recurrent_constraint=None, bias_constraint=None, dropout=0.0,
                 recurrent_dropout=0.0, **kwargs):
        super().__init__(units, activation, None, use_bias, kernel_initializer,
                         recurrent_initializer, bias_initializer, kernel_regularizer,
                         recurrent_regularizer, bias_regularizer, kernel_constraint,
                         recurrent_constraint, bias_constraint, dropout,
                         recurrent_dropout, **kwargs)

    def _stepper(self, inputs, training):
        pre, act = self._preactivations(*self._sequence_masks(inputs, training)), \
            self.activation

        def step(x, states):
            h = states[0] if isinstance(states, (list, tuple)) else states
            out = act(pre(x, h)[0])
            return out, [out]
        return step

    def _fused(self, x, states, mask, go_backwards, return_sequences):
        return rnn_ops.simple_rnn(x, self.kernel, self.recurrent_kernel, self.bias,
                                  initial_state=states, mask=mask,
                                  go_backwards=go_backwards,
                                  return_sequences=return_sequences,
                                  activation=self.activation)

    def get_config(self):
        return self._config({"units": self.units})


class LSTMCell(_GateCell):
    """One step of a long short-term memory (Hochreiter 1997), gates i, f,
    c, o: kernel (features, 4*units), recurrent_kernel (units, 4*units),
    bias (4*units,); states [h, c]."""

    _gates = 4

    def __init__(self, units, activation="tanh", recurrent_activation="sigmoid",
                 use_bias=True, kernel_initializer="glorot_uniform",
                 recurrent_initializer="orthogonal", bias_initializer="zeros",
                 unit_forget_bias=True, kernel_regularizer=None,
                 recurrent_regularizer=None, bias_regularizer=None,
                 kernel_constraint=None, recurrent_constraint=None,
                 bias_constraint=None, dropout=0.0, recurrent_dropout=0.0,
                 implementation=2, **kwargs):
        super().__init__(units, activation, recurrent_activation, use_bias,
                         kernel_initializer, recurrent_initializer, bias_initializer,
                         kernel_regularizer, recurrent_regularizer, bias_regularizer,
                         kernel_constraint, recurrent_constraint, bias_constraint,
                         dropout, recurrent_dropout, **kwargs)
        self.unit_forget_bias = bool(unit_forget_bias)
        self.implementation = implementation_of(type(self).__name__, implementation,
                                                self.recurrent_dropout)

    @property
    def state_size(self):
        return [self.units, self.units]

    def _bias_init(self):
        if not self.unit_forget_bias:
            return self.bias_initializer
        return forget_bias_one(self.bias_initializer, self.units)

    def _activations(self):
        return (self.activation, self.recurrent_activation)

    def _stepper(self, inputs, training):
        pre, act = self._preactivations(*self._sequence_masks(inputs, training)), \
            self.activation
        ract = self.recurrent_activation

        def step(x, states):
            h, c = states[0], states[1]
            z = pre(x, h)
            i, f, o = ract(z[0]), ract(z[1]), ract(z[3])
            c = E.add(E.multiply(f, c), E.multiply(i, act(z[2])))
            h = E.multiply(o, act(c))
            return h, [h, c]
        return step

    def _fused(self, x, states, mask, go_backwards, return_sequences):
        return rnn_ops.lstm(x, self.kernel, self.recurrent_kernel, self.bias,
                            initial_state=states, mask=mask, go_backwards=go_backwards,
                            return_sequences=return_sequences,
                            activation=self.activation,
                            recurrent_activation=self.recurrent_activation)

    def get_config(self):
        return self._config({"units": self.units},
                            {"unit_forget_bias": self.unit_forget_bias},
                            {"implementation": self.implementation})


class GRUCell(_GateCell):
    """One step of a gated recurrent unit, gates z, r, h: kernel (features,
    3*units), recurrent_kernel (units, 3*units); with reset_after=True (the
    default) the bias is (2, 3*units): input and recurrent biases."""

    _gates = 3

    def __init__(self, units, activation="tanh", recurrent_activation="sigmoid",
                 use_bias=True, kernel_initializer="glorot_uniform",
                 recurrent_initializer="orthogonal", bias_initializer="zeros",
                 kernel_regularizer=None, recurrent_regularizer=None,
                 bias_regularizer=None, kernel_constraint=None,
                 recurrent_constraint=None, bias_constraint=None, dropout=0.0,
                 recurrent_dropout=0.0, implementation=2, reset_after=True, **kwargs):
        super().__init__(units, activation, recurrent_activation, use_bias,
                         kernel_initializer, recurrent_initializer, bias_initializer,
                         kernel_regularizer, recurrent_regularizer, bias_regularizer,
                         kernel_constraint, recurrent_constraint, bias_constraint,
                         dropout, recurrent_dropout, **kwargs)
        self.reset_after = bool(reset_after)
        self.implementation = implementation_of(type(self).__name__, implementation,
                                                self.recurrent_dropout)

    def _bias_shape(self):
        return (2, 3 * self.units) if self.reset_after else (3 * self.units,)

    def _activations(self):
        return (self.activation, self.recurrent_activation)

    def _stepper(self, inputs, training):
        dp, rec = self._sequence_masks(inputs, training)
        act, ract, u, bias = self.activation, self.recurrent_activation, self.units, \
            self.bias
        b_in = b_rec = None
        if bias is not None and self.reset_after:
            b_in, b_rec = S.getitem(bias, 0), S.getitem(bias, 1)
        elif bias is not None:
            b_in = bias
        px = _products(self.kernel, 3, dp, b_in)
        if self.reset_after:
            ph = _products(self.recurrent_kernel, 3, rec, b_rec)
        else:
            u_zr, u_h = S.split(self.recurrent_kernel, [2 * u, u], axis=-1)
            ph = _products(u_zr, 2, rec[:2] if isinstance(rec, list) else rec)
            rec_h = rec[2] if isinstance(rec, list) else rec

        def step(x, states):
            h = states[0] if isinstance(states, (list, tuple)) else states
            x_z, x_r, x_h = px(x)
            hs = ph(h)
            z, r = ract(E.add(x_z, hs[0])), ract(E.add(x_r, hs[1]))
            if self.reset_after:
                candidate = E.add(x_h, E.multiply(r, hs[2]))
            else:
                hh = h if rec_h is None else E.multiply(h, rec_h)
                candidate = E.add(x_h, matmul(E.multiply(r, hh), u_h))
            h = E.add(E.multiply(z, h), E.multiply(E.subtract(1.0, z), act(candidate)))
            return h, [h]
        return step

    def _fused(self, x, states, mask, go_backwards, return_sequences):
        return rnn_ops.gru(x, self.kernel, self.recurrent_kernel, self.bias,
                           initial_state=states, mask=mask, go_backwards=go_backwards,
                           return_sequences=return_sequences, activation=self.activation,
                           recurrent_activation=self.recurrent_activation,
                           reset_after=self.reset_after)

    def get_config(self):
        return self._config({"units": self.units},
                            tail={"implementation": self.implementation,
                                  "reset_after": self.reset_after})
