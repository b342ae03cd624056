"""The bundled digits data set: shapes, dtypes, value range, deterministic split."""
import os

import numpy as np
import pytest

from fastgraph.datasets import digits


def test_shapes_and_dtypes():
    (x_train, y_train), (x_test, y_test) = digits.load_data()
    assert x_train.shape == (1437, 8, 8) and y_train.shape == (1437,)
    assert x_test.shape == (360, 8, 8) and y_test.shape == (360,)
    for a in (x_train, y_train, x_test, y_test):
        assert a.dtype == np.uint8
    x = np.concatenate([x_train, x_test])
    y = np.concatenate([y_train, y_test])
    assert x.min() == 0 and x.max() == 16
    assert sorted(np.unique(y)) == list(range(10))
    # The sklearn copy has 178..183 images per class.
    assert np.bincount(y).min() >= 170


def test_split_is_deterministic_and_seeded():
    (a, ya), (b, yb) = digits.load_data(seed=113)
    (c, yc), (d, yd) = digits.load_data(seed=113)
    np.testing.assert_array_equal(a, c)
    np.testing.assert_array_equal(yb, yd)
    (e, _), _ = digits.load_data(seed=1)
    assert not np.array_equal(a, e)


def test_split_is_a_partition():
    (x_train, _), (x_test, _) = digits.load_data(test_split=0.5)
    assert len(x_train) == 898 and len(x_test) == 899
    (x_all, y_all), (x_none, _) = digits.load_data(test_split=0.0)
    assert len(x_all) == 1797 and len(x_none) == 0
    # Every image of the full set appears once (up to the permutation).
    with np.load(digits._PATH, allow_pickle=False) as data:
        ref = data["x"].reshape(1797, -1)
    got = x_all.reshape(1797, -1)
    assert sorted(map(bytes, ref)) == sorted(map(bytes, got))


def test_first_image_is_a_zero():
    with np.load(digits._PATH, allow_pickle=False) as data:
        assert data["y"][0] == 0
        assert data["x"][0, 0].tolist() == [0, 0, 5, 13, 9, 1, 0, 0]


@pytest.mark.parametrize("bad", [1.0, -0.1, "0.2", True])
def test_bad_test_split(bad):
    with pytest.raises(ValueError, match="test_split"):
        digits.load_data(test_split=bad)


def test_file_is_small():
    assert os.path.getsize(digits._PATH) < 60_000


def test_exposed_by_package():
    import fastgraph
    assert fastgraph.datasets.digits is digits
