"""Image files and arrays: load_img, img_to_array, array_to_img, save_img
and smart_resize, as Keras 2 has them.

Reading and writing image files goes through Pillow, an optional extra
(`pip install fastgraph[image]`); without it these functions raise an
ImportError that says so.  Arrays are channels-last unless `data_format`
says otherwise.
"""
import io
import pathlib
import warnings

import numpy as np

from ..autodiff import floatx
from .image_resize import resize

PIL_INTERPOLATION = ("nearest", "bilinear", "bicubic", "hamming", "box", "lanczos")


def pil_image():
    """The `PIL.Image` module, or an ImportError naming the extra to install."""
    try:
        from PIL import Image
    except ImportError:
        raise ImportError("Image files need Pillow: pip install 'fastgraph[image]' "
                          "(or pip install pillow)") from None
    return Image


def _check_format(data_format, who):
    data_format = data_format or "channels_last"
    if data_format not in ("channels_first", "channels_last"):
        raise ValueError(f"{who}: invalid data_format: {data_format!r} (expected "
                         f"'channels_first' or 'channels_last')")
    return data_format


def smart_resize(x, size, interpolation="bilinear"):
    """Resize image(s) `x` (h, w, c) or (n, h, w, c) to `size` without
    distorting them: crop the largest centred window of the target aspect
    ratio, then resize it (TensorFlow's arithmetic, see
    `fastgraph.utils.image_resize`)."""
    if len(size) != 2:
        raise ValueError(f"smart_resize: expected `size` to be a tuple of 2 "
                         f"integers, but got: {size}.")
    img = np.asarray(x)
    if img.ndim not in (3, 4):
        raise ValueError(f"smart_resize: expected an image array with shape "
                         f"`(height, width, channels)`, or `(batch_size, height, "
                         f"width, channels)`, but got input of shape {img.shape}.")
    height, width = img.shape[-3], img.shape[-2]
    target_height, target_width = size
    crop_height = int(np.float32(width * target_height) / np.float32(target_width))
    crop_width = int(np.float32(height * target_width) / np.float32(target_height))
    crop_height = min(height, crop_height)
    crop_width = min(width, crop_width)
    top = int(np.float32(height - crop_height) / np.float32(2))
    left = int(np.float32(width - crop_width) / np.float32(2))
    img = img[..., top:top + crop_height, left:left + crop_width, :]
    return resize(img, size, interpolation)


def array_to_img(x, data_format=None, scale=True, dtype=None):
    """A PIL image from a 3D array (1, 3 or 4 channels); `scale` maps the
    array's range to 0..255 first."""
    data_format = _check_format(data_format, "array_to_img")
    image = pil_image()
    x = np.asarray(x, dtype=dtype or floatx())
    if x.ndim != 3:
        raise ValueError(f"array_to_img: expected image array to have rank 3 "
                         f"(single image). Got array with shape: {x.shape}")
    if data_format == "channels_first":
        x = x.transpose(1, 2, 0)
    if scale:
        x = x - np.min(x)
        x_max = np.max(x)
        if x_max != 0:
            x /= x_max
        x *= 255
    if x.shape[2] == 4:
        return image.fromarray(x.astype("uint8"), "RGBA")
    if x.shape[2] == 3:
        return image.fromarray(x.astype("uint8"), "RGB")
    if x.shape[2] == 1:
        if np.max(x) > 255:
            return image.fromarray(x[:, :, 0].astype("int32"), "I")
        return image.fromarray(x[:, :, 0].astype("uint8"), "L")
    raise ValueError(f"array_to_img: unsupported channel number: {x.shape[2]}")


def img_to_array(img, data_format=None, dtype=None):
    """A 3D array of `dtype` (default floatx) from a PIL image (or anything
    NumPy can read as an image)."""
    data_format = _check_format(data_format, "img_to_array")
    x = np.asarray(img, dtype=dtype or floatx())
    if x.ndim == 3:
        if data_format == "channels_first":
            x = x.transpose(2, 0, 1)
    elif x.ndim == 2:
        x = x.reshape((1,) + x.shape if data_format == "channels_first"
                      else x.shape + (1,))
    else:
        raise ValueError(f"img_to_array: unsupported image shape: {x.shape}")
    return x


def save_img(path, x, data_format=None, file_format=None, scale=True, **kwargs):
    """Write a 3D array as an image file (`file_format` defaults to the
    extension's); RGBA is converted to RGB for JPEG."""
    img = array_to_img(x, data_format=data_format, scale=scale)
    if img.mode == "RGBA" and file_format in ("jpg", "jpeg"):
        warnings.warn("The JPG format does not support RGBA images, converting "
                      "to RGB.")
        img = img.convert("RGB")
    img.save(path, format=file_format, **kwargs)


def _resample(image, interpolation):
    if interpolation not in PIL_INTERPOLATION:
        raise ValueError(f"load_img: invalid interpolation method "
                         f"{interpolation} specified. Supported methods are "
                         f"{', '.join(PIL_INTERPOLATION)}")
    methods = getattr(image, "Resampling", image)
    return getattr(methods, interpolation.upper())


def load_img(path, grayscale=False, color_mode="rgb", target_size=None,
             interpolation="nearest", keep_aspect_ratio=False):
    """A PIL image read from `path` (a path or a `io.BytesIO`), converted
    to `color_mode` ('grayscale', 'rgb', 'rgba') and resized to
    `target_size` (height, width) with `interpolation`; `keep_aspect_ratio`
    crops the centre to the target aspect ratio first."""
    if grayscale:
        warnings.warn('grayscale is deprecated. Please use color_mode = "grayscale"')
        color_mode = "grayscale"
    image = pil_image()
    if isinstance(path, io.BytesIO):
        img = image.open(path)
    elif isinstance(path, (pathlib.Path, bytes, str)):
        if isinstance(path, pathlib.Path):
            path = str(path.resolve())
        with open(path, "rb") as f:
            img = image.open(io.BytesIO(f.read()))
    else:
        raise TypeError(f"load_img: path should be path-like or io.BytesIO, not "
                        f"{type(path)}")
    if color_mode == "grayscale":
        if img.mode not in ("L", "I;16", "I"):
            img = img.convert("L")
    elif color_mode == "rgba":
        if img.mode != "RGBA":
            img = img.convert("RGBA")
    elif color_mode == "rgb":
        if img.mode != "RGB":
            img = img.convert("RGB")
    else:
        raise ValueError('load_img: color_mode must be "grayscale", "rgb", or "rgba"')
    if target_size is not None:
        width_height = (target_size[1], target_size[0])
        if img.size != width_height:
            resample = _resample(image, interpolation)
            if keep_aspect_ratio:
                width, height = img.size
                target_width, target_height = width_height
                crop_height = min(height, width * target_height // target_width)
                crop_width = min(width, height * target_width // target_height)
                top = (height - crop_height) // 2
                left = (width - crop_width) // 2
                img = img.resize(width_height, resample,
                                 box=[left, top, left + crop_width, top + crop_height])
            else:
                img = img.resize(width_height, resample)
    return img
