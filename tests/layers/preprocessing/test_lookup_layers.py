"""Lookup, text and encoding layers beyond the tf-keras reference values:
string models trace, fit and predict; adapt reads arrays, lists, Sequences
and generators; vocabulary files; invert; layers without a gradient say so;
bad arguments and inputs are clear errors."""
import numpy as np
import pytest

import fastgraph as fg
from fastgraph import layers as L
from fastgraph.autodiff import Variable, gradients
from fastgraph.ops import reduce as R

TEXTS = np.array(["The cat sat.", "A dog ran!", "the red ball", "Cat and dog"] * 4)
LABELS = np.array([1, 0, 1, 0] * 4, np.float32)


def test_string_model_traces_fits_and_predicts():
    inp = L.Input((1,), dtype="string")
    assert inp.dtype == "string"
    tv = L.TextVectorization(max_tokens=12, output_sequence_length=4)
    tv.adapt(TEXTS)
    ids = tv(inp)
    assert ids.shape == (None, 4) and ids.dtype == "int64"
    h = L.GlobalAveragePooling1D()(L.Embedding(12, 3)(ids))
    model = fg.models.Model(inp, L.Dense(1, activation="sigmoid")(h))
    model.compile("adam", "binary_crossentropy")
    before = model.evaluate(TEXTS[:, None], LABELS, verbose=0)
    model.fit(TEXTS[:, None], LABELS, epochs=20, batch_size=4, verbose=0)
    assert model.evaluate(TEXTS[:, None], LABELS, verbose=0) < before
    assert model.predict(np.array([["the cat"], ["a dog"]]), verbose=0).shape == (2, 1)
    bytes_in = np.array([[b"the cat"]])
    np.testing.assert_allclose(model.predict(bytes_in, verbose=0),
                               model.predict(np.array([["the cat"]]), verbose=0))


def test_sequential_with_string_input():
    model = fg.models.Sequential([L.Input((2,), dtype="string"),
                                  L.StringLookup(vocabulary=["a", "b"],
                                                 output_mode="count"),
                                  L.Dense(1, kernel_initializer="ones")])
    np.testing.assert_allclose(model.predict(np.array([["a", "a"], ["z", "b"]]),
                                             verbose=0), [[2.0], [2.0]])


def test_numeric_inputs_are_refused_by_a_string_input():
    model = fg.models.Model(*(lambda i: (i, L.StringLookup(vocabulary=["a"])(i)))(
        L.Input((1,), dtype="string")))
    with pytest.raises(TypeError, match="expected strings, got an array of dtype"):
        model.predict(np.zeros((2, 1), np.float32), verbose=0)


class Batches(fg.utils.Sequence):
    def __len__(self):
        return 3

    def __getitem__(self, i):
        return np.array([["a", "b"], ["b", "c"]][i % 2] * (i + 1)), None


@pytest.mark.parametrize("data,vocab", [
    (["a", "b", "b", "c", "a", "b", "b", "c", "c", "c"], ["c", "b", "a"]),  # tie: c > b
    (Batches(), ["b", "a", "c"]),
    ((b for b in [np.array(["a", "b"]), np.array(["b", "c"] * 2), np.array(["b"])]),
     ["b", "c", "a"]),
])
def test_adapt_reads_lists_sequences_and_generators(data, vocab):
    layer = L.StringLookup()
    layer.adapt(data)
    assert layer.get_vocabulary() == ["[UNK]"] + vocab and layer.is_adapted


def test_adapt_batch_size_and_steps():
    data = np.arange(100, dtype=np.float32)[:, None]
    norm = L.Normalization()
    norm.adapt(data, batch_size=10, steps=2)
    np.testing.assert_allclose(norm.adapt_mean.data, [9.5])
    assert int(norm.count.data) == 20
    norm.adapt(data)
    np.testing.assert_allclose(norm.adapt_mean.data, [49.5], rtol=1e-6)
    np.testing.assert_allclose(norm.adapt_variance.data, [np.var(np.arange(100))],
                               rtol=1e-5)


def test_vocabulary_file_and_invert(tmp_path):
    path = tmp_path / "vocab.txt"
    path.write_text("ünï\nb\nc\n", encoding="utf-8")
    look = L.StringLookup(vocabulary=str(path), mask_token="")
    assert look.get_vocabulary() == ["", "[UNK]", "ünï", "b", "c"]
    ids = look(np.array([["c", "", "x", "ünï"]])).data
    np.testing.assert_array_equal(ids, [[4, 0, 1, 2]])
    back = L.StringLookup(vocabulary=str(path), mask_token="", invert=True)
    assert back(ids).data.tolist() == [["c", "", "[UNK]", "ünï"]]
    ipath = tmp_path / "ints.txt"
    ipath.write_text("7\n3\n", encoding="utf-8")
    ilook = L.IntegerLookup(vocabulary=str(ipath))
    np.testing.assert_array_equal(ilook(np.array([3, 7, 5])).data, [2, 1, 0])
    with pytest.raises(ValueError, match="vocabulary file .* does not exist"):
        L.StringLookup(vocabulary=str(tmp_path / "missing.txt"))


def test_set_vocabulary_with_special_tokens_and_idf():
    look = L.StringLookup(output_mode="tf_idf")
    look.set_vocabulary(["[UNK]", "a", "b"], idf_weights=[0.1, 0.5, 2.0])
    np.testing.assert_allclose(look(np.array([["a", "a", "z"]])).data,
                               [[0.1, 1.0, 0.0]])


def test_discrete_layers_refuse_gradients():
    x = Variable(np.array([[0.5, 2.0]], np.float32))
    for layer in (L.Discretization([1.0]), L.CategoryEncoding(3),
                  L.IntegerLookup(vocabulary=[1])):
        with pytest.raises(ValueError, match="has no gradient"):
            layer(x)
    y = L.Normalization(mean=1.0, variance=4.0)(x)
    (g,) = gradients(R.sum(y), [x])
    np.testing.assert_allclose(g, [[0.5, 0.5]])


def test_text_vectorization_callables_and_no_output_mode():
    tv = L.TextVectorization(standardize=lambda t: np.char.upper(t.astype(str)),
                             split=None, output_mode=None)
    assert tv(np.array(["ab c"])).data.tolist() == ["AB C"]
    tv = L.TextVectorization(split=lambda t: [s.split("-") for s in t],
                             vocabulary=["x", "y"], standardize=None)
    np.testing.assert_array_equal(tv(np.array(["x-y-z", "y"])).data,
                                  [[2, 3, 1], [3, 0, 0]])


@pytest.mark.parametrize("call,error,match", [
    (lambda: L.StringLookup(num_oov_indices=0, vocabulary=["a"])(np.array(["b"])),
     ValueError, "when num_oov_indices=0 all inputs should be in the vocabulary"),
    (lambda: L.StringLookup(vocabulary=["a", "a"]), ValueError, "repeated term"),
    (lambda: L.StringLookup(vocabulary=["a", ""], mask_token=""), ValueError,
     "reserved mask token"),
    (lambda: L.StringLookup(max_tokens=2, vocabulary=["a", "b"]), ValueError,
     "larger than the maximum vocab size"),
    (lambda: L.StringLookup(invert=True, output_mode="count"), ValueError,
     "must be 'int' when `invert` is true"),
    (lambda: L.StringLookup(output_mode="multi_hot")(np.array(["a"])), RuntimeError,
     "must set the layer's vocabulary before calling it"),
    (lambda: L.StringLookup(output_mode="bag"), ValueError, "`output_mode` must be one"),
    (lambda: L.StringLookup(sparse=True), ValueError, "sparse outputs are not supported"),
    (lambda: L.StringLookup(vocabulary=["a"]).adapt(["a"]), ValueError,
     "Cannot adapt StringLookup layer after setting a static vocabulary"),
    (lambda: L.IntegerLookup(vocabulary=[1])(np.array([0.5])), TypeError,
     "expected integer tokens"),
    (lambda: L.CategoryEncoding(3)(np.array([[0, 3]])), ValueError,
     "must be in the range 0 <= values < num_tokens"),
    (lambda: L.CategoryEncoding(3, "multi_hot")(np.array([[0]]), count_weights=[[1.0]]),
     ValueError, "count_weights"),
    (lambda: L.CategoryEncoding(3)(np.zeros((2, 2, 2), np.int64)), ValueError,
     "maximum supported output rank is 2"),
    (lambda: L.Hashing(0), ValueError, "Hashing: `num_bins` must be an integer >= 1"),
    (lambda: L.Hashing(3, salt="x"), ValueError, "salt"),
    (lambda: L.Hashing(3)(np.array([1.5])), TypeError, "expected string or integer"),
    (lambda: L.HashedCrossing(3)(np.array([1])), ValueError, "at least two inputs"),
    (lambda: L.HashedCrossing(3)([np.zeros((2, 2), np.int64)] * 2), ValueError,
     r"shape \[\], \[batch_size\] or \[batch_size, 1\]"),
    (lambda: L.Discretization(bin_boundaries=[1.0], num_bins=2), ValueError,
     "should not be set"),
    (lambda: L.Discretization(bin_boundaries=[1.0]).adapt([1.0]), ValueError,
     "use `num_bins` instead"),
    (lambda: L.Normalization(mean=1.0), ValueError, "both `mean` and `variance`"),
    (lambda: L.Normalization(axis=3)(np.zeros((2, 3))), ValueError,
     r"`axis` values must be in the range"),
    (lambda: L.TextVectorization(output_mode="int", output_sequence_length="4"),
     ValueError, "output_sequence_length"),
    (lambda: L.TextVectorization(ragged=True), ValueError, "ragged outputs"),
    (lambda: L.TextVectorization()(np.array([["a", "b"]])), ValueError,
     "the input rank must be 1 or the last shape dimension must be 1"),
    (lambda: L.StringLookup().adapt(5.0), TypeError, "expected strings"),
    (lambda: L.StringLookup().adapt([]), ValueError, "adapt received no data"),
])
def test_errors(call, error, match):
    with pytest.raises(error, match=match):
        call()


def test_sequential_builds_a_string_input_in_front_of_text_layers():
    tv = L.TextVectorization(max_tokens=12, output_sequence_length=4)
    tv.adapt(TEXTS)
    model = fg.models.Sequential([tv, L.Embedding(12, 3), L.GlobalAveragePooling1D(),
                                  L.Dense(1)])
    model.compile("adam", "mse")
    model.fit(TEXTS, LABELS, epochs=1, verbose=0)
    assert model.inputs[0].dtype == "string"
    lookup = fg.models.Sequential([L.StringLookup(vocabulary=["a", "b"])])
    lookup.build((None, 2))
    assert lookup.inputs[0].dtype == "string"
    back = fg.models.Sequential([L.StringLookup(vocabulary=["a"], invert=True)])
    back.build((None, 2))
    assert back.inputs[0].dtype == "int64"
