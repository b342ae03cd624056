"""CIFAR-100: 50,000 + 10,000 colour 32x32 images in 100 fine classes
(20 coarse ones)."""
import os

import numpy as np

from .. import backend
from .cache import fetch
from .cifar import load_batch

ORIGIN = "https://www.cs.toronto.edu/~kriz/cifar-100-python.tar.gz"
FILE_HASH = "85cd44d02ba6437773c5bbd22e183051d648de2e7d6b014e1ef29b855ba677a7"


def load_data(label_mode="fine", cache_dir=None):
    """`(x_train, y_train), (x_test, y_test)`: uint8 images (n, 32, 32, 3)
    and labels of shape (n, 1), 'fine' (100 classes) or 'coarse' (20)."""
    if label_mode not in ("fine", "coarse"):
        raise ValueError(f'cifar100.load_data: `label_mode` must be one of '
                         f'"fine", "coarse". Received: label_mode={label_mode}.')
    path = fetch("cifar-100-python", ORIGIN, FILE_HASH, cache_dir, untar=True)
    key = label_mode + "_labels"
    x_train, y_train = load_batch(os.path.join(path, "train"), label_key=key)
    x_test, y_test = load_batch(os.path.join(path, "test"), label_key=key)
    y_train = np.reshape(y_train, (len(y_train), 1))
    y_test = np.reshape(y_test, (len(y_test), 1))
    if backend.image_data_format() == "channels_last":
        x_train = x_train.transpose(0, 2, 3, 1)
        x_test = x_test.transpose(0, 2, 3, 1)
    return (x_train, y_train), (x_test, y_test)
