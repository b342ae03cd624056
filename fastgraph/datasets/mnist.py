"""MNIST handwritten digits: 60,000 + 10,000 grayscale 28x28 images."""
from .cache import ORIGIN_FOLDER, fetch
from .safe_pickle import load_npz

ORIGIN = ORIGIN_FOLDER + "mnist.npz"
FILE_HASH = "731c5ac602752760c8e48fbffcf8c3b850d9dc2a2aedcf2cc48468fc17b673d1"


def load_data(path="mnist.npz", cache_dir=None):
    """`(x_train, y_train), (x_test, y_test)`: uint8 images (n, 28, 28) with
    values 0..255 and uint8 labels 0..9, from Keras's `mnist.npz`
    (downloaded once into the Keras cache as `path`)."""
    path = fetch(path, ORIGIN, FILE_HASH, cache_dir)
    data = load_npz(path)
    return (data["x_train"], data["y_train"]), (data["x_test"], data["y_test"])
