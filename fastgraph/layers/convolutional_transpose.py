"""Transposed convolution layers (Conv1DTranspose, Conv2DTranspose,
Conv3DTranspose): tf-keras 2.x arguments, kernel layout (k..., filters,
in_channels), output sizes (output_padding included) and configs."""
from .. import activations
from ..ops.activation import bias_activation
from ..ops.conv_transpose import (conv1d_transpose, conv2d_transpose, conv3d_transpose,
                                  transposed_output)
from .conv_utils import channels_first, channels_last, normalize_tuple
from .convolutional import _Conv


class _ConvTranspose(_Conv):
    """Shared body of the transposed convolutions over `rank` spatial axes."""

    _exact_rank = True

    def __init__(self, filters, kernel_size, strides=1, padding="valid",
                 output_padding=None, data_format=None, dilation_rate=1,
                 activation=None, use_bias=True, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None,
                 bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, groups=1, **kwargs):
        owner = type(self).__name__
        if groups not in (None, 1):
            raise ValueError(f"{owner}: `groups` must be 1 (transposed convolutions "
                             f"have no channel groups), got {groups!r}")
        super().__init__(filters, kernel_size, strides, padding, data_format,
                         dilation_rate, 1, activation, use_bias, kernel_initializer,
                         bias_initializer, kernel_regularizer, bias_regularizer,
                         activity_regularizer, kernel_constraint, bias_constraint,
                         **kwargs)
        self.output_padding = output_padding
        if output_padding is not None:
            self.output_padding = normalize_tuple(output_padding, self.rank,
                                                  "output_padding", owner, True)
            if any(p >= s for p, s in zip(self.output_padding, self.strides)):
                raise ValueError(f"{owner}: strides must be greater than output "
                                 f"padding. Received strides={self.strides}, "
                                 f"output_padding={self.output_padding}")

    def _kernel_shape(self, channels):
        return self.kernel_size + (self.filters, channels)

    def _out_padding(self):
        return self.output_padding or (None,) * self.rank

    def _spatial_output(self, spatial):
        return tuple(None if n is None else transposed_output(n, k, s, self.padding, p, d)[0]
                     for n, k, s, p, d in zip(spatial, self.kernel_size, self.strides,
                                              self._out_padding(), self.dilation_rate))

    def call(self, inputs):
        x = channels_last(inputs, self.data_format)
        op = {1: conv1d_transpose, 2: conv2d_transpose, 3: conv3d_transpose}[self.rank]
        linear = self.activation is activations.linear
        fused = linear or self.activation is activations.relu
        y = op(x, self.kernel, self.bias if fused else None, self.strides, self.padding,
               self.output_padding, self.dilation_rate,
               None if linear or not fused else "relu")
        if not fused:
            y = (bias_activation(y, self.bias, self.activation, inplace=True)
                 if self.use_bias else self.activation(y))
        return channels_first(y, self.data_format)

    def get_config(self):
        config = super().get_config()
        config["output_padding"] = self.output_padding
        return config


class Conv1DTranspose(_ConvTranspose):
    """Transposed 1-D convolution (the gradient of Conv1D with respect to its
    input, as a layer): kernel (kernel_size, filters, in_channels)."""

    rank = 1


class Conv2DTranspose(_ConvTranspose):
    """Transposed 2-D convolution ("deconvolution"): kernel (kh, kw, filters,
    in_channels); the output is (H-1)*stride + kernel - 2*pad + output_padding
    high (Keras's arithmetic)."""

    rank = 2


class Conv3DTranspose(_ConvTranspose):
    """Transposed 3-D convolution: kernel (kd, kh, kw, filters, in_channels).

    tf-keras ignores `dilation_rate` here (and leaves it out of the config);
    fastgraph refuses a dilation other than 1 rather than ignore it."""

    rank = 3

    def __init__(self, filters, kernel_size, strides=(1, 1, 1), padding="valid",
                 output_padding=None, data_format=None, dilation_rate=(1, 1, 1),
                 activation=None, use_bias=True, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None,
                 bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, **kwargs):
        if normalize_tuple(dilation_rate, 3, "dilation_rate", "Conv3DTranspose") != (1, 1, 1):
            raise ValueError(f"Conv3DTranspose: `dilation_rate` must be 1 (tf-keras "
                             f"ignores it in this layer), got {dilation_rate!r}")
        super().__init__(filters, kernel_size, strides, padding, output_padding,
                         data_format, dilation_rate, activation, use_bias,
                         kernel_initializer, bias_initializer, kernel_regularizer,
                         bias_regularizer, activity_regularizer, kernel_constraint,
                         bias_constraint, **kwargs)

    def get_config(self):
        config = super().get_config()
        config.pop("dilation_rate")
        return config


Convolution1DTranspose = Conv1DTranspose
Convolution2DTranspose = Conv2DTranspose
Convolution3DTranspose = Conv3DTranspose
