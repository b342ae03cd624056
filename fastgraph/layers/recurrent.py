"""LSTM, GRU and SimpleRNN: RNN layers over their built-in cells, with
tf-keras's arguments, weight names (`lstm/lstm_cell/kernel:0`), outputs,
masks and flat configs (no 'cell' key).

A whole sequence runs as one fused op of fastgraph.ops.rnn (time loop in
C); recurrent dropout while training and activations the kernels do not
know (any callable) run one step at a time (see recurrent_rnn).
"""
from .. import regularizers
from .recurrent_cells import FUSED_ACTIVATIONS, GRUCell, LSTMCell, SimpleRNNCell  # noqa: F401
from .recurrent_rnn import RNN

_SHARED = ("units", "activation", "use_bias", "kernel_initializer",
           "recurrent_initializer", "bias_initializer", "kernel_regularizer",
           "recurrent_regularizer", "bias_regularizer", "kernel_constraint",
           "recurrent_constraint", "bias_constraint", "dropout", "recurrent_dropout",
           "kernel", "recurrent_kernel", "bias")


def expose(cls, names):
    """Read the cell's attributes `names` through the layer (tf-keras's
    properties)."""
    for name in names:
        setattr(cls, name, property(
            lambda self, name=name: getattr(self.cell, name),
            doc=f"The cell's `{name}` (tf-keras exposes it on the layer)."))


class _CellLayer(RNN):
    """An RNN over a cell made from the layer's own arguments, whose config
    is the cell's, flat (tf-keras's).  `_cell` is the cell's name, the
    middle part of the weight names."""

    _cell_class, _cell = None, "rnn_cell"
    _input_ndim = 3
    _hidden = ("name", "trainable", "dtype")     # cell config keys the layer's lacks

    def __init__(self, cell_args, rnn_args, activity_regularizer, kwargs):
        cell = self._cell_class(**cell_args, dtype=kwargs.get("dtype"),
                                trainable=kwargs.get("trainable", True), name=self._cell)
        super().__init__(cell, **rnn_args, activity_regularizer=activity_regularizer,
                         **kwargs)

    def _fused_ok(self):
        return self.cell.fuses(False)

    def get_config(self):
        config = super().get_config()
        del config["cell"]
        cell = self.cell.get_config()
        for key in self._hidden:
            cell.pop(key, None)
        for key, value in cell.items():
            config[key] = value
            if key == "bias_regularizer":
                config["activity_regularizer"] = regularizers.serialize(
                    self.activity_regularizer)
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None):
        return cls(**config)


def _rnn_args(return_sequences, return_state, go_backwards, stateful, unroll, time_major):
    return dict(return_sequences=return_sequences, return_state=return_state,
                go_backwards=go_backwards, stateful=stateful, unroll=unroll,
                time_major=time_major)


class LSTM(_CellLayer):
    """Long short-term memory (Hochreiter 1997), as tf-keras's LSTM: kernel
    (features, 4*units), recurrent_kernel (units, 4*units), bias (4*units,),
    gates i, f, c, o.  Returns the last output, the whole sequence
    (`return_sequences`) and/or [output, h, c] (`return_state`)."""

    _cell_class, _cell = LSTMCell, "lstm_cell"

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
        cell_args = dict(
            units=units, activation=activation, recurrent_activation=recurrent_activation,
            use_bias=use_bias, kernel_initializer=kernel_initializer,
            recurrent_initializer=recurrent_initializer, bias_initializer=bias_initializer,
            unit_forget_bias=unit_forget_bias, kernel_regularizer=kernel_regularizer,
            recurrent_regularizer=recurrent_regularizer, bias_regularizer=bias_regularizer,
            kernel_constraint=kernel_constraint, recurrent_constraint=recurrent_constraint,
            bias_constraint=bias_constraint, dropout=dropout,
            recurrent_dropout=recurrent_dropout, implementation=implementation)
        super().__init__(cell_args, _rnn_args(return_sequences, return_state, go_backwards,
                                              stateful, unroll, time_major),
                         activity_regularizer, kwargs)



class GRU(_CellLayer):
    """Gated recurrent unit, as tf-keras's GRU: kernel (features, 3*units),
    recurrent_kernel (units, 3*units), gates z, r, h; with reset_after=True
    (the default) the bias is (2, 3*units): input and recurrent biases."""

    _cell_class, _cell = GRUCell, "gru_cell"

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
        cell_args = dict(
            units=units, activation=activation, recurrent_activation=recurrent_activation,
            use_bias=use_bias, kernel_initializer=kernel_initializer,
            recurrent_initializer=recurrent_initializer, bias_initializer=bias_initializer,
            kernel_regularizer=kernel_regularizer,
            recurrent_regularizer=recurrent_regularizer, bias_regularizer=bias_regularizer,
            kernel_constraint=kernel_constraint, recurrent_constraint=recurrent_constraint,
            bias_constraint=bias_constraint, dropout=dropout,
            recurrent_dropout=recurrent_dropout, implementation=implementation,
            reset_after=reset_after)
        super().__init__(cell_args, _rnn_args(return_sequences, return_state, go_backwards,
                                              stateful, unroll, time_major),
                         activity_regularizer, kwargs)



class SimpleRNN(_CellLayer):
    """Fully connected recurrence h = activation(x @ kernel + h_prev @
    recurrent_kernel + bias), as tf-keras's SimpleRNN: kernel (features,
    units), recurrent_kernel (units, units), bias (units,)."""

    _cell_class, _cell = SimpleRNNCell, "simple_rnn_cell"

    def __init__(self, units, activation="tanh", use_bias=True,
                 kernel_initializer="glorot_uniform",
                 recurrent_initializer="orthogonal", bias_initializer="zeros",
                 kernel_regularizer=None, recurrent_regularizer=None,
                 bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, recurrent_constraint=None,
                 bias_constraint=None, dropout=0.0, recurrent_dropout=0.0,
                 return_sequences=False, return_state=False, go_backwards=False,
                 stateful=False, unroll=False, time_major=False, **kwargs):
        cell_args = dict(
            units=units, activation=activation, use_bias=use_bias,
            kernel_initializer=kernel_initializer,
            recurrent_initializer=recurrent_initializer, bias_initializer=bias_initializer,
            kernel_regularizer=kernel_regularizer,
            recurrent_regularizer=recurrent_regularizer, bias_regularizer=bias_regularizer,
            kernel_constraint=kernel_constraint, recurrent_constraint=recurrent_constraint,
            bias_constraint=bias_constraint, dropout=dropout,
            recurrent_dropout=recurrent_dropout)
        super().__init__(cell_args, _rnn_args(return_sequences, return_state, go_backwards,
                                              stateful, unroll, time_major),
                         activity_regularizer, kwargs)


expose(LSTM, _SHARED + ("recurrent_activation", "unit_forget_bias", "implementation"))
expose(GRU, _SHARED + ("recurrent_activation", "implementation", "reset_after"))
expose(SimpleRNN, _SHARED)
