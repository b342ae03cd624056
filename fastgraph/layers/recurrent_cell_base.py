"""What every recurrent cell shares: the rules of `state_size`, zero initial
states, the base of user cells (AbstractRNNCell), and the base of the
built-in cells (their weight arguments, configs and per-sequence dropout
masks).

A cell (tf-keras 2 contract) is any object with `state_size` and
`call(inputs, states)` returning `(output, new_states)`; `output_size` and
`get_initial_state(inputs=None, batch_size=None, dtype=None)` are optional.
`state_size` is an int (one state of that width), a TensorShape-like
object (one state of that shape: anything with `as_list()`), or a list or
tuple of those (one state per entry, nested for stacked cells).
"""
import numbers

import numpy as np

from .. import activations, constraints, initializers, regularizers
from ..autodiff import Tensor
from ..engine.layer import Layer
from ..ops.random import dropout as dropout_op
from .core import get_constraint


def _dims(size, where):
    if hasattr(size, "as_list"):
        dims = tuple(size.as_list())
    elif isinstance(size, numbers.Integral) and not isinstance(size, bool):
        dims = (int(size),)
    else:
        raise ValueError(f"{where}: state_size must be an int, a TensorShape-like "
                         f"object (with as_list()) or a list of them, got {size!r}")
    if any(d is None or d < 0 for d in dims):
        raise ValueError(f"{where}: every state needs a fully known shape, got {dims}")
    return dims


def is_multiple(state_size):
    """True when `state_size` lists several states (Keras's rule: a sized
    object that is not a shape)."""
    return isinstance(state_size, (list, tuple))


def state_shapes(state_size, where="RNN cell"):
    """The shape (without the batch) of each state of `state_size`, flat."""
    if is_multiple(state_size):
        return [s for entry in state_size for s in state_shapes(entry, where)]
    return [_dims(state_size, where)]


def flatten_states(states):
    """Nested lists and tuples of states as one flat list."""
    if isinstance(states, (list, tuple)):
        return [s for entry in states for s in flatten_states(entry)]
    return [states]


def pack_states(state_size, flat):
    """`flat` states arranged as `state_size` is: a list per list, a single
    state for an int or shape; the top level is always a list (the cells'
    `states` argument)."""
    flat = iter(flat)

    def pack(size):
        if is_multiple(size):
            return [pack(s) for s in size]
        return next(flat)
    packed = pack(state_size)
    return packed if is_multiple(state_size) else [packed]


def output_dims(cell, where="RNN cell"):
    """Shape of the cell's output without the batch: `output_size` if it
    has one, else its first state's."""
    size = getattr(cell, "output_size", None)
    if size is not None:
        return _dims(size, where)
    return state_shapes(cell.state_size, where)[0]


def zero_states(state_size, inputs=None, batch_size=None, dtype=None):
    """Zero Tensors shaped like `state_size` (nested the same way), for the
    batch of `inputs` or `batch_size`."""
    if inputs is not None:
        batch_size, dtype = inputs.shape[0], inputs.dtype
    if batch_size is None or dtype is None:
        raise ValueError(f"get_initial_state: batch_size and dtype cannot be None "
                         f"when inputs is None, got batch_size={batch_size}, "
                         f"dtype={dtype}")

    def zeros(size):
        if is_multiple(size):
            return [zeros(s) for s in size]
        return Tensor(np.zeros((int(batch_size),) + _dims(size, "get_initial_state"),
                               dtype=np.dtype(dtype)))
    return zeros(state_size)


class AbstractRNNCell(Layer):
    """Base of user cells: a subclass defines `state_size`, `output_size`
    and `call(inputs, states)` -> (output, new_states); states start at
    zero unless it overrides get_initial_state."""

    def get_initial_state(self, inputs=None, batch_size=None, dtype=None):
        """Zero states for a batch (of `inputs`, or `batch_size` of `dtype`)."""
        return zero_states(self.state_size, inputs, batch_size, dtype)


def check_rate(cls, arg, value):
    """A dropout rate in [0, 1)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real) \
            or not 0 <= value < 1:
        raise ValueError(f"{cls}: {arg} must be a float in [0, 1), got {value!r}")
    return float(value)


def forget_bias_one(init, n):
    """An initializer of a (4*n,) LSTM bias: `init` but ones for the forget
    gate (unit_forget_bias)."""
    def initializer(shape, dtype=None):
        return np.concatenate([np.asarray(init((n,), dtype=dtype)), np.ones(n, dtype),
                               np.asarray(init((2 * n,), dtype=dtype))])
    return initializer


class _BuiltinCell(AbstractRNNCell):
    """Base of the built-in cells: kernel, recurrent_kernel and bias with
    their initializers, regularizers and constraints; `dropout` (of the
    inputs) and `recurrent_dropout` (of the first state), whose masks are
    drawn once per sequence, as tf-keras's DropoutRNNCellMixin: the first
    step of a sequence draws them, every later step reuses them, and RNN
    resets them before each sequence."""

    dropout = recurrent_dropout = 0.0

    def _options(self, activation, recurrent_activation, use_bias, kernel_initializer,
                 recurrent_initializer, bias_initializer, kernel_regularizer,
                 recurrent_regularizer, bias_regularizer, kernel_constraint,
                 recurrent_constraint, bias_constraint, dropout, recurrent_dropout):
        """Store the arguments every built-in cell takes (no
        recurrent_activation when it is None)."""
        owner = type(self).__name__
        self.activation = activations.get(activation)
        if recurrent_activation is not None:
            self.recurrent_activation = activations.get(recurrent_activation)
        self.use_bias = bool(use_bias)
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.recurrent_initializer = initializers.get(recurrent_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.recurrent_regularizer = regularizers.get(recurrent_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = get_constraint(kernel_constraint, owner, "kernel_constraint")
        self.recurrent_constraint = get_constraint(recurrent_constraint, owner,
                                                   "recurrent_constraint")
        self.bias_constraint = get_constraint(bias_constraint, owner, "bias_constraint")
        self.dropout = check_rate(owner, "dropout", dropout)
        self.recurrent_dropout = check_rate(owner, "recurrent_dropout", recurrent_dropout)
        self.kernel = self.recurrent_kernel = self.bias = None

    def _add_weights(self, kernel_shape, recurrent_shape, bias_shape, bias_init):
        """Create kernel, recurrent_kernel and (with use_bias) bias."""
        self.kernel = self.add_weight(
            "kernel", kernel_shape, initializer=self.kernel_initializer,
            regularizer=self.kernel_regularizer, constraint=self.kernel_constraint)
        self.recurrent_kernel = self.add_weight(
            "recurrent_kernel", recurrent_shape, initializer=self.recurrent_initializer,
            regularizer=self.recurrent_regularizer, constraint=self.recurrent_constraint)
        if self.use_bias:
            self.bias = self.add_weight(
                "bias", bias_shape, initializer=bias_init,
                regularizer=self.bias_regularizer, constraint=self.bias_constraint)
        self.built = True

    def _config(self, head, middle=(), tail=()):
        """tf-keras's key order: the base keys, `head`, activation(s),
        use_bias, initializers, `middle`, regularizers, constraints,
        dropouts, `tail` (each a dict or pairs)."""
        config = super().get_config()
        config.update(head)
        config["activation"] = activations.serialize(self.activation)
        if hasattr(self, "recurrent_activation"):
            config["recurrent_activation"] = activations.serialize(
                self.recurrent_activation)
        config.update({
            "use_bias": self.use_bias,
            "kernel_initializer": initializers.serialize(self.kernel_initializer),
            "recurrent_initializer": initializers.serialize(self.recurrent_initializer),
            "bias_initializer": initializers.serialize(self.bias_initializer)})
        config.update(middle)
        config.update({
            "kernel_regularizer": regularizers.serialize(self.kernel_regularizer),
            "recurrent_regularizer": regularizers.serialize(self.recurrent_regularizer),
            "bias_regularizer": regularizers.serialize(self.bias_regularizer),
            "kernel_constraint": constraints.serialize(self.kernel_constraint),
            "recurrent_constraint": constraints.serialize(self.recurrent_constraint),
            "bias_constraint": constraints.serialize(self.bias_constraint),
            "dropout": self.dropout, "recurrent_dropout": self.recurrent_dropout})
        config.update(tail)
        return config

    def _masks_for(self, kind, shape, dtype, training, rate, count):
        """The cached masks of `kind` ('input' or 'recurrent'), drawn anew
        for another shape or count; None when not training or rate is 0."""
        if not training or not rate:
            return None
        cache = self.__dict__.setdefault("_mask_cache", {})
        masks = cache.get(kind)
        shape = tuple(shape)
        if masks is None or len(masks) != count or masks[0].shape != shape:
            ones = Tensor(np.ones(shape, dtype=dtype))
            masks = cache[kind] = [dropout_op(ones, rate).data for _ in range(count)]
        return masks if count > 1 else masks[0]

    def input_masks(self, shape, dtype, training, count=1):
        """The input dropout mask(s) of this sequence for inputs of `shape`
        (a list when count > 1), or None when not training or without dropout."""
        return self._masks_for("input", shape, dtype, training, self.dropout, count)

    def get_dropout_mask_for_cell(self, inputs, training, count=1):
        """The input dropout mask(s) of this sequence, as input_masks."""
        return self.input_masks(inputs.shape, inputs.dtype, training, count)

    def recurrent_masks(self, shape, dtype, training, count=1):
        """The recurrent dropout mask(s) of this sequence, as input_masks."""
        return self._masks_for("recurrent", shape, dtype, training,
                               self.recurrent_dropout, count)

    def get_recurrent_dropout_mask_for_cell(self, inputs, training, count=1):
        """The recurrent dropout mask(s) of this sequence, as input_masks."""
        return self.recurrent_masks(inputs.shape, inputs.dtype, training, count)

    def reset_dropout_mask(self):
        """Draw new input masks at the next step."""
        self.__dict__.get("_mask_cache", {}).pop("input", None)

    def reset_recurrent_dropout_mask(self):
        """Draw new recurrent masks at the next step."""
        self.__dict__.get("_mask_cache", {}).pop("recurrent", None)


def build_sublayer(owner, sub, input_shape):
    """Build the cell `sub` of `owner` for `input_shape` (unless built) and
    name its weights under `owner`, as tf-keras does (`rnn/lstm_cell/
    kernel:0`)."""
    if not isinstance(sub, Layer) or sub.built:
        return
    sub._maybe_build(input_shape)
    for w in sub.weights:
        w.name = f"{owner.name}/{w.name}"
