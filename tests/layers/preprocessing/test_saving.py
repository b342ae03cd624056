"""Preprocessing layers saved and loaded: tf-keras 2.x files (.h5 and
.keras, the adapted vocabulary of a .keras archive read from its assets)
predict what tf-keras predicted (tests/reference/
preprocessing_keras_files_make.py); fastgraph's own format, .keras and .h5
keep vocabularies, idf weights, statistics and bin boundaries."""
import os

import numpy as np
import pytest

import fastgraph as fg
from fastgraph import layers as L

HERE = os.path.join(os.path.dirname(__file__), "..", "..", "reference", "keras_files")
REF = np.load(os.path.join(HERE, "k2_pre_reference.npz"))
FILES = sorted(f for f in os.listdir(HERE) if f.startswith("k2_pre_")
               and not f.endswith(".npz"))


@pytest.mark.parametrize("filename", FILES)
def test_tf_keras_files_predict_as_tf_keras(filename):
    name = filename[len("k2_pre_"):].split(".")[0]
    x = REF[f"{name}/x"]
    if x.dtype.kind == "S":
        x = np.char.decode(x, "utf-8")
    model = fg.models.load_model(os.path.join(HERE, filename))
    np.testing.assert_allclose(model.predict(x, verbose=0), REF[f"{name}/y"],
                               rtol=1e-5, atol=1e-5)


def _model():
    texts = np.array(["the cat sat", "a dog ran", "the red ball", "cat and dog",
                      "naïve café"] * 3)
    nums = np.random.RandomState(0).randn(15, 3).astype(np.float32)
    words = np.array([["a", "b"], ["c", "a"], ["b", "q"]] * 5)
    tv = L.TextVectorization(output_mode="tf_idf", max_tokens=10)
    tv.adapt(texts)
    tv_int = L.TextVectorization(output_sequence_length=4, ngrams=2)
    tv_int.adapt(texts)
    norm = L.Normalization()
    norm.adapt(nums)
    disc = L.Discretization(num_bins=3)
    disc.adapt(nums)
    look = L.StringLookup(num_oov_indices=2, mask_token="", output_mode="count")
    look.adapt(words)
    ilook = L.IntegerLookup(output_mode="multi_hot")
    ilook.adapt(np.array([1, 5, 5, 9, 9, 9]))
    t_in = L.Input((1,), dtype="string", name="text")
    n_in = L.Input((3,), name="nums")
    w_in = L.Input((2,), dtype="string", name="words")
    i_in = L.Input((2,), dtype="int64", name="ints")
    parts = [tv(t_in), L.Embedding(60, 2)(tv_int(t_in)), norm(n_in),
             L.CategoryEncoding(num_tokens=3)(disc(n_in)), look(w_in), ilook(i_in),
             L.Hashing(5, salt=3, output_mode="multi_hot")(w_in)]
    parts[1] = L.Flatten()(parts[1])
    out = L.Dense(2)(L.Concatenate()(parts))
    model = fg.models.Model([t_in, n_in, w_in, i_in], out)
    xs = [texts[:, None], nums, words, np.array([[1, 5], [9, 2], [5, 5]] * 5)]
    return model, xs


@pytest.mark.parametrize("filename", ["m.fg", "m.keras", "m.h5"])
def test_round_trip_keeps_learned_state(tmp_path, filename):
    model, xs = _model()
    want = model.predict(xs, verbose=0)
    path = str(tmp_path / filename)
    model.save(path)
    loaded = fg.models.load_model(path)
    np.testing.assert_allclose(loaded.predict(xs, verbose=0), want, rtol=1e-6)
    for a, b in zip(model.layers, loaded.layers):
        if hasattr(a, "get_vocabulary"):
            assert a.get_vocabulary() == b.get_vocabulary()


def test_config_round_trip_of_every_layer():
    every = [
        L.Rescaling(0.5, 1), L.Resizing(3, 4, "area", True), L.CenterCrop(2, 2),
        L.RandomFlip("vertical", seed=1), L.RandomRotation(0.1, "constant", seed=2),
        L.RandomZoom(0.2, (-0.1, 0.1)), L.RandomTranslation(0.1, 0.2, "wrap"),
        L.RandomContrast(0.3), L.RandomBrightness(0.2, (0, 1)), L.RandomCrop(2, 3),
        L.RandomHeight(0.2), L.RandomWidth((0.1, 0.3), "nearest"),
        L.Normalization(axis=(1, 2)), L.Discretization([0.0, 1.0]),
        L.CategoryEncoding(4, "count"), L.Hashing(3, salt=[1, 2]),
        L.HashedCrossing(4, "one_hot"), L.StringLookup(vocabulary=["a"], invert=True),
        L.IntegerLookup(vocabulary=[4, 2], mask_token=0),
        L.TextVectorization(vocabulary=["x"], split="character")]
    for layer in every:
        config = layer.get_config()
        clone = type(layer).from_config(config)
        assert clone.get_config() == config, type(layer).__name__
