"""Convolution layers (Conv1D, Conv2D) and spatial padding and cropping,
channels-last, with tf-keras 2.x arguments, weight layouts and configs.

Also the argument helpers the pooling layers share (tuples of ints,
data_format, padding, output lengths, rank checks).
"""
import numbers

from .. import activations, constraints, initializers, regularizers
from ..engine.layer import InputSpec, Layer
from ..ops.activation import bias_activation
from ..ops.conv import conv1d, conv2d, padded_output
from ..ops.shape import getitem, pad, reshape
from .core import get_constraint


# ------------------------------------------------------- argument helpers
def normalize_tuple(value, n, arg, owner, allow_zero=False):
    """`value` (an int or a sequence of `n` ints) as a tuple of `n` ints,
    each positive (or non-negative with `allow_zero`); ValueError naming
    `owner` (the layer class) and `arg` otherwise."""
    def is_int(v):
        return isinstance(v, numbers.Integral) and not isinstance(v, bool)
    if is_int(value):
        values = (int(value),) * n
    else:
        try:
            values = tuple(value)
        except TypeError:
            values = None
        if values is None or len(values) != n or not all(is_int(v) for v in values):
            raise ValueError(f"{owner}: `{arg}` must be an int or a tuple of {n} "
                             f"ints, got {value!r}")
        values = tuple(int(v) for v in values)
    low = 0 if allow_zero else 1
    if any(v < low for v in values):
        raise ValueError(f"{owner}: `{arg}` must be {'>= 0' if allow_zero else '> 0'}, "
                         f"got {value!r}")
    return values


def check_data_format(data_format, owner):
    """'channels_last' (also for None); anything else is a ValueError."""
    if data_format is None or data_format == "channels_last":
        return "channels_last"
    raise ValueError(f"{owner}: only data_format='channels_last' is supported, "
                     f"got {data_format!r}")


def normalize_padding(padding, owner, allowed=("valid", "same")):
    """`padding` lower-cased and checked against `allowed`."""
    value = padding.lower() if isinstance(padding, str) else padding
    if value not in allowed:
        raise ValueError(f"{owner}: `padding` must be one of "
                         f"{', '.join(repr(a) for a in allowed)}, got {padding!r}")
    return value


def output_length(length, window, padding, stride, dilation=1):
    """Output length of a window sliding over `length` (None stays None)."""
    if length is None:
        return None
    return padded_output(length, window, stride, dilation, padding)[0]


def check_rank(layer, shape, ndim, layout, exact=True):
    """ValueError naming the layer when `shape` has the wrong rank."""
    ok = len(shape) == ndim if exact else len(shape) >= ndim
    if not ok:
        want = f"ndim={ndim}" if exact else f"min_ndim={ndim}"
        raise ValueError(f'Input 0 of layer "{layer.name}" is incompatible with the '
                         f'layer: expected {want} {layout}, found ndim={len(shape)}. '
                         f'Full shape received: {tuple(shape)}')


# --------------------------------------------------------- convolutions
class _Conv(Layer):
    """Shared body of Conv1D and Conv2D (`rank` spatial dimensions)."""

    rank = 2
    _layout = "(batch, height, width, channels)"

    def __init__(self, filters, kernel_size, strides=1, padding="valid",
                 data_format=None, dilation_rate=1, groups=1, activation=None,
                 use_bias=True, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None,
                 bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        owner, rank = type(self).__name__, self.rank
        if isinstance(filters, float):
            filters = int(filters)
        if isinstance(filters, bool) or not isinstance(filters, numbers.Integral) \
                or filters <= 0:
            raise ValueError(f"{owner}: `filters` must be a positive integer, "
                             f"got {filters!r}")
        if groups not in (None, 1):
            raise ValueError(f"{owner}: only groups=1 is supported, got {groups!r}")
        self.filters = int(filters)
        self.groups = 1
        self.kernel_size = normalize_tuple(kernel_size, rank, "kernel_size", owner)
        self.strides = normalize_tuple(strides, rank, "strides", owner)
        allowed = ("valid", "same", "causal") if rank == 1 else ("valid", "same")
        self.padding = normalize_padding(padding, owner, allowed)
        self.data_format = check_data_format(data_format, owner)
        self.dilation_rate = normalize_tuple(dilation_rate, rank, "dilation_rate", owner)
        if max(self.strides) > 1 and max(self.dilation_rate) > 1:
            raise ValueError(f"{owner}: `strides > 1` not supported in conjunction "
                             f"with `dilation_rate > 1`. Received: "
                             f"strides={self.strides} and "
                             f"dilation_rate={self.dilation_rate}")
        self.activation = activations.get(activation)
        self.use_bias = bool(use_bias)
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = get_constraint(kernel_constraint, owner,
                                                "kernel_constraint")
        self.bias_constraint = get_constraint(bias_constraint, owner, "bias_constraint")
        self.input_spec = InputSpec(min_ndim=rank + 2)

    def build(self, input_shape):
        check_rank(self, input_shape, self.rank + 2, self._layout, exact=False)
        channels = input_shape[-1]
        if channels is None:
            raise ValueError(f'Layer "{self.name}": the channel dimension (last axis) '
                             f'of the inputs must be defined, got input shape '
                             f'{tuple(input_shape)}')
        self.compute_output_shape(input_shape)
        self.kernel = self.add_weight(
            name="kernel", shape=self.kernel_size + (channels, self.filters),
            initializer=self.kernel_initializer, regularizer=self.kernel_regularizer,
            constraint=self.kernel_constraint, trainable=True)
        if self.use_bias:
            self.bias = self.add_weight(
                name="bias", shape=(self.filters,), initializer=self.bias_initializer,
                regularizer=self.bias_regularizer, constraint=self.bias_constraint,
                trainable=True)
        else:
            self.bias = None
        self.input_spec = InputSpec(min_ndim=self.rank + 2, axes={-1: channels})
        self.built = True

    def _convolve(self, x, bias, activation=None):
        if self.rank == 1:
            return conv1d(x, self.kernel, bias, self.strides, self.padding,
                          self.dilation_rate, activation)
        return conv2d(x, self.kernel, bias, self.strides, self.padding,
                      self.dilation_rate, activation)

    def call(self, inputs):
        x, lead = inputs, None
        inner = self.rank + 1
        if x.ndim > inner + 1:      # extra batch axes, folded into one
            lead = tuple(x.shape[:-inner])
            x = reshape(x, (-1,) + tuple(x.shape[-inner:]))
        linear = self.activation is activations.linear
        if linear or self.activation is activations.relu:
            # bias and relu run inside the convolution, chunk by chunk
            y = self._convolve(x, self.bias, None if linear else "relu")
        else:
            # The convolution writes a fresh buffer: the activation and the
            # bias are applied to it in place, in one pass.
            y = self._convolve(x, None)
            if self.use_bias:
                y = bias_activation(y, self.bias, self.activation, inplace=True)
            else:
                y = self.activation(y)
        if lead is not None:
            y = reshape(y, lead + tuple(y.shape[1:]))
        return y

    def compute_output_shape(self, input_shape):
        input_shape = tuple(input_shape)
        check_rank(self, input_shape, self.rank + 2, self._layout, exact=False)
        spatial = input_shape[-self.rank - 1:-1]
        out = tuple(output_length(n, k, self.padding, s, d) for n, k, s, d in zip(
            spatial, self.kernel_size, self.strides, self.dilation_rate))
        if any(o is not None and o <= 0 for o in out):
            raise ValueError(f'Layer "{self.name}": one of the dimensions in the '
                             f'output is <= 0 (kernel_size={self.kernel_size}, '
                             f'padding={self.padding!r}, '
                             f'dilation_rate={self.dilation_rate}). Received input '
                             f'shape {input_shape}; increase the input size.')
        return input_shape[:-self.rank - 1] + out + (self.filters,)

    def get_config(self):
        config = super().get_config()
        config.update({
            "filters": self.filters, "kernel_size": self.kernel_size,
            "strides": self.strides, "padding": self.padding,
            "data_format": self.data_format, "dilation_rate": self.dilation_rate,
            "groups": self.groups,
            "activation": activations.serialize(self.activation),
            "use_bias": self.use_bias,
            "kernel_initializer": initializers.serialize(self.kernel_initializer),
            "bias_initializer": initializers.serialize(self.bias_initializer),
            "kernel_regularizer": regularizers.serialize(self.kernel_regularizer),
            "bias_regularizer": regularizers.serialize(self.bias_regularizer),
            "activity_regularizer": regularizers.serialize(self.activity_regularizer),
            "kernel_constraint": constraints.serialize(self.kernel_constraint),
            "bias_constraint": constraints.serialize(self.bias_constraint),
        })
        return config


class Conv1D(_Conv):
    """1-D convolution over (batch, steps, channels): kernel
    (kernel_size, in_channels, filters); padding 'valid', 'same' or 'causal'."""

    rank = 1
    _layout = "(batch, steps, channels)"

    def __init__(self, filters, kernel_size, strides=1, padding="valid",
                 data_format="channels_last", dilation_rate=1, groups=1,
                 activation=None, use_bias=True, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None,
                 bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(filters, kernel_size, strides, padding, data_format,
                         dilation_rate, groups, activation, use_bias,
                         kernel_initializer, bias_initializer, kernel_regularizer,
                         bias_regularizer, activity_regularizer, kernel_constraint,
                         bias_constraint, **kwargs)


class Conv2D(_Conv):
    """2-D convolution over (batch, height, width, channels): kernel
    (kh, kw, in_channels, filters); padding 'valid' or 'same'."""

    rank = 2

    def __init__(self, filters, kernel_size, strides=(1, 1), padding="valid",
                 data_format=None, dilation_rate=(1, 1), groups=1, activation=None,
                 use_bias=True, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None,
                 bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(filters, kernel_size, strides, padding, data_format,
                         dilation_rate, groups, activation, use_bias,
                         kernel_initializer, bias_initializer, kernel_regularizer,
                         bias_regularizer, activity_regularizer, kernel_constraint,
                         bias_constraint, **kwargs)


Convolution1D = Conv1D
Convolution2D = Conv2D


# --------------------------------------------------- padding and cropping
def _pairs(value, arg, owner):
    """An int, a pair of ints (symmetric) or a pair of pairs, as
    ((top, bottom), (left, right))."""
    if isinstance(value, numbers.Integral) and not isinstance(value, bool):
        return (normalize_tuple(value, 2, arg, owner, True),) * 2
    if hasattr(value, "__len__") and len(value) == 2:
        return (normalize_tuple(value[0], 2, f"1st entry of {arg}", owner, True),
                normalize_tuple(value[1], 2, f"2nd entry of {arg}", owner, True))
    raise ValueError(f"{owner}: `{arg}` should be either an int, a tuple of 2 ints "
                     f"(symmetric_height, symmetric_width), or a tuple of 2 tuples "
                     f"of 2 ints ((top, bottom), (left, right)). Received: {value!r}")


class _Spatial(Layer):
    """Shared body of the padding and cropping layers: `amounts` holds one
    (before, after) pair per spatial axis; `sign` is +1 to pad, -1 to crop."""

    sign = 1

    def __init__(self, amounts, data_format="channels_last", **kwargs):
        super().__init__(**kwargs)
        self.data_format = check_data_format(data_format, type(self).__name__)
        self._spatial_amounts = amounts
        self.input_spec = InputSpec(ndim=len(amounts) + 2)

    def compute_output_shape(self, input_shape):
        input_shape = tuple(input_shape)
        amounts = self._spatial_amounts
        layout = ("(batch, steps, features)" if len(amounts) == 1
                  else "(batch, height, width, channels)")
        check_rank(self, input_shape, len(amounts) + 2, layout)
        spatial = []
        for n, (a, b) in zip(input_shape[1:-1], amounts):
            size = None if n is None else n + self.sign * (a + b)
            if size is not None and size <= 0:
                raise ValueError(f'Layer "{self.name}": cropping {amounts} must '
                                 f'leave something of the input, received input '
                                 f'shape {input_shape}')
            spatial.append(size)
        return (input_shape[0],) + tuple(spatial) + (input_shape[-1],)

    def call(self, inputs):
        amounts = self._spatial_amounts
        self.compute_output_shape(inputs.shape)
        if self.sign > 0:
            return pad(inputs, ((0, 0),) + tuple(amounts) + ((0, 0),))
        index = tuple(slice(a, n - b) for n, (a, b) in zip(inputs.shape[1:-1], amounts))
        return getitem(inputs, (slice(None),) + index + (slice(None),))


class ZeroPadding1D(_Spatial):
    """Zeros added before and after the steps axis of (batch, steps, features);
    `padding` is an int or a (before, after) pair."""

    def __init__(self, padding=1, **kwargs):
        self.padding = normalize_tuple(padding, 2, "padding", "ZeroPadding1D", True)
        super().__init__((self.padding,), **kwargs)

    def get_config(self):
        config = super().get_config()
        config["padding"] = self.padding
        return config


class ZeroPadding2D(_Spatial):
    """Rows and columns of zeros around (batch, height, width, channels);
    `padding` is an int, (symmetric_height, symmetric_width) or
    ((top, bottom), (left, right))."""

    def __init__(self, padding=(1, 1), data_format=None, **kwargs):
        self.padding = _pairs(padding, "padding", "ZeroPadding2D")
        super().__init__(self.padding, data_format, **kwargs)

    def get_config(self):
        config = super().get_config()
        config.update({"padding": self.padding, "data_format": self.data_format})
        return config


class Cropping1D(_Spatial):
    """Steps removed from the start and end of (batch, steps, features)."""

    sign = -1

    def __init__(self, cropping=(1, 1), **kwargs):
        self.cropping = normalize_tuple(cropping, 2, "cropping", "Cropping1D", True)
        super().__init__((self.cropping,), **kwargs)

    def get_config(self):
        config = super().get_config()
        config["cropping"] = self.cropping
        return config


class Cropping2D(_Spatial):
    """Rows and columns removed from the borders of (batch, height, width,
    channels); `cropping` takes the forms of ZeroPadding2D's `padding`."""

    sign = -1

    def __init__(self, cropping=((0, 0), (0, 0)), data_format=None, **kwargs):
        self.cropping = _pairs(cropping, "cropping", "Cropping2D")
        super().__init__(self.cropping, data_format, **kwargs)

    def get_config(self):
        config = super().get_config()
        config.update({"cropping": self.cropping, "data_format": self.data_format})
        return config
