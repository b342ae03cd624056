"""Image resizing with the arithmetic of TensorFlow 2's `tf.image.resize`
(half-pixel centres, no antialiasing), in NumPy float32, so that
`smart_resize` and the `*_dataset_from_directory` loaders give Keras's
pixels.

Each method computes, per output row and column, the source indices and
weights TensorFlow's kernel computes, then one gather per tap along each
axis; additions happen in the kernel's order, so the results are TensorFlow's
bit for bit (Lanczos within an ulp: its sines are rounded from double).
"""
import numpy as np

METHODS = ("bilinear", "nearest", "bicubic", "area", "lanczos3", "lanczos5",
           "gaussian", "mitchellcubic")
_TABLE_SIZE = 1024


def _half_pixel(out_size, scale):
    return (np.arange(out_size, dtype=np.float32) + np.float32(0.5)) * scale \
        - np.float32(0.5)


def _bilinear_axis(in_size, out_size):
    scale = np.float32(in_size) / np.float32(out_size)
    pos = _half_pixel(out_size, scale)
    floor = np.floor(pos)
    lower = np.maximum(floor.astype(np.int64), 0)
    upper = np.minimum(np.ceil(pos).astype(np.int64), in_size - 1)
    return lower, upper, (pos - floor).astype(np.float32)


def _bilinear(img, out_h, out_w):
    y0, y1, yl = _bilinear_axis(img.shape[-3], out_h)
    x0, x1, xl = _bilinear_axis(img.shape[-2], out_w)
    yl = yl[:, None, None]
    xl = xl[None, :, None]
    top_rows, bottom_rows = img[..., y0, :, :], img[..., y1, :, :]
    tl, tr = top_rows[..., x0, :], top_rows[..., x1, :]
    bl, br = bottom_rows[..., x0, :], bottom_rows[..., x1, :]
    top = tl + (tr - tl) * xl
    bottom = bl + (br - bl) * xl
    return top + (bottom - top) * yl


def _nearest_axis(in_size, out_size):
    scale = np.float32(in_size) / np.float32(out_size)
    pos = (np.arange(out_size, dtype=np.float32) + np.float32(0.5)) * scale
    return np.clip(np.floor(pos).astype(np.int64), 0, in_size - 1)


def _keys_table():
    x = (np.arange(_TABLE_SIZE + 1) * 1.0 / _TABLE_SIZE).astype(np.float32)
    x = x.astype(np.float64)
    a = -0.5
    near = (((a + 2) * x - (a + 3)) * x * x + 1).astype(np.float32)
    x1 = (x.astype(np.float32) + np.float32(1.0)).astype(np.float64)
    far = (((a * x1 - 5 * a) * x1 + 8 * a) * x1 - 4 * a).astype(np.float32)
    return near, far


def _bicubic_axis(in_size, out_size):
    near, far = _keys_table()
    scale = np.float32(in_size) / np.float32(out_size)
    pos = _half_pixel(out_size, scale)
    in_loc = np.floor(pos).astype(np.int64)
    delta = (pos - in_loc.astype(np.float32)).astype(np.float32)
    offset = np.rint(delta * np.float32(_TABLE_SIZE)).astype(np.int64)
    taps = [in_loc - 1 + k for k in range(4)]
    table = [far[offset], near[offset], near[_TABLE_SIZE - offset],
             far[_TABLE_SIZE - offset]]
    indices, weights = [], []
    for tap, w in zip(taps, table):
        index = np.clip(tap, 0, in_size - 1)
        indices.append(index)
        weights.append(np.where(index == tap, w, np.float32(0)).astype(np.float32))
    total = ((weights[0] + weights[1]) + weights[2]) + weights[3]
    ok = np.abs(total) >= np.float32(1000.0) * np.finfo(np.float32).tiny
    inv = np.where(ok, np.float32(1.0) / np.where(ok, total, 1), np.float32(1))
    weights = [np.where(ok, w * inv.astype(np.float32), w) for w in weights]
    return indices, weights


def _bicubic(img, out_h, out_w):
    yi, yw = _bicubic_axis(img.shape[-3], out_h)
    xi, xw = _bicubic_axis(img.shape[-2], out_w)
    cols = None
    for k in range(4):
        term = img[..., yi[k], :, :] * yw[k][:, None, None]
        cols = term if cols is None else cols + term
    out = None
    for k in range(4):
        term = cols[..., xi[k], :] * xw[k][None, :, None]
        out = term if out is None else out + term
    return out


def _area_axis(in_size, out_size):
    """Per output index, the source cells it covers and the covered part
    of each, as TensorFlow's ResizeArea (no half-pixel shift); rows padded
    with weight 0 to the longest span."""
    scale = np.float32(in_size) / np.float32(out_size)
    pos = np.arange(out_size + 1, dtype=np.float32) * scale
    start, end = pos[:-1], pos[1:]
    first = np.floor(start).astype(np.int64)
    count = np.ceil(end).astype(np.int64) - first
    indices, weights = [], []
    for t in range(int(count.max())):
        v = first + t
        vf = v.astype(np.float32)
        w = np.where(vf < start,
                     np.where(vf + 1 > end, scale, vf + 1 - start),
                     np.where(vf + 1 > end, end - vf, np.float32(1.0)))
        indices.append(np.clip(v, 0, in_size - 1))
        weights.append(np.where(t < count, w, 0).astype(np.float32))
    return indices, weights, scale


def _area(img, out_h, out_w):
    yi, yw, yscale = _area_axis(img.shape[-3], out_h)
    xi, xw, xscale = _area_axis(img.shape[-2], out_w)
    rows = None
    for index, weight in zip(xi, xw):
        term = img[..., index, :] * weight[:, None]
        rows = term if rows is None else rows + term
    out = None
    for index, weight in zip(yi, yw):
        term = rows[..., index, :, :] * weight[:, None, None]
        out = term if out is None else out + term
    return out * np.float32(1.0 / np.float64(yscale * xscale))


def _lanczos(radius):
    def kernel(x):
        pi = np.float32(3.14159265359)
        px = pi * x
        sin1 = np.sin(px.astype(np.float64)).astype(np.float32)
        sin2 = np.sin((px / np.float32(radius)).astype(np.float64)).astype(np.float32)
        with np.errstate(divide="ignore", invalid="ignore"):
            value = np.float32(radius) * sin1 * sin2 / (pi * pi * x * x)
        return np.where(x > radius, np.float32(0),
                        np.where(x <= np.float32(1e-3), np.float32(1), value))
    return kernel, float(radius)


def _gaussian(x):
    sigma = np.float64(np.float32(1.5) / np.float32(3.0))
    value = np.exp((-x * x).astype(np.float64) / (2.0 * sigma * sigma))
    return np.where(x >= np.float32(1.5), np.float32(0), value.astype(np.float32))


def _mitchell(x):
    f = np.float32
    far = (((f(-7.0) / f(18.0)) * x + f(2.0)) * x - f(10.0) / f(3.0)) * x \
        + f(16.0) / f(9.0)
    near = (((f(7.0) / f(6.0)) * x - f(2.0)) * x) * x + f(8.0) / f(9.0)
    return np.where(x >= 2, f(0), np.where(x >= 1, far, near)).astype(np.float32)


_KERNELS = {"lanczos3": _lanczos(3), "lanczos5": _lanczos(5),
            "gaussian": (_gaussian, 1.5), "mitchellcubic": (_mitchell, 2.0)}


def _kernel_axis(in_size, out_size, method):
    """Per output index, the source indices and normalised weights of
    TensorFlow's ScaleAndTranslate (no antialiasing); padded with weight 0."""
    kernel, radius = _KERNELS[method]
    scale = np.float32(out_size) / np.float32(in_size)
    inv_scale = np.float32(1.0 / np.float64(scale))
    sample = (np.arange(out_size, dtype=np.float32) + np.float32(0.5)) * inv_scale
    span_size = min(2 * int(np.ceil(radius)) + 1, in_size)
    inside = (sample >= 0) & (sample <= in_size)
    start = np.ceil(sample - np.float32(radius) - np.float32(0.5)).astype(np.int64)
    end = np.floor(sample + np.float32(radius) - np.float32(0.5)).astype(np.int64)
    start = np.clip(start, 0, in_size - 1)
    end = np.clip(end, 0, in_size - 1) + 1
    indices, weights = [], []
    for t in range(span_size):
        source = start + t
        pos = source.astype(np.float32) + np.float32(0.5) - sample
        w = kernel(np.abs(pos))
        indices.append(np.minimum(source, in_size - 1))
        weights.append(np.where((source < end) & inside, w, np.float32(0)))
    total = np.zeros(out_size, np.float32)
    for w in weights:
        total = total + w
    ok = np.abs(total) >= np.float32(1000.0) * np.finfo(np.float32).tiny
    inv = np.float32(1.0) / np.where(ok, total, np.float32(1))
    return indices, [np.where(ok, w * inv, np.float32(0)) for w in weights]


def _scale_and_translate(img, out_h, out_w, method):
    yi, yw = _kernel_axis(img.shape[-3], out_h, method)
    xi, xw = _kernel_axis(img.shape[-2], out_w, method)
    rows = None
    for index, weight in zip(yi, yw):
        term = weight[:, None, None] * img[..., index, :, :]
        rows = term if rows is None else rows + term
    out = None
    for index, weight in zip(xi, xw):
        term = weight[:, None] * rows[..., index, :]
        out = term if out is None else out + term
    return out


def resize(images, size, interpolation="bilinear"):
    """`tf.image.resize(images, size, method=interpolation)` (TensorFlow 2
    defaults) of a channels-last image (h, w, c) or batch (n, h, w, c):
    float32, except 'nearest', which keeps the input dtype."""
    if interpolation not in METHODS:
        raise ValueError(f"resize: interpolation must be one of {METHODS}, got "
                         f"{interpolation!r}")
    images = np.asarray(images)
    if images.ndim not in (3, 4):
        raise ValueError(f"resize: expected an image (height, width, channels) "
                         f"or a batch of them, got shape {images.shape}")
    out_h, out_w = (int(s) for s in size)
    if interpolation == "nearest":
        rows = _nearest_axis(images.shape[-3], out_h)
        cols = _nearest_axis(images.shape[-2], out_w)
        return images[..., rows, :, :][..., cols, :]
    img = images.astype(np.float32)
    if interpolation == "bilinear":
        return _bilinear(img, out_h, out_w)
    if interpolation == "bicubic":
        return _bicubic(img, out_h, out_w)
    if interpolation == "area":
        return _area(img, out_h, out_w)
    return _scale_and_translate(img, out_h, out_w, interpolation)
