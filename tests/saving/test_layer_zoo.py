"""Every layer of docs/contract.md section 2 survives save/load inside a model: same config,
same weights, identical predictions (and BatchNormalization's moving
statistics keep training identically)."""
import json

import numpy as np

from fastgraph import layers as L
from fastgraph.models import Model
from fastgraph.ops.random import set_seed
from fastgraph.saving import load_model, save_model

RNG = np.random.default_rng(4)


def _x(*shape):
    return RNG.standard_normal(shape).astype(np.float32)


def _check(model, tmp_path, xs):
    save_model(model, tmp_path / "zoo.keras")
    loaded = load_model(tmp_path / "zoo.keras")
    assert json.loads(json.dumps(loaded.get_config())) == \
        json.loads(json.dumps(model.get_config()))
    for a, b in zip(model.weights, loaded.weights):
        assert a.name == b.name and np.array_equal(a.data, b.data)
    out_a, out_b = model.predict(xs, verbose=0), loaded.predict(xs, verbose=0)
    for a, b in zip(out_a if isinstance(out_a, list) else [out_a],
                    out_b if isinstance(out_b, list) else [out_b]):
        assert np.array_equal(a, b)
    return loaded


def test_core_and_merge_layers(tmp_path):
    a, b = L.Input(shape=(6,)), L.Input(shape=(6,))
    x = L.Dense(6, activation="selu", kernel_initializer="orthogonal",
                bias_regularizer="l1", activity_regularizer="l2")(a)
    y = L.Dense(6, activation="elu", kernel_initializer="lecun_uniform")(b)
    merged = [L.average([x, y]), L.minimum([x, y]), L.maximum([x, y]),
              L.Dot(axes=1, normalize=True)([x, y]), L.multiply([x, y]),
              L.subtract([x, y]), L.add([x, y])]
    out = L.Concatenate(axis=-1)(merged)
    out = L.Reshape((7, 7))(L.Dense(49, activation="softsign")(out))
    out = L.Permute((2, 1))(out)
    out = L.RepeatVector(2)(L.Flatten()(L.Activation("hard_sigmoid")(out)))
    _check(Model([a, b], L.Dropout(0.2, noise_shape=(None, 1, 49), seed=3)(out)),
           tmp_path, [_x(3, 6), _x(3, 6)])


def test_convolution_and_pooling_layers(tmp_path):
    image = L.Input(shape=(9, 9, 2))
    x = L.ZeroPadding2D(((1, 0), (0, 1)))(image)
    x = L.Conv2D(3, (3, 2), strides=(2, 1), padding="valid", activation="relu",
                 use_bias=False)(x)
    x = L.Cropping2D(((1, 0), (0, 1)))(x)
    x = L.AveragePooling2D((2, 2), padding="same")(x)
    pooled = [L.GlobalAveragePooling2D()(x), L.GlobalMaxPooling2D()(x),
              L.Flatten()(L.MaxPooling2D((2, 2), strides=1)(x))]
    seq = L.Input(shape=(10, 3))
    s = L.ZeroPadding1D(2)(seq)
    s = L.Conv1D(4, 3, dilation_rate=2, padding="causal")(s)
    s = L.Cropping1D((1, 2))(s)
    s = L.MaxPooling1D(2)(L.AveragePooling1D(2, padding="same")(s))
    pooled += [L.GlobalMaxPooling1D()(s), L.GlobalAveragePooling1D()(s)]
    model = Model([image, seq], L.concatenate(pooled))
    _check(model, tmp_path, [_x(2, 9, 9, 2), _x(2, 10, 3)])


def test_embedding_and_normalization_layers(tmp_path):
    set_seed(6)
    tokens = L.Input(shape=(5,), dtype="int32")
    x = L.Embedding(30, 4, mask_zero=True, input_length=5)(tokens)
    x = L.LayerNormalization(epsilon=1e-3, center=False)(x)
    x = L.Flatten()(x)
    x = L.BatchNormalization(momentum=0.9, scale=False)(L.Dense(6)(x))
    model = Model(tokens, L.Dense(1)(x))
    model.compile(optimizer="adam", loss="mse")
    data = RNG.integers(0, 30, (16, 5)).astype(np.int32)
    target = _x(16, 1)
    model.fit(data, target, batch_size=8, verbose=0)
    loaded = _check(model, tmp_path, data)
    bn = [w.name for w in loaded.weights if "moving" in w.name]
    assert len(bn) == 2
    set_seed(2)
    model.fit(data, target, batch_size=8, verbose=0)
    set_seed(2)
    loaded.fit(data, target, batch_size=8, verbose=0)
    for a, b in zip(model.weights, loaded.weights):
        assert np.array_equal(a.data, b.data), a.name


def test_recurrent_layers_and_wrappers(tmp_path):
    seq = L.Input(shape=(6, 3))
    outs = [L.LSTM(4, return_sequences=True, go_backwards=True,
                   recurrent_activation="hard_sigmoid")(seq),
            L.GRU(4, return_sequences=True, reset_after=False)(seq),
            L.SimpleRNN(4, return_sequences=True, activation="relu")(seq),
            L.TimeDistributed(L.Dense(4))(seq)]
    lstm_out, h, c = L.LSTM(4, return_state=True)(seq)
    bidir = [L.Bidirectional(L.LSTM(3), merge_mode=mode)(seq)
             for mode in ("concat", "sum", "ave", "mul")]
    bidir.append(L.Bidirectional(L.GRU(2, return_sequences=True),
                                 backward_layer=L.SimpleRNN(2, return_sequences=True,
                                                            go_backwards=True))(seq))
    model = Model(seq, [L.concatenate(outs), lstm_out, h, c] + bidir)
    _check(model, tmp_path, _x(2, 6, 3))
