"""Image preprocessing of Keras 2: `ImageDataGenerator` and its iterators,
the affine, channel and brightness transforms, and image file helpers."""
from ...utils.image_utils import (array_to_img, img_to_array, load_img, save_img,
                                  smart_resize)
from .affine import (apply_affine_transform, random_rotation, random_shear,
                     random_shift, random_zoom)
from .color import (apply_brightness_shift, apply_channel_shift,
                    random_brightness, random_channel_shift)
from .file_iterators import DataFrameIterator, DirectoryIterator
from .generator import ImageDataGenerator
from .iterators import Iterator, NumpyArrayIterator

__all__ = ["DataFrameIterator", "DirectoryIterator", "ImageDataGenerator",
           "Iterator", "NumpyArrayIterator", "apply_affine_transform",
           "apply_brightness_shift", "apply_channel_shift", "array_to_img",
           "img_to_array", "load_img", "random_brightness", "random_channel_shift",
           "random_rotation", "random_shear", "random_shift", "random_zoom",
           "save_img", "smart_resize"]
