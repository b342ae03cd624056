"""Depthwise and separable convolution layers (DepthwiseConv1D/2D,
SeparableConv1D/2D) with tf-keras 2.x arguments, weights and configs.

A depthwise convolution convolves every input channel with its own
`depth_multiplier` filters (depthwise_kernel (k..., channels, multiplier));
a separable one follows it with a pointwise (1x1) convolution
(pointwise_kernel (1..., channels * multiplier, filters)) and the bias.
"""
import numbers

from .. import activations
from ..ops.activation import bias_activation
from ..ops.conv import conv1d, conv2d
from ..ops.conv_depthwise import depthwise_conv1d, depthwise_conv2d
from .conv_utils import channels_first, channels_last, set_weight_args, weight_config
from .convolutional import _Conv


def _multiplier(value, owner):
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
        raise ValueError(f"{owner}: `depth_multiplier` must be a positive integer, "
                         f"got {value!r}")
    return int(value)


def _depthwise_init(layer, filters, kernel_size, strides, padding, data_format,
                    dilation_rate, depth_multiplier, activation, use_bias, bias_args,
                    depthwise_args, activity_regularizer, kwargs):
    """The constructor body the depthwise and separable layers share: _Conv's
    arguments (the kernel_* ones only through kwargs, as tf-keras), then
    depth_multiplier and the depthwise kernel's initializer, regularizer
    and constraint."""
    bias_initializer, bias_regularizer, bias_constraint = bias_args
    _Conv.__init__(layer, filters, kernel_size, strides, padding, data_format,
                   dilation_rate, kwargs.pop("groups", 1), activation, use_bias,
                   bias_initializer=bias_initializer, bias_regularizer=bias_regularizer,
                   activity_regularizer=activity_regularizer,
                   bias_constraint=bias_constraint, **kwargs)
    layer.depth_multiplier = _multiplier(depth_multiplier, type(layer).__name__)
    set_weight_args(layer, "depthwise", *depthwise_args)


def _build_depthwise(layer, input_shape):
    """Check the input shape and add the depthwise kernel (kernel_size +
    (channels, depth_multiplier)); return the channels."""
    channels = layer._input_channels(input_shape)
    layer.compute_output_shape(input_shape)
    layer.depthwise_kernel = layer._add_kernel(
        "depthwise_kernel", layer.kernel_size + (channels, layer.depth_multiplier))
    return channels


def _activate(layer, y, op, bias):
    """op(y, bias, activation) with relu / linear fused, else the bias and
    the activation in place after it."""
    linear = layer.activation is activations.linear
    if linear or layer.activation is activations.relu:
        return op(y, bias, None if linear else "relu")
    y = op(y, None, None)
    if bias is None:
        return layer.activation(y)
    return bias_activation(y, bias, layer.activation, inplace=True)


class _DepthwiseConv(_Conv):
    """Shared body of DepthwiseConv1D and DepthwiseConv2D."""

    _exact_rank = True

    def __init__(self, kernel_size, strides=1, padding="valid", depth_multiplier=1,
                 data_format=None, dilation_rate=1, activation=None, use_bias=True,
                 depthwise_initializer="glorot_uniform", bias_initializer="zeros",
                 depthwise_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, depthwise_constraint=None,
                 bias_constraint=None, **kwargs):
        _depthwise_init(self, None, kernel_size, strides, padding, data_format,
                        dilation_rate, depth_multiplier, activation, use_bias,
                        (bias_initializer, bias_regularizer, bias_constraint),
                        (depthwise_initializer, depthwise_regularizer,
                         depthwise_constraint), activity_regularizer, kwargs)

    def _out_channels(self, channels):
        return None if channels is None else channels * self.depth_multiplier

    def build(self, input_shape):
        channels = _build_depthwise(self, input_shape)
        self._add_bias(channels * self.depth_multiplier)
        self.input_spec = self._spec(channels)
        self.built = True

    def _depthwise(self, x, bias, activation):
        op = depthwise_conv1d if self.rank == 1 else depthwise_conv2d
        return op(x, self.depthwise_kernel, bias, self.strides, self.padding,
                  self.dilation_rate, activation)

    def call(self, inputs):
        y = _activate(self, channels_last(inputs, self.data_format), self._depthwise,
                      self.bias)
        return channels_first(y, self.data_format)

    def get_config(self):
        config = super().get_config()
        for key in ("filters", "kernel_initializer", "kernel_regularizer",
                    "kernel_constraint"):
            config.pop(key)
        config["depth_multiplier"] = self.depth_multiplier
        config.update(weight_config(self, "depthwise"))
        return config


class DepthwiseConv1D(_DepthwiseConv):
    """Depthwise 1-D convolution over (batch, steps, channels): kernel
    (kernel_size, channels, depth_multiplier), output channels * multiplier."""

    rank = 1


class DepthwiseConv2D(_DepthwiseConv):
    """Depthwise 2-D convolution: kernel (kh, kw, channels, depth_multiplier),
    output channel c*multiplier + q from filter q of channel c."""

    rank = 2


class _SeparableConv(_Conv):
    """Shared body of SeparableConv1D and SeparableConv2D: a depthwise
    convolution (no bias) then a pointwise one with the bias and activation."""

    _exact_rank = True

    def __init__(self, filters, kernel_size, strides=1, padding="valid",
                 data_format=None, dilation_rate=1, depth_multiplier=1,
                 activation=None, use_bias=True, depthwise_initializer="glorot_uniform",
                 pointwise_initializer="glorot_uniform", bias_initializer="zeros",
                 depthwise_regularizer=None, pointwise_regularizer=None,
                 bias_regularizer=None, activity_regularizer=None,
                 depthwise_constraint=None, pointwise_constraint=None,
                 bias_constraint=None, **kwargs):
        _depthwise_init(self, filters, kernel_size, strides, padding, data_format,
                        dilation_rate, depth_multiplier, activation, use_bias,
                        (bias_initializer, bias_regularizer, bias_constraint),
                        (depthwise_initializer, depthwise_regularizer,
                         depthwise_constraint), activity_regularizer, kwargs)
        set_weight_args(self, "pointwise", pointwise_initializer, pointwise_regularizer,
                        pointwise_constraint)

    def build(self, input_shape):
        channels = _build_depthwise(self, input_shape)
        self.pointwise_kernel = self._add_kernel(
            "pointwise_kernel",
            (1,) * self.rank + (channels * self.depth_multiplier, self.filters))
        self._add_bias(self.filters)
        self.input_spec = self._spec(channels)
        self.built = True

    def _pointwise(self, z, bias, activation):
        op = conv1d if self.rank == 1 else conv2d
        return op(z, self.pointwise_kernel, bias, 1, "valid", 1, activation)

    def call(self, inputs):
        x = channels_last(inputs, self.data_format)
        depthwise = depthwise_conv1d if self.rank == 1 else depthwise_conv2d
        z = depthwise(x, self.depthwise_kernel, None, self.strides, self.padding,
                      self.dilation_rate)
        return channels_first(_activate(self, z, self._pointwise, self.bias),
                              self.data_format)

    def get_config(self):
        config = super().get_config()
        config["depth_multiplier"] = self.depth_multiplier
        config.update(weight_config(self, "depthwise", "pointwise"))
        return config


class SeparableConv1D(_SeparableConv):
    """Depthwise-separable 1-D convolution; padding 'valid', 'same' or 'causal'."""

    rank = 1
    _paddings = ("valid", "same", "causal")


class SeparableConv2D(_SeparableConv):
    """Depthwise-separable 2-D convolution: a depthwise convolution then a
    1x1 convolution to `filters` channels."""

    rank = 2


SeparableConvolution1D = SeparableConv1D
SeparableConvolution2D = SeparableConv2D
