"""Reading a batch file of the CIFAR python release."""
from .safe_pickle import load_pickle


def load_batch(fpath, label_key="labels"):
    """`(data, labels)` of one CIFAR batch: uint8 images (n, 3, 32, 32) and
    the list of labels under `label_key` (read with the restricted
    unpickler: the batches are pickles)."""
    d = {k.decode("utf8"): v for k, v in load_pickle(fpath, encoding="bytes").items()}
    data = d["data"]
    return data.reshape(data.shape[0], 3, 32, 32), d[label_key]
