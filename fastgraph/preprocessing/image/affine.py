"""Affine transforms of one image (rotation, shift, shear, zoom), as Keras
2's `apply_affine_transform`, and the random draws built on them.

Keras resamples each channel with `scipy.ndimage.affine_transform`.  For
spline orders 0 and 1 (1 is Keras's default) this module computes the same
values with NumPy over the whole image at once: one coordinate grid, the
boundary rules of ndimage ('constant', 'nearest', 'reflect', 'wrap', as it
maps coordinates), and one gather of the neighbouring pixels with their
weights, summed in ndimage's order so the results are bitwise equal.  Higher
orders need ndimage's spline prefilter, so they use scipy when installed.
"""
import numpy as np

FILL_MODES = ("constant", "nearest", "reflect", "wrap")


def _map_coordinate(c, size, mode):
    """ndimage's map_coordinate: an input coordinate outside [0, size - 1]
    mapped back inside by the boundary rule; -1 where 'constant' applies."""
    if size <= 1:
        if mode == "constant":
            return np.where((c < 0) | (c > size - 1), -1.0, c)
        return np.where((c < 0) | (c > size - 1), 0.0, c)
    low, high = c < 0, c > size - 1
    if mode == "constant":
        return np.where(low | high, -1.0, c)
    if mode == "nearest":
        return np.clip(c, 0, size - 1)
    out = c.copy()
    if mode == "reflect":
        sz2 = 2 * size
        lo = c[low]
        lo = np.where(lo < -sz2, sz2 * np.trunc(-lo / sz2) + lo, lo)
        out[low] = np.where(lo < -size, lo + sz2, -lo - 1)
        hi = c[high]
        hi = hi - sz2 * np.trunc(hi / sz2)
        out[high] = np.where(hi >= size, sz2 - hi - 1, hi)
        return out
    sz = size - 1     # 'wrap': period size - 1, the two edges overlap
    lo = c[low]
    out[low] = lo + sz * (np.trunc(-lo / sz) + 1)
    hi = c[high]
    out[high] = hi - sz * np.trunc(hi / sz)
    return out


def _map_index(idx, size, mode):
    """Where ndimage reads a neighbour index outside [0, size): mirrored for
    'constant' and 'wrap', clamped for 'nearest', reflected for 'reflect'."""
    if size <= 1:
        return np.zeros_like(idx)
    if mode == "nearest":
        return np.clip(idx, 0, size - 1)
    if mode == "reflect":
        sz2 = 2 * size
        r = np.mod(idx, sz2)
        return np.where(r >= size, sz2 - r - 1, r)
    sz2 = 2 * size - 2
    r = np.mod(idx, sz2)
    return np.where(r >= size, sz2 - r, r)


def _axis_taps(coords, size, mode, order):
    """Per output pixel along one axis: the mapped coordinate's neighbour
    indices, their weights, and where the constant value applies."""
    cc = _map_coordinate(coords, size, mode)
    outside = cc <= -1.0 if mode == "constant" else np.zeros(cc.shape, bool)
    cc = np.where(outside, 0.0, cc)
    if order == 0:
        start = np.floor(cc + 0.5).astype(np.intp)
        return [_map_index(start, size, mode)], None, outside
    start = np.floor(cc)
    w0 = 1.0 - (cc - start)
    start = start.astype(np.intp)
    taps = [_map_index(start, size, mode), _map_index(start + 1, size, mode)]
    return taps, [w0, 1.0 - w0], outside


def affine_resample(images, matrix, offset, fill_mode="nearest", cval=0.0, order=1):
    """`scipy.ndimage.affine_transform(x, matrix, offset, order=order,
    mode=fill_mode, cval=cval)` of each 2D image `images[k]` (axis 0 runs
    over channels), with the same float64 arithmetic, cast back to the
    images' dtype."""
    if fill_mode not in FILL_MODES:
        raise ValueError(f"apply_affine_transform: fill_mode must be one of "
                         f"{FILL_MODES}, got {fill_mode!r}")
    images = np.asarray(images)
    if order not in (0, 1):
        try:
            from scipy import ndimage
        except ImportError:
            raise ImportError(f"apply_affine_transform: interpolation order "
                              f"{order} needs scipy.ndimage (pip install "
                              f"scipy); orders 0 and 1 do not") from None
        return np.stack([ndimage.affine_transform(
            x, matrix, offset, order=order, mode=fill_mode, cval=cval)
            for x in images])
    _, rows, cols = images.shape
    m = np.asarray(matrix, dtype=np.float64)
    o = np.asarray(offset, dtype=np.float64)
    r = np.arange(rows, dtype=np.float64)[:, None]
    c = np.arange(cols, dtype=np.float64)[None, :]
    y0 = r * m[0, 0] + c * m[0, 1] + o[0]
    y1 = r * m[1, 0] + c * m[1, 1] + o[1]
    taps0, w0, out0 = _axis_taps(y0, rows, fill_mode, order)
    taps1, w1, out1 = _axis_taps(y1, cols, fill_mode, order)
    flat = images.reshape(len(images), -1)
    total = None
    for i, t0 in enumerate(taps0):
        for j, t1 in enumerate(taps1):
            term = flat[:, t0 * cols + t1].astype(np.float64)
            if order:
                term = term * w0[i] * w1[j]
            total = term if total is None else total + term
    total = np.where(out0 | out1, cval, total)
    return total.astype(images.dtype)


def transform_matrix_offset_center(matrix, x, y):
    """`matrix` (3x3, homogeneous) about the centre of an x-by-y image."""
    o_x = float(x) / 2 - 0.5
    o_y = float(y) / 2 - 0.5
    offset_matrix = np.array([[1, 0, o_x], [0, 1, o_y], [0, 0, 1]])
    reset_matrix = np.array([[1, 0, -o_x], [0, 1, -o_y], [0, 0, 1]])
    return np.dot(np.dot(offset_matrix, matrix), reset_matrix)


def _compose(transform, step):
    return step if transform is None else np.dot(transform, step)


def apply_affine_transform(x, theta=0, tx=0, ty=0, shear=0, zx=1, zy=1,
                           row_axis=1, col_axis=2, channel_axis=0,
                           fill_mode="nearest", cval=0.0, order=1):
    """Rotate by `theta` degrees, shift by (`tx`, `ty`) pixels, shear by
    `shear` degrees and zoom by (`zx`, `zy`) one 3D image `x`, about its
    centre, as Keras 2 does (same matrices, same resampling; see the module
    docstring).  Points from outside the image follow `fill_mode`
    ('constant' fills `cval`)."""
    if len({row_axis, col_axis, channel_axis}) != 3:
        raise ValueError("apply_affine_transform: 'row_axis', 'col_axis', and "
                         "'channel_axis' must be distinct")
    if {row_axis, col_axis, channel_axis} != {0, 1, 2}:
        raise ValueError(f"apply_affine_transform: invalid axis' indices: "
                         f"{ {row_axis, col_axis, channel_axis} - {0, 1, 2} }")
    x = np.asarray(x)
    if x.ndim != 3:
        raise ValueError(f"apply_affine_transform: input arrays must be "
                         f"multi-channel 2D images (rank 3), got shape {x.shape}")
    if channel_axis not in (0, 2):
        raise ValueError("apply_affine_transform: channels are allowed at the "
                         "first and last dimensions only.")
    transform = None
    if theta != 0:
        t = np.deg2rad(theta)
        transform = np.array([[np.cos(t), -np.sin(t), 0],
                              [np.sin(t), np.cos(t), 0], [0, 0, 1]])
    if tx != 0 or ty != 0:
        transform = _compose(transform, np.array([[1, 0, tx], [0, 1, ty], [0, 0, 1]]))
    if shear != 0:
        s = np.deg2rad(shear)
        transform = _compose(transform, np.array([[1, -np.sin(s), 0],
                                                  [0, np.cos(s), 0], [0, 0, 1]]))
    if zx != 1 or zy != 1:
        transform = _compose(transform, np.array([[zx, 0, 0], [0, zy, 0], [0, 0, 1]]))
    if transform is None:
        return x
    h, w = x.shape[row_axis], x.shape[col_axis]
    transform = transform_matrix_offset_center(transform, h, w)
    x = np.rollaxis(x, channel_axis, 0)
    if col_axis > row_axis:
        transform[:, [0, 1]] = transform[:, [1, 0]]
        transform[[0, 1]] = transform[[1, 0]]
    out = affine_resample(x, transform[:2, :2], transform[:2, 2], fill_mode,
                          cval, order)
    return np.rollaxis(out, 0, channel_axis + 1)


def random_rotation(x, rg, row_axis=1, col_axis=2, channel_axis=0,
                    fill_mode="nearest", cval=0.0, interpolation_order=1):
    """Rotate `x` by a uniform random angle in [-rg, rg] degrees (NumPy's
    global generator, as Keras)."""
    theta = np.random.uniform(-rg, rg)
    return apply_affine_transform(x, theta=theta, row_axis=row_axis,
                                  col_axis=col_axis, channel_axis=channel_axis,
                                  fill_mode=fill_mode, cval=cval,
                                  order=interpolation_order)


def random_shift(x, wrg, hrg, row_axis=1, col_axis=2, channel_axis=0,
                 fill_mode="nearest", cval=0.0, interpolation_order=1):
    """Shift `x` by random fractions of its height (`hrg`) and width
    (`wrg`)."""
    h, w = x.shape[row_axis], x.shape[col_axis]
    tx = np.random.uniform(-hrg, hrg) * h
    ty = np.random.uniform(-wrg, wrg) * w
    return apply_affine_transform(x, tx=tx, ty=ty, row_axis=row_axis,
                                  col_axis=col_axis, channel_axis=channel_axis,
                                  fill_mode=fill_mode, cval=cval,
                                  order=interpolation_order)


def random_shear(x, intensity, row_axis=1, col_axis=2, channel_axis=0,
                 fill_mode="nearest", cval=0.0, interpolation_order=1):
    """Shear `x` by a random angle in [-intensity, intensity] degrees."""
    shear = np.random.uniform(-intensity, intensity)
    return apply_affine_transform(x, shear=shear, row_axis=row_axis,
                                  col_axis=col_axis, channel_axis=channel_axis,
                                  fill_mode=fill_mode, cval=cval,
                                  order=interpolation_order)


def random_zoom(x, zoom_range, row_axis=1, col_axis=2, channel_axis=0,
                fill_mode="nearest", cval=0.0, interpolation_order=1):
    """Zoom `x` by random factors drawn from `zoom_range` = (lower, upper)
    for each axis."""
    if len(zoom_range) != 2:
        raise ValueError(f"random_zoom: `zoom_range` should be a tuple or list "
                         f"of two floats. Received: {zoom_range}")
    if zoom_range[0] == 1 and zoom_range[1] == 1:
        zx, zy = 1, 1
    else:
        zx, zy = np.random.uniform(zoom_range[0], zoom_range[1], 2)
    return apply_affine_transform(x, zx=zx, zy=zy, row_axis=row_axis,
                                  col_axis=col_axis, channel_axis=channel_axis,
                                  fill_mode=fill_mode, cval=cval,
                                  order=interpolation_order)


def flip_axis(x, axis):
    """`x` reversed along `axis`."""
    x = np.asarray(x).swapaxes(axis, 0)
    return x[::-1, ...].swapaxes(0, axis)
