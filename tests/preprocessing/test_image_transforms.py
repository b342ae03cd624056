"""apply_affine_transform and the random_* transforms: equal to tf-keras's
outputs (scipy.ndimage underneath) bit for bit, without a pixel loop."""
import numpy as np
import pytest

from fastgraph.preprocessing import image
from fastgraph.preprocessing.image.affine import affine_resample

from .reference import ARRAYS, inputs

CASES = {"rot": {"theta": 23}, "shift": {"tx": 1.5, "ty": -2.25},
         "shear": {"shear": 17}, "zoom": {"zx": 0.7, "zy": 1.3},
         "all": {"theta": -40, "tx": 2, "ty": 1, "shear": 8, "zx": 1.2, "zy": 0.8}}
X_LAST = inputs.image((9, 7, 3), 1)
X_FIRST = np.transpose(X_LAST, (2, 0, 1)).copy()


@pytest.mark.parametrize("name", list(CASES))
@pytest.mark.parametrize("mode", ["constant", "nearest", "reflect", "wrap"])
def test_affine_transform_matches_keras(name, mode):
    got = image.apply_affine_transform(X_LAST, row_axis=0, col_axis=1, channel_axis=2,
                                       fill_mode=mode, cval=-7.0, **CASES[name])
    assert got.dtype == np.float32
    np.testing.assert_array_equal(got, ARRAYS[f"affine/{name}/{mode}/last"])
    got = image.apply_affine_transform(X_FIRST, fill_mode=mode, cval=3.0,
                                       **CASES[name])
    np.testing.assert_array_equal(got, ARRAYS[f"affine/{name}/{mode}/first"])


@pytest.mark.parametrize("name", list(CASES))
def test_affine_transform_order_0_matches_keras(name):
    got = image.apply_affine_transform(X_LAST, row_axis=0, col_axis=1, channel_axis=2,
                                       order=0, **CASES[name])
    np.testing.assert_array_equal(got, ARRAYS[f"affine/{name}/order0"])


def test_resampler_equals_scipy_ndimage_on_random_geometry():
    ndimage = pytest.importorskip("scipy.ndimage")
    rng = np.random.default_rng(0)
    for trial in range(400):
        rows, cols = rng.integers(1, 10, size=2)
        x = rng.uniform(-5, 300, size=(2, rows, cols)).astype(np.float32)
        m = rng.normal(size=(2, 2)) * rng.choice([0.5, 1, 3])
        off = rng.normal(size=2) * rng.choice([0, 1, 5, 30])
        if trial % 3 == 0:
            off = np.round(off)
        mode = ["constant", "nearest", "reflect", "wrap"][trial % 4]
        order = trial % 2
        ref = np.stack([ndimage.affine_transform(c, m, off, order=order, mode=mode,
                                                 cval=1.5) for c in x])
        np.testing.assert_array_equal(affine_resample(x, m, off, mode, 1.5, order), ref)


def test_identity_and_errors():
    assert image.apply_affine_transform(X_FIRST) is X_FIRST
    with pytest.raises(ValueError, match="distinct"):
        image.apply_affine_transform(X_FIRST, theta=3, row_axis=1, col_axis=1)
    with pytest.raises(ValueError, match="rank 3"):
        image.apply_affine_transform(X_FIRST[0], theta=3)
    with pytest.raises(ValueError, match="first and last"):
        image.apply_affine_transform(X_FIRST, theta=3, row_axis=0, col_axis=2,
                                     channel_axis=1)
    with pytest.raises(ValueError, match="fill_mode"):
        image.apply_affine_transform(X_FIRST, theta=3, fill_mode="mirror")
    with pytest.raises(ValueError, match="zoom_range"):
        image.random_zoom(X_FIRST, (0.5,))


@pytest.mark.parametrize("name", ["rotation", "shift", "shear", "zoom", "channel"])
def test_random_transforms_match_keras_with_the_same_seed(name):
    fn = {"rotation": lambda x: image.random_rotation(x, 30, 0, 1, 2),
          "shift": lambda x: image.random_shift(x, 0.2, 0.3, 0, 1, 2),
          "shear": lambda x: image.random_shear(x, 20, 0, 1, 2, "reflect"),
          "zoom": lambda x: image.random_zoom(x, (0.6, 1.4), 0, 1, 2, "wrap"),
          "channel": lambda x: image.random_channel_shift(x, 40, 2)}[name]
    np.random.seed(11)
    np.testing.assert_array_equal(fn(X_LAST), ARRAYS[f"random/{name}"])


def test_channel_shift_matches_keras():
    np.testing.assert_array_equal(image.apply_channel_shift(X_FIRST, 30.0, 0),
                                  ARRAYS["channel_shift"])


def test_brightness_matches_keras():
    pytest.importorskip("PIL")
    np.random.seed(11)
    np.testing.assert_array_equal(image.random_brightness(X_LAST, (0.5, 1.5)),
                                  ARRAYS["random/brightness"])
    got = image.apply_brightness_shift(inputs.image((5, 4, 3), 2, low=-20, high=400),
                                       1.3, scale=False)
    np.testing.assert_allclose(got, ARRAYS["brightness/noscale"], rtol=1e-6)
    with pytest.raises(ValueError, match="brightness_range"):
        image.random_brightness(X_LAST, (0.5,))


def test_a_transform_of_a_large_image_is_fast():
    import time
    x = np.random.default_rng(1).uniform(0, 255, (256, 256, 3)).astype(np.float32)
    start = time.perf_counter()
    image.apply_affine_transform(x, theta=10, zx=1.1, row_axis=0, col_axis=1,
                                 channel_axis=2)
    assert time.perf_counter() - start < 0.5
