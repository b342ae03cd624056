"""Deterministic inputs shared by data_tools_make_reference.py (run once
with tf-keras) and the tests of fastgraph's data tools: texts, images,
sequences, and tiny data set files in the real Keras formats."""
import gzip
import io
import json
import os
import pickle
import tarfile
import zipfile

import numpy as np

TEXTS = ["The cat sat on the mat.", "The dog ate my homework!",
         "Cats and dogs: friends, or foes?", "the THE the end",
         "a b c d e f g h", ""]

SEQUENCES = [[1, 2, 3], [4, 5], [6, 7, 8, 9, 10, 11], [], [12]]


def image(shape, seed, dtype=np.float32, low=0, high=255):
    """A reproducible random image array."""
    return np.random.RandomState(seed).uniform(low, high, shape).astype(dtype)


def write_image_tree(root):
    """class_a/, class_b/ (and a nested folder) of small PNGs of several
    sizes; returns the root."""
    from PIL import Image
    rng = np.random.RandomState(7)
    layout = {"class_a": [(6, 9), (8, 8), (10, 5)],
              "class_b": [(7, 7), (12, 6)],
              os.path.join("class_b", "nested"): [(5, 11)]}
    k = 0
    for folder, sizes in layout.items():
        os.makedirs(os.path.join(root, folder), exist_ok=True)
        for h, w in sizes:
            pixels = rng.randint(0, 256, (h, w, 3)).astype(np.uint8)
            Image.fromarray(pixels, "RGB").save(os.path.join(root, folder,
                                                             f"img_{k}.png"))
            k += 1
    with open(os.path.join(root, "class_a", "notes.txt"), "w") as f:
        f.write("not an image")
    return root


def write_text_tree(root):
    """pos/ and neg/ folders of small .txt files; returns the root."""
    for label, texts in (("neg", ["bad movie", "awful, terrible.", "meh"]),
                         ("pos", ["great film!", "loved it", "wonderful story",
                                  "caf\u00e9 au lait"])):
        os.makedirs(os.path.join(root, label), exist_ok=True)
        for i, text in enumerate(texts):
            with open(os.path.join(root, label, f"{i}.txt"), "w",
                      encoding="utf-8") as f:
                f.write(text)
    return root


def word_lists(n, seed, low=1, high=40, longest=12):
    """n lists of word ranks (Python ints), of lengths 1..longest."""
    rng = np.random.RandomState(seed)
    return [[int(w) for w in rng.randint(low, high, rng.randint(1, longest + 1))]
            for _ in range(n)]


def object_array(lists):
    out = np.empty(len(lists), dtype=object)
    out[:] = lists
    return out


def npz_bytes(**arrays):
    buf = io.BytesIO()
    np.savez(buf, **arrays)
    return buf.getvalue()


def mnist_npz():
    rng = np.random.RandomState(1)
    return npz_bytes(x_train=rng.randint(0, 256, (6, 28, 28)).astype(np.uint8),
                     y_train=rng.randint(0, 10, 6).astype(np.uint8),
                     x_test=rng.randint(0, 256, (4, 28, 28)).astype(np.uint8),
                     y_test=rng.randint(0, 10, 4).astype(np.uint8))


def imdb_npz():
    rng = np.random.RandomState(2)
    return npz_bytes(x_train=object_array(word_lists(9, 3)),
                     y_train=rng.randint(0, 2, 9).astype(np.int64),
                     x_test=object_array(word_lists(7, 4)),
                     y_test=rng.randint(0, 2, 7).astype(np.int64))


def reuters_npz():
    rng = np.random.RandomState(5)
    return npz_bytes(x=object_array(word_lists(15, 6)),
                     y=rng.randint(0, 46, 15).astype(np.int64))


def boston_npz():
    rng = np.random.RandomState(8)
    return npz_bytes(x=rng.uniform(0, 100, (17, 13)), y=rng.uniform(5, 50, 17))


def word_index_json():
    return json.dumps({f"w{i}": i for i in range(1, 40)}).encode()


def idx_gz(array, labels):
    """Fashion-MNIST's IDX files (gzipped): the magic header then bytes."""
    if labels:
        header = b"\x00\x00\x08\x01" + len(array).to_bytes(4, "big")
    else:
        header = b"\x00\x00\x08\x03" + len(array).to_bytes(4, "big") + \
            (28).to_bytes(4, "big") + (28).to_bytes(4, "big")
    return gzip.compress(header + array.astype(np.uint8).tobytes())


def python2_pickle(obj):
    """A protocol-2 pickle with bytes written as Python 2 `str` (the CIFAR
    release's format) and NumPy 1's module names."""
    class Py2Pickler(pickle._Pickler):
        dispatch = dict(pickle._Pickler.dispatch)

        def save_bytes(self, data):
            if len(data) < 256:
                self.write(pickle.SHORT_BINSTRING + bytes([len(data)]) + data)
            else:
                self.write(pickle.BINSTRING + len(data).to_bytes(4, "little") + data)
            self.memoize(data)
        dispatch[bytes] = save_bytes

    buf = io.BytesIO()
    Py2Pickler(buf, protocol=2).dump(obj)
    return buf.getvalue().replace(b"numpy._core.multiarray\n",
                                  b"numpy.core.multiarray\n")


def cifar_tar(kind):
    """A cifar-10 or cifar-100 python release with 3 images per batch."""
    rng = np.random.RandomState(9)
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        def add(name, payload):
            info = tarfile.TarInfo(name)
            info.size = len(payload)
            tar.addfile(info, io.BytesIO(payload))
        if kind == "cifar10":
            folder = "cifar-10-batches-py"
            for name in [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]:
                add(f"{folder}/{name}", python2_pickle({
                    b"batch_label": name.encode(),
                    b"labels": [int(v) for v in rng.randint(0, 10, 3)],
                    b"data": rng.randint(0, 256, (3, 3072)).astype(np.uint8),
                    b"filenames": [b"a.png", b"b.png", b"c.png"]}))
        else:
            folder = "cifar-100-python"
            for name in ("train", "test"):
                add(f"{folder}/{name}", python2_pickle({
                    b"filenames": [b"a.png", b"b.png", b"c.png"],
                    b"batch_label": name.encode(),
                    b"fine_labels": [int(v) for v in rng.randint(0, 100, 3)],
                    b"coarse_labels": [int(v) for v in rng.randint(0, 20, 3)],
                    b"data": rng.randint(0, 256, (3, 3072)).astype(np.uint8)}))
    return buf.getvalue()


def fashion_files():
    rng = np.random.RandomState(10)
    return {"train-labels-idx1-ubyte.gz": idx_gz(rng.randint(0, 10, 5), True),
            "train-images-idx3-ubyte.gz": idx_gz(rng.randint(0, 256, (5, 28, 28)),
                                                 False),
            "t10k-labels-idx1-ubyte.gz": idx_gz(rng.randint(0, 10, 3), True),
            "t10k-images-idx3-ubyte.gz": idx_gz(rng.randint(0, 256, (3, 28, 28)),
                                                False)}


def zip_bytes(members):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, payload in members.items():
            zf.writestr(name, payload)
    return buf.getvalue()
