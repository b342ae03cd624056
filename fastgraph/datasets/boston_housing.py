"""Boston housing prices: 506 samples of 13 features, target in k$."""
import numpy as np

from .cache import ORIGIN_FOLDER, fetch
from .safe_pickle import load_npz

ORIGIN = ORIGIN_FOLDER + "boston_housing.npz"
FILE_HASH = "f553886a1f8d56431e820c5b82552d9d95cfcb96d1e678153f8839538947dff5"


def load_data(path="boston_housing.npz", test_split=0.2, seed=113, cache_dir=None):
    """`(x_train, y_train), (x_test, y_test)`: float64 features (n, 13) and
    prices (n,), shuffled with `np.random.RandomState(seed)`, the last
    `test_split` fraction as the test part."""
    if not 0 <= test_split < 1:
        raise ValueError(f"boston_housing.load_data: test_split must be in "
                         f"[0, 1), got {test_split!r}")
    data = load_npz(fetch(path, ORIGIN, FILE_HASH, cache_dir))
    x, y = data["x"], data["y"]
    indices = np.arange(len(x))
    np.random.RandomState(seed).shuffle(indices)
    x, y = x[indices], y[indices]
    n_train = int(len(x) * (1 - test_split))
    return ((np.array(x[:n_train]), np.array(y[:n_train])),
            (np.array(x[n_train:]), np.array(y[n_train:])))
