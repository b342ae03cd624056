"""Spatial reshaping layers with tf-keras 2.x arguments and configs: zero
padding and cropping (1-D, 2-D, 3-D) and upsampling (UpSampling1D/2D/3D,
nearest or, in 2-D, bilinear), channels_last or channels_first."""
import numbers

from ..engine.layer import InputSpec, Layer
from ..ops.shape import getitem, pad
from ..ops.upsample import upsample_bilinear2d, upsample_nearest
from .conv_utils import (channels_first, channels_last, check_rank, join_shape, layout,
                         normalize_data_format, normalize_tuple, split_shape)

_ORDINALS = ("1st", "2nd", "3rd")


def _pairs(value, rank, arg, owner):
    """An int, `rank` ints (symmetric) or `rank` pairs, as one (before,
    after) pair per spatial axis."""
    if isinstance(value, numbers.Integral) and not isinstance(value, bool):
        return (normalize_tuple(value, 2, arg, owner, True),) * rank
    if hasattr(value, "__len__") and len(value) == rank:
        return tuple(normalize_tuple(v, 2, f"{_ORDINALS[i]} entry of {arg}", owner, True)
                     for i, v in enumerate(value))
    forms = {2: "(symmetric_height, symmetric_width), or a tuple of 2 tuples of 2 "
                "ints ((top, bottom), (left, right))",
             3: "(symmetric_dim1, symmetric_dim2, symmetric_dim3), or a tuple of 3 "
                "tuples of 2 ints ((left_dim1, right_dim1), (left_dim2, right_dim2), "
                "(left_dim3, right_dim3))"}[rank]
    raise ValueError(f"{owner}: `{arg}` should be either an int, a tuple of {rank} "
                     f"ints {forms}. Received: {value!r}")


class _Spatial(Layer):
    """Shared body of the padding and cropping layers: `amounts` holds one
    (before, after) pair per spatial axis; `sign` is +1 to pad, -1 to crop."""

    sign = 1

    def __init__(self, amounts, data_format="channels_last", **kwargs):
        super().__init__(**kwargs)
        self.data_format = normalize_data_format(data_format, type(self).__name__)
        self._spatial_amounts = amounts
        self.input_spec = InputSpec(ndim=len(amounts) + 2)

    def compute_output_shape(self, input_shape):
        input_shape = tuple(input_shape)
        amounts = self._spatial_amounts
        rank = len(amounts)
        check_rank(self, input_shape, rank + 2, layout(rank, self.data_format))
        lead, spatial, channels = split_shape(input_shape, rank, self.data_format)
        out = []
        for n, (a, b) in zip(spatial, amounts):
            size = None if n is None else n + self.sign * (a + b)
            if size is not None and size <= 0:
                raise ValueError(f'Layer "{self.name}": cropping {amounts} must '
                                 f'leave something of the input, received input '
                                 f'shape {input_shape}')
            out.append(size)
        return join_shape(lead, out, channels, self.data_format)

    def call(self, inputs):
        amounts = self._spatial_amounts
        self.compute_output_shape(inputs.shape)
        first = self.data_format == "channels_first"
        head = 2 if first else 1
        tail = () if first else (None,)
        if self.sign > 0:
            widths = ((0, 0),) * head + tuple(amounts) + tuple((0, 0) for _ in tail)
            return pad(inputs, widths)
        spatial = inputs.shape[head:head + len(amounts)]
        index = tuple(slice(a, n - b) for n, (a, b) in zip(spatial, amounts))
        return getitem(inputs, (slice(None),) * head + index + tuple(
            slice(None) for _ in tail))


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
        self.padding = _pairs(padding, 2, "padding", "ZeroPadding2D")
        super().__init__(self.padding, data_format, **kwargs)

    def get_config(self):
        config = super().get_config()
        config.update({"padding": self.padding, "data_format": self.data_format})
        return config


class ZeroPadding3D(_Spatial):
    """Zeros around the three spatial axes of (batch, depth, height, width,
    channels); `padding` is an int, 3 ints or 3 (before, after) pairs."""

    def __init__(self, padding=(1, 1, 1), data_format=None, **kwargs):
        self.padding = _pairs(padding, 3, "padding", "ZeroPadding3D")
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
        self.cropping = _pairs(cropping, 2, "cropping", "Cropping2D")
        super().__init__(self.cropping, data_format, **kwargs)

    def get_config(self):
        config = super().get_config()
        config.update({"cropping": self.cropping, "data_format": self.data_format})
        return config


class Cropping3D(_Spatial):
    """Borders removed from the three spatial axes; `cropping` takes the
    forms of ZeroPadding3D's `padding`."""

    sign = -1

    def __init__(self, cropping=((1, 1), (1, 1), (1, 1)), data_format=None, **kwargs):
        self.cropping = _pairs(cropping, 3, "cropping", "Cropping3D")
        super().__init__(self.cropping, data_format, **kwargs)

    def get_config(self):
        config = super().get_config()
        config.update({"cropping": self.cropping, "data_format": self.data_format})
        return config


# ------------------------------------------------------------- upsampling
_INTERPOLATIONS = ("area", "bicubic", "bilinear", "gaussian", "lanczos3", "lanczos5",
                   "mitchellcubic", "nearest")


class _UpSampling(Layer):
    """Shared body of the upsampling layers: every spatial axis i repeated
    (or interpolated) `size[i]` times."""

    rank = 2

    def __init__(self, size, data_format="channels_last", **kwargs):
        super().__init__(**kwargs)
        owner = type(self).__name__
        self._factors = normalize_tuple(size, self.rank, "size", owner)
        self.size = self._factors
        self.data_format = normalize_data_format(data_format, owner)
        self.input_spec = InputSpec(ndim=self.rank + 2)

    def compute_output_shape(self, input_shape):
        input_shape = tuple(input_shape)
        check_rank(self, input_shape, self.rank + 2, layout(self.rank, self.data_format))
        lead, spatial, channels = split_shape(input_shape, self.rank, self.data_format)
        out = tuple(None if n is None else n * f for n, f in zip(spatial, self._factors))
        return join_shape(lead, out, channels, self.data_format)

    def _resize(self, x):
        return upsample_nearest(x, self._factors)

    def call(self, inputs):
        x = channels_last(inputs, self.data_format)
        return channels_first(self._resize(x), self.data_format)

    def get_config(self):
        config = super().get_config()
        config["size"] = self.size
        if self.rank > 1:
            config["data_format"] = self.data_format
        return config


class UpSampling1D(_UpSampling):
    """Every step of (batch, steps, features) repeated `size` times."""

    rank = 1

    def __init__(self, size=2, **kwargs):
        super().__init__(size, **kwargs)
        self.size = self._factors[0]


class UpSampling2D(_UpSampling):
    """Rows and columns repeated `size` = (rows, cols) times ('nearest') or
    interpolated ('bilinear', as tf.image.resize)."""

    def __init__(self, size=(2, 2), data_format=None, interpolation="nearest",
                 **kwargs):
        super().__init__(size, data_format, **kwargs)
        value = interpolation.lower() if isinstance(interpolation, str) else interpolation
        if value not in _INTERPOLATIONS:
            raise ValueError(f"UpSampling2D: `interpolation` must be one of "
                             f"{', '.join(repr(i) for i in _INTERPOLATIONS)}, "
                             f"got {interpolation!r}")
        if value not in ("nearest", "bilinear"):
            raise ValueError(f"UpSampling2D: interpolation={value!r} is not "
                             f"implemented by fastgraph (only 'nearest' and "
                             f"'bilinear' are)")
        self.interpolation = value

    def _resize(self, x):
        if self.interpolation == "bilinear":
            return upsample_bilinear2d(x, self._factors)
        return upsample_nearest(x, self._factors)

    def get_config(self):
        config = super().get_config()
        config["interpolation"] = self.interpolation
        return config


class UpSampling3D(_UpSampling):
    """The three spatial axes repeated `size` = (dim1, dim2, dim3) times."""

    rank = 3

    def __init__(self, size=(2, 2, 2), data_format=None, **kwargs):
        super().__init__(size, data_format, **kwargs)
