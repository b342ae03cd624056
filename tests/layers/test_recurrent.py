"""LSTM, GRU and SimpleRNN layers against tf-keras, plus gradients, masks,
dropout semantics, configs and bad inputs.

The reference arrays in tests/reference/layers_rnn_reference.npz were produced
once with tf-keras 2.21 by tests/reference/layers_rnn_make_reference.py
(`/work/refenv/bin/python tests/reference/layers_rnn_make_reference.py`).
"""
import json
import os

import numpy as np
import pytest

from fastgraph.autodiff import Tensor, gradients
from fastgraph.engine.serialization import deserialize_layer, serialize_layer
from fastgraph.layers import Input
from fastgraph.layers.embeddings import Embedding
from fastgraph.layers.recurrent import FUSED_ACTIVATIONS, GRU, LSTM, SimpleRNN
from fastgraph.models import Model
from fastgraph.ops import activation as A
from fastgraph.ops import rnn as rnn_ops
from fastgraph.ops.random import set_seed

from .recurrent_testlib import weight_gradcheck

REF = np.load(os.path.join(os.path.dirname(__file__), "..", "reference",
                           "layers_rnn_reference.npz"))
KINDS = {"lstm": LSTM, "gru": GRU, "simple_rnn": SimpleRNN}
TOL = dict(rtol=1e-5, atol=1e-5)


def case(name):
    ws = [REF[f"{name}/w{i}"] for i in range(10) if f"{name}/w{i}" in REF]
    ys = [REF[f"{name}/y{i}"] for i in range(10) if f"{name}/y{i}" in REF]
    return REF[f"{name}/x"], ws, ys


def run(layer, x, weights, **kwargs):
    """Build `layer` on x, load `weights`, return its outputs as arrays."""
    layer(x, **kwargs)
    layer.set_weights(weights)
    out = layer(x, **kwargs)
    return [t.data for t in out] if isinstance(out, list) else [out.data]


def my_tanh(x):
    """tanh under a name the fused kernels do not know: forces the per-step path."""
    return A.tanh(x)


# ------------------------------------------------------------ vs tf-keras
@pytest.mark.parametrize("kind", sorted(KINDS))
@pytest.mark.parametrize("rs", [0, 1])
@pytest.mark.parametrize("gb", [0, 1])
def test_matches_tf_keras(kind, rs, gb):
    x, ws, ys = case(f"{kind}_rs{rs}_gb{gb}")
    layer = KINDS[kind](3, return_sequences=bool(rs), go_backwards=bool(gb),
                        return_state=True)
    got = run(layer, x, ws)
    assert len(got) == len(ys) == 1 + layer._n_states
    for g, y in zip(got, ys):
        np.testing.assert_allclose(g, y, **TOL)


@pytest.mark.parametrize("name,layer", [
    ("gru_reset_before", lambda: GRU(3, reset_after=False, return_sequences=True)),
    ("simple_rnn_relu", lambda: SimpleRNN(3, activation="relu", return_sequences=True)),
    ("lstm_hard_sigmoid", lambda: LSTM(3, recurrent_activation="hard_sigmoid",
                                       return_sequences=True)),
    ("lstm_nobias", lambda: LSTM(3, use_bias=False, return_sequences=True)),
])
def test_variants_match_tf_keras(name, layer):
    x, ws, ys = case(name)
    np.testing.assert_allclose(run(layer(), x, ws)[0], ys[0], **TOL)


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_initial_state_eager(kind):
    x, ws, ys = case(f"{kind}_init")
    states = [REF["h0"], REF["c0"]] if kind == "lstm" else [REF["h0"]]
    layer = KINDS[kind](3, return_sequences=True, return_state=True)
    for g, y in zip(run(layer, x, ws, initial_state=states), ys):
        np.testing.assert_allclose(g, y, **TOL)
    # the states may also come in the inputs list, as tf-keras allows
    for g, y in zip([t.data for t in layer([x] + states)], ys):
        np.testing.assert_allclose(g, y, **TOL)


def test_initial_state_symbolic_joins_the_graph():
    x, ws, ys = case("lstm_init")
    seq, h0, c0 = Input((5, 4)), Input((3,)), Input((3,))
    layer = LSTM(3, return_sequences=True, return_state=True)
    outs = layer(seq, initial_state=[h0, c0])
    assert [o.shape for o in outs] == [(None, 5, 3), (None, 3), (None, 3)]
    node = layer._inbound_nodes[0]
    assert node.input_tensors == [seq, h0, c0]
    model = Model([seq, h0, c0], outs)
    layer.set_weights(ws)
    got = model([x, REF["h0"], REF["c0"]])
    for g, y in zip(got, ys):
        np.testing.assert_allclose(g.data, y, **TOL)
    # the spec for the states is temporary: a plain call still checks features
    assert layer.input_spec.shape == (None, None, 4)
    with pytest.raises(ValueError, match=r'"lstm.*initial_state must be a list of 2'):
        layer(seq, initial_state=[h0])
    with pytest.raises(ValueError, match="all symbolic"):
        layer(seq, initial_state=[REF["h0"], REF["c0"]])
    with pytest.raises(ValueError, match=r"expected shape=\(None, 3\)"):
        layer(seq, initial_state=[h0, Input((4,))])


def test_initial_state_bad_shape_eager():
    layer = GRU(3)
    with pytest.raises(ValueError, match=r'"gru.*initial_state\[0\].*\(2, 3\)'):
        layer(np.zeros((2, 5, 4), "float32"), initial_state=[np.zeros((2, 4))])


# ------------------------------------------------------------------ masks
@pytest.mark.parametrize("kind,rs,gb", [
    ("lstm", 0, 0), ("lstm", 1, 0), ("lstm", 0, 1), ("lstm", 1, 1),
    ("gru", 1, 0), ("gru", 0, 1), ("simple_rnn", 1, 1), ("simple_rnn", 0, 0)])
def test_embedding_mask_zero_feeds_rnn(kind, rs, gb):
    name = f"mask_{kind}_rs{rs}_gb{gb}"
    tokens, ws, ys = case(name)
    inp = Input((6,), dtype="int32")
    emb = Embedding(10, 4, mask_zero=True)
    layer = KINDS[kind](3, return_sequences=bool(rs), go_backwards=bool(gb))
    out = layer(emb(inp))
    if rs:
        assert out._keras_mask is not None and out._keras_mask.shape == (None, 6)
    else:
        assert out._keras_mask is None
    model = Model(inp, out)
    emb.set_weights([REF[f"{name}/emb"]])
    layer.set_weights(ws)
    np.testing.assert_allclose(model(tokens).data, ys[0], **TOL)


def test_output_mask_follows_return_sequences():
    layer = LSTM(3, return_sequences=True, return_state=True)
    mask = np.array([[True, False]])
    m = layer.compute_mask(np.zeros((1, 2, 4)), mask)
    assert m[0] is mask and m[1:] == [None, None]
    assert LSTM(3).compute_mask(None, mask) is None


def test_zero_output_for_mask():
    x, ws, _ = case("lstm_rs1_gb0")
    mask = np.array([[1, 1, 0, 1, 0], [0, 1, 1, 1, 1]], bool)
    plain = LSTM(3, return_sequences=True)
    zeroed = LSTM(3, return_sequences=True, zero_output_for_mask=True)
    a = run(plain, x, ws, mask=mask)[0]
    b = run(zeroed, x, ws, mask=mask)[0]
    np.testing.assert_allclose(b, a * mask[..., None])
    assert zeroed.get_config()["zero_output_for_mask"] is True


# --------------------------------------------------------- per-step path
@pytest.mark.parametrize("kind", sorted(KINDS))
@pytest.mark.parametrize("rs,gb", [(0, 0), (1, 1), (1, 0)])
def test_step_path_equals_fused(kind, rs, gb):
    x, ws, _ = case(f"{kind}_rs1_gb0")
    mask = np.array([[1, 1, 0, 1, 0], [0, 1, 1, 1, 1]], bool)
    args = dict(return_sequences=bool(rs), go_backwards=bool(gb), return_state=True)
    fused = KINDS[kind](3, **args)
    stepped = KINDS[kind](3, activation=my_tanh, **args)
    assert not stepped._fused_ok() and fused._fused_ok()
    for kw in ({}, {"mask": mask}):
        for a, b in zip(run(fused, x, ws, **kw), run(stepped, x, ws, **kw)):
            np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


def test_gru_reset_before_step_path():
    x, ws, ys = case("gru_reset_before")
    layer = GRU(3, reset_after=False, return_sequences=True, activation=my_tanh)
    np.testing.assert_allclose(run(layer, x, ws)[0], ys[0], **TOL)


def test_fused_activation_names_exist_in_kernels():
    assert FUSED_ACTIVATIONS <= set(rnn_ops._k.ACTIVATIONS)


# ---------------------------------------------------------------- dropout
def test_input_dropout_mask_shared_across_time():
    # kernel = I, recurrent kernel = 0, linear: output_t = x_t * mask
    layer = SimpleRNN(4, activation="linear", dropout=0.5, return_sequences=True)
    x = np.ones((8, 6, 4), "float32")
    layer(x)
    layer.set_weights([np.eye(4), np.zeros((4, 4)), np.zeros(4)])
    set_seed(3)
    y = layer(x, training=True).data
    assert set(np.unique(y)) <= {0.0, 2.0} and 0 < (y == 0).mean() < 1
    np.testing.assert_array_equal(y, np.repeat(y[:, :1], 6, axis=1))
    np.testing.assert_array_equal(layer(x).data, x)        # inference: no dropout


@pytest.mark.parametrize("kind", ["simple_rnn", "lstm", "gru"])
def test_recurrent_dropout_fixed_per_sequence(kind):
    x = np.random.default_rng(0).standard_normal((16, 7, 3)).astype("float32")
    layer = KINDS[kind](5, recurrent_dropout=0.4, dropout=0.3, return_sequences=True)
    infer = layer(x).data
    set_seed(11)
    a = layer(x, training=True).data
    set_seed(11)
    b = layer(x, training=True).data
    np.testing.assert_array_equal(a, b)
    assert not np.allclose(a, infer)
    np.testing.assert_array_equal(layer(x, training=False).data, infer)
    if kind in ("lstm", "gru"):
        assert layer.implementation == 1   # as tf-keras forces with recurrent dropout


def test_simple_rnn_recurrent_mask_is_the_same_every_step():
    # kernel = 0, recurrent kernel = I, h0 = 1, linear: h_t = h_{t-1} * mask,
    # so a unit dropped once stays zero and a kept one grows as 2**t.
    layer = SimpleRNN(6, activation="linear", recurrent_dropout=0.5,
                      return_sequences=True, use_bias=False)
    x = np.zeros((10, 4, 2), "float32")
    h0 = np.ones((10, 6), "float32")
    layer(x)
    layer.set_weights([np.zeros((2, 6)), np.eye(6)])
    set_seed(5)
    y = layer(x, training=True, initial_state=[h0]).data
    kept = y[:, 0] != 0
    assert 0 < kept.mean() < 1
    for t in range(4):
        np.testing.assert_allclose(y[:, t], kept * 2.0 ** (t + 1))


# -------------------------------------------------------------- gradients
@pytest.mark.parametrize("make", [
    lambda: LSTM(3, return_sequences=True, dtype="float64"),
    lambda: GRU(2, go_backwards=True, dtype="float64"),
    lambda: GRU(3, reset_after=False, return_sequences=True, dtype="float64"),
    lambda: LSTM(2, activation=my_tanh, return_sequences=True, dtype="float64"),
    lambda: GRU(2, activation=my_tanh, dtype="float64"),
])
def test_weight_gradients_float64(make):
    x = np.random.default_rng(1).standard_normal((2, 4, 3))
    layer = make()
    layer(x)
    layer.set_weights([w * 3 + 0.1 for w in layer.get_weights()])
    weight_gradcheck(layer, Tensor(x))


def test_masked_weight_gradients_float64():
    x = np.random.default_rng(2).standard_normal((3, 5, 2))
    mask = np.array([[1, 1, 1, 0, 0], [0, 1, 1, 1, 1], [1, 0, 1, 0, 1]], bool)
    layer = LSTM(2, return_sequences=True, dtype="float64")
    layer(x)
    layer.set_weights([w * 2 + 0.1 for w in layer.get_weights()])

    class Masked:
        weights = layer.weights

        def __call__(self, t):
            return layer(t, mask=mask)
    weight_gradcheck(Masked(), Tensor(x))


def test_shared_lstm_accumulates_gradients_from_both_inputs():
    rng = np.random.default_rng(3)
    a_in, b_in = Input((4, 3), dtype="float64"), Input((4, 3), dtype="float64")
    shared = LSTM(2, dtype="float64")
    model = Model([a_in, b_in], [shared(a_in), shared(b_in)])
    xa, xb = rng.standard_normal((2, 4, 3)), rng.standard_normal((2, 4, 3))
    wa, wb = rng.standard_normal((2, 2)), rng.standard_normal((2, 2))
    ya, yb = model([xa, xb])
    both = gradients((ya * wa).sum() + (yb * wb).sum(), shared.weights)
    only_a = gradients((shared(xa) * wa).sum(), shared.weights)
    only_b = gradients((shared(xb) * wb).sum(), shared.weights)
    assert len(model.weights) == 3
    for g, ga, gb in zip(both, only_a, only_b):
        assert np.abs(ga).sum() > 0 and np.abs(gb).sum() > 0
        np.testing.assert_allclose(g, ga + gb, rtol=1e-10, atol=1e-12)


# ----------------------------------------------------- weights and shapes
@pytest.mark.parametrize("kind,shapes", [
    ("lstm", [(4, 12), (3, 12), (12,)]),
    ("gru", [(4, 9), (3, 9), (2, 9)]),
    ("simple_rnn", [(4, 3), (3, 3), (3,)])])
def test_weight_names_and_layouts(kind, shapes):
    layer = KINDS[kind](3)
    layer(Input((5, 4)))
    assert [w.shape for w in layer.weights] == shapes
    cell = {"lstm": "lstm_cell", "gru": "gru_cell", "simple_rnn": "simple_rnn_cell"}[kind]
    assert [w.name for w in layer.weights] == [
        f"{layer.name}/{cell}/{n}:0" for n in ("kernel", "recurrent_kernel", "bias")]


def test_unit_forget_bias_and_no_bias():
    layer = LSTM(2)
    layer(Input((3, 4)))
    np.testing.assert_array_equal(layer.bias.data, [0, 0, 1, 1, 0, 0, 0, 0])
    no_bias = GRU(2, use_bias=False)
    no_bias(Input((3, 4)))
    assert len(no_bias.weights) == 2 and no_bias.count_params() == 4 * 6 + 2 * 6


@pytest.mark.parametrize("args,shape", [
    ({}, (None, 7)),
    ({"return_sequences": True}, (None, 5, 7)),
    ({"return_state": True}, [(None, 7), (None, 7), (None, 7)]),
    ({"return_sequences": True, "return_state": True},
     [(None, 5, 7), (None, 7), (None, 7)]),
])
def test_output_shapes(args, shape):
    out = LSTM(7, **args)(Input((5, 4)))
    got = [t.shape for t in out] if isinstance(out, list) else out.shape
    assert got == shape
    gru = GRU(7, **args)(Input((5, 4)))
    got = [t.shape for t in gru] if isinstance(gru, list) else gru.shape
    assert got == (shape[:2] if isinstance(shape, list) else shape)


def test_time_major():
    x, ws, ys = case("lstm_rs1_gb0")
    layer = LSTM(3, return_sequences=True, time_major=True)
    assert layer(Input(batch_shape=(5, None, 4))).shape == (5, None, 3)
    got = run(layer, x.transpose(1, 0, 2), ws)[0]
    np.testing.assert_allclose(got.transpose(1, 0, 2), ys[0], **TOL)


def test_input_shape_kwargs_in_a_sequential():
    from fastgraph.models import Sequential
    model = Sequential([SimpleRNN(4, input_shape=(6, 3))])
    assert model.output_shape == (None, 4)
    assert SimpleRNN(4, input_dim=3, input_length=6)._batch_input_shape == (None, 6, 3)


# --------------------------------------------------------------- configs
@pytest.mark.parametrize("make", [
    lambda: LSTM(5, return_sequences=True, go_backwards=True, dropout=0.1,
                 recurrent_dropout=0.2, kernel_regularizer="l2", unit_forget_bias=False,
                 name="enc"),
    lambda: GRU(4, reset_after=False, recurrent_activation="hard_sigmoid",
                return_state=True, bias_initializer="ones"),
    lambda: SimpleRNN(3, activation="relu", use_bias=False, time_major=True),
])
def test_config_round_trip(make):
    layer = make()
    config = layer.get_config()
    json.dumps(config)
    clone = type(layer).from_config(config)
    assert clone.get_config() == config
    again = deserialize_layer(json.loads(json.dumps(serialize_layer(layer))))
    assert type(again) is type(layer) and again.get_config() == config


def test_config_keys_follow_tf_keras():
    keys = list(LSTM(3).get_config())
    assert keys == ["name", "trainable", "dtype", "return_sequences", "return_state",
                    "go_backwards", "stateful", "unroll", "time_major", "units",
                    "activation", "recurrent_activation", "use_bias",
                    "kernel_initializer", "recurrent_initializer", "bias_initializer",
                    "unit_forget_bias", "kernel_regularizer", "recurrent_regularizer",
                    "bias_regularizer", "activity_regularizer", "kernel_constraint",
                    "recurrent_constraint", "bias_constraint", "dropout",
                    "recurrent_dropout", "implementation"]
    assert list(GRU(3).get_config())[-2:] == ["implementation", "reset_after"]
    assert "implementation" not in SimpleRNN(3).get_config()


# ------------------------------------------------------------ bad inputs
def test_two_d_input_is_rejected():
    with pytest.raises(ValueError, match=r'layer "lstm_?\d*".*expected ndim=3, found '
                                         r'ndim=2. Full shape received: \(None, 5\)'):
        LSTM(3)(Input((5,)))
    with pytest.raises(ValueError, match=r"expected ndim=3, found ndim=2"):
        GRU(3)(np.zeros((2, 5), "float32"))


def test_feature_mismatch_on_reuse():
    layer = LSTM(3)
    layer(Input((5, 4)))
    with pytest.raises(ValueError, match=rf'layer "{layer.name}".*expected '
                                         r'shape=\(None, None, 4\), found '
                                         r'shape=\(None, 5, 6\)'):
        layer(Input((5, 6)))
    with pytest.raises(ValueError, match=rf'layer "{layer.name}"'):
        layer(np.zeros((2, 5, 6), "float32"))


def test_unknown_feature_dimension():
    with pytest.raises(ValueError, match="last dimension"):
        SimpleRNN(2)(Input((5, None)))


def test_stateful_needs_a_batch_size():
    with pytest.raises(ValueError, match="If a RNN is stateful, it needs to know its "
                                         "batch size"):
        LSTM(3, stateful=True)(Input((5, 4)))


@pytest.mark.parametrize("kwargs,match", [
    ({"units": 0}, "units"), ({"units": 2.5}, "units"),
    ({"units": 3, "dropout": 1.0}, "dropout"),
    ({"units": 3, "recurrent_dropout": -0.1}, "recurrent_dropout"),
    ({"units": 3, "implementation": 3}, "implementation"),
    ({"units": 3, "activation": "nope"}, "nope"),
])
def test_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        LSTM(**kwargs)


def test_bad_mask_shape():
    layer = SimpleRNN(2)
    with pytest.raises(ValueError, match=r'"simple_rnn.*mask must have shape'):
        layer(np.zeros((2, 5, 3), "float32"), mask=np.ones((2, 4), bool))
