"""keras.datasets loaders: tiny files in each data set's real format served
from 127.0.0.1, downloaded into a KERAS_HOME under tmp_path, and read as
tf-keras reads them (outputs recorded with tf-keras on the same files)."""
import hashlib
import os
import pickle

import numpy as np
import pytest

from fastgraph.datasets import (boston_housing, cifar10, cifar100, fashion_mnist,
                                imdb, mnist, reuters)
from fastgraph.datasets.safe_pickle import load_npz, load_pickle

from ..preprocessing.reference import ARRAYS, LISTS, inputs
from ..utils.http_server import serving

KERAS = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/"


def sha256(data):
    return hashlib.sha256(data).hexdigest()


@pytest.fixture
def keras_home(tmp_path, monkeypatch):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras"))
    return tmp_path / "keras"


def serve(monkeypatch, module, url, name, payload, hash_attr="FILE_HASH",
          origin_attr="ORIGIN"):
    monkeypatch.setattr(module, origin_attr, f"{url}/{name}")
    monkeypatch.setattr(module, hash_attr,
                        sha256(payload) if len(getattr(module, hash_attr)) == 64
                        else hashlib.md5(payload).hexdigest())


def test_keras_urls_file_names_and_hashes():
    assert mnist.ORIGIN == KERAS + "mnist.npz"
    assert imdb.ORIGIN == KERAS + "imdb.npz"
    assert imdb.WORD_INDEX_ORIGIN == KERAS + "imdb_word_index.json"
    assert reuters.ORIGIN == KERAS + "reuters.npz"
    assert boston_housing.ORIGIN == KERAS + "boston_housing.npz"
    assert fashion_mnist.BASE == KERAS
    assert cifar10.ORIGIN == "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz"
    assert cifar100.ORIGIN == "https://www.cs.toronto.edu/~kriz/cifar-100-python.tar.gz"
    assert mnist.FILE_HASH.startswith("731c5ac6") and imdb.WORD_INDEX_HASH.startswith("bfafd7")
    assert len(reuters.get_label_names()) == 46


def test_mnist_downloads_once_and_matches_keras(keras_home, monkeypatch):
    payload = inputs.mnist_npz()
    with serving({"/mnist.npz": payload}) as (url, requested):
        serve(monkeypatch, mnist, url, "mnist.npz", payload)
        (a, b), (c, d) = mnist.load_data()
        mnist.load_data()
    assert requested == ["/mnist.npz"]
    assert (keras_home / "datasets" / "mnist.npz").read_bytes() == payload
    for name, got in zip(("x_train", "y_train", "x_test", "y_test"), (a, b, c, d)):
        assert got.dtype == np.uint8
        np.testing.assert_array_equal(got, ARRAYS[f"mnist/{name}"])


def test_a_file_keras_already_fetched_is_used_offline(keras_home, monkeypatch):
    payload = inputs.mnist_npz()
    (keras_home / "datasets").mkdir(parents=True)
    (keras_home / "datasets" / "mnist.npz").write_bytes(payload)
    monkeypatch.setattr(mnist, "FILE_HASH", sha256(payload))
    monkeypatch.setattr(mnist, "ORIGIN", "http://127.0.0.1:9/mnist.npz")
    (a, _), _ = mnist.load_data()
    np.testing.assert_array_equal(a, ARRAYS["mnist/x_train"])


def test_offline_without_a_cached_file_names_url_and_path(keras_home, monkeypatch):
    monkeypatch.setattr(mnist, "ORIGIN", "http://127.0.0.1:9/mnist.npz")
    with pytest.raises(OSError) as err:
        mnist.load_data()
    assert "http://127.0.0.1:9/mnist.npz" in str(err.value)
    assert str(keras_home / "datasets" / "mnist.npz") in str(err.value)


@pytest.mark.parametrize("name", ["default", "num_words", "maxlen", "no_oov", "no_start"])
def test_imdb_matches_keras(keras_home, monkeypatch, name):
    kwargs = {"default": {}, "num_words": {"num_words": 20, "skip_top": 5},
              "maxlen": {"maxlen": 8, "seed": 7},
              "no_oov": {"oov_char": None, "num_words": 25, "index_from": 2},
              "no_start": {"start_char": None, "index_from": 1}}[name]
    payload = inputs.imdb_npz()
    with serving({"/imdb.npz": payload}) as (url, _):
        serve(monkeypatch, imdb, url, "imdb.npz", payload)
        (a, b), (c, d) = imdb.load_data(**kwargs)
    ref = LISTS[f"imdb/{name}"]
    assert [list(s) for s in a] == ref[0] and b.tolist() == ref[1]
    assert [list(s) for s in c] == ref[2] and d.tolist() == ref[3]
    assert (str(a.dtype), str(b.dtype)) == (ref[4], ref[5])


def test_word_indices(keras_home, monkeypatch):
    payload = inputs.word_index_json()
    with serving({"/imdb_word_index.json": payload,
                  "/reuters_word_index.json": payload}) as (url, _):
        serve(monkeypatch, imdb, url, "imdb_word_index.json", payload,
              "WORD_INDEX_HASH", "WORD_INDEX_ORIGIN")
        serve(monkeypatch, reuters, url, "reuters_word_index.json", payload,
              "WORD_INDEX_HASH", "WORD_INDEX_ORIGIN")
        assert imdb.get_word_index()["w3"] == 3
        assert reuters.get_word_index()["w39"] == 39
    assert (keras_home / "datasets" / "imdb_word_index.json").exists()


@pytest.mark.parametrize("name", ["default", "split"])
def test_reuters_matches_keras(keras_home, monkeypatch, name):
    kwargs = {"default": {}, "split": {"test_split": 0.4, "seed": 3, "num_words": 15,
                                       "maxlen": 10}}[name]
    payload = inputs.reuters_npz()
    with serving({"/reuters.npz": payload}) as (url, _):
        serve(monkeypatch, reuters, url, "reuters.npz", payload)
        (a, b), (c, d) = reuters.load_data(**kwargs)
    ref = LISTS[f"reuters/{name}"]
    assert [[list(s) for s in a], b.tolist(), [list(s) for s in c], d.tolist()] == ref


@pytest.mark.parametrize("name", ["default", "split"])
def test_boston_housing_matches_keras(keras_home, monkeypatch, name):
    kwargs = {"default": {}, "split": {"test_split": 0.3, "seed": 4}}[name]
    payload = inputs.boston_npz()
    with serving({"/boston_housing.npz": payload}) as (url, _):
        serve(monkeypatch, boston_housing, url, "boston_housing.npz", payload)
        got = boston_housing.load_data(**kwargs)
    for (part, k), value in zip([("x_train", 0), ("y_train", 0), ("x_test", 1),
                                 ("y_test", 1)], [got[0][0], got[0][1], got[1][0],
                                                  got[1][1]]):
        np.testing.assert_array_equal(value, ARRAYS[f"boston/{name}/{part}"])


def test_fashion_mnist(keras_home, monkeypatch):
    files = inputs.fashion_files()
    with serving({"/" + k: v for k, v in files.items()}) as (url, _):
        monkeypatch.setattr(fashion_mnist, "BASE", url + "/")
        (a, b), (c, d) = fashion_mnist.load_data()
    assert a.shape == (5, 28, 28) and c.shape == (3, 28, 28)
    assert a.dtype == b.dtype == np.uint8
    rng = np.random.RandomState(10)
    np.testing.assert_array_equal(b, rng.randint(0, 10, 5))
    np.testing.assert_array_equal(a, rng.randint(0, 256, (5, 28, 28)))
    assert sorted(os.listdir(keras_home / "datasets" / "fashion-mnist")) == \
        sorted(files)


def test_cifar10_reads_the_python_release(keras_home, monkeypatch):
    payload = inputs.cifar_tar("cifar10")
    with serving({"/cifar-10-python.tar.gz": payload}) as (url, _):
        serve(monkeypatch, cifar10, url, "cifar-10-python.tar.gz", payload)
        (a, b), (c, d) = cifar10.load_data()
    assert a.shape == (15, 32, 32, 3) and b.shape == (15, 1)
    assert c.shape == (3, 32, 32, 3) and d.shape == (3, 1)
    assert a.dtype == b.dtype == c.dtype == d.dtype == np.uint8
    rng = np.random.RandomState(9)
    labels = rng.randint(0, 10, 3)
    first = rng.randint(0, 256, (3, 3072)).astype(np.uint8)
    np.testing.assert_array_equal(b[:3, 0], labels)
    np.testing.assert_array_equal(a[:3], first.reshape(3, 3, 32, 32).transpose(0, 2, 3, 1))
    assert (keras_home / "datasets" / "cifar-10-batches-py" / "test_batch").exists()


def test_cifar100_labels(keras_home, monkeypatch):
    payload = inputs.cifar_tar("cifar100")
    with serving({"/cifar-100-python.tar.gz": payload}) as (url, _):
        serve(monkeypatch, cifar100, url, "cifar-100-python.tar.gz", payload)
        (_, fine), _ = cifar100.load_data()
        (x, coarse), (xt, _) = cifar100.load_data(label_mode="coarse")
    rng = np.random.RandomState(9)
    np.testing.assert_array_equal(fine[:, 0], rng.randint(0, 100, 3))
    np.testing.assert_array_equal(coarse[:, 0], rng.randint(0, 20, 3))
    assert x.shape == xt.shape == (3, 32, 32, 3)
    with pytest.raises(ValueError, match="label_mode"):
        cifar100.load_data(label_mode="medium")


class Evil:
    def __reduce__(self):
        return (os.system, ("echo pwned",))


def test_the_restricted_unpickler_refuses_code(tmp_path):
    path = tmp_path / "data_batch_1"
    path.write_bytes(pickle.dumps({b"data": Evil()}, protocol=3))
    with pytest.raises(pickle.UnpicklingError, match="posix.system|os.system"):
        load_pickle(str(path), encoding="bytes")
    evil = np.empty(1, dtype=object)
    evil[0] = Evil()
    np.savez(tmp_path / "imdb.npz", x_train=evil)
    with pytest.raises(pickle.UnpicklingError, match="refusing"):
        load_npz(str(tmp_path / "imdb.npz"))
    good = tmp_path / "good.npz"
    good.write_bytes(inputs.imdb_npz())
    arrays = load_npz(str(good))
    assert arrays["x_train"].dtype == object and arrays["y_train"].dtype == np.int64
