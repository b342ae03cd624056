"""image_dataset_from_directory: batches of resized images from class
subfolders, as a `fastgraph.utils.Sequence`."""
import functools

import numpy as np

from .directory_index import (check_label_mode, check_labels_arg,
                              check_validation_split_arg, file_datasets,
                              index_directory)
from .image_resize import METHODS, resize
from .image_utils import pil_image, smart_resize

ALLOWLIST_FORMATS = (".bmp", ".gif", ".jpeg", ".jpg", ".png")
_MODES = {"rgb": ("RGB", 3), "rgba": ("RGBA", 4), "grayscale": ("L", 1)}


def _to_gray(img):
    """8-bit gray as TensorFlow's PNG decoder makes it from colour (libpng's
    fixed-point 0.299 / 0.587 / 0.114, truncated); Pillow rounds."""
    if img.mode in ("L", "LA"):
        return np.asarray(img.convert("L"), dtype=np.uint8)
    rgb = np.asarray(img.convert("RGB"), dtype=np.uint32)
    gray = (rgb[..., 0] * 9797 + rgb[..., 1] * 19234 + rgb[..., 2] * 3737) >> 15
    return gray.astype(np.uint8)


def _load_image(path, image_size, color_mode, interpolation, crop_to_aspect_ratio):
    image = pil_image()
    mode, channels = _MODES[color_mode]
    with image.open(path) as img:
        img.seek(0)     # the first frame of an animation, as tf-keras
        if mode == "L":
            x = _to_gray(img)
        else:
            x = np.asarray(img if img.mode == mode else img.convert(mode),
                           dtype=np.uint8)
    x = x.reshape(x.shape[0], x.shape[1], channels)
    if crop_to_aspect_ratio:
        return smart_resize(x, image_size, interpolation=interpolation)
    return resize(x, image_size, interpolation)


def image_dataset_from_directory(directory, labels="inferred", label_mode="int",
                                 class_names=None, color_mode="rgb", batch_size=32,
                                 image_size=(256, 256), shuffle=True, seed=None,
                                 validation_split=None, subset=None,
                                 interpolation="bilinear", follow_links=False,
                                 crop_to_aspect_ratio=False, **kwargs):
    """Batches `(images, labels)` of the images in `directory`'s class
    subfolders, with tf-keras's arguments and file order.

    Images are read with Pillow (`fastgraph[image]`), converted to
    `color_mode` (colour to gray as TensorFlow's PNG decoder does) and
    resized to `image_size` with `interpolation` (any of
    `fastgraph.utils.image_resize.METHODS`, with TensorFlow's arithmetic)
    — float32, uint8 for 'nearest' — after a centred crop to the target
    aspect ratio with `crop_to_aspect_ratio`.  `subset='both'` returns
    `[training, validation]`.  The result is a `fastgraph.utils.Sequence`
    with `class_names` and `file_paths`.
    """
    if "smart_resize" in kwargs:
        crop_to_aspect_ratio = kwargs.pop("smart_resize")
    if kwargs:
        raise TypeError(f"image_dataset_from_directory: unknown keywords "
                        f"argument(s): {tuple(kwargs)}")
    check_labels_arg(labels, class_names, "image")
    check_label_mode(label_mode)
    if labels is None or label_mode is None:
        labels = label_mode = None
    if color_mode not in _MODES:
        raise ValueError(f'`color_mode` must be one of {{"rgb", "rgba", '
                         f'"grayscale"}}. Received: color_mode={color_mode}')
    if interpolation not in METHODS:
        raise ValueError(f"image_dataset_from_directory: interpolation must be "
                         f"one of {METHODS}, got {interpolation!r}")
    check_validation_split_arg(validation_split, subset, shuffle, seed)
    if seed is None:
        seed = np.random.randint(1e6)
    paths, labels, class_names = index_directory(
        directory, labels, formats=ALLOWLIST_FORMATS, class_names=class_names,
        shuffle=shuffle, seed=seed, follow_links=follow_links)
    load = functools.partial(_load_image, image_size=tuple(image_size),
                             color_mode=color_mode, interpolation=interpolation,
                             crop_to_aspect_ratio=crop_to_aspect_ratio)
    return file_datasets(paths, labels, class_names, label_mode, load, batch_size,
                         shuffle, seed, validation_split, subset, "images", directory)
