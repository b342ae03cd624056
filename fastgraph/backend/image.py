"""Keras backend image resizing and 3-D padding (tf-keras 2.x signatures):
resize_images, resize_volumes, spatial_3d_padding.

resize_images scales by integer factors as tf.image.resize does (half-pixel
centres): 'nearest', 'area' (which for whole factors copies pixels, as
nearest does) and 'bilinear' run the upsampling kernels; 'bicubic' (Keys,
a = -0.5), 'lanczos3', 'lanczos5', 'gaussian' and 'mitchellcubic' are the
separable kernels of tf.raw_ops.ScaleAndTranslate: taps outside the image
get no weight and each row of weights is renormalised to sum to 1 (bicubic
reads its weights at positions rounded to 1/1024, as ResizeBicubic's table
does).  Those
run as two small matrix products (rows, then columns), so they are
differentiable like any einsum.
"""
import math

import numpy as np

from ..ops import einsum as _einsum
from ..ops import shape as _sh
from ..ops import upsample as _up
from . import _check

__all__ = ["resize_images", "resize_volumes", "spatial_3d_padding"]


def _keys(x):
    x = np.abs(x)
    return np.where(x >= 2.0, 0.0, np.where(
        x >= 1.0, ((-0.5 * x + 2.5) * x - 4.0) * x + 2.0, (1.5 * x - 2.5) * x * x + 1.0))


def _mitchell(x):
    x = np.abs(x)
    return np.where(x >= 2.0, 0.0, np.where(
        x >= 1.0, ((-7.0 / 18.0 * x + 2.0) * x - 10.0 / 3.0) * x + 16.0 / 9.0,
        (7.0 / 6.0 * x - 2.0) * x * x + 8.0 / 9.0))


def _lanczos(radius):
    def kernel(x):
        x = np.abs(x)
        safe = np.maximum(x, 1e-3)
        value = radius * np.sin(math.pi * safe) * np.sin(math.pi * safe / radius) \
            / (math.pi * math.pi * safe * safe)
        return np.where(x > radius, 0.0, np.where(x <= 1e-3, 1.0, value))
    return kernel, radius


def _gaussian(x):
    x = np.abs(x)
    return np.where(x < 1.5, np.exp(-x * x / (2 * 0.5 ** 2)), 0.0)


_KERNELS = {"bicubic": (_keys, 2.0), "mitchellcubic": (_mitchell, 2.0),
            "lanczos3": _lanczos(3.0), "lanczos5": _lanczos(5.0),
            "gaussian": (_gaussian, 1.5)}
_INTERPOLATIONS = ("area", "bicubic", "bilinear", "gaussian", "lanczos3",
                   "lanczos5", "mitchellcubic", "nearest")


def _weights(size, factor, interpolation, dtype):
    """(size * factor, size) matrix of one axis's interpolation weights."""
    kernel, radius = _KERNELS[interpolation]
    sample = (np.arange(size * factor) + 0.5) / factor          # in input pixels
    if interpolation == "bicubic":    # ResizeBicubic's 1/1024 weight table
        loc = sample - 0.5
        sample = np.floor(loc) + np.rint((loc - np.floor(loc)) * 1024) / 1024 + 0.5
    source = np.arange(size) + 0.5
    lo = np.ceil(sample - radius - 0.5)[:, None]
    hi = np.floor(sample + radius - 0.5)[:, None]
    taps = (source[None, :] - 0.5 >= lo) & (source[None, :] - 0.5 <= hi)
    w = np.where(taps, kernel(source[None, :] - sample[:, None]), 0.0)
    total = w.sum(axis=1, keepdims=True)
    return (w / np.where(np.abs(total) > 0, total, 1.0)).astype(dtype)


def resize_images(x, height_factor, width_factor, data_format, interpolation="nearest"):
    """Rows times height_factor and columns times width_factor of a 4-D
    tensor (data_format None: image_data_format())."""
    fn = "resize_images"
    fmt = _check.data_format(fn, data_format)
    _check.choice(fn, "interpolation", interpolation, _INTERPOLATIONS)
    fh = _check.integer(fn, "height_factor", height_factor, 1)
    fw = _check.integer(fn, "width_factor", width_factor, 1)
    x = _check.float_tensor(fn, "x", x)
    if x.ndim != 4:
        raise ValueError(f"{fn}: x must have rank 4, got shape {x.shape}")
    if fmt == "channels_first":
        x = _sh.transpose(x, (0, 2, 3, 1))
    if interpolation in ("nearest", "area"):
        y = _up.upsample_nearest(x, (fh, fw))
    elif interpolation == "bilinear":
        y = _up.upsample_bilinear2d(x, (fh, fw))
    else:
        rows = _weights(x.shape[1], fh, interpolation, x.dtype)
        cols = _weights(x.shape[2], fw, interpolation, x.dtype)
        y = _einsum.einsum("oh,nhwc->nowc", rows, x)
        y = _einsum.einsum("pw,nowc->nopc", cols, y)
    return _sh.transpose(y, (0, 3, 1, 2)) if fmt == "channels_first" else y


def resize_volumes(x, depth_factor, height_factor, width_factor, data_format):
    """Each voxel of a 5-D tensor repeated depth_factor, height_factor and
    width_factor times along its three spatial axes."""
    fn = "resize_volumes"
    fmt = _check.data_format(fn, data_format)
    factors = tuple(_check.integer(fn, name, v, 1) for name, v in (
        ("depth_factor", depth_factor), ("height_factor", height_factor),
        ("width_factor", width_factor)))
    x = _check.float_tensor(fn, "x", x)
    if x.ndim != 5:
        raise ValueError(f"{fn}: x must have rank 5, got shape {x.shape}")
    if fmt == "channels_first":
        y = _up.upsample_nearest(_sh.transpose(x, (0, 2, 3, 4, 1)), factors)
        return _sh.transpose(y, (0, 4, 1, 2, 3))
    return _up.upsample_nearest(x, factors)


def spatial_3d_padding(x, padding=((1, 1), (1, 1), (1, 1)), data_format=None):
    """Zeros added before and after depth, height and width of a 5-D tensor."""
    fn = "spatial_3d_padding"
    fmt = _check.data_format(fn, data_format)
    try:
        pads = [tuple(int(v) for v in p) for p in padding]
    except (TypeError, ValueError):
        pads = []
    if len(pads) != 3 or any(len(p) != 2 or min(p) < 0 for p in pads):
        raise ValueError(f"{fn}: padding must be 3 pairs of non-negative ints, "
                         f"got {padding!r}")
    x = _check.tensor(fn, "x", x)
    if x.ndim != 5:
        raise ValueError(f"{fn}: x must have rank 5, got shape {x.shape}")
    width = [(0, 0), (0, 0)] + pads if fmt == "channels_first" else [(0, 0)] + pads + [(0, 0)]
    return _sh.pad(x, width)
