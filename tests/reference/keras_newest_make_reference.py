"""Keras files of the newest layers (RNN over cells, StackedRNNCells,
ConvLSTM2D, Conv2DTranspose, DepthwiseConv2D, SeparableConv2D, Conv3D,
MultiHeadAttention): tf-keras writes them, fastgraph must read them, and
the reverse.  Run by hand, never imported by tests (CI has no TensorFlow):

    /work/venv-tf/bin/python tests/reference/keras_newest_make_reference.py make

writes keras_files/tfk_<model>.keras and tfk_<model>.h5 (model.save) and
keras_files/tfk_reference.npz (inputs `<model>/x<i>`, tf-keras's
predictions `<model>/y<i>`); `make3` writes the same models with Keras 3
(k3new_<model>.keras, k3new_reference.npz).

    python tests/reference/keras_newest_make_reference.py write DIR
    /work/venv-tf/bin/python tests/reference/keras_newest_make_reference.py check DIR

loads each fixture with fastgraph, saves it again as DIR/<model>.keras and
DIR/<model>.h5 with fastgraph's predictions in DIR/inputs.npz; then tf-keras
loads the .h5 files and Keras 3 the .keras files (fastgraph writes .keras as
Keras 3 does; tf-keras reads only its own .keras dialect) and compares its
predictions with fastgraph's.
"""
import os
import sys

import numpy as np

MODE = sys.argv[1] if len(sys.argv) > 1 else "make"
HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "keras_files")
REFERENCE = os.path.join(HERE, "tfk_reference.npz")
rng = np.random.default_rng(11)


def f32(*shape):
    return rng.normal(size=shape).astype(np.float32)


def models(keras):
    L = keras.layers

    def rnn_cells():
        x = L.Input((5, 3))
        a = L.RNN(L.LSTMCell(4), return_sequences=True)(x)
        b = L.RNN(L.StackedRNNCells([L.GRUCell(3), L.SimpleRNNCell(2)]))(a)
        c = L.RNN([L.LSTMCell(2), L.GRUCell(2, reset_after=False)], go_backwards=True)(x)
        d = L.RNN(L.SimpleRNNCell(3, activation="relu"), return_sequences=True)(x)
        out = L.Concatenate()([b, c, L.GlobalAveragePooling1D()(d)])
        return keras.Model(x, out, name="rnn_cells"), [f32(3, 5, 3)]

    def conv_lstm():
        x = L.Input((3, 6, 6, 2))
        h = L.ConvLSTM2D(3, 3, padding="same", return_sequences=True)(x)
        h = L.ConvLSTM2D(2, (2, 3), strides=(1, 2))(h)
        return keras.Model(x, L.Flatten()(h), name="conv_lstm"), [f32(2, 3, 6, 6, 2)]

    def conv_newest():
        x = L.Input((6, 6, 2))
        a = L.Conv2DTranspose(3, 3, strides=2, padding="same", activation="relu")(x)
        b = L.DepthwiseConv2D(3, depth_multiplier=2, padding="same")(x)
        c = L.SeparableConv2D(4, 3, depth_multiplier=2, activation="tanh")(x)
        e = L.Conv2DTranspose(2, (2, 3), strides=(1, 2), use_bias=False)(x)
        v = L.Input((4, 4, 4, 2))
        d = L.Conv3D(3, 2, strides=(1, 2, 1))(v)
        out = L.Concatenate()([L.GlobalAveragePooling2D()(a), L.GlobalMaxPooling2D()(b),
                               L.Flatten()(c), L.Flatten()(e), L.Flatten()(d)])
        return keras.Model([x, v], L.Dense(3)(out), name="conv_newest"), \
            [f32(2, 6, 6, 2), f32(2, 4, 4, 4, 2)]

    def attention():
        q, v = L.Input((4, 6)), L.Input((5, 6))
        a = L.MultiHeadAttention(num_heads=2, key_dim=3)(q, v)
        b = L.MultiHeadAttention(2, 4, value_dim=3, output_shape=5, use_bias=False)(q, v, v)
        c = L.MultiHeadAttention(1, 2)(q, q, use_causal_mask=True)
        out = L.Concatenate()([a, b, c])
        return keras.Model([q, v], out, name="attention"), [f32(2, 4, 6), f32(2, 5, 6)]

    return {"rnn_cells": rnn_cells, "conv_lstm": conv_lstm, "conv_newest": conv_newest,
            "attention": attention}


def _predict(model, xs):
    ys = model.predict(xs if len(xs) > 1 else xs[0], verbose=0)
    return ys if isinstance(ys, list) else [ys]


def make(version):
    """tf-keras's files (version 2) or Keras 3's (3: k3new_<model>.keras and
    k3new_reference.npz, by the Keras 3 that TensorFlow 2.21 installs)."""
    if version == 2:
        import tf_keras as keras
    else:
        import keras
    prefix = "tfk" if version == 2 else "k3new"
    keras.utils.set_random_seed(4321)
    ref = {}
    for name, build in models(keras).items():
        model, xs = build()
        for i, x in enumerate(xs):
            ref[f"{name}/x{i}"] = x
        for i, y in enumerate(_predict(model, xs)):
            ref[f"{name}/y{i}"] = np.asarray(y)
        model.save(os.path.join(HERE, f"{prefix}_{name}.keras"))
        if version == 2:
            model.save(os.path.join(HERE, f"{prefix}_{name}.h5"))
        print(name, "ok")
    np.savez_compressed(os.path.join(HERE, f"{prefix}_reference.npz"), **ref)


def write(directory):
    from fastgraph.saving import load_model
    os.makedirs(directory, exist_ok=True)
    ref, out = np.load(REFERENCE), {}
    for name in sorted({k.split("/")[0] for k in ref.files}):
        model = load_model(os.path.join(HERE, f"tfk_{name}.keras"))
        xs = [ref[f"{name}/x{i}"] for i in range(len([k for k in ref.files
                                                       if k.startswith(name + "/x")]))]
        for i, x in enumerate(xs):
            out[f"{name}/x{i}"] = x
        for i, y in enumerate(_predict(model, xs)):
            out[f"{name}/y{i}"] = y
        model.save(os.path.join(directory, f"{name}.keras"))
        model.save(os.path.join(directory, f"{name}.h5"))
    np.savez(os.path.join(directory, "inputs.npz"), **out)


def _error(reader, path, inputs, name):
    """Max |Keras - fastgraph| of the model at `path` loaded by `reader`."""
    model = reader.models.load_model(path)
    xs, want = ([inputs[k] for k in sorted(inputs.files) if k.startswith(f"{name}/{p}")]
                for p in "xy")
    return max(float(np.max(np.abs(a - b))) for a, b in zip(_predict(model, xs), want))


def check(directory):
    import keras            # Keras 3, installed beside tf-keras by TensorFlow 2.21
    import tf_keras
    inputs, failures = np.load(os.path.join(directory, "inputs.npz")), 0
    for fname in sorted(f for f in os.listdir(directory) if f.endswith((".keras", ".h5"))):
        reader = keras if fname.endswith(".keras") else tf_keras
        try:            # report every file, then fail
            err = _error(reader, os.path.join(directory, fname), inputs, fname.split(".")[0])
            note = f"max |keras - fastgraph| = {err:.2e}"
        except Exception as e:
            err, note = float("inf"), f"{type(e).__name__}: {str(e)[:400]}"
        print(f"{fname}: Keras {reader.__version__}: {note}{' FAIL' if err > 1e-4 else ''}")
        failures += err > 1e-4
    print("failures:", failures)
    return failures


if __name__ == "__main__":
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    if MODE in ("make", "make3"):
        make(3 if MODE == "make3" else 2)
    elif MODE == "write":
        write(sys.argv[2])
    else:
        sys.exit(1 if check(sys.argv[2]) else 0)
