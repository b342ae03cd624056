"""Fashion-MNIST: 60,000 + 10,000 grayscale 28x28 images of 10 kinds of
clothing, in the IDX format of the original release (gzipped)."""
import gzip
import os

import numpy as np

from .cache import ORIGIN_FOLDER, fetch

BASE = ORIGIN_FOLDER
FILES = ["train-labels-idx1-ubyte.gz", "train-images-idx3-ubyte.gz",
         "t10k-labels-idx1-ubyte.gz", "t10k-images-idx3-ubyte.gz"]


def _read(path, offset):
    with gzip.open(path, "rb") as f:
        return np.frombuffer(f.read(), np.uint8, offset=offset)


def load_data(cache_dir=None):
    """`(x_train, y_train), (x_test, y_test)`: uint8 images (n, 28, 28) and
    uint8 labels 0..9, cached under `datasets/fashion-mnist`."""
    subdir = os.path.join("datasets", "fashion-mnist")
    paths = [fetch(fname, BASE + fname, cache_dir=cache_dir, cache_subdir=subdir)
             for fname in FILES]
    y_train = _read(paths[0], 8)
    x_train = _read(paths[1], 16).reshape(len(y_train), 28, 28)
    y_test = _read(paths[2], 8)
    x_test = _read(paths[3], 16).reshape(len(y_test), 28, 28)
    return (x_train, y_train), (x_test, y_test)
