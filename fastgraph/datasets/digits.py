"""The 8x8 handwritten digits data set (1,797 images, 10 classes), bundled.

Each image is 8x8 uint8 with values 0..16: the number of ink pixels in a
4x4 block of a 32x32 bitmap.  The data is the test part of the UCI "Optical
Recognition of Handwritten Digits" data set (E. Alpaydin and C. Kaynak,
Bogazici University, 1998; UCI Machine Learning Repository, CC BY 4.0), as
shipped by scikit-learn (`sklearn.datasets.load_digits`, BSD-3-Clause,
Copyright (c) 2007-2024 The scikit-learn developers).  It is stored here as
`digits.npz` (arrays `x` (1797, 8, 8) and `y` (1797,), both uint8), so it
loads without any network access.
"""
import os

import numpy as np

_PATH = os.path.join(os.path.dirname(os.path.abspath(__file__)), "digits.npz")


def load_data(test_split=0.2, seed=113):
    """Return `(x_train, y_train), (x_test, y_test)`, split as keras.datasets do.

    The 1,797 samples are shuffled with `np.random.RandomState(seed)` and the
    last `test_split` fraction becomes the test set, so a given seed always
    gives the same split.  Images are uint8 (n, 8, 8), labels uint8 (n,).
    """
    if isinstance(test_split, bool) or not isinstance(test_split, (int, float)) \
            or not 0.0 <= test_split < 1.0:
        raise ValueError(f"digits.load_data: test_split must be a float in "
                         f"[0, 1), got {test_split!r}")
    with np.load(_PATH, allow_pickle=False) as data:
        x, y = data["x"], data["y"]
    indices = np.arange(len(x))
    np.random.RandomState(seed).shuffle(indices)
    x, y = x[indices], y[indices]
    n_train = int(len(x) * (1 - test_split))
    return (x[:n_train], y[:n_train]), (x[n_train:], y[n_train:])
