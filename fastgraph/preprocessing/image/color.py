"""Channel and brightness shifts of one image, as Keras 2 has them."""
import numpy as np

from ...utils.image_utils import array_to_img, img_to_array, pil_image


def apply_channel_shift(x, intensity, channel_axis=0):
    """Add `intensity` to every channel of `x`, clipped to the image's
    original [min, max]."""
    x = np.rollaxis(np.asarray(x), channel_axis, 0)
    min_x, max_x = np.min(x), np.max(x)
    x = np.stack([np.clip(channel + intensity, min_x, max_x) for channel in x])
    return np.rollaxis(x, 0, channel_axis + 1)


def random_channel_shift(x, intensity_range, channel_axis=0):
    """`apply_channel_shift` by a uniform draw in
    [-intensity_range, intensity_range] (NumPy's global generator)."""
    intensity = np.random.uniform(-intensity_range, intensity_range)
    return apply_channel_shift(x, intensity, channel_axis=channel_axis)


def apply_brightness_shift(x, brightness, scale=True):
    """Scale the brightness of a channels-last image by `brightness` with
    Pillow's `ImageEnhance.Brightness`, as Keras does (the image goes
    through 8 bits); `scale=False` maps the result back to the input's
    range when that range is outside 0..255."""
    pil_image()     # the ImportError naming fastgraph[image], if Pillow is missing
    from PIL import ImageEnhance
    x_min, x_max = np.min(x), np.max(x)
    local_scale = x_min < 0 or x_max > 255
    img = array_to_img(x, scale=local_scale or scale)
    img = ImageEnhance.Brightness(img).enhance(brightness)
    x = img_to_array(img)
    if not scale and local_scale:
        x = x / 255 * (x_max - x_min) + x_min
    return x


def random_brightness(x, brightness_range, scale=True):
    """`apply_brightness_shift` by a uniform draw in `brightness_range`."""
    if len(brightness_range) != 2:
        raise ValueError(f"random_brightness: `brightness_range` should be a "
                         f"tuple or list of two floats. Received: "
                         f"{brightness_range}")
    u = np.random.uniform(brightness_range[0], brightness_range[1])
    return apply_brightness_shift(x, u, scale)
