"""Writes tests/reference/layers_rnn_reference.npz: tf-keras 2.x outputs of the
recurrent layers and wrappers for fixed random weights and inputs.

Run once, with the reference environment (never imported by the tests):
    /work/refenv/bin/python tests/reference/layers_rnn_make_reference.py
Each case `c` stores `c/x` (input), `c/w0..` (weights in Keras order, the
Embedding table as `c/emb`) and `c/y0..` (outputs, states after the output).
"""
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402
import tf_keras as keras  # noqa: E402
from tf_keras import layers as L  # noqa: E402

rng = np.random.default_rng(1234)
out = {}


def randomize(layer):
    ws = [(rng.standard_normal(w.shape) * 0.5).astype("float32")
          for w in layer.get_weights()]
    layer.set_weights(ws)
    return ws


def store(case, x, weights, ys, emb=None):
    out[f"{case}/x"] = x
    for i, w in enumerate(weights):
        out[f"{case}/w{i}"] = w
    for i, y in enumerate(ys if isinstance(ys, list) else [ys]):
        out[f"{case}/y{i}"] = np.asarray(y, dtype="float32")
    if emb is not None:
        out[f"{case}/emb"] = emb


x = rng.standard_normal((2, 5, 4)).astype("float32")
KINDS = {"lstm": L.LSTM, "gru": L.GRU, "simple_rnn": L.SimpleRNN}

# Plain layers: return_state always on (output first, then the states).
for kind, cls in KINDS.items():
    for rs in (0, 1):
        for gb in (0, 1):
            layer = cls(3, return_sequences=bool(rs), go_backwards=bool(gb),
                        return_state=True)
            layer(keras.Input((5, 4)))
            ws = randomize(layer)
            store(f"{kind}_rs{rs}_gb{gb}", x, ws, layer(x))

extra = {
    "gru_reset_before": L.GRU(3, reset_after=False, return_sequences=True),
    "simple_rnn_relu": L.SimpleRNN(3, activation="relu", return_sequences=True),
    "lstm_hard_sigmoid": L.LSTM(3, recurrent_activation="hard_sigmoid",
                                return_sequences=True),
    "lstm_nobias": L.LSTM(3, use_bias=False, return_sequences=True),
}
for case, layer in extra.items():
    layer(keras.Input((5, 4)))
    store(case, x, randomize(layer), layer(x))

# Initial states given in the call.
h0 = rng.standard_normal((2, 3)).astype("float32")
c0 = rng.standard_normal((2, 3)).astype("float32")
for kind, states in (("lstm", [h0, c0]), ("gru", [h0]), ("simple_rnn", [h0])):
    layer = KINDS[kind](3, return_sequences=True, return_state=True)
    layer(keras.Input((5, 4)))
    ws = randomize(layer)
    store(f"{kind}_init", x, ws, layer(x, initial_state=[tf.constant(s) for s in states]))
out["h0"], out["c0"] = h0, c0

# Masking: Embedding(mask_zero=True) feeding a recurrent layer.
tokens = np.array([[3, 1, 4, 1, 0, 0],
                   [5, 9, 0, 2, 6, 0],
                   [0, 0, 7, 8, 2, 3],
                   [0, 0, 0, 0, 0, 0]], dtype="int32")
out["tokens"] = tokens
masked = [("lstm", 0, 0), ("lstm", 1, 0), ("lstm", 0, 1), ("lstm", 1, 1),
          ("gru", 1, 0), ("gru", 0, 1), ("simple_rnn", 1, 1), ("simple_rnn", 0, 0)]
for kind, rs, gb in masked:
    inp = keras.Input((6,), dtype="int32")
    emb = L.Embedding(10, 4, mask_zero=True)
    layer = KINDS[kind](3, return_sequences=bool(rs), go_backwards=bool(gb))
    model = keras.Model(inp, layer(emb(inp)))
    table = randomize(emb)
    store(f"mask_{kind}_rs{rs}_gb{gb}", tokens, randomize(layer), model(tokens),
          emb=table[0])

# Bidirectional in every merge mode, with and without masks.
for mode in ("concat", "sum", "mul", "ave", None):
    b = L.Bidirectional(L.LSTM(3, return_sequences=True), merge_mode=mode)
    b(keras.Input((5, 4)))
    store(f"bidi_{mode}", x, randomize(b), b(x))
b = L.Bidirectional(L.GRU(3), merge_mode="concat")
b(keras.Input((5, 4)))
store("bidi_gru_last", x, randomize(b), b(x))
b = L.Bidirectional(L.LSTM(3, return_state=True))
b(keras.Input((5, 4)))
store("bidi_state", x, randomize(b), b(x))
for rs in (0, 1):
    inp = keras.Input((6,), dtype="int32")
    emb = L.Embedding(10, 4, mask_zero=True)
    b = L.Bidirectional(L.LSTM(3, return_sequences=bool(rs)))
    model = keras.Model(inp, b(emb(inp)))
    table = randomize(emb)
    store(f"bidi_mask_rs{rs}", tokens, randomize(b), model(tokens), emb=table[0])

# TimeDistributed over a Dense layer and over a whole model.
xt = rng.standard_normal((2, 4, 5)).astype("float32")
td = L.TimeDistributed(L.Dense(3))
td(keras.Input((4, 5)))
store("td_dense", xt, randomize(td), td(xt))
inner_in = keras.Input((5,))
inner = keras.Model(inner_in, L.Dense(2)(L.Dense(4, activation="relu")(inner_in)))
td = L.TimeDistributed(inner)
td(keras.Input((4, 5)))
store("td_model", xt, randomize(td), td(xt))

path = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                    "layers_rnn_reference.npz")
np.savez_compressed(path, **out)
print(f"wrote {len(out)} arrays to {path}")
