"""Write the Keras model files of tests/reference/keras_files/ and what Keras
predicted with them (run by hand with the reference venvs, never imported
by tests; CI needs neither TensorFlow nor Keras 3):

    /work/venv-tf/bin/python tests/reference/keras_files_make_reference.py 2
    KERAS_BACKEND=jax /work/venv-k3/bin/python tests/reference/keras_files_make_reference.py 3

With 2 (tf-keras 2.x): `k2_<model>.h5` (model.save, HDF5) and
`k2_<model>.weights.h5` (save_weights); with 3 (Keras 3): `k3_<model>.keras`
and `k3_<model>.weights.h5`.  `k<N>_reference.npz` holds, per model, the
inputs (`<model>/x<i>`) and Keras's predictions (`<model>/y<i>`); for the
compiled models also one train_on_batch after saving: the batch
(`<model>/step_x<i>`, `<model>/step_y<i>`), the loss and the weights after
the step (`<model>/after/<k>`, in model.weights order).

    <python> tests/reference/keras_files_make_reference.py check2 DIR
    <python> tests/reference/keras_files_make_reference.py check3 DIR

load every `.h5` / `.keras` file that fastgraph wrote in DIR (see
tests/reference/keras_files_write_check.py) with tf-keras / Keras 3, predict
DIR/inputs.npz and compare with the predictions fastgraph recorded.
"""
import os
import sys

import numpy as np

VERSION = sys.argv[1] if len(sys.argv) > 1 else "2"
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("KERAS_BACKEND", "jax")
if VERSION.endswith("2"):
    import tf_keras as keras
else:
    import keras
L = keras.layers
HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "keras_files")
rng = np.random.default_rng(7)


def f32(*shape):
    return rng.normal(size=shape).astype(np.float32)


def ints(high, *shape):
    return rng.integers(1, high, shape).astype(np.int32)


# ----------------------------------------------------------------- models
def dense_seq(optimizer, loss):
    model = keras.Sequential([
        L.Input((6,)),
        L.Dense(8, activation="relu", kernel_regularizer=keras.regularizers.l2(0.01),
                name="hidden"),
        L.Dropout(0.0),         # no randomness in the recorded training step
        L.Activation("tanh"),
        L.Dense(3, activation="softmax", name="probs")], name="dense_seq")
    model.compile(optimizer=optimizer, loss=loss, metrics=["accuracy"])
    x, y = f32(32, 6), np.eye(3, dtype=np.float32)[rng.integers(0, 3, 32)]
    model.fit(x, y, batch_size=8, epochs=1, verbose=0, shuffle=False)
    return model, [f32(5, 6)], ([f32(8, 6)], [np.eye(3, dtype=np.float32)[
        rng.integers(0, 3, 8)]])


def conv2d():
    x = L.Input((9, 9, 2), name="image")
    a = L.ZeroPadding2D(((1, 0), (0, 1)))(x)
    a = L.Conv2D(4, 3, activation="relu", name="c1")(a)
    a = L.MaxPooling2D(2)(a)
    a = L.Cropping2D(((1, 0), (0, 1)))(a)
    a = L.BatchNormalization()(a)
    b = L.Conv2D(3, (2, 3), strides=2, padding="same", dilation_rate=1)(x)
    b = L.AveragePooling2D((2, 2), padding="same")(b)
    c = L.Conv2D(2, 3, dilation_rate=2, use_bias=False)(x)
    merged = L.Concatenate()([L.GlobalAveragePooling2D()(a), L.GlobalMaxPooling2D()(b),
                              L.Flatten()(c)])
    out = L.Dense(3, activation="sigmoid")(merged)
    return keras.Model(x, out, name="conv2d"), [f32(4, 9, 9, 2)], None


def conv1d():
    x = L.Input((12, 3))
    a = L.ZeroPadding1D(2)(x)
    a = L.Conv1D(4, 3, activation="tanh")(a)
    a = L.MaxPooling1D(2)(a)
    a = L.Cropping1D((1, 0))(a)
    a = L.AveragePooling1D(2, strides=1)(a)
    b = L.Conv1D(4, 3, strides=2, padding="same")(x)
    s = L.Add()([L.GlobalMaxPooling1D()(a), L.GlobalAveragePooling1D()(b)])
    return keras.Model(x, L.Dense(2)(s), name="conv1d"), [f32(3, 12, 3)], None


def recurrent():
    words = L.Input((7,), dtype="int32", name="words")
    e = L.Embedding(30, 4, mask_zero=True)(words)
    h = L.LSTM(5, return_sequences=True)(e)
    h = L.GRU(4, return_sequences=True)(h)
    h = L.Bidirectional(L.SimpleRNN(3, return_sequences=True))(h)
    h = L.TimeDistributed(L.Dense(2))(h)
    last = L.LSTM(3, go_backwards=True)(h)
    seq = L.Input((5, 3), name="seq")
    g = L.Bidirectional(L.LSTM(2), merge_mode="sum")(seq)
    r = L.GRU(3, reset_after=True)(seq)
    out = L.Concatenate()([last, g, r, L.SimpleRNN(2)(seq)])
    x0 = ints(30, 4, 7)
    x0[0, 5:] = 0
    x0[2, 3:] = 0
    return keras.Model([words, seq], L.Dense(1)(out), name="recurrent"), \
        [x0, f32(4, 5, 3)], None


def misc():
    x = L.Input((4, 3))
    p = L.Permute((2, 1))(x)
    r = L.Reshape((12,))(p)
    v = L.RepeatVector(2)(r)
    n = L.LayerNormalization()(v)
    f = L.Flatten()(L.Dropout(0.25)(n))
    d = L.Dense(24)(f)
    merged = [L.Subtract()([f, d]), L.Multiply()([f, d]), L.Average()([f, d]),
              L.Maximum()([f, d]), L.Minimum()([f, d])]
    dot = L.Dot(axes=1)([merged[0], merged[1]])
    out = L.Concatenate()(merged[2:] + [dot])
    return keras.Model(x, out, name="misc"), [f32(3, 4, 3)], None


def lambda_model():
    x = L.Input((3,))
    y = L.Lambda(lambda t: t * 2.0 + 1.0, name="affine")(x)
    return keras.Model(x, L.Dense(2)(y), name="lambda_model"), [f32(2, 3)], None


# ------------------------------------------------------------- seed models
def two_inputs():
    main_input = L.Input(shape=(20,), dtype="int32", name="main_input")
    x = L.Embedding(output_dim=16, input_dim=200)(main_input)
    lstm_out = L.LSTM(16)(x)
    aux_output = L.Dense(1, activation="sigmoid", name="aux_output")(lstm_out)
    aux_input = L.Input(shape=(5,), name="aux_input")
    x = L.concatenate([lstm_out, aux_input])
    for _ in range(3):
        x = L.Dense(32, activation="relu")(x)
    main_output = L.Dense(1, activation="sigmoid", name="main_output")(x)
    model = keras.Model([main_input, aux_input], [main_output, aux_output],
                        name="two_inputs")
    return model, [ints(200, 4, 20), f32(4, 5)], None


def shared_lstm():
    a, b = L.Input((6, 8)), L.Input((6, 8))
    shared = L.LSTM(8)
    merged = L.concatenate([shared(a), shared(b)], axis=-1)
    out = L.Dense(1, activation="sigmoid")(merged)
    return keras.Model([a, b], out, name="shared_lstm"), [f32(3, 6, 8), f32(3, 6, 8)], None


def shared_vision():
    digit = L.Input((8, 8, 1))
    h = L.Conv2D(4, 3)(digit)
    h = L.Conv2D(4, 3)(h)
    vision = keras.Model(digit, L.Flatten()(L.MaxPooling2D(2)(h)), name="vision")
    a, b = L.Input((8, 8, 1)), L.Input((8, 8, 1))
    out = L.Dense(1, activation="sigmoid")(L.concatenate([vision(a), vision(b)]))
    return keras.Model([a, b], out, name="shared_vision"), [f32(2, 8, 8, 1),
                                                            f32(2, 8, 8, 1)], None


def residual():
    x = L.Input((6, 6, 3))
    y = L.Conv2D(3, 3, padding="same")(x)
    return keras.Model(x, L.add([x, y]), name="residual"), [f32(2, 6, 6, 3)], None


def inception():
    img = L.Input((8, 8, 1))
    t1 = L.Conv2D(4, 1, padding="same", activation="relu")(img)
    t1 = L.Conv2D(4, 3, padding="same", activation="relu")(t1)
    t2 = L.Conv2D(4, 1, padding="same", activation="relu")(img)
    t2 = L.Conv2D(4, 5, padding="same", activation="relu")(t2)
    t3 = L.MaxPooling2D(3, strides=1, padding="same")(img)
    t3 = L.Conv2D(4, 1, padding="same", activation="relu")(t3)
    out = L.concatenate([t1, t2, t3], axis=1)
    out = L.Dense(3, activation="softmax")(L.Flatten()(out))
    return keras.Model(img, out, name="inception"), [f32(2, 8, 8, 1)], None


def model_as_layer():
    x = L.Input((16,))
    classifier = keras.Model(x, L.Dense(4, activation="softmax")(x), name="classifier")
    seqs = L.Input((5, 16))
    out = L.TimeDistributed(classifier)(seqs)
    return keras.Model(seqs, out, name="model_as_layer"), [f32(2, 5, 16)], None


def visual_qa():
    vision = keras.Sequential([
        L.Input((12, 12, 3)),
        L.Conv2D(4, 3, activation="relu", padding="same"),
        L.Conv2D(4, 3, activation="relu"),
        L.MaxPooling2D(2),
        L.Flatten()], name="vision_seq")
    image = L.Input((12, 12, 3))
    question = L.Input((6,), dtype="int32")
    encoded_q = L.LSTM(8)(L.Embedding(50, 8)(question))
    merged = L.concatenate([encoded_q, vision(image)])
    out = L.Dense(5, activation="softmax")(merged)
    return keras.Model([image, question], out, name="visual_qa"), \
        [f32(2, 12, 12, 3), ints(50, 2, 6)], None


def video_qa():
    frame = L.Input((8, 8, 3))
    vision = keras.Model(frame, L.Flatten()(L.MaxPooling2D(2)(L.Conv2D(3, 3)(frame))),
                         name="frame_encoder")
    video = L.Input((4, 8, 8, 3))
    encoded_video = L.LSTM(6)(L.TimeDistributed(vision)(video))
    question = L.Input((6,), dtype="int32")
    q_encoder = keras.Model(question, L.LSTM(6)(L.Embedding(40, 6)(question)),
                            name="question_encoder")
    merged = L.concatenate([encoded_video, q_encoder(question)])
    out = L.Dense(4, activation="softmax")(merged)
    return keras.Model([video, question], out, name="video_qa"), \
        [f32(2, 4, 8, 8, 3), ints(40, 2, 6)], None


def models():
    opt = keras.optimizers
    out = {
        "adam": lambda: dense_seq(opt.Adam(learning_rate=0.01), "categorical_crossentropy"),
        "sgd_momentum": lambda: dense_seq(opt.SGD(learning_rate=0.05, momentum=0.9),
                                          "mse"),
        "rmsprop": lambda: dense_seq(opt.RMSprop(learning_rate=0.01),
                                     "categorical_crossentropy"),
        "conv2d": conv2d, "conv1d": conv1d, "recurrent": recurrent, "misc": misc,
        "lambda": lambda_model, "two_inputs": two_inputs, "shared_lstm": shared_lstm,
        "shared_vision": shared_vision, "residual": residual, "inception": inception,
        "model_as_layer": model_as_layer, "visual_qa": visual_qa, "video_qa": video_qa,
    }
    if VERSION == "2":
        legacy = opt.legacy
        out["legacy_adam"] = lambda: dense_seq(legacy.Adam(learning_rate=0.01),
                                               "categorical_crossentropy")
        out["legacy_sgd"] = lambda: dense_seq(
            legacy.SGD(learning_rate=0.05, momentum=0.9), "mse")
    return out


def make():
    os.makedirs(HERE, exist_ok=True)
    keras.utils.set_random_seed(1234)
    ref, prefix = {}, f"k{VERSION}_"
    for name, build in models().items():
        model, xs, step = build()
        for i, x in enumerate(xs):
            ref[f"{name}/x{i}"] = x
        ys = model.predict(xs if len(xs) > 1 else xs[0], verbose=0)
        for i, y in enumerate(ys if isinstance(ys, list) else [ys]):
            ref[f"{name}/y{i}"] = np.asarray(y)
        if VERSION == "2":
            model.save(os.path.join(HERE, f"{prefix}{name}.h5"))
        else:
            model.save(os.path.join(HERE, f"{prefix}{name}.keras"))
        model.save_weights(os.path.join(HERE, f"{prefix}{name}.weights.h5"))
        if step is not None:
            sx, sy = step
            for i, x in enumerate(sx):
                ref[f"{name}/step_x{i}"] = x
            for i, y in enumerate(sy):
                ref[f"{name}/step_y{i}"] = y
            loss = model.train_on_batch(sx[0], sy[0])
            ref[f"{name}/step_loss"] = np.asarray(loss if np.ndim(loss) == 0 else loss[0])
            for k, w in enumerate(model.weights):
                ref[f"{name}/after/{k}"] = np.asarray(w)
        print(name, "ok")
    np.savez_compressed(os.path.join(HERE, f"{prefix}reference.npz"), **ref)


def check(directory):
    """Load what fastgraph wrote with this Keras and compare predictions."""
    inputs = np.load(os.path.join(directory, "inputs.npz"))
    failures = 0
    for fname in sorted(os.listdir(directory)):
        if not fname.endswith((".h5", ".keras")) or fname.endswith(".weights.h5"):
            continue
        if VERSION.endswith("2") != fname.endswith(".h5"):
            continue
        name = fname.split(".")[0]
        try:
            model = keras.models.load_model(os.path.join(directory, fname),
                                            safe_mode=False, compile=True)
            xs = [inputs[k] for k in sorted(inputs.files) if k.startswith(name + "/x")]
            ys = model.predict(xs if len(xs) > 1 else xs[0], verbose=0)
            ys = ys if isinstance(ys, list) else [ys]
            want = [inputs[k] for k in sorted(inputs.files) if k.startswith(name + "/y")]
            err = max(float(np.max(np.abs(np.asarray(a) - b))) for a, b in zip(ys, want))
            optimizer = getattr(model, "optimizer", None)
            weights = os.path.join(directory, name + ".weights.h5")
            if os.path.exists(weights):      # into an uncompiled model: no metrics
                bare = keras.models.load_model(os.path.join(directory, fname),
                                               safe_mode=False, compile=False)
                for w in bare.weights:
                    w.assign(np.zeros(w.shape, "float32"))
                bare.load_weights(weights)
                again = bare.predict(xs if len(xs) > 1 else xs[0], verbose=0)
                again = again if isinstance(again, list) else [again]
                err = max([err] + [float(np.max(np.abs(np.asarray(a) - b)))
                                   for a, b in zip(again, want)])
            state = len(optimizer.variables) if optimizer is not None and hasattr(
                optimizer, "variables") else 0
            state = state() if callable(state) else state
            print(f"{fname}: loaded (and {name}.weights.h5), max |keras - fastgraph| = "
                  f"{err:.2e}, optimizer {type(optimizer).__name__ if optimizer else None}"
                  f" with {state} state variables"
                  f"{' FAIL' if err > 1e-4 else ''}")
            failures += err > 1e-4
        except Exception as e:      # report every file, then fail
            failures += 1
            print(f"{fname}: FAIL {type(e).__name__}: {str(e)[:300]}")
    print("failures:", failures)
    return failures


if __name__ == "__main__":
    if VERSION.startswith("check"):
        sys.exit(1 if check(sys.argv[2]) else 0)
    make()
