"""CIFAR-10: 50,000 + 10,000 colour 32x32 images in 10 classes."""
import os

import numpy as np

from .. import backend
from .cache import fetch
from .cifar import load_batch

ORIGIN = "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz"
FILE_HASH = "6d958be074577803d12ecdefd02955f39262c83c16fe9348329d7fe0b5c001ce"


def load_data(cache_dir=None):
    """`(x_train, y_train), (x_test, y_test)`: uint8 images (n, 32, 32, 3)
    (channels first when `backend.image_data_format()` says so) and uint8
    labels of shape (n, 1), from the python release Keras downloads."""
    path = fetch("cifar-10-batches-py", ORIGIN, FILE_HASH, cache_dir, untar=True)
    parts = [load_batch(os.path.join(path, f"data_batch_{i}")) for i in range(1, 6)]
    x_train = np.concatenate([x for x, _ in parts]).astype("uint8")
    y_train = np.concatenate([np.asarray(y) for _, y in parts]).astype("uint8")
    x_test, y_test = load_batch(os.path.join(path, "test_batch"))
    y_train = y_train.reshape(len(y_train), 1)
    y_test = np.reshape(y_test, (len(y_test), 1)).astype(y_train.dtype)
    x_test = x_test.astype(x_train.dtype)
    if backend.image_data_format() == "channels_last":
        x_train = x_train.transpose(0, 2, 3, 1)
        x_test = x_test.transpose(0, 2, 3, 1)
    return (x_train, y_train), (x_test, y_test)
