"""pad_sequences, skipgrams, make_sampling_table, TimeseriesGenerator:
outputs equal to tf-keras's (tests/reference/data_tools_reference.*)."""
import json
import random

import numpy as np
import pytest

from fastgraph.preprocessing import sequence as seq
from fastgraph.utils import Sequence, pad_sequences

from .reference import ARRAYS, LISTS, inputs


@pytest.mark.parametrize("padding", ["pre", "post"])
@pytest.mark.parametrize("truncating", ["pre", "post"])
@pytest.mark.parametrize("maxlen", [None, 3])
def test_pad_sequences_matches_keras(padding, truncating, maxlen):
    got = seq.pad_sequences(inputs.SEQUENCES, maxlen=maxlen, padding=padding,
                            truncating=truncating, value=-1)
    ref = ARRAYS[f"pad/{padding}/{truncating}/{maxlen}"]
    assert got.dtype == ref.dtype == np.int32
    np.testing.assert_array_equal(got, ref)


def test_pad_sequences_dtypes_strings_and_sample_shape():
    got = pad_sequences([[0.5, 1.5], [2.5]], dtype="float32", value=0.25)
    np.testing.assert_array_equal(got, ARRAYS["pad/float"])
    assert got.dtype == np.float32
    np.testing.assert_array_equal(pad_sequences([[[1, 2], [3, 4]], [[5, 6]]], maxlen=3),
                                  ARRAYS["pad/sample_shape"])
    got = pad_sequences([["a", "b"], ["c"]], dtype=object, value="<pad>")
    assert got.tolist() == LISTS["pad/strings"]
    assert pad_sequences([["ab"], []], dtype="<U3", value="x").tolist() == \
        [["ab"], ["x"]]


def test_pad_sequences_errors():
    with pytest.raises(ValueError, match="dtype=object"):
        pad_sequences([["a"]], value="x")
    with pytest.raises(ValueError, match="non-iterable"):
        pad_sequences([1, 2])
    with pytest.raises(ValueError, match="padding type"):
        pad_sequences([[1]], padding="middle")
    with pytest.raises(ValueError, match="truncating type"):
        pad_sequences([[1]], truncating="middle")
    with pytest.raises(ValueError, match="expected shape"):
        pad_sequences([[[1, 2]], [[1, 2, 3]]])


def test_make_sampling_table_matches_keras():
    np.testing.assert_allclose(seq.make_sampling_table(20, sampling_factor=1e-2),
                               ARRAYS["sampling_table"], rtol=0, atol=0)


@pytest.mark.parametrize("name", ["plain", "categorical", "table", "noshuffle"])
def test_skipgrams_matches_keras_with_the_same_seeds(name):
    kwargs = {"plain": {}, "categorical": {"categorical": True},
              "table": {"sampling_table": seq.make_sampling_table(30, 0.05)},
              "noshuffle": {"shuffle": False, "negative_samples": 0.5}}[name]
    random.seed(1234)
    couples, labels = seq.skipgrams([1, 2, 0, 3, 4, 5, 2, 7], 30, window_size=2,
                                    seed=42, **kwargs)
    assert [couples, labels] == LISTS[f"skipgrams/{name}"]


@pytest.mark.parametrize("name", ["basic", "rate_stride", "reverse"])
def test_timeseries_generator_matches_keras(name):
    kwargs = {"basic": {"length": 4, "batch_size": 3},
              "rate_stride": {"length": 6, "sampling_rate": 2, "stride": 3,
                              "batch_size": 2, "start_index": 1, "end_index": 20},
              "reverse": {"length": 3, "reverse": True, "batch_size": 5}}[name]
    data = np.arange(50, dtype=np.float32).reshape(25, 2)
    gen = seq.TimeseriesGenerator(data, np.arange(25) * 10, **kwargs)
    assert isinstance(gen, Sequence)
    assert len(gen) == int(ARRAYS[f"tsgen/{name}/len"])
    for i in range(len(gen)):
        x, y = gen[i]
        np.testing.assert_array_equal(x, ARRAYS[f"tsgen/{name}/{i}/x"])
        np.testing.assert_array_equal(y, ARRAYS[f"tsgen/{name}/{i}/y"])


def test_timeseries_generator_shuffle_and_config():
    data = np.arange(50, dtype=np.float32).reshape(25, 2)
    np.random.seed(3)
    x, y = seq.TimeseriesGenerator(data, np.arange(25) * 10, length=4, shuffle=True,
                                   batch_size=4)[0]
    np.testing.assert_array_equal(x, ARRAYS["tsgen/shuffle/x"])
    np.testing.assert_array_equal(y, ARRAYS["tsgen/shuffle/y"])
    gen = seq.TimeseriesGenerator(data[:6], np.arange(25)[:6] * 10, length=2)
    assert json.loads(gen.to_json()) == LISTS["tsgen/config"]
    with pytest.raises(ValueError, match="same length"):
        seq.TimeseriesGenerator(data, np.arange(3), length=2)
    with pytest.raises(ValueError, match="start_index"):
        seq.TimeseriesGenerator(data, np.arange(25), length=30)


def test_timeseries_generator_trains_through_workers():
    from fastgraph import layers, models
    data = np.random.default_rng(0).normal(size=(60, 3)).astype(np.float32)
    gen = seq.TimeseriesGenerator(data, data[:, :1], length=5, batch_size=8)
    inp = layers.Input((5, 3))
    model = models.Model(inp, layers.Dense(1)(layers.Flatten()(inp)))
    model.compile("sgd", "mse")
    history = model.fit(gen, epochs=2, workers=2, use_multiprocessing=True,
                        verbose=0)
    assert len(history.history["loss"]) == 2
