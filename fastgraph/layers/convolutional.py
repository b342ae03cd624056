"""Convolution layers (Conv1D, Conv2D, Conv3D) with tf-keras 2.x arguments,
weight layouts and configs: strides, 'valid'/'same' (and 'causal' in 1-D)
padding, dilation, channel groups, channels_last or channels_first.

The transposed, depthwise and separable convolutions build on _Conv in
convolutional_transpose.py and convolutional_depthwise.py.
"""
import numbers

from .. import activations, regularizers
from ..engine.layer import InputSpec, Layer
from ..ops.activation import bias_activation
from ..ops.conv import conv1d, conv2d, conv3d
from ..ops.conv_depthwise import depthwise_conv1d, depthwise_conv2d
from ..ops.shape import reshape
from .conv_utils import (channels_first, channels_last, check_rank, join_shape, layout,
                         normalize_data_format, normalize_padding, normalize_tuple,
                         output_length, set_weight_args, split_shape, weight_config)

def check_filters(filters, owner, allow_none=False):
    """`filters` as a positive int (floats truncated, as tf-keras)."""
    if filters is None and allow_none:
        return None
    if isinstance(filters, float):
        filters = int(filters)
    if isinstance(filters, bool) or not isinstance(filters, numbers.Integral) \
            or filters <= 0:
        raise ValueError(f"{owner}: `filters` must be a positive integer, "
                         f"got {filters!r}")
    return int(filters)


class _Conv(Layer):
    """Shared body of the convolutions over `rank` spatial axes: arguments,
    the kernel and bias, output shapes, the channels-first views, extra
    leading batch axes, and the activation (relu and linear fused into the
    convolution with the bias)."""

    rank = 2
    # the paddings the class accepts, and whether the input rank is exact
    _paddings = ("valid", "same")
    _exact_rank = False

    def __init__(self, filters, kernel_size, strides=1, padding="valid",
                 data_format=None, dilation_rate=1, groups=1, activation=None,
                 use_bias=True, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None,
                 bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        owner, rank = type(self).__name__, self.rank
        self.filters = check_filters(filters, owner, allow_none=True)
        if isinstance(groups, bool) or not isinstance(groups, (numbers.Integral, type(None))) \
                or (groups is not None and groups < 1):
            raise ValueError(f"{owner}: `groups` must be a positive integer, got {groups!r}")
        self.groups = int(groups or 1)
        if self.filters is not None and self.filters % self.groups:
            raise ValueError(f"{owner}: the number of filters must be evenly divisible "
                             f"by the number of groups. Received: groups={self.groups}, "
                             f"filters={self.filters}")
        self.kernel_size = normalize_tuple(kernel_size, rank, "kernel_size", owner)
        self.strides = normalize_tuple(strides, rank, "strides", owner)
        self.padding = normalize_padding(padding, owner, self._paddings)
        self.data_format = normalize_data_format(data_format, owner)
        self.dilation_rate = normalize_tuple(dilation_rate, rank, "dilation_rate", owner)
        if max(self.strides) > 1 and max(self.dilation_rate) > 1:
            raise ValueError(f"{owner}: `strides > 1` not supported in conjunction "
                             f"with `dilation_rate > 1`. Received: "
                             f"strides={self.strides} and "
                             f"dilation_rate={self.dilation_rate}")
        self.activation = activations.get(activation)
        self.use_bias = bool(use_bias)
        set_weight_args(self, "kernel", kernel_initializer, kernel_regularizer,
                        kernel_constraint)
        set_weight_args(self, "bias", bias_initializer, bias_regularizer, bias_constraint)
        self.input_spec = self._spec()

    # ------------------------------------------------------------ shapes
    def _spec(self, channels=None):
        n = self.rank + 2
        axes = None if channels is None else {self._channel_axis(): channels}
        if self._exact_rank:
            return InputSpec(ndim=n, axes=axes)
        return InputSpec(min_ndim=n, axes=axes)

    def _channel_axis(self):
        return -1 - self.rank if self.data_format == "channels_first" else -1

    def _check_shape(self, input_shape):
        """The (leading, spatial, channels) split of a valid input shape."""
        check_rank(self, input_shape, self.rank + 2, layout(self.rank, self.data_format),
                   exact=self._exact_rank)
        return split_shape(input_shape, self.rank, self.data_format)

    def _input_channels(self, input_shape):
        _, _, channels = self._check_shape(input_shape)
        if channels is None:
            raise ValueError(f'Layer "{self.name}": the channel dimension (axis '
                             f'{self._channel_axis()}) of the inputs must be defined, '
                             f'got input shape {tuple(input_shape)}')
        if channels % self.groups:
            raise ValueError(f'Layer "{self.name}": the number of input channels '
                             f'must be evenly divisible by the number of groups. '
                             f'Received groups={self.groups}, but the input has '
                             f'{channels} channels (full input shape is '
                             f'{tuple(input_shape)})')
        return channels

    def _spatial_output(self, spatial):
        return tuple(output_length(n, k, self.padding, s, d) for n, k, s, d in zip(
            spatial, self.kernel_size, self.strides, self.dilation_rate))

    def _out_channels(self, channels):
        return self.filters

    def compute_output_shape(self, input_shape):
        input_shape = tuple(input_shape)
        lead, spatial, channels = self._check_shape(input_shape)
        out = self._spatial_output(spatial)
        if any(o is not None and o <= 0 for o in out):
            raise ValueError(f'Layer "{self.name}": one of the dimensions in the '
                             f'output is <= 0 (kernel_size={self.kernel_size}, '
                             f'padding={self.padding!r}, '
                             f'dilation_rate={self.dilation_rate}). Received input '
                             f'shape {input_shape}; increase the input size.')
        return join_shape(lead, out, self._out_channels(channels), self.data_format)

    # ------------------------------------------------------------ weights
    def _kernel_shape(self, channels):
        return self.kernel_size + (channels // self.groups, self.filters)

    def build(self, input_shape):
        channels = self._input_channels(input_shape)
        self.compute_output_shape(input_shape)
        self.kernel = self._add_kernel("kernel", self._kernel_shape(channels))
        self._add_bias(self._out_channels(channels))
        self.input_spec = self._spec(channels)
        self.built = True

    def _add_kernel(self, prefix, shape):
        """The weight `<prefix>` (kernel, depthwise_kernel, ...) with the
        initializer, regularizer and constraint of its prefix."""
        arg = prefix[:-len("_kernel")] if prefix.endswith("_kernel") else prefix
        return self.add_weight(
            name=prefix, shape=shape, initializer=getattr(self, f"{arg}_initializer"),
            regularizer=getattr(self, f"{arg}_regularizer"),
            constraint=getattr(self, f"{arg}_constraint"), trainable=True)

    def _add_bias(self, size):
        if self.use_bias:
            self.bias = self.add_weight(
                name="bias", shape=(size,), initializer=self.bias_initializer,
                regularizer=self.bias_regularizer, constraint=self.bias_constraint,
                trainable=True)
        else:
            self.bias = None

    # ------------------------------------------------------------ calling
    def _convolve(self, x, bias, activation=None):
        """The convolution of channels-last `x` (+ bias, fused activation)."""
        channels = x.shape[-1]
        if self.groups > 1 and self.groups == channels and self.rank < 3:
            # one group per channel: the depthwise kernels
            kernel = reshape(self.kernel, self.kernel_size + (channels, -1))
            op = depthwise_conv1d if self.rank == 1 else depthwise_conv2d
            return op(x, kernel, bias, self.strides, self.padding, self.dilation_rate,
                      activation)
        op = {1: conv1d, 2: conv2d, 3: conv3d}[self.rank]
        return op(x, self.kernel, bias, self.strides, self.padding, self.dilation_rate,
                  activation, self.groups)

    def call(self, inputs):
        x, lead = inputs, None
        inner = self.rank + 1
        if x.ndim > inner + 1:      # extra batch axes, folded into one
            lead = tuple(x.shape[:-inner])
            x = reshape(x, (-1,) + tuple(x.shape[-inner:]))
        x = channels_last(x, self.data_format)
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
        y = channels_first(y, self.data_format)
        if lead is not None:
            y = reshape(y, lead + tuple(y.shape[1:]))
        return y

    def get_config(self):
        config = super().get_config()
        config.update({
            "filters": self.filters, "kernel_size": self.kernel_size,
            "strides": self.strides, "padding": self.padding,
            "data_format": self.data_format, "dilation_rate": self.dilation_rate,
            "groups": self.groups,
            "activation": activations.serialize(self.activation),
            "use_bias": self.use_bias,
            "activity_regularizer": regularizers.serialize(self.activity_regularizer),
        })
        config.update(weight_config(self, "kernel", "bias"))
        return config


class Conv1D(_Conv):
    """1-D convolution over (batch, steps, channels): kernel
    (kernel_size, in_channels / groups, filters); padding 'valid', 'same' or
    'causal'."""

    rank = 1
    _paddings = ("valid", "same", "causal")

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
    (kh, kw, in_channels / groups, filters); padding 'valid' or 'same'."""

    rank = 2


class Conv3D(_Conv):
    """3-D convolution over (batch, depth, height, width, channels): kernel
    (kd, kh, kw, in_channels / groups, filters); padding 'valid' or 'same'."""

    rank = 3


Convolution1D = Conv1D
Convolution2D = Conv2D
Convolution3D = Conv3D
