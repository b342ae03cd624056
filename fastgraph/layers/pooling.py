"""Pooling layers, channels-last: max and average windows (1-D and 2-D) and
global pools, with tf-keras 2.x arguments, output shapes and configs."""
import numpy as np

from ..autodiff import as_array
from ..engine.layer import InputSpec, Layer
from ..ops import elementwise as E
from ..ops import reduce as R
from ..ops.pool import (avg_pool1d, avg_pool2d, global_avg_pool2d,
                        global_max_pool2d, max_pool1d, max_pool2d)
from ..ops.shape import reshape
from .convolutional import (check_data_format, check_rank, normalize_padding,
                            normalize_tuple, output_length)

_LAYOUTS = {1: "(batch, steps, features)", 2: "(batch, height, width, channels)"}


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
        self.data_format = check_data_format(data_format, owner)
        self.input_spec = InputSpec(ndim=n + 2)

    def call(self, inputs):
        if self.rank == 1:
            return self._op(inputs, self.pool_size[0], self.strides[0], self.padding)
        return self._op(inputs, self.pool_size, self.strides, self.padding)

    def compute_output_shape(self, input_shape):
        input_shape = tuple(input_shape)
        check_rank(self, input_shape, self.rank + 2, _LAYOUTS[self.rank])
        out = tuple(output_length(n, p, self.padding, s) for n, p, s in zip(
            input_shape[1:-1], self.pool_size, self.strides))
        if any(o is not None and o <= 0 for o in out):
            raise ValueError(f'Layer "{self.name}": input shape {input_shape} is too '
                             f'small for pool_size={self.pool_size} with '
                             f'padding={self.padding!r}: the output would be empty')
        return (input_shape[0],) + out + (input_shape[-1],)

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


class _GlobalPooling(Layer):
    """Shared body of the global pools: reduce every spatial axis, keeping
    them with length 1 when `keepdims`."""

    rank = 2

    def __init__(self, data_format=None, keepdims=False, **kwargs):
        super().__init__(**kwargs)
        self.data_format = check_data_format(data_format, type(self).__name__)
        self.keepdims = bool(keepdims)
        self.input_spec = InputSpec(ndim=self.rank + 2)

    def build(self, input_shape):
        check_rank(self, input_shape, self.rank + 2, _LAYOUTS[self.rank])
        if 0 in tuple(input_shape)[1:-1]:
            raise ValueError(f'Layer "{self.name}": incorrect input shape '
                             f'{tuple(input_shape)} with dimension 0 on a '
                             f'pooled axis')
        self.built = True

    def compute_output_shape(self, input_shape):
        input_shape = tuple(input_shape)
        check_rank(self, input_shape, self.rank + 2, _LAYOUTS[self.rank])
        if self.keepdims:
            return (input_shape[0],) + (1,) * self.rank + (input_shape[-1],)
        return (input_shape[0], input_shape[-1])

    def _keep(self, y):
        if not self.keepdims:
            return y
        return reshape(y, (y.shape[0],) + (1,) * self.rank + (y.shape[-1],))

    def get_config(self):
        config = super().get_config()
        config.update({"data_format": self.data_format, "keepdims": self.keepdims})
        return config


class GlobalAveragePooling1D(_GlobalPooling):
    """Mean over the steps axis; with a mask (batch, steps), the mean of the
    unmasked steps only.  The output carries no mask."""

    rank = 1

    def __init__(self, data_format="channels_last", keepdims=False, **kwargs):
        super().__init__(data_format, keepdims, **kwargs)
        self.supports_masking = True

    def call(self, inputs, mask=None):
        if mask is None:
            return R.mean(inputs, axis=1, keepdims=self.keepdims)
        weights = np.asarray(as_array(mask), dtype=inputs.dtype)[:, :, None]
        total = R.sum(E.multiply(inputs, weights), axis=1, keepdims=self.keepdims)
        count = weights.sum(axis=1, keepdims=self.keepdims)
        return E.divide(total, count)

    def compute_mask(self, inputs, mask=None):
        return None


class GlobalMaxPooling1D(_GlobalPooling):
    """Max over the steps axis."""

    rank = 1

    def __init__(self, data_format="channels_last", keepdims=False, **kwargs):
        super().__init__(data_format, keepdims, **kwargs)

    def call(self, inputs):
        return R.max(inputs, axis=1, keepdims=self.keepdims)


class GlobalAveragePooling2D(_GlobalPooling):
    """Mean over height and width."""

    def call(self, inputs):
        return self._keep(global_avg_pool2d(inputs))


class GlobalMaxPooling2D(_GlobalPooling):
    """Max over height and width."""

    def call(self, inputs):
        return self._keep(global_max_pool2d(inputs))


MaxPool1D = MaxPooling1D
MaxPool2D = MaxPooling2D
AvgPool1D = AveragePooling1D
AvgPool2D = AveragePooling2D
GlobalAvgPool1D = GlobalAveragePooling1D
GlobalMaxPool1D = GlobalMaxPooling1D
GlobalAvgPool2D = GlobalAveragePooling2D
GlobalMaxPool2D = GlobalMaxPooling2D
