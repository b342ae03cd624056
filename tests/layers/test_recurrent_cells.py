"""The cell API: RNN over the built-in cells, stacks of cells and user cells
(any layer with `state_size` and `call(inputs, states)`), initial states and
constants, against tf-keras; plus the fused path, configs and errors.

The reference arrays in tests/reference/recurrent_api_reference.npz (and the
configs in recurrent_api_configs.json) were produced once with tf-keras 2.21
by tests/reference/recurrent_api_make_reference.py
(`/work/venv-tf/bin/python tests/reference/recurrent_api_make_reference.py`).
"""
import json

import numpy as np
import pytest

from fastgraph import backend as K
from fastgraph.autodiff import Tensor
from fastgraph.engine.serialization import deserialize_layer, serialize_layer
from fastgraph.layers import (GRU, LSTM, RNN, AbstractRNNCell, Bidirectional, GRUCell,
                              Input, Layer, LSTMCell, SimpleRNN, SimpleRNNCell,
                              StackedRNNCells)
from fastgraph.layers.embeddings import Embedding
from fastgraph.models import Model, load_model
from fastgraph.ops import activation as A
from fastgraph.ops import elementwise as E
from fastgraph.ops.linalg import matmul

from .recurrent_testlib import CONFIGS, REF, arrays, case, weight_gradcheck

TOL = dict(rtol=1e-5, atol=1e-5)


# ------------------------------------------------------------- user cells
class MinimalRNNCell(Layer):
    """The Keras guide's minimal cell (with tanh)."""

    def __init__(self, units, **kwargs):
        super().__init__(**kwargs)
        self.units = units
        self.state_size = units

    def build(self, input_shape):
        self.kernel = self.add_weight("kernel", (input_shape[-1], self.units))
        self.recurrent_kernel = self.add_weight("recurrent_kernel", (self.units, self.units))

    def call(self, inputs, states):
        output = K.tanh(K.dot(inputs, self.kernel) + K.dot(states[0], self.recurrent_kernel))
        return output, [output]

    def get_config(self):
        return dict(super().get_config(), units=self.units)


class TwoStateCell(AbstractRNNCell):
    """Two states of different widths; output_size given."""

    state_size, output_size = [3, 2], 3

    def build(self, input_shape):
        self.kernel = self.add_weight("kernel", (input_shape[-1], 3))
        self.mix = self.add_weight("mix", (2, 3))

    def call(self, inputs, states):
        a, b = states
        a = A.tanh(E.add(E.add(matmul(inputs, self.kernel), a), matmul(b, self.mix)))
        b = E.add(E.multiply(b, 0.5), a[:, :2])
        return a, [a, b]


class ConstantCell(Layer):
    def __init__(self, units, **kwargs):
        super().__init__(**kwargs)
        self.units = units
        self.state_size = units

    def build(self, input_shape):
        self.kernel = self.add_weight("kernel", (input_shape[-1], self.units))
        self.constant_kernel = self.add_weight("constant_kernel", (2, self.units))

    def call(self, inputs, states, constants):
        z = matmul(inputs, self.kernel) + states[0] + matmul(constants[0],
                                                              self.constant_kernel)
        h = A.tanh(z)
        return h, [h]

    def get_config(self):
        return dict(super().get_config(), units=self.units)


CELLS = {"lstm": lambda: LSTMCell(3), "gru": lambda: GRUCell(3),
         "simple": lambda: SimpleRNNCell(3),
         "stack": lambda: [LSTMCell(3), GRUCell(2), SimpleRNNCell(4)],
         "minimal": lambda: MinimalRNNCell(3), "twostate": lambda: TwoStateCell()}
SHAPES = {"lstm": [3, 3, 3], "gru": [3, 3], "simple": [3, 3],
          "stack": [4, 3, 3, 2, 4], "minimal": [3, 3], "twostate": [3, 3, 2]}


# -------------------------------------------------------- vs tf-keras
@pytest.mark.parametrize("kind", sorted(CELLS))
@pytest.mark.parametrize("rs,gb,mk", [(0, 0, 0), (1, 1, 0), (1, 0, 1), (0, 1, 1)])
def test_rnn_over_cells_matches_tf_keras(kind, rs, gb, mk):
    (x,), ws, ys = case(f"rnn_{kind}_rs{rs}_gb{gb}_mk{mk}")
    layer = RNN(CELLS[kind](), return_sequences=bool(rs), go_backwards=bool(gb),
                return_state=True)
    out = layer(Input((5, 4)))
    assert [t.shape[-1] for t in out] == SHAPES[kind]
    layer.set_weights(ws)
    got = arrays(layer(x, mask=REF["mask"] if mk else None))
    assert len(got) == len(ys)
    for g, y in zip(got, ys):
        np.testing.assert_allclose(g, y, **TOL)


@pytest.mark.parametrize("kind", ["lstm", "gru", "simple", "stack"])
def test_builtin_cells_take_the_fused_path(kind, monkeypatch):
    """RNN(LSTMCell(u)) runs the same kernel as LSTM(u): no step is taken."""
    layer = RNN(CELLS[kind](), return_sequences=True)
    x = np.random.default_rng(0).standard_normal((2, 5, 4)).astype("float32")
    layer(x)
    assert layer.cell.fuses(False)

    def no_steps(*args, **kwargs):
        raise AssertionError("the step loop ran")
    monkeypatch.setattr(layer, "_run_steps", no_steps)
    layer(x)


def test_rnn_lstm_cell_equals_lstm_layer():
    x = np.random.default_rng(1).standard_normal((3, 6, 4)).astype("float32")
    a, b = LSTM(5, return_state=True), RNN(LSTMCell(5), return_state=True)
    a(x)
    b(x)
    b.set_weights(a.get_weights())
    for p, q in zip(arrays(a(x)), arrays(b(x))):
        np.testing.assert_array_equal(p, q)
    assert [w.name for w in b.weights] == [
        f"{b.name}/{b.cell.name}/{n}:0" for n in ("kernel", "recurrent_kernel", "bias")]


def test_stack_weight_names_and_counts():
    layer = RNN([LSTMCell(3), GRUCell(2)])
    layer(Input((5, 4)))
    cells = layer.cell.cells
    assert [w.name for w in layer.weights][:1] == [
        f"{layer.name}/{layer.cell.name}/{cells[0].name}/kernel:0"]
    assert layer.count_params() == (4 * 12 + 3 * 12 + 12) + (3 * 6 + 2 * 6 + 12)
    assert isinstance(layer.cell, StackedRNNCells)
    assert layer.cell.state_size == ([3, 3], 2) and layer.cell.output_size == 2


def test_stack_with_initial_states_nested_or_flat():
    (x, s0, s1, s2), ws, ys = case("rnn_stack_init")
    layer = RNN([LSTMCell(3), GRUCell(2)], return_state=True, return_sequences=True)
    layer(x)
    layer.set_weights(ws)
    for states in ([[s0, s1], s2], [s0, s1, s2]):
        for g, y in zip(arrays(layer(x, initial_state=states)), ys):
            np.testing.assert_allclose(g, y, **TOL)
    seq, hs = Input((5, 4)), [Input((3,)), Input((3,)), Input((2,))]
    model = Model([seq] + hs, layer(seq, initial_state=hs))
    for g, y in zip(model.predict([x, s0, s1, s2], verbose=0), ys):
        np.testing.assert_allclose(g, y, **TOL)


def test_constants_symbolic_and_eager():
    (x, c), ws, ys = case("rnn_constants")
    layer = RNN(ConstantCell(3), return_sequences=True)
    seq, const = Input((5, 4)), Input((2,))
    out = layer(seq, constants=const)
    assert out.shape == (None, 5, 3)
    assert layer._inbound_nodes[0].input_tensors == [seq, const]
    layer.set_weights(ws)
    model = Model([seq, const], out)
    np.testing.assert_allclose(model.predict([x, c], verbose=0), ys[0], **TOL)
    np.testing.assert_allclose(layer(x, constants=[c]).data, ys[0], **TOL)
    config = layer.get_config()
    assert config["num_constants"] == CONFIGS["rnn_constants"]["num_constants"] == 1
    clone = Model.from_config(model.get_config(),
                              custom_objects={"ConstantCell": ConstantCell})
    clone.set_weights(model.get_weights())
    np.testing.assert_allclose(clone.predict([x, c], verbose=0), ys[0], **TOL)


def test_constants_need_a_cell_that_takes_them():
    layer = RNN(MinimalRNNCell(2))
    with pytest.raises(ValueError, match="does not support constants"):
        layer(np.zeros((1, 3, 2), "float32"), constants=[np.zeros((1, 2), "float32")])


def test_masked_stack_through_embedding():
    tokens = np.array([[3, 1, 0, 0], [5, 9, 2, 6]], "int32")
    inp = Input((4,), dtype="int32")
    out = RNN([LSTMCell(3), GRUCell(2)], return_sequences=True)(Embedding(10, 4,
                                                                         mask_zero=True)(inp))
    assert out._keras_mask is not None
    model = Model(inp, out)
    y = model.predict(tokens, verbose=0)
    np.testing.assert_array_equal(y[0, 2], y[0, 1])       # masked steps repeat


# ------------------------------------------------------------ gradients
@pytest.mark.parametrize("make", [
    lambda: RNN([LSTMCell(2, dtype="float64"), GRUCell(2, dtype="float64")],
                return_sequences=True, go_backwards=True, dtype="float64"),
    lambda: RNN(TwoStateCell(dtype="float64"), dtype="float64"),
    lambda: RNN([LSTMCell(2, activation=lambda v: A.tanh(v), dtype="float64")],
                dtype="float64"),
])
def test_weight_gradients_float64(make):
    x = np.random.default_rng(1).standard_normal((2, 4, 3))
    layer = make()
    layer(x)
    layer.set_weights([w * 2 + 0.1 for w in layer.get_weights()])
    weight_gradcheck(layer, Tensor(x))


# ---------------------------------------------------------------- cells
def test_cell_called_alone():
    cell = LSTMCell(3)
    x = np.random.default_rng(2).standard_normal((2, 4)).astype("float32")
    states = cell.get_initial_state(batch_size=2, dtype="float32")
    assert [s.shape for s in states] == [(2, 3), (2, 3)]
    cell.build((2, 4))
    h, (h2, c) = cell.call(Tensor(x), states)
    assert h is h2 and h.shape == c.shape == (2, 3)
    assert cell.state_size == [3, 3] and cell.output_size == 3
    assert SimpleRNNCell(4).state_size == 4 and GRUCell(2).state_size == 2


def test_cell_dropout_masks_last_a_sequence():
    cell = SimpleRNNCell(3, dropout=0.5, recurrent_dropout=0.5)
    x = Tensor(np.ones((4, 5), "float32"))
    m1 = cell.get_dropout_mask_for_cell(x, training=True)
    assert m1 is cell.get_dropout_mask_for_cell(x, training=True)
    assert cell.get_dropout_mask_for_cell(x, training=False) is None
    cell.reset_dropout_mask()
    assert cell.get_dropout_mask_for_cell(x, training=True) is not m1
    assert cell.get_recurrent_dropout_mask_for_cell(x, True, count=3)[0].shape == (4, 5)


def test_abstract_cell_without_state_size_is_refused():
    class NoState(AbstractRNNCell):
        def call(self, inputs, states):
            return inputs, states
    with pytest.raises(ValueError, match="state_size"):
        RNN(NoState())
    with pytest.raises(ValueError, match="`call` method"):
        RNN(object())


def test_subclassed_cell_runs_its_own_step():
    class Doubled(SimpleRNNCell):
        def call(self, inputs, states, training=None):
            out, new = super().call(inputs, states, training)
            return E.multiply(out, 2.0), new
    a, b = RNN(SimpleRNNCell(3)), RNN(Doubled(3))
    x = np.random.default_rng(3).standard_normal((2, 1, 4)).astype("float32")
    a(x)
    b(x)
    b.set_weights(a.get_weights())
    assert not b.cell.fuses(False)
    np.testing.assert_allclose(b(x).data, 2 * a(x).data, rtol=1e-6)


# -------------------------------------------------------------- configs
def _plain(config):
    """A config with Keras 3 object records reduced to class_name/config."""
    if isinstance(config, dict):
        if "class_name" in config and "config" in config:
            return {"class_name": config["class_name"], "config": _plain(config["config"])}
        return {k: _plain(v) for k, v in config.items() if k != "name"}
    if isinstance(config, (list, tuple)):
        return [_plain(v) for v in config]
    return config


@pytest.mark.parametrize("name,make", [
    ("LSTM", lambda: LSTM(3)), ("GRU", lambda: GRU(3)), ("SimpleRNN", lambda: SimpleRNN(3)),
    ("RNN_LSTMCell", lambda: RNN(LSTMCell(3))),
    ("RNN_stack", lambda: RNN([LSTMCell(3), GRUCell(2)], return_state=True)),
    ("LSTMCell", lambda: LSTMCell(3, dropout=0.1, implementation=1)),
    ("GRUCell", lambda: GRUCell(3, reset_after=False)),
    ("SimpleRNNCell", lambda: SimpleRNNCell(3, activation="relu")),
    ("LSTM_stateful", lambda: LSTM(3, stateful=True, batch_input_shape=(4, 5, 3))),
    ("RNN_zero_output", lambda: RNN(GRUCell(2), zero_output_for_mask=True)),
])
def test_configs_equal_tf_keras(name, make):
    layer = make()
    config = json.loads(json.dumps(layer.get_config()))
    want = CONFIGS[name]
    assert list(config) == list(want)
    assert _plain(config) == _plain(want)
    clone = type(layer).from_config(layer.get_config())
    assert clone.get_config() == layer.get_config()
    again = deserialize_layer(json.loads(json.dumps(serialize_layer(layer))))
    assert type(again) is type(layer) and again.get_config() == layer.get_config()


def test_model_with_cells_saves_and_loads(tmp_path):
    x = np.random.default_rng(4).standard_normal((2, 5, 4)).astype("float32")
    inp = Input((5, 4))
    out = RNN([LSTMCell(3), MinimalRNNCell(2)], return_sequences=True)(inp)
    model = Model(inp, RNN(GRUCell(2))(out))
    want = model.predict(x, verbose=0)
    objects = {"MinimalRNNCell": MinimalRNNCell}
    for ext in ("fg", "h5", "keras"):
        path = str(tmp_path / f"m.{ext}")
        model.save(path)
        again = load_model(path, custom_objects=objects)
        np.testing.assert_allclose(again.predict(x, verbose=0), want, rtol=1e-6)


def test_bidirectional_over_rnn_of_a_cell_equals_over_lstm():
    x = np.random.default_rng(5).standard_normal((2, 5, 4)).astype("float32")
    a = Bidirectional(LSTM(3, return_sequences=True))
    b = Bidirectional(RNN(LSTMCell(3), return_sequences=True))
    a(x)
    b(x)
    b.set_weights(a.get_weights())
    np.testing.assert_array_equal(a(x).data, b(x).data)
    clone = Bidirectional.from_config(b.get_config())
    assert isinstance(clone.backward_layer.cell, LSTMCell) and clone.backward_layer.go_backwards


def test_get_initial_state():
    layer = RNN([LSTMCell(3), GRUCell(2)])
    states = layer.get_initial_state(np.zeros((4, 5, 2), "float32"))
    assert [s.shape for s in states] == [(4, 3), (4, 3), (4, 2)]
    assert RNN(GRUCell(2), time_major=True).get_initial_state(
        np.zeros((5, 4, 2), "float32"))[0].shape == (4, 2)


class _Shape:
    """A TensorShape-like state size (anything with as_list())."""

    def __init__(self, dims):
        self.dims = list(dims)

    def as_list(self):
        return list(self.dims)


class MatrixStateCell(Layer):
    """A state of shape (2, 3) per sample, started at ones by its own
    get_initial_state; the output is the state's row sums."""

    state_size, output_size = _Shape([2, 3]), 2

    def call(self, inputs, states):
        h = E.add(E.multiply(states[0], 0.5), inputs[:, :, None])
        return K.sum(h, axis=-1), [h]

    def get_initial_state(self, inputs=None, batch_size=None, dtype=None):
        return Tensor(np.ones((batch_size, 2, 3), dtype=dtype))


def test_shape_like_state_size_and_own_initial_state():
    layer = RNN(MatrixStateCell(), return_state=True, return_sequences=True)
    out, state = layer(Input((4, 2)))
    assert out.shape == (None, 4, 2) and state.shape == (None, 2, 3)
    x = np.random.default_rng(6).standard_normal((3, 4, 2)).astype("float32")
    out, state = arrays(layer(x))
    h = np.ones((3, 2, 3), "float32")
    for t in range(4):
        h = h * 0.5 + x[:, t, :, None]
        np.testing.assert_allclose(out[:, t], h.sum(-1), rtol=1e-6)
    np.testing.assert_allclose(state, h, rtol=1e-6)
