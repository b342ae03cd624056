"""Random image augmentation layers (tf-keras 2.x): active only in training
(`training=True`, which fit passes; a direct call defaults to True as in
tf-keras), identity otherwise.  Each layer draws from its own generator when
given a `seed` (reproducible), else from fastgraph's process-wide generator
(fastgraph.utils.set_random_seed).  Differentiable in the image."""
import math
import numbers

import numpy as np

from ...engine.layer import Layer
from ...ops import elementwise as E
from ...ops import image as image_ops
from ...ops import random as random_ops
from ...ops import reduce as R
from ...ops import shape as S
from .base import check_choice, check_positive_int
from .image import (_Sized, check_image_rank, float_image, resize_images,
                    smart_resize)


def _bounds(layer, arg, factor, low=-1.0, high=1.0, symmetric=True):
    """(lower, upper) of a Keras factor: a number f is (-f, f), a pair is
    itself; each bound within [low, high]."""
    if isinstance(factor, (list, tuple)) and len(factor) == 2:
        lower, upper = factor
    elif isinstance(factor, numbers.Real) and not isinstance(factor, bool):
        lower, upper = (-factor, factor) if symmetric else (factor, factor)
    else:
        raise ValueError(f"{layer}: `{arg}` must be a number or a pair of numbers, "
                         f"got {factor!r}")
    if upper < lower:
        raise ValueError(f"{layer}: `{arg}` cannot have an upper bound below its "
                         f"lower bound, got {factor!r}")
    if lower < low or upper > high:
        raise ValueError(f"{layer}: `{arg}` must have values in [{low}, {high}], got "
                         f"{factor!r}")
    return float(lower), float(upper)


class _RandomLayer(Layer):
    """The seed, the generator and the training switch of the random layers."""

    def __init__(self, seed=None, **kwargs):
        kwargs.pop("rng_type", None)         # tf-keras's generator choice
        kwargs.pop("force_generator", None)
        super().__init__(**kwargs)
        if seed is not None:
            check_positive_int(type(self).__name__, "seed", seed, minimum=0)
        self.seed = seed
        self._rng = None if seed is None else np.random.default_rng(seed)

    def rng(self):
        return self._rng if self._rng is not None else random_ops.get_rng()

    def call(self, inputs, training=True):
        check_image_rank(self, inputs.shape)
        if not training:
            return self.inactive(inputs)
        x = float_image(self, inputs)
        if x.ndim == 3:
            return S.squeeze(self.augment(S.expand_dims(x, 0)), 0)
        return self.augment(x)

    def inactive(self, inputs):
        """The output outside training: the inputs in the layer's dtype."""
        return float_image(self, inputs)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config["seed"] = self.seed
        return config


class _AffineLayer(_RandomLayer):
    """Random affine resampling with tf's fill modes and interpolations."""

    def __init__(self, fill_mode="reflect", interpolation="bilinear", seed=None,
                 fill_value=0.0, **kwargs):
        super().__init__(seed=seed, **kwargs)
        name = type(self).__name__
        check_choice(name, "fill_mode", fill_mode, image_ops.FILL_MODES)
        check_choice(name, "interpolation", interpolation, image_ops.INTERPOLATIONS)
        self.fill_mode, self.interpolation = fill_mode, interpolation
        self.fill_value = float(fill_value)

    def augment(self, x):
        n, h, w, _ = x.shape
        return image_ops.affine_transform(x, self.transforms(n, h, w), self.fill_mode,
                                          self.fill_value, self.interpolation)

    def get_config(self):
        config = super().get_config()
        config.update({"fill_mode": self.fill_mode, "fill_value": self.fill_value,
                       "interpolation": self.interpolation})
        return config


class RandomFlip(_RandomLayer):
    """Flips each image left-right and/or up-down with probability 1/2
    (`mode`: 'horizontal', 'vertical' or 'horizontal_and_vertical')."""

    MODES = ("horizontal", "vertical", "horizontal_and_vertical")

    def __init__(self, mode="horizontal_and_vertical", seed=None, **kwargs):
        super().__init__(seed=seed, **kwargs)
        check_choice("RandomFlip", "mode", mode, self.MODES)
        self.mode = mode

    def augment(self, x):
        axes = {"horizontal": (2,), "vertical": (1,),
                "horizontal_and_vertical": (2, 1)}[self.mode]
        for axis in axes:
            flip = self.rng().random(x.shape[0]) < 0.5
            index = [slice(None)] * 4
            index[axis] = slice(None, None, -1)
            flipped = S.getitem(x, tuple(index))
            x = E.where(flip[:, None, None, None], flipped, x)
        return x

    def get_config(self):
        config = super().get_config()
        config["mode"] = self.mode
        return config


class RandomCrop(_Sized, _RandomLayer):
    """A random (height, width) crop in training (one offset per batch, as
    tf-keras); otherwise, and for images smaller than the crop, the centred
    crop with the target aspect ratio resized to (height, width)."""

    def __init__(self, height, width, seed=None, **kwargs):
        super().__init__(seed=seed, **kwargs)
        self._set_size(height, width)

    def call(self, inputs, training=True):
        check_image_rank(self, inputs.shape)
        x = float_image(self, inputs)
        dh, dw = x.shape[-3] - self.height, x.shape[-2] - self.width
        if training and dh >= 0 and dw >= 0:
            top = int(self.rng().integers(dh + 1))
            left = int(self.rng().integers(dw + 1))
            return self.crop(x, top, left)
        return E.cast(smart_resize(x, self.height, self.width), self.dtype)


class RandomTranslation(_AffineLayer):
    """Shifts each image by a random fraction of its height and width
    (`height_factor`, `width_factor`: f for [-f, f] or a pair in [-1, 1])."""

    def __init__(self, height_factor, width_factor, fill_mode="reflect",
                 interpolation="bilinear", seed=None, fill_value=0.0, **kwargs):
        super().__init__(fill_mode, interpolation, seed, fill_value, **kwargs)
        self.height_factor, self.width_factor = height_factor, width_factor
        self._h = _bounds("RandomTranslation", "height_factor", height_factor)
        self._w = _bounds("RandomTranslation", "width_factor", width_factor)

    def transforms(self, n, h, w):
        dy = self.rng().uniform(*self._h, size=n) * h
        dx = self.rng().uniform(*self._w, size=n) * w
        return image_ops.translation_transforms(np.stack([dx, dy], axis=1))

    def get_config(self):
        config = super().get_config()
        config.update({"height_factor": self.height_factor,
                       "width_factor": self.width_factor})
        return config


class RandomRotation(_AffineLayer):
    """Turns each image by a random fraction of a full turn (`factor`: f for
    [-f, f] or a pair)."""

    def __init__(self, factor, fill_mode="reflect", interpolation="bilinear",
                 seed=None, fill_value=0.0, **kwargs):
        super().__init__(fill_mode, interpolation, seed, fill_value, **kwargs)
        self.factor = factor
        self._range = _bounds("RandomRotation", "factor", factor, -math.inf, math.inf)

    def transforms(self, n, h, w):
        lower, upper = (b * 2.0 * np.pi for b in self._range)
        return image_ops.rotation_transforms(self.rng().uniform(lower, upper, n), h, w)

    def get_config(self):
        config = super().get_config()
        config["factor"] = self.factor
        return config


class RandomZoom(_AffineLayer):
    """Zooms each image by 1 + a random factor (`height_factor`; negative
    zooms in; `width_factor` None keeps the aspect ratio)."""

    def __init__(self, height_factor, width_factor=None, fill_mode="reflect",
                 interpolation="bilinear", seed=None, fill_value=0.0, **kwargs):
        super().__init__(fill_mode, interpolation, seed, fill_value, **kwargs)
        self.height_factor, self.width_factor = height_factor, width_factor
        self._h = _bounds("RandomZoom", "height_factor", height_factor)
        self._w = None if width_factor is None else _bounds(
            "RandomZoom", "width_factor", width_factor, -1.0, math.inf)

    def transforms(self, n, h, w):
        zh = self.rng().uniform(1.0 + self._h[0], 1.0 + self._h[1], n)
        zw = zh if self._w is None else self.rng().uniform(1.0 + self._w[0],
                                                           1.0 + self._w[1], n)
        return image_ops.zoom_transforms(np.stack([zw, zh], axis=1), h, w)

    def get_config(self):
        config = super().get_config()
        config.update({"height_factor": self.height_factor,
                       "width_factor": self.width_factor})
        return config


class RandomContrast(_RandomLayer):
    """(x - mean) * c + mean per image and channel, one random c in
    [1 - lower, 1 + upper] per batch (tf's random_contrast), clipped to
    [0, 255] as tf-keras does."""

    def __init__(self, factor, seed=None, **kwargs):
        super().__init__(seed=seed, **kwargs)
        self.factor = factor
        lower, upper = _bounds("RandomContrast", "factor", factor, 0.0, math.inf,
                               symmetric=False)
        if lower > 1.0:
            raise ValueError(f"RandomContrast: `factor` cannot have values greater "
                             f"than 1 as its lower bound, got {factor!r}")
        self._range = (1.0 - lower, 1.0 + upper)

    def augment(self, x):
        c = self.rng().uniform(*self._range)
        mean = R.mean(x, axis=(1, 2), keepdims=True)
        y = E.add(E.multiply(E.subtract(x, mean), np.asarray(c, x.dtype)), mean)
        return E.clip(y, 0.0, 255.0)

    def get_config(self):
        config = super().get_config()
        config["factor"] = self.factor
        return config


class RandomBrightness(_RandomLayer):
    """Adds a random delta (a fraction of `value_range`'s span in `factor`'s
    range) to each image, clipped to `value_range`."""

    def __init__(self, factor, value_range=(0, 255), seed=None, **kwargs):
        super().__init__(seed=seed, **kwargs)
        if isinstance(factor, (list, tuple)):
            self._factor = sorted(_bounds("RandomBrightness", "factor", factor))
        else:
            lower, upper = _bounds("RandomBrightness", "factor", factor)
            self._factor = [lower, upper]
        if not isinstance(value_range, (list, tuple)) or len(value_range) != 2:
            raise ValueError(f"RandomBrightness: `value_range` must be a list of two "
                             f"numbers, got {value_range!r}")
        self._value_range = sorted(float(v) for v in value_range)

    def augment(self, x):
        low, high = self._value_range
        delta = self.rng().uniform(*self._factor, size=(x.shape[0], 1, 1, 1))
        y = E.add(x, (delta * (high - low)).astype(x.dtype))
        return E.clip(y, low, high)

    def get_config(self):
        config = super().get_config()
        config.update({"factor": self._factor, "value_range": self._value_range})
        return config


class _RandomSize(_RandomLayer):
    """RandomHeight / RandomWidth: one random size per batch along `_axis`."""

    _axis = -3

    def __init__(self, factor, interpolation="bilinear", seed=None, **kwargs):
        super().__init__(seed=seed, **kwargs)
        name = type(self).__name__
        self.factor = factor
        self._range = _bounds(name, "factor", factor, -1.0, math.inf)
        image_ops.check_method(name, interpolation)
        self.interpolation = interpolation

    def inactive(self, inputs):
        return inputs

    def augment(self, x):
        scale = self.rng().uniform(1.0 + self._range[0], 1.0 + self._range[1])
        size = [x.shape[1], x.shape[2]]
        size[self._axis + 3] = max(1, int(np.float32(scale) * np.float32(size[self._axis + 3])))
        return E.cast(resize_images(x, size[0], size[1], self.interpolation), self.dtype)

    def compute_output_shape(self, input_shape):
        check_image_rank(self, input_shape)
        shape = list(input_shape)
        shape[self._axis] = None
        return tuple(shape)

    def get_config(self):
        config = super().get_config()
        config.update({"factor": self.factor, "interpolation": self.interpolation})
        return config


class RandomHeight(_RandomSize):
    """Resizes the batch to a random height (1 + a `factor` draw) x height."""

    _axis = -3


class RandomWidth(_RandomSize):
    """Resizes the batch to a random width (1 + a `factor` draw) x width."""

    _axis = -2
