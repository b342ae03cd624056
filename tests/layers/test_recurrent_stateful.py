"""Stateful recurrent layers: states carried from batch to batch in fit,
predict and train_on_batch, reset_states (with values), Keras 2's stateful
examples trained against tf-keras, Bidirectional and ConvLSTM stateful,
the errors Keras gives, and saving.

The reference arrays in tests/reference/recurrent_api_reference.npz were
produced once with tf-keras 2.21 by
tests/reference/recurrent_api_make_reference.py.
"""
import numpy as np
import pytest

from fastgraph import backend as K
from fastgraph import optimizers
from fastgraph.layers import (GRU, LSTM, RNN, Bidirectional, ConvLSTM2D, Dense, Input,
                              LSTMCell)
from fastgraph.models import Model, Sequential, load_model

from .recurrent_testlib import REF

TRAIN_TOL = dict(rtol=2e-4, atol=2e-5)


def weights(prefix):
    return [REF[f"{prefix}{i}"] for i in range(30) if f"{prefix}{i}" in REF]


# ------------------------------------------------- trained against tf-keras
@pytest.mark.parametrize("case,rnn,optimizer", [
    ("stateful_lstm_sgd", LSTM, lambda: optimizers.SGD(0.1)),
    ("stateful_gru_adam", GRU, lambda: optimizers.Adam(0.01))])
def test_fit_batch_by_batch_matches_tf_keras(case, rnn, optimizer):
    model = Sequential([rnn(4, stateful=True, batch_input_shape=(4, 6, 3)), Dense(1)])
    model.set_weights(weights(f"{case}/init"))
    model.compile(optimizer=optimizer(), loss="mse")
    x, y = REF[f"{case}/x"], REF[f"{case}/y"]
    for epoch in range(2):
        model.fit(x, y, batch_size=4, epochs=1, shuffle=False, verbose=0)
        for got, want in zip(model.get_weights(), weights(f"{case}/e{epoch}_w")):
            np.testing.assert_allclose(got, want, **TRAIN_TOL)
        np.testing.assert_allclose(model.layers[0].states[0].data,
                                   REF[f"{case}/e{epoch}_state"], **TRAIN_TOL)
        model.reset_states()
        assert not np.any(model.layers[0].states[0].data)
    p1 = model.predict(x, batch_size=4, verbose=0)
    p2 = model.predict(x, batch_size=4, verbose=0)
    model.reset_states()
    p3 = model.predict(x, batch_size=4, verbose=0)
    np.testing.assert_allclose(p1, REF[f"{case}/p1"], **TRAIN_TOL)
    np.testing.assert_allclose(p2, REF[f"{case}/p2"], **TRAIN_TOL)   # states carried
    np.testing.assert_allclose(p3, REF[f"{case}/p3"], **TRAIN_TOL)
    assert not np.allclose(p1, p2)
    np.testing.assert_allclose(p3, p1, rtol=1e-6)


def test_keras_guide_stacked_stateful_lstm():
    """Keras 2's guide, 'stateful stacked LSTM': three stateful LSTMs, the
    batch size in the first layer's batch_input_shape, fit with
    shuffle=False and validation data."""
    data_dim, timesteps, num_classes, batch_size = 5, 4, 3, 4
    model = Sequential()
    model.add(LSTM(8, return_sequences=True, stateful=True,
                   batch_input_shape=(batch_size, timesteps, data_dim)))
    model.add(LSTM(8, return_sequences=True, stateful=True))
    model.add(LSTM(8, stateful=True))
    model.add(Dense(num_classes, activation="softmax"))
    model.set_weights(weights("guide/init"))
    model.compile(loss="categorical_crossentropy", optimizer="adam")   # see the script
    assert model.stateful
    model.fit(REF["guide/x_train"], REF["guide/y_train"], batch_size=batch_size,
              epochs=2, shuffle=False, verbose=0,
              validation_data=(REF["guide/x_val"], REF["guide/y_val"]))
    for got, want in zip(model.get_weights(), weights("guide/w")):
        np.testing.assert_allclose(got, want, **TRAIN_TOL)
    np.testing.assert_allclose(model.predict(REF["guide/x_val"], batch_size=batch_size,
                                             verbose=0), REF["guide/pred"], **TRAIN_TOL)


def test_keras_faq_train_on_batch_then_reset():
    """Keras 2's FAQ: consecutive pieces of the same sequences with
    train_on_batch, then model.reset_states()."""
    seq, target = REF["faq/seq"], REF["faq/target"]
    model = Sequential()
    model.add(LSTM(5, input_shape=(10, 6), batch_size=4, stateful=True))
    model.add(Dense(6, activation="softmax"))
    model.set_weights(weights("faq/init"))
    model.compile(optimizer="adam", loss="categorical_crossentropy")
    losses = [model.train_on_batch(seq[:, :10, :], target[:, 10, :]),
              model.train_on_batch(seq[:, 10:20, :], target[:, 20, :])]
    np.testing.assert_allclose(model.layers[0].states[1].data, REF["faq/state"],
                               **TRAIN_TOL)
    model.reset_states()
    losses.append(model.train_on_batch(seq[:, :10, :], target[:, 10, :]))
    np.testing.assert_allclose(losses, [REF["faq/loss0"], REF["faq/loss1"],
                                        REF["faq/loss2"]], rtol=1e-5)
    for got, want in zip(model.get_weights(), weights("faq/w")):
        np.testing.assert_allclose(got, want, **TRAIN_TOL)


def test_reset_states_with_values_and_initial_state():
    x, h0, c0 = (REF[f"stateful_values/x{i}"] for i in range(3))
    ys = weights("stateful_values/y")
    layer = LSTM(3, stateful=True, return_sequences=True)
    layer(Input(batch_shape=(2, 5, 4)))
    layer.set_weights(weights("stateful_values/w"))
    layer.reset_states([h0, c0])
    np.testing.assert_allclose(layer.states[0].data, h0)
    got = [layer(x).data, layer(x).data]
    layer.reset_states()
    got.append(layer(x, initial_state=[h0, c0]).data)   # held states are zero: given
    got.append(layer(x, initial_state=[c0, h0]).data)   # held states win
    for g, y in zip(got, ys):
        np.testing.assert_allclose(g, y, rtol=1e-5, atol=1e-5)


# ------------------------------------------------------------ behaviour
def _stateful_model(batch=4):
    inp = Input(batch_shape=(batch, 5, 2))
    return Model(inp, Dense(1)(LSTM(3, stateful=True)(inp)))


def test_states_are_variables_outside_the_weights():
    model = _stateful_model()
    layer = model.layers[1]
    assert len(layer.weights) == 3 and len(layer.states) == 2
    assert all(not s.trainable for s in layer.states)
    x = np.random.default_rng(0).random((4, 5, 2)).astype("float32")
    model.predict(x, verbose=0)
    held = K.get_value(layer.states[0])
    assert np.any(held)
    K.set_value(layer.states[0], np.zeros((4, 3)))
    assert not np.any(layer.states[0].data)
    assert LSTM(3, stateful=True).states == [None, None]


def test_eager_call_and_training_carry_states():
    model = _stateful_model()
    model.compile("sgd", "mse")
    x = np.random.default_rng(1).random((4, 5, 2)).astype("float32")
    a, b = model(x).data, model(x).data
    assert not np.allclose(a, b)
    model.reset_states()
    np.testing.assert_allclose(model(x).data, a, rtol=1e-6)
    before = model.layers[1].states[1].data.copy()
    model.train_on_batch(x, np.zeros((4, 1), "float32"))
    assert not np.allclose(model.layers[1].states[1].data, before)


@pytest.mark.parametrize("call", [
    lambda m, x: m.predict(x[:6], batch_size=3, verbose=0),
    lambda m, x: m(x[:3]),
    lambda m, x: m.fit(x[:6], np.zeros((6, 1)), batch_size=4, verbose=0),
    lambda m, x: m.evaluate(x[:6], np.zeros((6, 1)), batch_size=3, verbose=0)])
def test_batch_size_mismatch_is_keras_error(call):
    model = _stateful_model()
    model.compile("sgd", "mse")
    x = np.random.default_rng(2).random((8, 5, 2)).astype("float32")
    with pytest.raises(ValueError, match=r'Input 0 of layer "lstm\w*" is incompatible '
                                         r'with the layer: expected shape=\(4, None, 2\)'):
        call(model, x)


def test_unknown_batch_and_bad_reset_values():
    with pytest.raises(ValueError, match="If a RNN is stateful, it needs to know"):
        Sequential([LSTM(3, stateful=True, input_shape=(5, 2))])
    with pytest.raises(AttributeError, match="Layer must be stateful"):
        LSTM(3).reset_states()
    layer = _stateful_model().layers[1]
    with pytest.raises(ValueError, match="expects 2 states, but it received 1"):
        layer.reset_states([np.zeros((4, 3))])
    with pytest.raises(ValueError, match=r"State 1 is incompatible with layer lstm\w*: "
                                         r"expected shape=\(4, 3\) but found shape="
                                         r"\(3, 3\)"):
        layer.reset_states([np.zeros((4, 3)), np.zeros((3, 3))])


def test_batch_size_argument_and_time_major():
    model = Sequential([GRU(2, stateful=True, batch_size=3, input_shape=(4, 2))])
    assert model.layers[0].states[0].shape == (3, 2)
    layer = LSTM(2, stateful=True, time_major=True, return_sequences=True)
    layer(Input(batch_shape=(4, 3, 2)))               # (time, batch, features)
    assert layer.states[0].shape == (3, 2)
    layer(np.ones((4, 3, 2), "float32"))
    assert np.any(layer.states[0].data)


def test_rnn_over_cell_and_bidirectional_stateful():
    x = np.random.default_rng(3).random((4, 5, 2)).astype("float32")
    inp = Input(batch_shape=(4, 5, 2))
    bidi = Bidirectional(LSTM(3, stateful=True, return_sequences=True))
    out = RNN(LSTMCell(2), stateful=True)(bidi(inp))
    model = Model(inp, out)
    assert bidi.stateful and model.stateful
    a = model.predict(x, batch_size=4, verbose=0)
    assert not np.allclose(a, model.predict(x, batch_size=4, verbose=0))
    model.reset_states()
    np.testing.assert_allclose(model.predict(x, batch_size=4, verbose=0), a, rtol=1e-6)
    assert all(np.any(s.data) for s in bidi.forward_layer.states + bidi.backward_layer.states)
    bidi.reset_states()
    assert not any(np.any(s.data) for s in bidi.forward_layer.states)


def test_conv_lstm_stateful():
    layer = ConvLSTM2D(2, 3, padding="same", stateful=True)
    layer(Input(batch_shape=(2, 3, 5, 5, 1)))
    assert [s.shape for s in layer.states] == [(2, 5, 5, 2)] * 2
    x = np.random.default_rng(4).random((2, 3, 5, 5, 1)).astype("float32")
    a = layer(x).data
    assert not np.allclose(layer(x).data, a)
    layer.reset_states()
    np.testing.assert_allclose(layer(x).data, a, rtol=1e-6)
    with pytest.raises(ValueError, match="needs to know"):
        ConvLSTM2D(2, 3, stateful=True)(Input((3, 5, 5, 1)))


@pytest.mark.parametrize("ext", ["fg", "h5", "keras"])
def test_stateful_model_saves_and_loads(tmp_path, ext):
    model = _stateful_model()
    x = np.random.default_rng(5).random((4, 5, 2)).astype("float32")
    model.predict(x, verbose=0)
    path = str(tmp_path / f"m.{ext}")
    model.save(path)
    again = load_model(path)
    assert again.layers[1].stateful and again.layers[1].states[0].shape == (4, 3)
    assert not np.any(again.layers[1].states[0].data)        # states are not saved
    model.reset_states()
    np.testing.assert_allclose(again.predict(x, verbose=0), model.predict(x, verbose=0),
                               rtol=1e-6)
