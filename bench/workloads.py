"""The standard workloads W1-W6 of the speed issue, in the Keras functional API.

Each `wN(api=None, batches=BATCHES, seed=0)` builds and compiles its model
with `api` (a module with `.layers` and `.models`: fastgraph by default, or
Keras itself, whose API is the same) and makes synthetic float32 data once:
it returns `(model, x, y, batch_size)`, where x and y hold `batches` batches
(x and y are lists for multi-input / multi-output models).  `step_flops(name)`
gives the GEMM FLOPs of one training step (of one predict call for W6), for
the GFLOP/s column of bench/compare.py.
"""
import numpy as np

BATCHES = 4
W6_SIZES = (1, 256)


def _api(api):
    if api is None:
        import fastgraph as api
    return api.layers, api.models


def _rng(seed):
    return np.random.default_rng(seed)


def _onehot(rng, n, classes):
    y = np.zeros((n, classes), np.float32)
    y[np.arange(n), rng.integers(0, classes, n)] = 1.0
    return y


def _binary(rng, n):
    return rng.integers(0, 2, (n, 1)).astype(np.float32)


def _normal(rng, shape):
    return rng.standard_normal(shape, dtype=np.float32)


BATCH_SIZES = {"W1": 128, "W2": 64, "W3": 32, "W4": 32, "W5": 16, "W6": max(W6_SIZES)}


def data(name, batches=BATCHES, seed=0):
    """Synthetic (x, y, batch_size) of workload `name`, `batches` batches long.

    x and y are arrays, or lists for several inputs / outputs; W6 has y None.
    The PyTorch twins take the same arrays from here.
    """
    batch = BATCH_SIZES[name]
    n = batch * batches
    rng = _rng(seed)
    if name in ("W1", "W6"):
        return _normal(rng, (n, 784)), None if name == "W6" else _onehot(rng, n, 10), batch
    if name == "W2":
        return _normal(rng, (n, 28, 28, 1)), _onehot(rng, n, 10), batch
    if name == "W3":
        tokens = rng.integers(0, 10000, (n, 100)).astype(np.int32)
        labels = _binary(rng, n)
        return [tokens, _normal(rng, (n, 5))], [labels, labels], batch
    if name == "W4":
        return [_normal(rng, (n, 140, 256)), _normal(rng, (n, 140, 256))], _binary(rng, n), batch
    return _normal(rng, (n, 32, 32, 3)), _onehot(rng, n, 10), batch


def w1(api=None, batches=BATCHES, seed=0):
    """MLP 784-512-512-10, relu, softmax; categorical crossentropy; RMSprop; batch 128."""
    layers, models = _api(api)
    inputs = layers.Input(shape=(784,))
    x = layers.Dense(512, activation="relu")(inputs)
    x = layers.Dense(512, activation="relu")(x)
    outputs = layers.Dense(10, activation="softmax")(x)
    model = models.Model(inputs=inputs, outputs=outputs)
    model.compile(optimizer="rmsprop", loss="categorical_crossentropy")
    return (model,) + data("W1", batches, seed)


def w2(api=None, batches=BATCHES, seed=0):
    """CNN: two 3x3 convs (32, 64), 2x2 max pool, Dense 128, Dense 10; batch 64."""
    layers, models = _api(api)
    inputs = layers.Input(shape=(28, 28, 1))
    x = layers.Conv2D(32, (3, 3), activation="relu")(inputs)
    x = layers.Conv2D(64, (3, 3), activation="relu")(x)
    x = layers.MaxPooling2D((2, 2))(x)
    x = layers.Flatten()(x)
    x = layers.Dense(128, activation="relu")(x)
    outputs = layers.Dense(10, activation="softmax")(x)
    model = models.Model(inputs=inputs, outputs=outputs)
    model.compile(optimizer="rmsprop", loss="categorical_crossentropy")
    return (model,) + data("W2", batches, seed)


def w3(api=None, batches=BATCHES, seed=0):
    """The seed's two-input two-output model (Embedding 10000x512, LSTM(32)); batch 32."""
    layers, models = _api(api)
    main_input = layers.Input(shape=(100,), dtype="int32", name="main_input")
    x = layers.Embedding(output_dim=512, input_dim=10000)(main_input)
    lstm_out = layers.LSTM(32)(x)
    aux_output = layers.Dense(1, activation="sigmoid", name="aux_output")(lstm_out)
    aux_input = layers.Input(shape=(5,), name="aux_input")
    x = layers.concatenate([lstm_out, aux_input])
    x = layers.Dense(64, activation="relu")(x)
    x = layers.Dense(64, activation="relu")(x)
    x = layers.Dense(64, activation="relu")(x)
    main_output = layers.Dense(1, activation="sigmoid", name="main_output")(x)
    model = models.Model(inputs=[main_input, aux_input],
                         outputs=[main_output, aux_output])
    # One loss per output: Keras 3 takes a single loss for one output only.
    model.compile(optimizer="rmsprop", loss=["binary_crossentropy"] * 2,
                  loss_weights=[1., 0.2])
    return (model,) + data("W3", batches, seed)


def w4(api=None, batches=BATCHES, seed=0):
    """The seed's shared LSTM(64) over two (140, 256) inputs, sigmoid output; batch 32."""
    layers, models = _api(api)
    tweet_a = layers.Input(shape=(140, 256))
    tweet_b = layers.Input(shape=(140, 256))
    shared_lstm = layers.LSTM(64)
    merged = layers.concatenate([shared_lstm(tweet_a), shared_lstm(tweet_b)], axis=-1)
    predictions = layers.Dense(1, activation="sigmoid")(merged)
    model = models.Model(inputs=[tweet_a, tweet_b], outputs=predictions)
    model.compile(optimizer="rmsprop", loss="binary_crossentropy")
    return (model,) + data("W4", batches, seed)


def w5(api=None, batches=BATCHES, seed=0):
    """The seed's inception block on 32x32x3, global average pool, Dense 10; batch 16.

    The towers are concatenated on axis 1 exactly as the seed program writes it.
    """
    layers, models = _api(api)
    input_img = layers.Input(shape=(32, 32, 3))
    tower_1 = layers.Conv2D(64, (1, 1), padding="same", activation="relu")(input_img)
    tower_1 = layers.Conv2D(64, (3, 3), padding="same", activation="relu")(tower_1)
    tower_2 = layers.Conv2D(64, (1, 1), padding="same", activation="relu")(input_img)
    tower_2 = layers.Conv2D(64, (5, 5), padding="same", activation="relu")(tower_2)
    tower_3 = layers.MaxPooling2D((3, 3), strides=(1, 1), padding="same")(input_img)
    tower_3 = layers.Conv2D(64, (1, 1), padding="same", activation="relu")(tower_3)
    x = layers.concatenate([tower_1, tower_2, tower_3], axis=1)
    x = layers.GlobalAveragePooling2D()(x)
    outputs = layers.Dense(10, activation="softmax")(x)
    model = models.Model(inputs=input_img, outputs=outputs)
    model.compile(optimizer="rmsprop", loss="categorical_crossentropy")
    return (model,) + data("W5", batches, seed)


def w6(api=None, batches=1, seed=0):
    """W1's model for prediction: x holds max(W6_SIZES) samples per batch, y is None."""
    model = w1(api, batches=1, seed=seed)[0]
    return (model,) + data("W6", batches, seed)


WORKLOADS = {"W1": w1, "W2": w2, "W3": w3, "W4": w4, "W5": w5, "W6": w6}
TRAINING = ("W1", "W2", "W3", "W4", "W5")


def dense_flops(n, d_in, d_out):
    """Forward FLOPs of a (n, d_in) @ (d_in, d_out) product."""
    return 2.0 * n * d_in * d_out


def conv_flops(n, out_h, out_w, kh, kw, c_in, c_out):
    """Forward FLOPs of a convolution as one im2col GEMM."""
    return 2.0 * n * out_h * out_w * kh * kw * c_in * c_out


def lstm_flops(n, steps, d_in, units):
    """Forward FLOPs of an LSTM: input and recurrent projections of the 4 gates."""
    return 2.0 * n * steps * (d_in + units) * 4 * units


def forward_flops(name, n=None):
    """GEMM FLOPs of one forward pass of workload `name` on n samples (its batch by default)."""
    if name in ("W1", "W6"):
        n = BATCH_SIZES["W1"] if n is None else n
        return dense_flops(n, 784, 512) + dense_flops(n, 512, 512) + dense_flops(n, 512, 10)
    if name == "W2":
        n = BATCH_SIZES["W2"] if n is None else n
        return (conv_flops(n, 26, 26, 3, 3, 1, 32) + conv_flops(n, 24, 24, 3, 3, 32, 64)
                + dense_flops(n, 12 * 12 * 64, 128) + dense_flops(n, 128, 10))
    if name == "W3":
        n = BATCH_SIZES["W3"] if n is None else n
        return (lstm_flops(n, 100, 512, 32) + dense_flops(n, 32, 1) + dense_flops(n, 37, 64)
                + 2 * dense_flops(n, 64, 64) + dense_flops(n, 64, 1))
    if name == "W4":
        n = BATCH_SIZES["W4"] if n is None else n
        return 2 * lstm_flops(n, 140, 256, 64) + dense_flops(n, 128, 1)
    if name == "W5":
        n = BATCH_SIZES["W5"] if n is None else n
        return (3 * conv_flops(n, 32, 32, 1, 1, 3, 64) + conv_flops(n, 32, 32, 3, 3, 64, 64)
                + conv_flops(n, 32, 32, 5, 5, 64, 64) + dense_flops(n, 64, 10))
    raise KeyError(f"unknown workload {name!r}; expected one of {sorted(WORKLOADS)}")


def step_flops(name, n=None):
    """FLOPs of one training step (forward + backward ~ 3x forward); W6: one predict."""
    if name == "W6":
        return forward_flops(name, n)
    return 3.0 * forward_flops(name, n)
