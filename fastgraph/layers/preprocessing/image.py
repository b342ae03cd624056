"""Deterministic image layers: Rescaling, Resizing, CenterCrop (tf-keras 2.x),
channels-last, on one image (H, W, C) or a batch (N, H, W, C).  Resizing
and cropping are differentiable in the image (fastgraph.ops.image)."""
import numbers

import numpy as np

from ...autodiff import Tensor
from ...engine.layer import Layer
from ...ops import elementwise as E
from ...ops import image as image_ops
from ...ops import shape as S
from .base import check_positive_int


def float_image(layer, x, dtype=None):
    """x as a float Tensor of `dtype` (the layer's): float inputs through a
    differentiable cast, integer images (uint8 ...) converted."""
    dtype = dtype or layer.dtype
    if x.dtype.kind == "f":
        return E.cast(x, dtype)
    if x.dtype.kind in "biu":
        return Tensor(x.data.astype(dtype))
    raise TypeError(f'Layer "{layer.name}" ({type(layer).__name__}) expects numeric '
                    f'images, got dtype {x.dtype}')


def check_image_rank(layer, shape):
    if len(shape) not in (3, 4):
        raise ValueError(f'Layer "{layer.name}" ({type(layer).__name__}) expects an '
                         f'image (height, width, channels) or a batch (batch, height, '
                         f'width, channels), got shape {tuple(shape)}')


def resize_images(x, height, width, method):
    """Tensor x (3-D or 4-D) resized to (height, width) by `method`."""
    if x.ndim == 3:
        return S.squeeze(resize_images(S.expand_dims(x, 0), height, width, method), 0)
    return image_ops.resize(x, (height, width), method)


def smart_resize(x, height, width, method="bilinear"):
    """Keras's smart_resize: the largest centred crop with the target aspect
    ratio, then resized."""
    h, w = x.shape[-3], x.shape[-2]
    top, left, ch, cw = image_ops.crop_box(h, w, height, width)
    if (ch, cw) != (h, w):
        x = S.getitem(x, (Ellipsis, slice(top, top + ch), slice(left, left + cw),
                          slice(None)))
    return resize_images(x, height, width, method)


def with_size(shape, height, width):
    shape = list(shape)
    shape[-3], shape[-2] = height, width
    return tuple(shape)


class _Sized:
    """The fixed (height, width) output of Resizing and the cropping layers."""

    def _set_size(self, height, width):
        name = type(self).__name__
        self.height = check_positive_int(name, "height", height)
        self.width = check_positive_int(name, "width", width)

    def crop(self, x, top, left):
        """The (height, width) window of Tensor x at (top, left)."""
        return S.getitem(x, (Ellipsis, slice(top, top + self.height),
                             slice(left, left + self.width), slice(None)))

    def compute_output_shape(self, input_shape):
        check_image_rank(self, input_shape)
        return with_size(input_shape, self.height, self.width)

    def get_config(self):
        config = super().get_config()
        config.update({"height": self.height, "width": self.width})
        return config


class Rescaling(Layer):
    """`inputs * scale + offset` in the layer's dtype (e.g. 1/255 to map
    uint8 pixels to [0, 1]); scale and offset may be per-channel lists."""

    def __init__(self, scale, offset=0.0, **kwargs):
        super().__init__(**kwargs)
        for arg, value in (("scale", scale), ("offset", offset)):
            ok = isinstance(value, numbers.Real) and not isinstance(value, bool)
            if not ok and not (isinstance(value, (list, tuple)) and all(
                    isinstance(v, numbers.Real) for v in value)):
                raise ValueError(f"Rescaling: `{arg}` must be a number or a list of "
                                 f"numbers, got {value!r}")
        self.scale, self.offset = scale, offset

    def call(self, inputs):
        x = float_image(self, inputs)
        y = E.multiply(x, np.asarray(self.scale, dtype=self.dtype))
        return E.add(y, np.asarray(self.offset, dtype=self.dtype))

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config.update({"scale": self.scale, "offset": self.offset})
        return config


class Resizing(_Sized, Layer):
    """Images resized to (height, width) by `interpolation` (tf.image.resize
    methods: bilinear, nearest, bicubic, area, lanczos3, lanczos5, gaussian,
    mitchellcubic); `crop_to_aspect_ratio` first takes the largest centred
    crop with the target aspect ratio."""

    def __init__(self, height, width, interpolation="bilinear",
                 crop_to_aspect_ratio=False, **kwargs):
        super().__init__(**kwargs)
        self._set_size(height, width)
        image_ops.check_method("Resizing", interpolation)
        self.interpolation = interpolation
        self.crop_to_aspect_ratio = bool(crop_to_aspect_ratio)

    def call(self, inputs):
        check_image_rank(self, inputs.shape)
        if self.interpolation == "nearest" and inputs.dtype.kind in "biu":
            return self._nearest_ints(inputs)
        x = float_image(self, inputs, "float32" if self.dtype != "float64" else None)
        if self.crop_to_aspect_ratio:
            y = smart_resize(x, self.height, self.width, self.interpolation)
        else:
            y = resize_images(x, self.height, self.width, self.interpolation)
        return E.cast(y, self.dtype)

    def _nearest_ints(self, inputs):
        """Nearest-neighbour resizing of integer images, exactly (no float
        round trip); integer images carry no gradient."""
        a = inputs.data
        h, w = a.shape[-3], a.shape[-2]
        if self.crop_to_aspect_ratio:
            top, left, h, w = image_ops.crop_box(h, w, self.height, self.width)
            a = a[..., top:top + h, left:left + w, :]
        rows = image_ops.nearest_indices(h, self.height)
        cols = image_ops.nearest_indices(w, self.width)
        return Tensor(a[..., rows, :, :][..., cols, :].astype(self.dtype))

    def get_config(self):
        config = super().get_config()
        config.update({"interpolation": self.interpolation,
                       "crop_to_aspect_ratio": self.crop_to_aspect_ratio})
        return config


class CenterCrop(_Sized, Layer):
    """The centred (height, width) crop of each image; an image smaller than
    that is resized up instead (Keras's smart_resize), as tf-keras does."""

    def __init__(self, height, width, **kwargs):
        super().__init__(**kwargs)
        self._set_size(height, width)

    def call(self, inputs):
        check_image_rank(self, inputs.shape)
        h, w = inputs.shape[-3], inputs.shape[-2]
        dh, dw = h - self.height, w - self.width
        if dh >= 0 and dw >= 0:
            return E.cast(self.crop(inputs, dh // 2, dw // 2), self.dtype)
        x = float_image(self, inputs)
        return E.cast(smart_resize(x, self.height, self.width), self.dtype)
