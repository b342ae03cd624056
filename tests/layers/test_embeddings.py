"""Embedding: tf-keras equivalence, output shapes with input_length, masks,
gradients, config, ids of any numeric dtype, bad input (boolean data,
fractional floats, out-of-range indices)."""
import json
import os

import numpy as np
import pytest

from fastgraph.autodiff import gradients
from fastgraph.engine.input_layer import Input
from fastgraph.layers.embeddings import Embedding

# tests/reference/layers_reference.npz: tf-keras 2.21 outputs (TensorFlow 2.21,
# float32), written once by tests/reference/layers_make_reference.py run with
# /work/refenv/bin/python: case "embedding" holds the kwargs (`spec`), the
# int32 indices `x`, the table `w0`, tf-keras's output `y` and its
# compute_mask() result `out_mask`.
REF = np.load(os.path.join(os.path.dirname(__file__), "..", "reference",
                           "layers_reference.npz"))


def test_forward_and_mask_match_tf_keras():
    kwargs = json.loads(str(REF["embedding/spec"]))["kwargs"]
    layer = Embedding(**kwargs, weights=[REF["embedding/w0"]])
    x = REF["embedding/x"]
    y = layer(x)
    assert y.dtype == np.float32
    np.testing.assert_array_equal(y.data, REF["embedding/y"])
    np.testing.assert_array_equal(layer.compute_mask(x), REF["embedding/out_mask"])
    np.testing.assert_array_equal(layer(x.astype(np.int64)).data, REF["embedding/y"])


@pytest.mark.parametrize("kwargs, in_shape, out_shape", [
    ({"input_length": 100}, (100,), (100, 8)),
    ({}, (7,), (7, 8)),
    ({}, (None,), (None, 8)),
    ({"input_length": [None, 4]}, (3, 4), (3, 4, 8)),
    ({"input_length": 6}, (None,), (6, 8)),
])
def test_output_shape(kwargs, in_shape, out_shape):
    layer = Embedding(output_dim=8, input_dim=50, **kwargs)
    out = layer(Input(shape=in_shape, dtype="int32"))
    assert out.shape == (None,) + out_shape
    assert out.dtype == "float32"
    assert layer.count_params() == 400
    assert [w.shape for w in layer.weights] == [(50, 8)]
    assert layer.weights[0].name.endswith("embeddings:0")


def test_input_length_mismatch():
    layer = Embedding(10, 3, input_length=5, name="emb_len")
    with pytest.raises(ValueError, match=r'"emb_len".*input_length.*5.*\(None, 6\)'):
        layer(Input(shape=(6,), dtype="int32"))


def test_default_initializer_is_uniform_005():
    layer = Embedding(200, 30)
    layer(np.zeros((1, 2), np.int32))
    table = layer.get_weights()[0]
    assert table.dtype == np.float32
    assert -0.05 <= table.min() < -0.04 and 0.04 < table.max() <= 0.05


def test_batch_input_shape_like_tf_keras():
    assert Embedding(10, 3).get_config()["batch_input_shape"] == (None, None)
    assert Embedding(10, 3, input_length=5).get_config()["batch_input_shape"] == (None, 5)
    assert Embedding(10, 3)._input_dtype == "int32"


def test_symbolic_mask_feeds_next_layer():
    x = Input(shape=(6,), dtype="int32")
    masked = Embedding(10, 4, mask_zero=True)(x)
    assert masked._keras_mask is not None and masked._keras_mask.shape == (None, 6)
    assert Embedding(10, 4)(x)._keras_mask is None
    assert Embedding(10, 4).compute_mask(np.array([[0, 1]])) is None


def test_gradient_accumulates_repeated_indices():
    layer = Embedding(5, 2, dtype="float64")
    idx = np.array([[1, 3, 1], [0, 1, 4]], dtype=np.int32)
    out = layer(idx)
    probe = np.random.RandomState(0).uniform(-1, 1, out.shape)
    (g,) = gradients(out, layer.trainable_weights, grad_loss=probe)
    want = np.zeros((5, 2))
    np.add.at(want, idx.reshape(-1), probe.reshape(-1, 2))
    np.testing.assert_allclose(g, want, rtol=1e-12)


def test_config_round_trip():
    layer = Embedding(50, 8, mask_zero=True, input_length=12,
                      embeddings_regularizer="l2", embeddings_initializer="glorot_normal")
    config = layer.get_config()
    # The keys of tf-keras 2.21's Embedding.get_config().
    assert set(config) == {"name", "trainable", "dtype", "batch_input_shape",
                           "input_dim", "output_dim", "embeddings_initializer",
                           "embeddings_regularizer", "activity_regularizer",
                           "embeddings_constraint", "mask_zero", "input_length"}
    clone = Embedding.from_config(json.loads(json.dumps(config)))
    assert json.loads(json.dumps(clone.get_config())) == json.loads(json.dumps(config))
    assert clone.mask_zero and clone.supports_masking


# -------------------------------------------------------------- bad input
@pytest.mark.parametrize("data", [
    np.array([[True, False]]),
])
def test_non_integer_data_raises(data):
    layer = Embedding(10, 3, name="emb_float")
    with pytest.raises(TypeError, match=r'"emb_float".*integer indices.*dtype '
                                        + data.dtype.kind.replace("f", "float")
                                        .replace("b", "bool")):
        layer(data)


@pytest.mark.parametrize("dtype", ["int8", "int16", "int32", "int64", "uint8",
                                   "uint16", "uint32", "uint64", "float16", "float32",
                                   "float64"])
def test_ids_of_any_numeric_dtype(dtype):
    """Issue 17, items 9-10: integer ids of any width, and floats holding whole
    numbers (a default float32 Input, as Keras casts them), pick the rows."""
    layer = Embedding(10, 3, name="emb_any")
    ids = np.array([[0, 3, 9], [1, 2, 7]])
    expected = layer(ids.astype(np.int32)).data
    np.testing.assert_array_equal(layer(ids.astype(dtype)).data, expected)


@pytest.mark.parametrize("dtype, bad, shown", [
    ("int64", 2 ** 40, "1099511627776"), ("uint64", 2 ** 64 - 1, "18446744073709551615"),
    ("uint32", 10, "10"), ("int8", -3, "-3"), ("float32", 10.0, "10"),
    ("float64", -1.0, "-1"), ("float64", 2.0 ** 40, "1099511627776"),
])
def test_out_of_range_ids_of_any_dtype_name_the_layer_and_value(dtype, bad, shown):
    layer = Embedding(10, 3, name="emb_wide")
    data = np.array([[1, 2, 3]], dtype=dtype)
    data[0, 1] = bad
    with pytest.raises(IndexError, match=rf'"emb_wide".*index {shown} at position '
                                         rf'\(0, 1\)'):
        layer(data)


@pytest.mark.parametrize("bad", [1.5, np.nan, np.inf, -0.25])
def test_fractional_float_ids_are_refused(bad):
    layer = Embedding(10, 3, name="emb_frac")
    with pytest.raises(ValueError, match=r'"emb_frac".*index .* at position \(0, 2\).*'
                                         r'not a whole number'):
        layer(np.array([[1.0, 2.0, bad]], np.float32))


def test_int64_ids_into_an_int32_input_are_never_wrapped():
    """A 2**40 id given for Input(dtype='int32') reaches the Embedding as it is
    (it used to become row 0) and is reported with the layer's name."""
    from fastgraph.models import Model
    inp = Input(shape=(2,), dtype="int32")
    model = Model(inp, Embedding(10, 4, name="emb_cast")(inp))
    with pytest.raises(IndexError, match=r'"emb_cast".*index 1099511627776'):
        model.predict(np.array([[2 ** 40, 1]], np.int64))
    ok = np.array([[3, 1]], np.int64)
    np.testing.assert_array_equal(model.predict(ok), model.predict(ok.astype(np.int32)))


def test_float_input_feeds_an_embedding_as_in_keras():
    """The Keras 2 bAbI pattern: Input(shape=(n,)) (float32) -> Embedding."""
    from fastgraph.layers import Dense, Flatten
    from fastgraph.models import Model
    inp = Input(shape=(3,))
    model = Model(inp, Dense(1)(Flatten()(Embedding(10, 2, name="emb_babi")(inp))))
    model.compile("sgd", "mse")
    x = np.array([[1, 2, 3], [4, 5, 9]], np.float32)
    model.fit(x, np.ones((2, 1), np.float32), verbose=0)
    assert model.predict(x).shape == (2, 1)
    with pytest.raises(ValueError, match=r'"emb_babi".*1\.5.*not a whole number'):
        model.predict(np.array([[1, 1.5, 2]], np.float32))
    with pytest.raises(IndexError, match=r'"emb_babi".*index 12'):
        model.predict(np.array([[1, 12, 2]], np.float32))


@pytest.mark.parametrize("bad", [10, 11, -1])
def test_out_of_range_index_raises(bad):
    layer = Embedding(10, 3, name="emb_range")
    with pytest.raises(IndexError, match=rf'"emb_range".*input_dim=10.*index {bad}'):
        layer(np.array([[1, bad, 2]], np.int32))


@pytest.mark.parametrize("kwargs, error, match", [
    ({"input_dim": 0, "output_dim": 3}, ValueError, "input_dim"),
    ({"input_dim": 4, "output_dim": -1}, ValueError, "output_dim"),
    ({"input_dim": 4, "output_dim": 2, "sparse": True}, ValueError, "sparse"),
    ({"input_dim": 4, "output_dim": 2, "embeddings_constraint": 3}, ValueError,
     "embeddings_constraint"),
    ({"input_dim": 4, "output_dim": 2, "embeddings_initializer": "nope"}, ValueError,
     "nope"),
])
def test_bad_arguments(kwargs, error, match):
    with pytest.raises(error, match=match):
        Embedding(**kwargs)


def test_mask_reaches_next_layer_in_a_model():
    from fastgraph.models import Model
    from fastgraph.layers.pooling import GlobalAveragePooling1D
    ids = Input(shape=(4,), dtype="int32")
    embedding = Embedding(6, 3, mask_zero=True)
    model = Model(ids, GlobalAveragePooling1D()(embedding(ids)))
    x = np.array([[1, 2, 0, 0], [3, 0, 4, 5]], np.int32)
    table = embedding.get_weights()[0]
    want = np.stack([table[[1, 2]].mean(axis=0), table[[3, 4, 5]].mean(axis=0)])
    np.testing.assert_allclose(model(x).data, want, rtol=1e-6)
