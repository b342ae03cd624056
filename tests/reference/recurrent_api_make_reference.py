"""Writes tests/reference/recurrent_api_reference.npz and
recurrent_api_configs.json: tf-keras 2.21 outputs of RNN over cells (built-in,
stacked, user cells with and without constants), ConvLSTM1D/2D/3D, stateful
layers trained and run batch by batch (Keras 2's stateful examples), and the
configs of these layers.

Run once, with the reference environment (never imported by the tests):
    /work/venv-tf/bin/python tests/reference/recurrent_api_make_reference.py
Each case `c` stores `c/x` (input), `c/w0..` (weights in Keras order) and
`c/y0..` (outputs, states after the output); training cases store their
weights and predictions after each stage (see the sections below).
"""
import json
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402
import tf_keras as keras  # noqa: E402
from tf_keras import layers as L  # noqa: E402

rng = np.random.default_rng(2026)
out, configs = {}, {}


def randomize(layer, scale=0.5):
    ws = [(rng.standard_normal(w.shape) * scale).astype("float32")
          for w in layer.get_weights()]
    layer.set_weights(ws)
    return ws


def store(case, x, weights, ys):
    xs = x if isinstance(x, list) else [x]
    for i, a in enumerate(xs):
        out[f"{case}/x{i}"] = np.asarray(a)
    for i, w in enumerate(weights):
        out[f"{case}/w{i}"] = w
    for i, y in enumerate(tf.nest.flatten(ys)):      # a stack's states come nested
        out[f"{case}/y{i}"] = np.asarray(y, dtype="float32")


# ------------------------------------------------------ user cells (Keras docs)
class MinimalRNNCell(L.Layer):
    def __init__(self, units, **kwargs):
        super().__init__(**kwargs)
        self.units = units
        self.state_size = units

    def build(self, input_shape):
        self.kernel = self.add_weight(shape=(input_shape[-1], self.units), name="kernel")
        self.recurrent_kernel = self.add_weight(shape=(self.units, self.units),
                                                name="recurrent_kernel")

    def call(self, inputs, states):
        output = tf.tanh(inputs @ self.kernel + states[0] @ self.recurrent_kernel)
        return output, [output]


class TwoStateCell(L.Layer):
    """state_size a list (two states of different widths), output_size set."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.state_size = [3, 2]
        self.output_size = 3

    def build(self, input_shape):
        self.kernel = self.add_weight(shape=(input_shape[-1], 3), name="kernel")
        self.mix = self.add_weight(shape=(2, 3), name="mix")

    def call(self, inputs, states):
        a, b = states
        a = tf.tanh(inputs @ self.kernel + a + b @ self.mix)
        b = b * 0.5 + a[:, :2]
        return a, [a, b]


class ConstantCell(L.Layer):
    def __init__(self, units, **kwargs):
        super().__init__(**kwargs)
        self.units = units
        self.state_size = units

    def build(self, input_shape):
        self.kernel = self.add_weight(shape=(input_shape[-1], self.units), name="kernel")
        self.constant_kernel = self.add_weight(shape=(2, self.units),
                                               name="constant_kernel")

    def call(self, inputs, states, constants):
        h = tf.tanh(inputs @ self.kernel + states[0] + constants[0] @ self.constant_kernel)
        return h, [h]


x = rng.standard_normal((2, 5, 4)).astype("float32")
mask = np.array([[1, 1, 0, 1, 0], [0, 1, 1, 1, 1]], bool)

# ------------------------------------------------------- RNN over cells
CELLS = {"lstm": lambda: L.LSTMCell(3), "gru": lambda: L.GRUCell(3),
         "simple": lambda: L.SimpleRNNCell(3),
         "stack": lambda: [L.LSTMCell(3), L.GRUCell(2), L.SimpleRNNCell(4)],
         "minimal": lambda: MinimalRNNCell(3), "twostate": lambda: TwoStateCell()}
for kind, make in CELLS.items():
    for rs, gb, mk in ((0, 0, 0), (1, 1, 0), (1, 0, 1), (0, 1, 1)):
        layer = L.RNN(make(), return_sequences=bool(rs), go_backwards=bool(gb),
                      return_state=True)
        layer(keras.Input((5, 4)))
        ws = randomize(layer)
        ys = layer(x, mask=tf.constant(mask)) if mk else layer(x)
        store(f"rnn_{kind}_rs{rs}_gb{gb}_mk{mk}", x, ws, ys)
out["mask"] = mask

# initial states into a stack, and constants
layer = L.RNN([L.LSTMCell(3), L.GRUCell(2)], return_state=True, return_sequences=True)
layer(keras.Input((5, 4)))
ws = randomize(layer)
states = [rng.standard_normal((2, d)).astype("float32") for d in (3, 3, 2)]
store("rnn_stack_init", [x] + states, ws,
      layer(x, initial_state=[[tf.constant(states[0]), tf.constant(states[1])],
                              tf.constant(states[2])]))
c = rng.standard_normal((2, 2)).astype("float32")
layer = L.RNN(ConstantCell(3), return_sequences=True)
layer(keras.Input((5, 4)), constants=keras.Input((2,)))
ws = randomize(layer)
store("rnn_constants", [x, c], ws, layer(x, constants=[tf.constant(c)]))
configs["rnn_constants"] = layer.get_config()

# --------------------------------------------------------------- ConvLSTM
CONV = [
    ("conv1d_valid", L.ConvLSTM1D, (5, 7, 2), dict()),
    ("conv1d_same_rs", L.ConvLSTM1D, (5, 7, 2), dict(padding="same",
                                                        return_sequences=True)),
    ("conv1d_dil", L.ConvLSTM1D, (4, 9, 2), dict(dilation_rate=2, return_state=True)),
    ("conv2d_valid", L.ConvLSTM2D, (4, 6, 5, 2), dict()),
    ("conv2d_same_rs_gb", L.ConvLSTM2D, (4, 6, 5, 2),
     dict(padding="same", return_sequences=True, go_backwards=True)),
    ("conv2d_stride", L.ConvLSTM2D, (3, 7, 7, 3), dict(strides=2, return_state=True)),
    ("conv2d_acts", L.ConvLSTM2D, (3, 5, 5, 2),
     dict(activation="relu", recurrent_activation="sigmoid", padding="same",
          return_sequences=True)),
    ("conv2d_nobias_k1x3", L.ConvLSTM2D, (3, 5, 6, 2),
     dict(kernel_size=(1, 3), use_bias=False)),
    ("conv3d_valid", L.ConvLSTM3D, (3, 4, 5, 5, 2), dict()),
    ("conv3d_same_stride", L.ConvLSTM3D, (3, 5, 4, 4, 2),
     dict(padding="same", strides=(2, 1, 2), return_sequences=True, return_state=True)),
]
for case, cls, shape, kwargs in CONV:
    kwargs = dict(kwargs)
    size = kwargs.pop("kernel_size", 3)
    layer = cls(3, size, **kwargs)
    layer(keras.Input(shape))
    xc = rng.standard_normal((2,) + shape).astype("float32")
    ws = randomize(layer, 0.3)
    store(case, xc, ws, layer(xc))
layer = L.ConvLSTM2D(3, 3, padding="same", return_sequences=True, return_state=True)
layer(keras.Input((4, 5, 5, 2)))
xc = rng.standard_normal((2, 4, 5, 5, 2)).astype("float32")
ws = randomize(layer, 0.3)
cmask = np.array([[1, 0, 1, 1], [1, 1, 1, 0]], bool)
h0 = rng.standard_normal((2, 5, 5, 3)).astype("float32")
c0 = rng.standard_normal((2, 5, 5, 3)).astype("float32")
store("conv2d_mask_init", [xc, h0, c0], ws,
      layer(xc, mask=tf.constant(cmask), initial_state=[tf.constant(h0), tf.constant(c0)]))
out["conv_mask"] = cmask

# ---------------------------------------------- stateful, trained batch by batch
def stateful_run(case, model, optimizer, loss, xs, ys, epochs, **fit_kwargs):
    """Weights after each epoch (reset_states between), then predictions of
    two predict calls in a row (states carried) and after a reset."""
    model.compile(optimizer=optimizer, loss=loss)
    for i, w in enumerate(model.get_weights()):
        out[f"{case}/init{i}"] = w
    out[f"{case}/x"], out[f"{case}/y"] = xs, ys
    for e in range(epochs):
        model.fit(xs, ys, batch_size=fit_kwargs.get("batch_size"), epochs=1,
                  shuffle=False, verbose=0,
                  validation_data=fit_kwargs.get("validation_data"))
        for i, w in enumerate(model.get_weights()):
            out[f"{case}/e{e}_w{i}"] = w
        out[f"{case}/e{e}_state"] = model.layers[0].states[0].numpy()
        model.reset_states()
    out[f"{case}/p1"] = model.predict(xs, batch_size=fit_kwargs["batch_size"], verbose=0)
    out[f"{case}/p2"] = model.predict(xs, batch_size=fit_kwargs["batch_size"], verbose=0)
    model.reset_states()
    out[f"{case}/p3"] = model.predict(xs, batch_size=fit_kwargs["batch_size"], verbose=0)


xs = rng.standard_normal((12, 6, 3)).astype("float32")
ys = rng.standard_normal((12, 1)).astype("float32")
for case, rnn, opt in (("stateful_lstm_sgd", L.LSTM, keras.optimizers.SGD(0.1)),
                       ("stateful_gru_adam", L.GRU, keras.optimizers.Adam(0.01))):
    model = keras.Sequential([rnn(4, stateful=True, batch_input_shape=(4, 6, 3)),
                              L.Dense(1)])
    for layer in model.layers:
        randomize(layer, 0.4)
    stateful_run(case, model, opt, "mse", xs, ys, epochs=2, batch_size=4)

# Keras 2's guide: a stack of stateful LSTMs, validation data included.
data_dim, timesteps, num_classes, batch_size = 5, 4, 3, 4
x_train = rng.random((batch_size * 3, timesteps, data_dim)).astype("float32")
y_train = rng.random((batch_size * 3, num_classes)).astype("float32")
y_train /= y_train.sum(axis=1, keepdims=True)    # distributions (the guide's are not)
x_val = rng.random((batch_size * 2, timesteps, data_dim)).astype("float32")
y_val = rng.random((batch_size * 2, num_classes)).astype("float32")
y_val /= y_val.sum(axis=1, keepdims=True)
model = keras.Sequential([
    L.LSTM(8, return_sequences=True, stateful=True,
           batch_input_shape=(batch_size, timesteps, data_dim)),
    L.LSTM(8, return_sequences=True, stateful=True),
    L.LSTM(8, stateful=True),
    L.Dense(num_classes, activation="softmax")])
for layer in model.layers:
    randomize(layer, 0.4)
# (the guide compiles with "rmsprop"; tf-keras 2.21's RMSprop divides by
# sqrt(v + eps), fastgraph's by sqrt(v) + eps (Keras 2.2's), so Adam here)
model.compile(loss="categorical_crossentropy", optimizer="adam")
for i, w in enumerate(model.get_weights()):
    out[f"guide/init{i}"] = w
model.fit(x_train, y_train, batch_size=batch_size, epochs=2, shuffle=False, verbose=0,
          validation_data=(x_val, y_val))
for i, w in enumerate(model.get_weights()):
    out[f"guide/w{i}"] = w
out["guide/pred"] = model.predict(x_val, batch_size=batch_size, verbose=0)
out["guide/x_train"], out["guide/y_train"] = x_train, y_train
out["guide/x_val"], out["guide/y_val"] = x_val, y_val

# Keras 2's FAQ: train_on_batch on consecutive pieces of the same sequences.
seq = rng.standard_normal((4, 21, 6)).astype("float32")
model = keras.Sequential([L.LSTM(5, input_shape=(10, 6), batch_size=4, stateful=True),
                          L.Dense(6, activation="softmax")])
for layer in model.layers:
    randomize(layer, 0.4)
model.compile(optimizer="adam", loss="categorical_crossentropy")
for i, w in enumerate(model.get_weights()):
    out[f"faq/init{i}"] = w
target = np.abs(seq) / np.abs(seq).sum(axis=2, keepdims=True)
out["faq/loss0"] = model.train_on_batch(seq[:, :10, :], target[:, 10, :])
out["faq/loss1"] = model.train_on_batch(seq[:, 10:20, :], target[:, 20, :])
out["faq/state"] = model.layers[0].states[1].numpy()
model.reset_states()
out["faq/loss2"] = model.train_on_batch(seq[:, :10, :], target[:, 10, :])
for i, w in enumerate(model.get_weights()):
    out[f"faq/w{i}"] = w
out["faq/seq"], out["faq/target"] = seq, target

# reset_states with values, and an initial_state given to a stateful layer
layer = L.LSTM(3, stateful=True, return_sequences=True)
layer(keras.Input(batch_shape=(2, 5, 4)))
ws = randomize(layer)
h0, c0 = (rng.standard_normal((2, 3)).astype("float32") for _ in range(2))
layer.reset_states([h0, c0])
first = layer(x)
second = layer(x)
layer.reset_states()
given = layer(x, initial_state=[tf.constant(h0), tf.constant(c0)])  # held states zero
again = layer(x, initial_state=[tf.constant(c0), tf.constant(h0)])  # held ones win
store("stateful_values", [x, h0, c0], ws, [first, second, given, again])

# ----------------------------------------------------------------- configs
for name, layer in {
        "LSTM": L.LSTM(3), "GRU": L.GRU(3), "SimpleRNN": L.SimpleRNN(3),
        "RNN_LSTMCell": L.RNN(L.LSTMCell(3)),
        "RNN_stack": L.RNN([L.LSTMCell(3), L.GRUCell(2)], return_state=True),
        "LSTMCell": L.LSTMCell(3, dropout=0.1, implementation=1),
        "GRUCell": L.GRUCell(3, reset_after=False),
        "SimpleRNNCell": L.SimpleRNNCell(3, activation="relu"),
        "ConvLSTM1D": L.ConvLSTM1D(4, 3), "ConvLSTM2D": L.ConvLSTM2D(4, (3, 2), strides=2),
        "ConvLSTM3D": L.ConvLSTM3D(4, 3, padding="same"),
        "LSTM_stateful": L.LSTM(3, stateful=True, batch_input_shape=(4, 5, 3)),
        "RNN_zero_output": L.RNN(L.GRUCell(2), zero_output_for_mask=True)}.items():
    configs[name] = layer.get_config()

here = os.path.dirname(os.path.abspath(__file__))
np.savez_compressed(os.path.join(here, "recurrent_api_reference.npz"), **out)
with open(os.path.join(here, "recurrent_api_configs.json"), "w") as f:
    json.dump(configs, f, indent=1, sort_keys=False, default=str)
print(f"wrote {len(out)} arrays and {len(configs)} configs")
