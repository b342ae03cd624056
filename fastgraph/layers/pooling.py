"""Pooling layers: max and average windows (1-D, 2-D, 3-D) and global pools,
channels_last or channels_first, with tf-keras 2.x arguments, output shapes
and configs."""
import numpy as np

from ..autodiff import as_array
from ..engine.layer import InputSpec, Layer
from ..ops import elementwise as E
from ..ops import reduce as R
from ..ops.pool import (avg_pool1d, avg_pool2d, avg_pool3d, global_avg_pool2d,
                        global_avg_pool3d, global_max_pool2d, global_max_pool3d,
                        max_pool1d, max_pool2d, max_pool3d)
from ..ops.shape import reshape
from .conv_utils import (channels_first, channels_last, check_rank, join_shape, layout,
                         normalize_data_format, normalize_padding, normalize_tuple,
                         output_length, split_shape)


class _Pooling(Layer):
    """Shared body of the windowed pools over `rank` spatial axes."""

    rank = 2

    def __init__(self, pool_size, strides=None, padding="valid", data_format=None,
                 **kwargs):
        super().__init__(**kwargs)
        owner, n = type(self).__name__, self.rank
        if strides is None:
            strides = pool_size
        self.pool_size = normalize_tuple(pool_size, n, "pool_size", owner)
        self.strides = normalize_tuple(strides, n, "strides", owner)
        self.padding = normalize_padding(padding, owner)
        self.data_format = normalize_data_format(data_format, owner)
        self.input_spec = InputSpec(ndim=n + 2)

    def call(self, inputs):
        x = channels_last(inputs, self.data_format)
        if self.rank == 1:
            y = self._op(x, self.pool_size[0], self.strides[0], self.padding)
        else:
            y = self._op(x, self.pool_size, self.strides, self.padding)
        return channels_first(y, self.data_format)

    def compute_output_shape(self, input_shape):
        input_shape = tuple(input_shape)
        check_rank(self, input_shape, self.rank + 2, layout(self.rank, self.data_format))
        lead, spatial, channels = split_shape(input_shape, self.rank, self.data_format)
        out = tuple(output_length(n, p, self.padding, s) for n, p, s in zip(
            spatial, self.pool_size, self.strides))
        if any(o is not None and o <= 0 for o in out):
            raise ValueError(f'Layer "{self.name}": input shape {input_shape} is too '
                             f'small for pool_size={self.pool_size} with '
                             f'padding={self.padding!r}: the output would be empty')
        return join_shape(lead, out, channels, self.data_format)

    def get_config(self):
        config = super().get_config()
        config.update({"pool_size": self.pool_size, "padding": self.padding,
                       "strides": self.strides, "data_format": self.data_format})
        return config


class MaxPooling1D(_Pooling):
    """Max over windows of the steps axis of (batch, steps, features)."""

    rank = 1
    _op = staticmethod(max_pool1d)

    def __init__(self, pool_size=2, strides=None, padding="valid",
                 data_format="channels_last", **kwargs):
        super().__init__(pool_size, strides, padding, data_format, **kwargs)


class AveragePooling1D(_Pooling):
    """Mean over windows of the steps axis ('same' padding: padded cells
    are not counted)."""

    rank = 1
    _op = staticmethod(avg_pool1d)

    def __init__(self, pool_size=2, strides=None, padding="valid",
                 data_format="channels_last", **kwargs):
        super().__init__(pool_size, strides, padding, data_format, **kwargs)


class MaxPooling2D(_Pooling):
    """Max over (pool_h, pool_w) windows of (batch, height, width, channels)."""

    _op = staticmethod(max_pool2d)

    def __init__(self, pool_size=(2, 2), strides=None, padding="valid",
                 data_format=None, **kwargs):
        super().__init__(pool_size, strides, padding, data_format, **kwargs)


class AveragePooling2D(_Pooling):
    """Mean over (pool_h, pool_w) windows ('same' padding: padded cells are
    not counted)."""

    _op = staticmethod(avg_pool2d)

    def __init__(self, pool_size=(2, 2), strides=None, padding="valid",
                 data_format=None, **kwargs):
        super().__init__(pool_size, strides, padding, data_format, **kwargs)


class MaxPooling3D(_Pooling):
    """Max over (pool_d, pool_h, pool_w) windows of (batch, depth, height,
    width, channels)."""

    rank = 3
    _op = staticmethod(max_pool3d)

    def __init__(self, pool_size=(2, 2, 2), strides=None, padding="valid",
                 data_format=None, **kwargs):
        super().__init__(pool_size, strides, padding, data_format, **kwargs)


class AveragePooling3D(_Pooling):
    """Mean over (pool_d, pool_h, pool_w) windows ('same' padding: padded
    cells are not counted)."""

    rank = 3
    _op = staticmethod(avg_pool3d)

    def __init__(self, pool_size=(2, 2, 2), strides=None, padding="valid",
                 data_format=None, **kwargs):
        super().__init__(pool_size, strides, padding, data_format, **kwargs)


class _GlobalPooling(Layer):
    """Shared body of the global pools: reduce every spatial axis, keeping
    them with length 1 when `keepdims`.  Channels-last 2-D and 3-D inputs
    go through the pooling ops; the other layouts reduce their axes."""

    rank = 2
    _channels_last_op = None
    _reduce = None

    def __init__(self, data_format=None, keepdims=False, **kwargs):
        super().__init__(**kwargs)
        self.data_format = normalize_data_format(data_format, type(self).__name__)
        self.keepdims = bool(keepdims)
        self.input_spec = InputSpec(ndim=self.rank + 2)

    def _axes(self):
        start = 2 if self.data_format == "channels_first" else 1
        return tuple(range(start, start + self.rank))

    def build(self, input_shape):
        check_rank(self, input_shape, self.rank + 2, layout(self.rank, self.data_format))
        if 0 in split_shape(input_shape, self.rank, self.data_format)[1]:
            raise ValueError(f'Layer "{self.name}": incorrect input shape '
                             f'{tuple(input_shape)} with dimension 0 on a '
                             f'pooled axis')
        self.built = True

    def compute_output_shape(self, input_shape):
        input_shape = tuple(input_shape)
        check_rank(self, input_shape, self.rank + 2, layout(self.rank, self.data_format))
        lead, _, channels = split_shape(input_shape, self.rank, self.data_format)
        if self.keepdims:
            return join_shape(lead, (1,) * self.rank, channels, self.data_format)
        return (input_shape[0], channels)

    def call(self, inputs):
        op = self._channels_last_op
        if op is not None and self.data_format == "channels_last":
            y = op(inputs)
            if not self.keepdims:
                return y
            return reshape(y, (y.shape[0],) + (1,) * self.rank + (y.shape[-1],))
        return self._reduce(inputs, axis=self._axes(), keepdims=self.keepdims)

    def get_config(self):
        config = super().get_config()
        config.update({"data_format": self.data_format, "keepdims": self.keepdims})
        return config


class GlobalAveragePooling1D(_GlobalPooling):
    """Mean over the steps axis; with a mask (batch, steps), the mean of the
    unmasked steps only.  The output carries no mask."""

    rank = 1
    _reduce = staticmethod(R.mean)
    _mask_only_from_masks = True

    def __init__(self, data_format="channels_last", keepdims=False, **kwargs):
        super().__init__(data_format, keepdims, **kwargs)
        self.supports_masking = True

    def call(self, inputs, mask=None):
        if mask is None:
            return super().call(inputs)
        steps = self._axes()[0]
        weights = np.asarray(as_array(mask), dtype=inputs.dtype)
        weights = weights[:, :, None] if steps == 1 else weights[:, None, :]
        total = R.sum(E.multiply(inputs, weights), axis=steps, keepdims=self.keepdims)
        count = weights.sum(axis=steps, keepdims=self.keepdims)
        return E.divide(total, count)

    def compute_mask(self, inputs, mask=None):
        return None


class GlobalMaxPooling1D(_GlobalPooling):
    """Max over the steps axis."""

    rank = 1
    _reduce = staticmethod(R.max)

    def __init__(self, data_format="channels_last", keepdims=False, **kwargs):
        super().__init__(data_format, keepdims, **kwargs)


class GlobalAveragePooling2D(_GlobalPooling):
    """Mean over height and width."""

    _channels_last_op = staticmethod(global_avg_pool2d)
    _reduce = staticmethod(R.mean)


class GlobalMaxPooling2D(_GlobalPooling):
    """Max over height and width."""

    _channels_last_op = staticmethod(global_max_pool2d)
    _reduce = staticmethod(R.max)


class GlobalAveragePooling3D(_GlobalPooling):
    """Mean over depth, height and width."""

    rank = 3
    _channels_last_op = staticmethod(global_avg_pool3d)
    _reduce = staticmethod(R.mean)


class GlobalMaxPooling3D(_GlobalPooling):
    """Max over depth, height and width."""

    rank = 3
    _channels_last_op = staticmethod(global_max_pool3d)
    _reduce = staticmethod(R.max)


MaxPool1D = MaxPooling1D
MaxPool2D = MaxPooling2D
MaxPool3D = MaxPooling3D
AvgPool1D = AveragePooling1D
AvgPool2D = AveragePooling2D
AvgPool3D = AveragePooling3D
GlobalAvgPool1D = GlobalAveragePooling1D
GlobalMaxPool1D = GlobalMaxPooling1D
GlobalAvgPool2D = GlobalAveragePooling2D
GlobalMaxPool2D = GlobalMaxPooling2D
GlobalAvgPool3D = GlobalAveragePooling3D
GlobalMaxPool3D = GlobalMaxPooling3D
