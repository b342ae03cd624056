"""Bidirectional and TimeDistributed against tf-keras, plus masks, weights,
configs and bad inputs.

The reference arrays in tests/reference/layers_rnn_reference.npz were produced
once with tf-keras 2.21 by tests/reference/layers_rnn_make_reference.py
(`/work/refenv/bin/python tests/reference/layers_rnn_make_reference.py`).
"""
import json
import os

import numpy as np
import pytest

from fastgraph.autodiff import gradients
from fastgraph.engine.serialization import deserialize_layer, serialize_layer
from fastgraph.layers import Dense, Input
from fastgraph.layers.embeddings import Embedding
from fastgraph.layers.recurrent import GRU, LSTM, SimpleRNN
from fastgraph.layers.wrappers import Bidirectional, TimeDistributed
from fastgraph.models import Model, Sequential

REF = np.load(os.path.join(os.path.dirname(__file__), "..", "reference",
                           "layers_rnn_reference.npz"))
TOL = dict(rtol=1e-5, atol=1e-5)


def case(name):
    ws = [REF[f"{name}/w{i}"] for i in range(12) if f"{name}/w{i}" in REF]
    ys = [REF[f"{name}/y{i}"] for i in range(12) if f"{name}/y{i}" in REF]
    return REF[f"{name}/x"], ws, ys


def outputs(out):
    return [t.data for t in out] if isinstance(out, list) else [out.data]


# ---------------------------------------------------------- Bidirectional
@pytest.mark.parametrize("mode", ["concat", "sum", "mul", "ave", None])
def test_bidirectional_merge_modes_match_tf_keras(mode):
    x, ws, ys = case(f"bidi_{mode}")
    layer = Bidirectional(LSTM(3, return_sequences=True), merge_mode=mode)
    out = layer(Input((5, 4)))
    shapes = [t.shape for t in out] if isinstance(out, list) else [out.shape]
    assert shapes == ([(None, 5, 6)] if mode == "concat" else
                      [(None, 5, 3)] * (2 if mode is None else 1))
    layer.set_weights(ws)
    for g, y in zip(outputs(layer(x)), ys):
        np.testing.assert_allclose(g, y, **TOL)


def test_bidirectional_gru_last_output():
    x, ws, ys = case("bidi_gru_last")
    layer = Bidirectional(GRU(3))
    assert layer(Input((5, 4))).shape == (None, 6)
    layer.set_weights(ws)
    np.testing.assert_allclose(layer(x).data, ys[0], **TOL)


def test_bidirectional_return_state():
    x, ws, ys = case("bidi_state")
    layer = Bidirectional(LSTM(3, return_state=True))
    out = layer(Input((5, 4)))
    assert [t.shape for t in out] == [(None, 6)] + [(None, 3)] * 4
    layer.set_weights(ws)
    got = outputs(layer(x))
    assert len(got) == 5
    for g, y in zip(got, ys):
        np.testing.assert_allclose(g, y, **TOL)


@pytest.mark.parametrize("rs", [0, 1])
def test_bidirectional_with_embedding_mask(rs):
    tokens, ws, ys = case(f"bidi_mask_rs{rs}")
    inp = Input((6,), dtype="int32")
    emb = Embedding(10, 4, mask_zero=True)
    layer = Bidirectional(LSTM(3, return_sequences=bool(rs)))
    out = layer(emb(inp))
    assert (out._keras_mask is not None) == bool(rs)
    model = Model(inp, out)
    emb.set_weights([REF[f"bidi_mask_rs{rs}/emb"]])
    layer.set_weights(ws)
    np.testing.assert_allclose(model(tokens).data, ys[0], **TOL)


def test_bidirectional_weights_names_and_order():
    layer = Bidirectional(LSTM(3, name="enc"))
    layer(Input((5, 4)))
    assert layer.forward_layer.name == "forward_enc"
    assert layer.backward_layer.name == "backward_enc"
    assert not layer.forward_layer.go_backwards and layer.backward_layer.go_backwards
    assert [w.name for w in layer.weights] == [
        f"{d}_enc/lstm_cell/{n}:0" for d in ("forward", "backward")
        for n in ("kernel", "recurrent_kernel", "bias")]
    assert layer.count_params() == 2 * (4 * 12 + 3 * 12 + 12)
    assert layer.layer.weights == []     # the template holds no weights


def test_bidirectional_weights_argument():
    _, ws, _ = case("bidi_concat")
    layer = Bidirectional(LSTM(3, return_sequences=True), weights=ws)
    layer(Input((5, 4)))
    for got, want in zip(layer.get_weights(), ws):
        np.testing.assert_array_equal(got, want)


def test_bidirectional_initial_state():
    x = np.random.default_rng(0).standard_normal((2, 5, 4)).astype("float32")
    states = [np.random.default_rng(i).standard_normal((2, 3)).astype("float32")
              for i in range(4)]
    layer = Bidirectional(LSTM(3, return_sequences=True))
    eager = layer(x, initial_state=states).data
    want = np.concatenate([
        layer.forward_layer(x, initial_state=states[:2]).data,
        layer.backward_layer(x, initial_state=states[2:]).data[:, ::-1]], axis=-1)
    np.testing.assert_allclose(eager, want, rtol=1e-6)
    seq = Input((5, 4))
    hs = [Input((3,)) for _ in range(4)]
    out = layer(seq, initial_state=hs)
    assert out.shape == (None, 5, 6)
    model = Model([seq] + hs, out)
    np.testing.assert_allclose(model([x] + states).data, eager, rtol=1e-6)
    with pytest.raises(ValueError, match="initial_state must be a list of 4"):
        layer(seq, initial_state=hs[:2])


def test_bidirectional_custom_backward_layer():
    fwd, bwd = LSTM(3, return_sequences=True), GRU(2, return_sequences=True,
                                                   go_backwards=True)
    layer = Bidirectional(fwd, backward_layer=bwd)
    assert layer(Input((5, 4))).shape == (None, 5, 5)      # 3 forward + 2 backward
    x = np.zeros((1, 5, 4), "float32")
    assert layer(x).shape == (1, 5, 5)
    assert layer.backward_layer is bwd and bwd.name.startswith("backward_gru")
    config = layer.get_config()
    assert config["backward_layer"]["class_name"] == "GRU"
    clone = Bidirectional.from_config(json.loads(json.dumps(config)))
    assert type(clone.backward_layer) is GRU and clone.backward_layer.units == 2
    with pytest.raises(ValueError, match="different `go_backwards`"):
        Bidirectional(LSTM(3), backward_layer=LSTM(3))
    with pytest.raises(ValueError, match="return_sequences"):
        Bidirectional(LSTM(3), backward_layer=LSTM(3, go_backwards=True,
                                                   return_sequences=True))


def test_bidirectional_gradients_reach_both_directions():
    x = np.random.default_rng(1).standard_normal((2, 4, 3))
    layer = Bidirectional(SimpleRNN(2, return_sequences=True, dtype="float64"),
                          merge_mode="mul", dtype="float64")
    grads = gradients(layer(x).sum(), layer.weights)
    assert len(grads) == 6 and all(np.abs(g).sum() > 0 for g in grads)


def test_bidirectional_config_round_trip():
    layer = Bidirectional(GRU(4, return_sequences=True), merge_mode="ave", name="bi")
    config = layer.get_config()
    assert list(config) == ["name", "trainable", "dtype", "layer", "merge_mode"]
    assert config["layer"]["class_name"] == "GRU"
    again = deserialize_layer(json.loads(json.dumps(serialize_layer(layer))))
    assert isinstance(again, Bidirectional) and again.get_config() == config
    assert again.forward_layer.name == "forward_" + config["layer"]["config"]["name"]


@pytest.mark.parametrize("args,match", [
    ((Dense(3),), "recurrent layer"),
    (("lstm",), "Layer` instance"),
    ((LSTM(3), "max"), "Invalid merge mode"),
])
def test_bidirectional_bad_arguments(args, match):
    with pytest.raises(ValueError, match=match):
        Bidirectional(*args)


def test_bidirectional_rejects_two_d_input():
    with pytest.raises(ValueError, match="expected ndim=3"):
        Bidirectional(LSTM(3))(Input((4,)))


# -------------------------------------------------------- TimeDistributed
def test_time_distributed_dense_matches_tf_keras():
    x, ws, ys = case("td_dense")
    layer = TimeDistributed(Dense(3))
    assert layer(Input((4, 5))).shape == (None, 4, 3)
    layer.set_weights(ws)
    np.testing.assert_allclose(layer(x).data, ys[0], **TOL)


def test_time_distributed_model_matches_tf_keras():
    x, ws, ys = case("td_model")
    inner_in = Input((5,))
    inner = Model(inner_in, Dense(2)(Dense(4, activation="relu")(inner_in)))
    layer = TimeDistributed(inner)
    out = layer(Input((4, 5)))
    assert out.shape == (None, 4, 2)
    outer = Model(out._keras_history.layer.get_input_at(0), out)
    inner.set_weights(ws)
    np.testing.assert_allclose(outer(x).data, ys[0], **TOL)
    assert layer.count_params() == inner.count_params() == 5 * 4 + 4 + 4 * 2 + 2


def test_time_distributed_shares_the_inner_weights():
    dense = Dense(2)
    a = Input((3,))
    plain = Model(a, dense(a))
    seq = Input((6, 3))
    timed = Model(seq, TimeDistributed(plain)(seq))
    x = np.random.default_rng(0).standard_normal((4, 6, 3)).astype("float32")
    before = timed(x).data
    dense.kernel.assign(dense.kernel.data * 2)
    np.testing.assert_allclose(timed(x).data, 2 * before - dense.bias.data, rtol=1e-5)
    np.testing.assert_allclose(timed(x).data[:, 2], plain(x[:, 2]).data, rtol=1e-6)


def test_time_distributed_reshape_is_a_view():
    layer = TimeDistributed(Dense(2))
    x = np.random.default_rng(0).standard_normal((3, 4, 5)).astype("float32")
    t = layer._to_tensors(x)
    folded, batch, steps = layer._fold(t)
    assert (batch, steps) == (3, 4) and folded.shape == (12, 5)
    assert np.shares_memory(folded.data, t.data)


def test_time_distributed_masks():
    tokens = np.array([[1, 2, 0], [0, 3, 3]], "int32")
    inp = Input((3,), dtype="int32")
    seq = Embedding(5, 4, mask_zero=True)(inp)
    td = TimeDistributed(Dense(2))
    out = td(seq)
    assert out._keras_mask is not None and out._keras_mask.shape == (None, 3)
    mask = td.compute_mask(np.zeros((2, 3, 4), "float32"), tokens != 0)
    np.testing.assert_array_equal(mask, tokens != 0)
    # a recurrent layer after it sees the mask: same result as the masked input
    rnn = SimpleRNN(2)
    model = Model(inp, rnn(out))
    y = model(tokens).data
    inner = Model(inp, out)(tokens).data
    np.testing.assert_allclose(y, rnn(inner, mask=tokens != 0).data, rtol=1e-6)
    # an inner layer that creates masks: Embedding over (batch, steps, words)
    words = Input((3, 4), dtype="int32")
    td_emb = TimeDistributed(Embedding(5, 2, mask_zero=True))
    emb_out = td_emb(words)
    assert emb_out.shape == (None, 3, 4, 2) and emb_out._keras_mask.shape == (None, 3, 4)
    ids = np.array([[[1, 0, 2, 0]] * 3], "int32")
    np.testing.assert_array_equal(td_emb.compute_mask(ids), ids != 0)
    assert TimeDistributed(Dense(2)).compute_mask(np.zeros((1, 2, 3))) is None


def test_time_distributed_lstm_over_four_d_input():
    layer = TimeDistributed(LSTM(3, return_sequences=True))
    out = layer(Input((2, 5, 4)))
    assert out.shape == (None, 2, 5, 3)
    x = np.random.default_rng(0).standard_normal((3, 2, 5, 4)).astype("float32")
    y = layer(x).data
    np.testing.assert_allclose(y[:, 1], layer.layer(x[:, 1]).data, rtol=1e-6)


def test_time_distributed_sequential_inner_builds_deferred():
    inner = Sequential([Dense(4), Dense(2)])
    out = TimeDistributed(inner)(Input((7, 3)))
    assert out.shape == (None, 7, 2) and inner.built
    assert inner.count_params() == 3 * 4 + 4 + 4 * 2 + 2


def test_time_distributed_config_round_trip():
    layer = TimeDistributed(Dense(3, activation="relu"), name="td")
    config = layer.get_config()
    assert list(config) == ["name", "trainable", "dtype", "layer"]
    assert config["layer"]["class_name"] == "Dense"
    again = deserialize_layer(json.loads(json.dumps(serialize_layer(layer))))
    assert isinstance(again, TimeDistributed) and again.get_config() == config
    inner_in = Input((5,))
    model_td = TimeDistributed(Model(inner_in, Dense(2)(inner_in)))
    clone = TimeDistributed.from_config(json.loads(json.dumps(model_td.get_config())))
    assert clone(Input((4, 5))).shape == (None, 4, 2)


def test_time_distributed_bad_inputs():
    with pytest.raises(ValueError, match="`fastgraph.layers.Layer` instance"):
        TimeDistributed("dense")
    with pytest.raises(ValueError, match=r'"time_distributed.*at least 3 dimensions'):
        TimeDistributed(Dense(2))(Input((5,)))
    layer = TimeDistributed(Dense(2))
    layer(Input((4, 5)))
    with pytest.raises(ValueError, match=r"expected shape=\(None, None, 5\)"):
        layer(Input((4, 6)))
    # the inner layer's own spec is checked on the per-step shape
    dense = Dense(2)
    dense(Input((5,)))
    with pytest.raises(ValueError, match=rf'layer "{dense.name}".*axis -1.*value 5'):
        TimeDistributed(dense)(Input((4, 6)))


def test_model_config_round_trip_with_wrappers_and_states():
    tokens_in, h0, c0 = Input((6,), dtype="int32"), Input((3,)), Input((3,))
    x = Embedding(10, 4, mask_zero=True)(tokens_in)
    x = Bidirectional(LSTM(3, return_sequences=True))(x)
    x = TimeDistributed(Dense(2))(x)
    y, h, _ = LSTM(3, return_state=True)(x, initial_state=[h0, c0])
    model = Model([tokens_in, h0, c0], [y, h])
    clone = Model.from_config(json.loads(json.dumps(model.get_config())))
    clone.set_weights(model.get_weights())
    tokens = np.array([[1, 2, 3, 0, 0, 0], [4, 5, 0, 0, 0, 0]], "int32")
    s = np.random.default_rng(0).random((2, 3)).astype("float32")
    for a, b in zip(model([tokens, s, s]), clone([tokens, s, s])):
        np.testing.assert_array_equal(a.data, b.data)
    assert [type(la).__name__ for la in clone.layers][2:4] == [
        "Bidirectional", "TimeDistributed"]
