"""Image resampling, channels-last (N, H, W, C), as TensorFlow computes it:
`resize` (tf.image.resize's methods) and `affine_transform`
(ImageProjectiveTransformV3, behind Keras's RandomRotation, RandomZoom and
RandomTranslation), each differentiable in the image.

Resizing is separable and linear: each method is a (out, in) interpolation
matrix per spatial axis with at most K nonzeros a row (K = 1 to 10), applied
as K vectorized gathers per axis; the gradient is the products with the
transposed matrices (BLAS).  An affine
transform reads up to 4 source pixels per output pixel, in C
(csrc/image.c), its gradient scattering them back.
"""
import numpy as np

from .._kernels import load
from ..autodiff import as_tensor, output
from ._common import check_float

_k = load("image")

RESIZE_METHODS = ("bilinear", "nearest", "bicubic", "area", "lanczos3", "lanczos5",
                  "gaussian", "mitchellcubic")
FILL_MODES = ("reflect", "wrap", "constant", "nearest")
INTERPOLATIONS = ("nearest", "bilinear")
_CUBIC_TABLE = 1024


def _bilinear(n_in, n_out):
    scale = np.float32(n_in / n_out)
    s = (np.arange(n_out, dtype=np.float32) + np.float32(0.5)) * scale - np.float32(0.5)
    lo_f = np.floor(s)
    lerp = (s - lo_f).astype(np.float64)
    lo = np.maximum(lo_f, 0).astype(np.int64)
    hi = np.minimum(np.ceil(s), n_in - 1).astype(np.int64)
    m = np.zeros((n_out, n_in))
    rows = np.arange(n_out)
    np.add.at(m, (rows, lo), 1 - lerp)
    np.add.at(m, (rows, hi), lerp)
    return m


def nearest_indices(n_in, n_out):
    """tf's half-pixel nearest source index of each output position."""
    scale = np.float32(n_in / n_out)
    s = (np.arange(n_out, dtype=np.float32) + np.float32(0.5)) * scale
    return np.clip(np.floor(s).astype(np.int64), 0, n_in - 1)


def _nearest(n_in, n_out):
    m = np.zeros((n_out, n_in))
    m[np.arange(n_out), nearest_indices(n_in, n_out)] = 1
    return m


def _keys_table():
    a = -0.5
    x = np.arange(_CUBIC_TABLE + 1, dtype=np.float64) / _CUBIC_TABLE
    near = ((a + 2) * x - (a + 3)) * x * x + 1
    x1 = x + 1
    far = ((a * x1 - 5 * a) * x1 + 8 * a) * x1 - 4 * a
    return near.astype(np.float32), far.astype(np.float32)


def _bicubic(n_in, n_out):
    """Keys cubic (a = -0.5) with tf's 1024-entry weight table; taps outside
    the image get weight 0 and the rest are renormalised, as tf does."""
    near, far = _keys_table()
    scale = np.float32(n_in / n_out)
    s = (np.arange(n_out, dtype=np.float32) + np.float32(0.5)) * scale - np.float32(0.5)
    loc = np.floor(s)
    off = np.rint((s - loc) * _CUBIC_TABLE).astype(np.int64)
    loc = loc.astype(np.int64)
    weights = np.stack([far[off], near[off], near[_CUBIC_TABLE - off],
                        far[_CUBIC_TABLE - off]], axis=1).astype(np.float64)
    taps = loc[:, None] + np.arange(-1, 3)
    inside = (taps >= 0) & (taps < n_in)
    weights = np.where(inside, weights, 0.0)
    total = weights.sum(axis=1, keepdims=True)
    weights = np.where(np.abs(total) >= 1000 * np.finfo(np.float32).tiny,
                       weights / np.where(total == 0, 1, total), weights)
    m = np.zeros((n_out, n_in))
    np.add.at(m, (np.repeat(np.arange(n_out), 4), np.clip(taps, 0, n_in - 1).ravel()),
              weights.ravel())
    return m


def _area(n_in, n_out):
    scale = n_in / n_out
    starts = np.arange(n_out) * scale
    ends = (np.arange(n_out) + 1) * scale
    i = np.arange(n_in)
    cover = np.minimum(i[None] + 1, ends[:, None]) - np.maximum(i[None], starts[:, None])
    return np.maximum(cover, 0) / scale


def _sinc(x):
    return np.sinc(x)


_KERNELS = {
    "lanczos3": (3.0, lambda x: np.where(np.abs(x) < 3, _sinc(x) * _sinc(x / 3), 0.0)),
    "lanczos5": (5.0, lambda x: np.where(np.abs(x) < 5, _sinc(x) * _sinc(x / 5), 0.0)),
    "gaussian": (1.5, lambda x: np.where(np.abs(x) < 1.5, np.exp(-2 * x * x), 0.0)),
    "mitchellcubic": (2.0, lambda x: _mitchell(np.abs(x))),
}


def _mitchell(x):
    inner = ((7 / 6 * x - 2) * x) * x + 8 / 9
    outer = (((-7 / 18) * x + 2) * x - 10 / 3) * x + 16 / 9
    return np.where(x < 1, inner, np.where(x < 2, outer, 0.0))


def _scale_and_translate(method, n_in, n_out):
    """tf's ScaleAndTranslate spans (no antialiasing, as tf.image.resize
    with antialias=False): kernel taps around each sample, normalised."""
    radius, kernel = _KERNELS[method]
    sample = (np.arange(n_out) + 0.5) * (n_in / n_out)
    i = np.arange(n_in)
    lo = np.ceil(sample - radius - 0.5)[:, None]
    hi = np.floor(sample + radius - 0.5)[:, None]
    weights = np.where((i[None] >= lo) & (i[None] <= hi),
                       kernel(i[None] + 0.5 - sample[:, None]), 0.0)
    total = weights.sum(axis=1, keepdims=True)
    return np.where(np.abs(total) >= 1000 * np.finfo(np.float32).tiny,
                    weights / np.where(total == 0, 1, total), 0.0)


def resize_matrix(method, n_in, n_out):
    """The (n_out, n_in) matrix resampling one axis by `method`."""
    if method == "bilinear":
        return _bilinear(n_in, n_out)
    if method == "nearest":
        return _nearest(n_in, n_out)
    if method == "bicubic":
        return _bicubic(n_in, n_out)
    if method == "area":
        return _area(n_in, n_out)
    return _scale_and_translate(method, n_in, n_out)


def check_method(where, method):
    """`method` is one of RESIZE_METHODS; ValueError naming `where` otherwise."""
    if method not in RESIZE_METHODS:
        raise ValueError(f"{where}: interpolation must be one of {RESIZE_METHODS}, "
                         f"got {method!r}")


def _taps(m):
    """A resampling matrix as (indices, weights), both (out, K): the K
    largest-magnitude entries of each row (K = the most nonzeros in a row:
    1 to 10 for tf's kernels), so resizing costs O(K) per output value."""
    k = max(1, int((m != 0).sum(axis=1).max()))
    idx = np.argsort(-np.abs(m), axis=1, kind="stable")[:, :k]
    return idx, np.take_along_axis(m, idx, axis=1)


def _apply_taps(x, taps, axis):
    """sum_k weights[:, k] * x.take(indices[:, k], axis): one axis resampled."""
    idx, wts = taps
    shape = [1] * x.ndim
    shape[axis] = len(idx)
    y = None
    for k in range(idx.shape[1]):   # K passes over the array, each vectorized
        term = np.take(x, idx[:, k], axis=axis) * wts[:, k].reshape(shape)
        y = term if y is None else np.add(y, term, out=y)
    return y


def resize(x, size, method="bilinear"):
    """x (N, H, W, C) float resized to (N, size[0], size[1], C) by `method`
    (tf.image.resize with antialias=False)."""
    check_method("resize", method)
    x = as_tensor(x)
    check_float("resize", "x", x)
    if x.ndim != 4:
        raise ValueError(f"resize: x must have rank 4 (batch, height, width, "
                         f"channels), got shape {x.shape}")
    oh, ow = (int(s) for s in size)
    if oh < 1 or ow < 1:
        raise ValueError(f"resize: size must be two positive ints, got {size!r}")
    n, h, w, c = x.shape
    dtype = x.dtype
    mh = resize_matrix(method, h, oh).astype(dtype)
    mw = resize_matrix(method, w, ow).astype(dtype)
    y = _apply_taps(_apply_taps(x.data, _taps(mh), 1), _taps(mw), 2)

    def backward(g):
        g = np.asarray(g, dtype=dtype).reshape(n * oh, ow, c)
        gx = np.matmul(mw.T, g).reshape(n, oh, w * c)
        return (np.matmul(mh.T, gx).reshape(n, h, w, c),)

    return output(y, (x,), backward)


def affine_transform(x, transforms, fill_mode="reflect", fill_value=0.0,
                     interpolation="bilinear", output_shape=None):
    """Each image of x (N, H, W, C) resampled through its transform, a row
    [a0, a1, a2, b0, b1, b2, c0, c1] of `transforms` (N, 8) mapping output
    (x, y) to input ((a0 x + a1 y + a2) / k, (b0 x + b1 y + b2) / k),
    k = c0 x + c1 y + 1; points outside the image follow `fill_mode`
    ('constant' reads `fill_value`).  Differentiable in x."""
    if fill_mode not in FILL_MODES:
        raise ValueError(f"affine_transform: fill_mode must be one of {FILL_MODES}, "
                         f"got {fill_mode!r}")
    if interpolation not in INTERPOLATIONS:
        raise ValueError(f"affine_transform: interpolation must be one of "
                         f"{INTERPOLATIONS}, got {interpolation!r}")
    x = as_tensor(x)
    check_float("affine_transform", "x", x)
    if x.ndim != 4:
        raise ValueError(f"affine_transform: x must have rank 4 (batch, height, "
                         f"width, channels), got shape {x.shape}")
    n, h, w, c = x.shape
    transforms = np.ascontiguousarray(transforms, dtype=np.float32)
    if transforms.shape != (n, 8):
        raise ValueError(f"affine_transform: transforms must have shape ({n}, 8), "
                         f"got {transforms.shape}")
    out_h, out_w = (h, w) if output_shape is None else (int(s) for s in output_shape)
    nearest = interpolation == "nearest"
    xd = np.ascontiguousarray(x.data)
    y = np.empty((n, out_h, out_w, c), dtype=x.dtype)
    _k.affine(xd, transforms, y, fill_mode, nearest, float(fill_value))

    def backward(g):
        dx = np.empty_like(xd)
        _k.affine_backward(np.ascontiguousarray(g, dtype=xd.dtype), transforms, dx,
                           fill_mode, nearest)
        return (dx,)

    return output(y, (x,), backward)


def rotation_transforms(angles, h, w):
    """Keras's rotation matrices (N, 8) turning images by `angles` (radians)."""
    a = np.asarray(angles, dtype=np.float32)
    cos, sin = np.cos(a), np.sin(a)
    x_off = ((w - 1) - (cos * (w - 1) - sin * (h - 1))) / 2.0
    y_off = ((h - 1) - (sin * (w - 1) + cos * (h - 1))) / 2.0
    zero = np.zeros_like(a)
    return np.stack([cos, -sin, x_off, sin, cos, y_off, zero, zero], axis=1)


def zoom_transforms(zooms, h, w):
    """Keras's zoom matrices (N, 8) from (N, 2) (width, height) zoom factors."""
    z = np.asarray(zooms, dtype=np.float32)
    x_off = ((w - 1.0) / 2.0) * (1.0 - z[:, 0])
    y_off = ((h - 1.0) / 2.0) * (1.0 - z[:, 1])
    zero = np.zeros(len(z), np.float32)
    return np.stack([z[:, 0], zero, x_off, zero, z[:, 1], y_off, zero, zero], axis=1)


def translation_transforms(translations):
    """Keras's translation matrices (N, 8) from (N, 2) (dx, dy) pixel shifts."""
    t = np.asarray(translations, dtype=np.float32)
    one, zero = np.ones(len(t), np.float32), np.zeros(len(t), np.float32)
    return np.stack([one, zero, -t[:, 0], zero, one, -t[:, 1], zero, zero], axis=1)


def crop_box(h, w, target_h, target_w):
    """(top, left, height, width) of the centred crop with the target aspect
    ratio (Keras's smart_resize)."""
    crop_h = min(h, int(float(w * target_h) / target_w))
    crop_w = min(w, int(float(h * target_w) / target_h))
    return int(float(h - crop_h) / 2), int(float(w - crop_w) / 2), crop_h, crop_w


__all__ = ["resize", "affine_transform", "resize_matrix", "nearest_indices",
           "rotation_transforms", "zoom_transforms", "translation_transforms",
           "crop_box", "check_method", "RESIZE_METHODS", "FILL_MODES",
           "INTERPOLATIONS"]
