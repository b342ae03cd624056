"""ConvLSTM1D, ConvLSTM2D, ConvLSTM3D: LSTMs whose products are
convolutions (Shi et al. 2015), as tf-keras's: kernel (*kernel_size,
channels, 4*filters), recurrent_kernel (*kernel_size, filters, 4*filters),
bias (4*filters,), gates i, f, c, o; states h and c shaped like one output
step.

Each step convolves its inputs and h ('same' padding, stride 1 for h) and
runs the gate step in C (fastgraph.ops.rnn.lstm_gates); the kernels are cut
per gate once per sequence when dropout needs it.  Convolutions are fastgraph.ops.conv's
(im2col + GEMM in C).  channels_first runs channels_last between two
transposes.
"""
import numbers

import numpy as np

from ..autodiff import Tensor
from ..engine.layer_utils import unique_name
from ..ops import elementwise as E
from ..ops import rnn as rnn_ops
from ..ops import shape as S
from ..ops.conv import conv1d, conv2d, conv3d
from .convolutional import normalize_padding, normalize_tuple, output_length
from .recurrent import _CellLayer, expose
from .recurrent_cell_base import _BuiltinCell, forget_bias_one
from .recurrent_cells import is_fused


def convolve(rank, x, kernel, bias, strides, padding, dilation_rate):
    """The channels-last convolution of spatial rank 1, 2 or 3."""
    if rank == 1:
        return conv1d(x, kernel, bias, strides[0], padding, dilation_rate[0])
    if rank == 2:
        return conv2d(x, kernel, bias, strides, padding, dilation_rate)
    return conv3d(x, kernel, bias, strides, padding, dilation_rate)


def _channels_last(rank, lead):
    """Permutation moving the channels (after `lead` leading axes) last."""
    return tuple(range(lead)) + tuple(range(lead + 1, lead + rank + 1)) + (lead,)


def _channels_first(rank, lead):
    return tuple(range(lead)) + (lead + rank,) + tuple(range(lead, lead + rank))


class ConvLSTMCell(_BuiltinCell):
    """One ConvLSTM step of spatial rank 1, 2 or 3 (tf-keras's ConvLSTMCell):
    inputs (batch, *spatial, channels) (channels first with
    data_format='channels_first'), states [h, c] of the output's shape."""

    def __init__(self, rank, filters, kernel_size, strides=1, padding="valid",
                 data_format=None, dilation_rate=1, activation="tanh",
                 recurrent_activation="hard_sigmoid", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                 bias_initializer="zeros", unit_forget_bias=True, kernel_regularizer=None,
                 recurrent_regularizer=None, bias_regularizer=None, kernel_constraint=None,
                 recurrent_constraint=None, bias_constraint=None, dropout=0.0,
                 recurrent_dropout=0.0, **kwargs):
        super().__init__(**kwargs)
        owner = type(self).__name__
        if rank not in (1, 2, 3):
            raise ValueError(f"{owner}: rank must be 1, 2 or 3, got {rank!r}")
        if isinstance(filters, bool) or not isinstance(filters, numbers.Integral) \
                or filters <= 0:
            raise ValueError(f"{owner}: `filters` must be a positive integer, "
                             f"got {filters!r}")
        if data_format not in (None, "channels_last", "channels_first"):
            raise ValueError(f"{owner}: data_format must be 'channels_last' or "
                             f"'channels_first', got {data_format!r}")
        self.rank, self.filters = rank, int(filters)
        self.kernel_size = normalize_tuple(kernel_size, rank, "kernel_size", owner)
        self.strides = normalize_tuple(strides, rank, "strides", owner)
        self.padding = normalize_padding(padding, owner)
        self.data_format = data_format or "channels_last"
        self.dilation_rate = normalize_tuple(dilation_rate, rank, "dilation_rate", owner)
        self.unit_forget_bias = bool(unit_forget_bias)
        self._options(activation, recurrent_activation, use_bias, kernel_initializer,
                      recurrent_initializer, bias_initializer, kernel_regularizer,
                      recurrent_regularizer, bias_regularizer, kernel_constraint,
                      recurrent_constraint, bias_constraint, dropout, recurrent_dropout)

    @property
    def state_size(self):
        return (self.filters, self.filters)

    def state_dims(self, input_shape):
        """The shape (without the batch) of h and c for layer inputs of
        `input_shape` (batch, time, ...)."""
        first = self.data_format == "channels_first"
        spatial = input_shape[3:] if first else input_shape[2:-1]
        out = tuple(output_length(d, k, self.padding, s, r) for d, k, s, r in zip(
            spatial, self.kernel_size, self.strides, self.dilation_rate))
        return ((self.filters,) + out) if first else (out + (self.filters,))

    def build(self, input_shape):
        channels = input_shape[1 if self.data_format == "channels_first" else -1]
        if channels is None:
            raise ValueError(f'Layer "{self.name}": the channel dimension of the inputs '
                             f'should be defined. Found None. Full input shape '
                             f'received: {tuple(input_shape)}')
        f4, init = 4 * self.filters, self.bias_initializer
        if self.unit_forget_bias:
            init = forget_bias_one(init, self.filters)
        self._add_weights(self.kernel_size + (channels, f4),
                          self.kernel_size + (self.filters, f4), (f4,), init)

    # -------------------------------------------------- channels-last steps
    def _gates(self, z, c):
        """(h, c) from the summed pre-activations z (..., 4*filters)."""
        act, ract = self.activation, self.recurrent_activation
        if is_fused(act) and is_fused(ract):
            return rnn_ops.lstm_gates(z, c, act, ract)
        i, f, cc, o = S.split(z, 4, axis=-1)
        c = E.add(E.multiply(ract(f), c), E.multiply(ract(i), act(cc)))
        return E.multiply(ract(o), act(c)), c

    def step_function(self, inputs, training):
        """The channels-last step of one sequence whose steps' inputs are
        like `inputs`: z = conv(x, kernel) + bias + conv(h, recurrent_kernel)
        ('same', stride 1), then the gate step in C.  Dropout masks are
        drawn, and the kernels cut per gate (for them), once."""
        one, cut = (1,) * self.rank, {}
        dp = self.input_masks(inputs.shape, inputs.dtype, training, 4)
        rec = []

        def products(v, masks, kernel, bias, args):
            if masks is None:
                return convolve(self.rank, v, kernel, bias, *args)
            if id(kernel) not in cut:
                cut[id(kernel)] = (S.split(kernel, 4, axis=-1), [None] * 4 if bias is None
                                   else S.split(bias, 4, axis=-1))
            ks, bs = cut[id(kernel)]
            return S.concatenate([convolve(self.rank, E.multiply(v, m), k, b, *args)
                                  for m, k, b in zip(masks, ks, bs)], axis=-1)

        def step(x, states):
            h, c = states[0], states[1]
            if not rec:
                rec.append(self.recurrent_masks(h.shape, h.dtype, training, 4))
            z = E.add(products(x, dp, self.kernel, self.bias,
                               (self.strides, self.padding, self.dilation_rate)),
                      products(h, rec[0], self.recurrent_kernel, None, (one, "same", one)))
            h, c = self._gates(z, c)
            return h, [h, c]
        return step

    def call(self, inputs, states, training=None):
        h, c = states[0], states[1]
        first = self.data_format == "channels_first"
        if first:
            last = _channels_last(self.rank, 1)
            inputs, h, c = (S.transpose(v, last) for v in (inputs, h, c))
        h, (_, c) = self.step_function(inputs, training)(inputs, [h, c])
        if first:
            back = _channels_first(self.rank, 1)
            h, c = S.transpose(h, back), S.transpose(c, back)
        return h, [h, c]

    def get_config(self):
        return self._config({"rank": self.rank, "filters": self.filters,
                             "kernel_size": self.kernel_size, "strides": self.strides,
                             "padding": self.padding, "data_format": self.data_format,
                             "dilation_rate": self.dilation_rate},
                            {"unit_forget_bias": self.unit_forget_bias})


class _ConvLSTM(_CellLayer):
    """Shared by ConvLSTM1D/2D/3D (`rank` spatial dimensions): inputs
    (batch, time, *spatial, channels), outputs and states shaped like one
    step of the output; weights named `conv_lstm2d/kernel:0` (no cell
    part, as tf-keras)."""

    rank = 2
    _cell_class, _cell = ConvLSTMCell, "conv_lstm_cell"
    _hidden = _CellLayer._hidden + ("rank",)

    def __init__(self, filters, kernel_size, strides=1, padding="valid",
                 data_format=None, dilation_rate=1, activation="tanh",
                 recurrent_activation="hard_sigmoid", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                 bias_initializer="zeros", unit_forget_bias=True, kernel_regularizer=None,
                 recurrent_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None,
                 recurrent_constraint=None, bias_constraint=None, return_sequences=False,
                 return_state=False, go_backwards=False, stateful=False, dropout=0.0,
                 recurrent_dropout=0.0, **kwargs):
        unroll = kwargs.pop("unroll", False)
        if unroll:
            raise TypeError(f"{type(self).__name__}: unrolling is not possible with "
                            f"convolutional RNNs. Received: unroll={unroll}")
        cell_args = dict(
            rank=self.rank, filters=filters, kernel_size=kernel_size, strides=strides,
            padding=padding, data_format=data_format, dilation_rate=dilation_rate,
            activation=activation, recurrent_activation=recurrent_activation,
            use_bias=use_bias, kernel_initializer=kernel_initializer,
            recurrent_initializer=recurrent_initializer, bias_initializer=bias_initializer,
            unit_forget_bias=unit_forget_bias, kernel_regularizer=kernel_regularizer,
            recurrent_regularizer=recurrent_regularizer, bias_regularizer=bias_regularizer,
            kernel_constraint=kernel_constraint, recurrent_constraint=recurrent_constraint,
            bias_constraint=bias_constraint, dropout=dropout,
            recurrent_dropout=recurrent_dropout)
        if kwargs.get("name") is None:      # tf-keras's snake case of the class name
            kwargs["name"] = unique_name(f"conv_lstm{self.rank}d")
        rnn_args = dict(return_sequences=return_sequences, return_state=return_state,
                        go_backwards=go_backwards, stateful=stateful,
                        time_major=kwargs.pop("time_major", False))
        super().__init__(cell_args, rnn_args, activity_regularizer, kwargs)

    @property
    def _input_ndim(self):
        return self.rank + 3

    def _state_dims(self, input_shape):
        dims = self.cell.state_dims(input_shape)
        return [dims, dims]

    def _output_dims(self, input_shape):
        return self.cell.state_dims(input_shape)

    def _initial_states(self, batch, dtype, input_shape):
        return [Tensor(np.zeros((batch,) + d, dtype=dtype))
                for d in self._state_dims(input_shape)]

    def build(self, input_shape):
        fresh = not self.cell.built
        super().build(input_shape)
        if fresh:
            for w in self.cell.weights:
                w.name = f"{self.name}/{w.name.rsplit('/', 1)[-1]}"

    def _run_steps(self, x, states, constants, mask, training, step=None):
        """The steps channels-last (channels_first transposed once around
        them), each step's kernels cut once per sequence."""
        cell = self.cell
        if step is not None or constants is not None or type(cell).call is not \
                ConvLSTMCell.call:
            return super()._run_steps(x, states, constants, mask, training, step)
        first = cell.data_format == "channels_first"
        if first:
            x = S.transpose(x, _channels_last(self.rank, 2))
            states = [S.transpose(s, _channels_last(self.rank, 1)) for s in states]
        out = super()._run_steps(x, states, None, mask, training,
                                 step=cell.step_function(x.data[:, 0], training))
        if not first:
            return out
        seq = _channels_first(self.rank, 2 if self.return_sequences else 1)
        back = _channels_first(self.rank, 1)
        return (S.transpose(out[0], seq),) + tuple(S.transpose(s, back) for s in out[1:])


_CONV_ATTRS = ("filters", "kernel_size", "strides", "padding", "data_format",
               "dilation_rate", "activation", "recurrent_activation", "use_bias",
               "kernel_initializer", "recurrent_initializer", "bias_initializer",
               "unit_forget_bias", "kernel_regularizer", "recurrent_regularizer",
               "bias_regularizer", "kernel_constraint", "recurrent_constraint",
               "bias_constraint", "dropout", "recurrent_dropout", "kernel",
               "recurrent_kernel", "bias")
expose(_ConvLSTM, _CONV_ATTRS)


class ConvLSTM1D(_ConvLSTM):
    """ConvLSTM over sequences of 1-D signals: inputs (batch, time, steps,
    channels)."""

    rank = 1


class ConvLSTM2D(_ConvLSTM):
    """ConvLSTM over sequences of images: inputs (batch, time, rows, cols,
    channels)."""

    rank = 2


class ConvLSTM3D(_ConvLSTM):
    """ConvLSTM over sequences of volumes: inputs (batch, time, depth, rows,
    cols, channels)."""

    rank = 3
