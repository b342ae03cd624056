"""Locally connected layers (LocallyConnected1D, LocallyConnected2D): a
convolution whose weights differ at every output position, with tf-keras
2.x arguments, weights (its three `implementation` layouts) and configs.

Every layout runs through the one op, ops.conv_local.local_conv, on its
implementation-1 kernel (positions, taps*channels, filters) with rows in
[tap][channel] order: the channels-first implementation-1 kernel is
transposed to it and the implementation-2 (masked dense) and -3 (sparse)
kernels are gathered into it through an index computed once at build.
"""
import numpy as np

from .. import activations, regularizers
from ..engine.layer import InputSpec, Layer
from ..ops import elementwise as E
from ..ops.conv_local import local_conv
from ..ops.shape import gather, reshape, transpose
from .conv_utils import (channels_first, channels_last, check_rank, join_shape, layout,
                         normalize_data_format, normalize_padding, normalize_tuple,
                         output_length, set_weight_args, split_shape, weight_config)
from .convolutional import check_filters


def _window_starts(padding, kernel_size):
    """The padding before each axis of the windows: none ('valid'), else
    kernel // 2 (Keras's windows centred on position * stride)."""
    return tuple(0 if padding == "valid" else k // 2 for k in kernel_size)


def _taps(spatial, kernel_size, strides, pads, out):
    """Per output position p and tap t: the input position it reads
    (positions, taps, rank) and whether that lies inside the input."""
    pos = np.array(list(np.ndindex(*out)), dtype=np.int64).reshape(-1, len(out))
    taps = np.array(list(np.ndindex(*kernel_size)), dtype=np.int64)
    at = (pos * np.array(strides) - np.array(pads))[:, None, :] + taps[None, :, :]
    inside = np.all((at >= 0) & (at < np.array(spatial)), axis=-1)
    return pos, np.where(inside[..., None], at, 0), inside


def _gather_index(implementation, data_format, spatial, channels, filters,
                  kernel_size, strides, pads, out):
    """For each entry (p, t, c, f) of the implementation-1 kernel (positions,
    taps * channels, filters), its index in the flattened kernel of
    `implementation` (taps outside the input, which read zeros, take index
    0); and the number of entries the implementation-3 kernel holds."""
    rank = len(spatial)
    pos, at, inside = _taps(spatial, kernel_size, strides, pads, out)
    p_ax = [pos[:, i][:, None, None, None] for i in range(rank)]
    a_ax = [at[..., i][:, :, None, None] for i in range(rank)]
    c = np.arange(channels)[None, None, :, None]
    f = np.arange(filters)[None, None, None, :]
    first = data_format == "channels_first"
    full = (len(pos), at.shape[1], channels, filters)
    if implementation == 2:
        if first:   # kernel (channels, in..., filters, out...)
            parts, dims = [c] + a_ax + [f] + p_ax, (channels,) + spatial + (filters,) + out
        else:       # kernel (in..., channels, out..., filters)
            parts, dims = a_ax + [c] + p_ax + [f], spatial + (channels,) + out + (filters,)
        index = np.ravel_multi_index([np.broadcast_to(a, full) for a in parts], dims)
        count = None
    else:           # nonzeros sorted by (output index, input index)
        out_parts = [f] + p_ax if first else p_ax + [f]
        out_dims = (filters,) + out if first else out + (filters,)
        in_parts = [c] + a_ax if first else a_ax + [c]
        in_dims = (channels,) + spatial if first else spatial + (channels,)
        key = (np.ravel_multi_index([np.broadcast_to(a, full) for a in out_parts],
                                    out_dims) * int(np.prod(in_dims))
               + np.ravel_multi_index([np.broadcast_to(a, full) for a in in_parts],
                                      in_dims))
        valid = np.broadcast_to(inside[:, :, None, None], full)
        index = np.zeros(full, dtype=np.int64)
        order = np.argsort(key[valid], kind="stable")
        ranks = np.empty_like(order)
        ranks[order] = np.arange(order.size)
        index[valid] = ranks
        count = int(order.size)
    index = np.where(np.broadcast_to(inside[:, :, None, None], full), index, 0)
    return index.reshape(full[0], -1, filters), count


class _LocallyConnected(Layer):
    """Shared body of the locally connected layers over `rank` spatial axes."""

    rank = 2

    def __init__(self, filters, kernel_size, strides=1, padding="valid",
                 data_format=None, activation=None, use_bias=True,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None,
                 bias_constraint=None, implementation=1, **kwargs):
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        owner, rank = type(self).__name__, self.rank
        self.filters = check_filters(filters, owner)
        self.kernel_size = normalize_tuple(kernel_size, rank, "kernel_size", owner)
        self.strides = normalize_tuple(strides, rank, "strides", owner)
        self.padding = normalize_padding(padding, owner)
        if implementation not in (1, 2, 3):
            raise ValueError(f"{owner}: `implementation` must be 1, 2 or 3, got "
                             f"{implementation!r}")
        if self.padding != "valid" and implementation == 1:
            raise ValueError(f"{owner}: padding={self.padding!r} needs implementation "
                             f"2 or 3 (implementation 1 supports only 'valid')")
        self.implementation = implementation
        self.data_format = normalize_data_format(data_format, owner)
        self.activation = activations.get(activation)
        self.use_bias = bool(use_bias)
        set_weight_args(self, "kernel", kernel_initializer, kernel_regularizer,
                        kernel_constraint)
        set_weight_args(self, "bias", bias_initializer, bias_regularizer, bias_constraint)
        self.input_spec = InputSpec(ndim=rank + 2)

    def compute_output_shape(self, input_shape):
        input_shape = tuple(input_shape)
        check_rank(self, input_shape, self.rank + 2, layout(self.rank, self.data_format))
        lead, spatial, _ = split_shape(input_shape, self.rank, self.data_format)
        out = tuple(output_length(n, k, self.padding, s) for n, k, s in zip(
            spatial, self.kernel_size, self.strides))
        if any(o is not None and o <= 0 for o in out):
            raise ValueError(f'Layer "{self.name}": one of the dimensions in the '
                             f'output is <= 0 (kernel_size={self.kernel_size}). '
                             f'Received input shape {input_shape}; increase the '
                             f'input size.')
        return join_shape(lead, out, self.filters, self.data_format)

    def build(self, input_shape):
        _, spatial, channels = split_shape(input_shape, self.rank, self.data_format)
        if channels is None or None in spatial:
            raise ValueError(f'Layer "{self.name}": the spatial and channel dimensions '
                             f'of the inputs must be fully defined, got input shape '
                             f'{tuple(input_shape)}')
        out_shape = self.compute_output_shape(input_shape)
        _, out, _ = split_shape(out_shape, self.rank, self.data_format)
        self._out, self._pads = out, _window_starts(self.padding, self.kernel_size)
        positions, taps = int(np.prod(out)), int(np.prod(self.kernel_size))
        first = self.data_format == "channels_first"
        shape = (positions, taps * channels, self.filters)
        if self.implementation != 1:
            self._index, count = _gather_index(
                self.implementation, self.data_format, tuple(spatial), channels,
                self.filters, self.kernel_size, self.strides, self._pads, tuple(out))
        if self.implementation == 2:
            shape = ((channels,) + spatial + (self.filters,) + out if first
                     else spatial + (channels,) + out + (self.filters,))
        elif self.implementation == 3:
            shape = (count,)
        self.kernel = self.add_weight(
            name="kernel", shape=shape, initializer=self.kernel_initializer,
            regularizer=self.kernel_regularizer, constraint=self.kernel_constraint)
        if self.use_bias:
            self.bias = self.add_weight(
                name="bias", shape=tuple(out) + (self.filters,),
                initializer=self.bias_initializer, regularizer=self.bias_regularizer,
                constraint=self.bias_constraint)
        else:
            self.bias = None
        self._channels = channels
        axis = 1 if first else -1
        self.input_spec = InputSpec(ndim=self.rank + 2, axes={axis: channels})
        self.built = True

    def _kernel(self):
        """The kernel in the op's (positions, taps * channels, filters) layout."""
        if self.implementation != 1:
            flat = reshape(self.kernel, (-1,))
            return gather(flat, self._index)
        if self.data_format != "channels_first":
            return self.kernel
        # channels-first rows are [channel][tap]: transpose them to [tap][channel]
        positions, _, filters = self.kernel.shape
        split = reshape(self.kernel, (positions, self._channels, -1, filters))
        return reshape(transpose(split, (0, 2, 1, 3)), (positions, -1, filters))

    def call(self, inputs):
        x = channels_last(inputs, self.data_format)
        y = local_conv(x, self._kernel(), self.kernel_size, self.strides, self._pads,
                       self._out)
        y = channels_first(y, self.data_format)
        if self.use_bias:
            bias = self.bias
            if self.data_format == "channels_first":
                # tf-keras reshapes (not transposes) the (out..., filters) bias
                bias = reshape(bias, (self.filters,) + tuple(self._out))
            y = E.add(y, bias)
        return self.activation(y)

    def get_config(self):
        config = super().get_config()
        config.update({
            "filters": self.filters, "kernel_size": self.kernel_size,
            "strides": self.strides, "padding": self.padding,
            "data_format": self.data_format,
            "activation": activations.serialize(self.activation),
            "use_bias": self.use_bias,
            "activity_regularizer": regularizers.serialize(self.activity_regularizer),
            "implementation": self.implementation,
        })
        config.update(weight_config(self, "kernel", "bias"))
        return config


class LocallyConnected1D(_LocallyConnected):
    """Unshared-weight 1-D convolution over (batch, steps, channels): kernel
    (output_length, kernel_size * channels, filters) (implementation 1),
    bias (output_length, filters)."""

    rank = 1


class LocallyConnected2D(_LocallyConnected):
    """Unshared-weight 2-D convolution: kernel (out_rows * out_cols,
    kh * kw * channels, filters) (implementation 1), bias (out_rows,
    out_cols, filters)."""

    rank = 2
