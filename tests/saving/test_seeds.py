"""Every seed program (fastgraph/examples, docs/contract.md section 2) survives
save/load: predictions identical to the bit, and training resumed after
reloading matches uninterrupted training. Sizes are reduced where the seeds'
shapes would make big weights; the structure is the seeds'."""
import json

import numpy as np

import fastgraph
from fastgraph.layers import (LSTM, Conv2D, Dense, Embedding, Flatten, Input,
                              MaxPooling2D, TimeDistributed)
from fastgraph.models import Model, Sequential
from fastgraph.ops.random import set_seed
from fastgraph.saving import load_model, save_model

RNG = np.random.default_rng(5)


def _floats(*shape):
    return RNG.standard_normal(shape).astype(np.float32)


def _ints(high, *shape):
    return RNG.integers(1, high, shape).astype(np.int32)


def _round_trip(model, tmp_path, xs, name="model.h5"):
    path = tmp_path / name
    save_model(model, path)
    loaded = load_model(path)
    assert json.loads(json.dumps(loaded.get_config())) == \
        json.loads(json.dumps(model.get_config()))
    assert loaded.count_params() == model.count_params()
    for a, b in zip(model.weights, loaded.weights):
        assert a.name == b.name and np.array_equal(a.data, b.data)
    for a, b in zip(_outputs(model.predict(xs, verbose=0)),
                    _outputs(loaded.predict(xs, verbose=0))):
        assert a.dtype == b.dtype and np.array_equal(a, b)
    return loaded


def _outputs(out):
    return out if isinstance(out, list) else [out]


def _resume(model, tmp_path, fit):
    """fit; save; fit again -> A.  Reload; fit again -> B.  A == B exactly."""
    fit(model)
    save_model(model, tmp_path / "ckpt.keras")
    set_seed(11)
    fit(model)
    loaded = load_model(tmp_path / "ckpt.keras")
    set_seed(11)
    fit(loaded)
    for a, b in zip(model.weights, loaded.weights):
        assert np.array_equal(a.data, b.data), a.name
    for a, b in zip(model.optimizer.get_weights(), loaded.optimizer.get_weights()):
        assert np.array_equal(a, b)


def _dense_network():
    inputs = Input(shape=(784,))
    x = Dense(64, activation="relu")(inputs)
    x = Dense(64, activation="relu")(x)
    predictions = Dense(10, activation="softmax")(x)
    return Model(inputs=inputs, outputs=predictions)


def test_seed1_dense_network(tmp_path):
    set_seed(1)
    model = _dense_network()
    model.compile(optimizer="rmsprop", loss="categorical_crossentropy",
                  metrics=["accuracy"])
    data = _floats(64, 784)
    labels = np.eye(10, dtype=np.float32)[RNG.integers(0, 10, 64)]
    _round_trip(model, tmp_path, data)
    _resume(model, tmp_path, lambda m: m.fit(data, labels, batch_size=16, verbose=0))


def test_seed2_model_as_layer_and_time_distributed(tmp_path):
    model = _dense_network()
    x = Input(shape=(784,))
    y = model(x)
    called = Model(x, y)
    _round_trip(called, tmp_path, _floats(3, 784), "called.h5")
    input_sequences = Input(shape=(20, 784))
    processed_sequences = TimeDistributed(model)(input_sequences)
    sequences = Model(input_sequences, processed_sequences)
    assert sequences.output_shape == (None, 20, 10)
    _round_trip(sequences, tmp_path, _floats(2, 20, 784), "td.h5")


def _two_in_two_out():
    main_input = Input(shape=(10,), dtype="int32", name="main_input")
    x = Embedding(output_dim=16, input_dim=200, input_length=10)(main_input)
    lstm_out = LSTM(8)(x)
    auxiliary_output = Dense(1, activation="sigmoid", name="aux_output")(lstm_out)
    auxiliary_input = Input(shape=(5,), name="aux_input")
    x = fastgraph.layers.concatenate([lstm_out, auxiliary_input])
    x = Dense(16, activation="relu")(x)
    x = Dense(16, activation="relu")(x)
    x = Dense(16, activation="relu")(x)
    main_output = Dense(1, activation="sigmoid", name="main_output")(x)
    return Model(inputs=[main_input, auxiliary_input],
                 outputs=[main_output, auxiliary_output])


def test_seed3_two_inputs_two_outputs(tmp_path):
    set_seed(3)
    headline_data, additional_data = _ints(200, 32, 10), _floats(32, 5)
    labels = RNG.integers(0, 2, (32, 1)).astype(np.float32)
    model = _two_in_two_out()
    model.compile(optimizer="rmsprop", loss="binary_crossentropy",
                  loss_weights=[1., 0.2])
    _resume(model, tmp_path, lambda m: m.fit([headline_data, additional_data],
                                             [labels, labels], epochs=2,
                                             batch_size=8, verbose=0))
    model = _two_in_two_out()
    model.compile(optimizer="rmsprop",
                  loss={"main_output": "binary_crossentropy",
                        "aux_output": "binary_crossentropy"},
                  loss_weights={"main_output": 1., "aux_output": 0.2})
    _resume(model, tmp_path, lambda m: m.fit(
        {"main_input": headline_data, "aux_input": additional_data},
        {"main_output": labels, "aux_output": labels}, epochs=2, batch_size=8,
        verbose=0))
    _round_trip(model, tmp_path, [headline_data, additional_data])


def test_seed4_shared_lstm(tmp_path):
    set_seed(4)
    tweet_a = Input(shape=(14, 16))
    tweet_b = Input(shape=(14, 16))
    shared_lstm = LSTM(8)
    encoded_a = shared_lstm(tweet_a)
    encoded_b = shared_lstm(tweet_b)
    merged_vector = fastgraph.layers.concatenate([encoded_a, encoded_b], axis=-1)
    predictions = Dense(1, activation="sigmoid")(merged_vector)
    model = Model(inputs=[tweet_a, tweet_b], outputs=predictions)
    model.compile(optimizer="rmsprop", loss="binary_crossentropy",
                  metrics=["accuracy"])
    data_a, data_b = _floats(16, 14, 16), _floats(16, 14, 16)
    labels = RNG.integers(0, 2, (16, 1)).astype(np.float32)
    loaded = _round_trip(model, tmp_path, [data_a, data_b])
    assert len(loaded.layers[2].inbound_nodes) == 2
    _resume(model, tmp_path, lambda m: m.fit([data_a, data_b], labels, epochs=2,
                                             batch_size=8, verbose=0))


def test_seed5_layer_nodes(tmp_path):
    a = Input(shape=(8, 8, 3))
    b = Input(shape=(16, 16, 3))
    conv = Conv2D(4, (3, 3), padding="same")
    conved_a = conv(a)
    conved_b = conv(b)
    model = Model([a, b], [conved_a, conved_b])
    loaded = _round_trip(model, tmp_path, [_floats(2, 8, 8, 3), _floats(2, 16, 16, 3)])
    conv2 = loaded.layers[2]
    assert conv2.get_input_shape_at(0) == (None, 8, 8, 3)
    assert conv2.get_input_shape_at(1) == (None, 16, 16, 3)


def test_seed6_inception_block(tmp_path):
    input_img = Input(shape=(12, 12, 3))
    tower_1 = Conv2D(4, (1, 1), padding="same", activation="relu")(input_img)
    tower_1 = Conv2D(4, (3, 3), padding="same", activation="relu")(tower_1)
    tower_2 = Conv2D(4, (1, 1), padding="same", activation="relu")(input_img)
    tower_2 = Conv2D(4, (5, 5), padding="same", activation="relu")(tower_2)
    tower_3 = MaxPooling2D((3, 3), strides=(1, 1), padding="same")(input_img)
    tower_3 = Conv2D(4, (1, 1), padding="same", activation="relu")(tower_3)
    output = fastgraph.layers.concatenate([tower_1, tower_2, tower_3], axis=1)
    _round_trip(Model(input_img, output), tmp_path, _floats(2, 12, 12, 3))


def test_seed7_residual_connection(tmp_path):
    x = Input(shape=(12, 12, 3))
    y = Conv2D(3, (3, 3), padding="same")(x)
    z = fastgraph.layers.add([x, y])
    _round_trip(Model(x, z), tmp_path, _floats(2, 12, 12, 3))


def test_seed8_shared_vision_model(tmp_path):
    set_seed(8)
    digit_input = Input(shape=(27, 27, 1))
    x = Conv2D(8, (3, 3))(digit_input)
    x = Conv2D(8, (3, 3))(x)
    x = MaxPooling2D((2, 2))(x)
    out = Flatten()(x)
    vision_model = Model(digit_input, out)
    digit_a = Input(shape=(27, 27, 1))
    digit_b = Input(shape=(27, 27, 1))
    out_a = vision_model(digit_a)
    out_b = vision_model(digit_b)
    concatenated = fastgraph.layers.concatenate([out_a, out_b])
    out = Dense(1, activation="sigmoid")(concatenated)
    classification_model = Model([digit_a, digit_b], out)
    classification_model.compile(optimizer="adam", loss="binary_crossentropy")
    xs = [_floats(8, 27, 27, 1), _floats(8, 27, 27, 1)]
    labels = RNG.integers(0, 2, (8, 1)).astype(np.float32)
    loaded = _round_trip(classification_model, tmp_path, xs)
    assert len(loaded.weights) == len(classification_model.weights) == 6
    _resume(classification_model, tmp_path,
            lambda m: m.fit(xs, labels, batch_size=4, verbose=0))


def _vision_and_question():
    vision_model = Sequential()
    vision_model.add(Conv2D(4, (3, 3), activation="relu", padding="same",
                            input_shape=(32, 32, 3)))
    vision_model.add(Conv2D(4, (3, 3), activation="relu"))
    vision_model.add(MaxPooling2D((2, 2)))
    vision_model.add(Conv2D(8, (3, 3), activation="relu", padding="same"))
    vision_model.add(Conv2D(8, (3, 3), activation="relu"))
    vision_model.add(MaxPooling2D((2, 2)))
    vision_model.add(Conv2D(8, (3, 3), activation="relu", padding="same"))
    vision_model.add(Conv2D(8, (3, 3), activation="relu"))
    vision_model.add(Conv2D(8, (3, 3), activation="relu"))
    vision_model.add(MaxPooling2D((2, 2)))
    vision_model.add(Flatten())
    question_input = Input(shape=(10,), dtype="int32")
    embedded_question = Embedding(input_dim=100, output_dim=8,
                                  input_length=10)(question_input)
    encoded_question = LSTM(16)(embedded_question)
    return vision_model, question_input, encoded_question


def test_seed9_visual_question_answering(tmp_path):
    set_seed(9)
    vision_model, question_input, encoded_question = _vision_and_question()
    image_input = Input(shape=(32, 32, 3))
    encoded_image = vision_model(image_input)
    merged = fastgraph.layers.concatenate([encoded_question, encoded_image])
    output = Dense(10, activation="softmax")(merged)
    vqa_model = Model(inputs=[image_input, question_input], outputs=output)
    vqa_model.compile(optimizer="adam", loss="categorical_crossentropy")
    xs = [_floats(6, 32, 32, 3), _ints(100, 6, 10)]
    labels = np.eye(10, dtype=np.float32)[RNG.integers(0, 10, 6)]
    loaded = _round_trip(vqa_model, tmp_path, xs)
    assert sum(isinstance(layer, Sequential) for layer in loaded.layers) == 1
    _resume(vqa_model, tmp_path, lambda m: m.fit(xs, labels, batch_size=3, verbose=0))


def test_seed10_video_question_answering(tmp_path):
    set_seed(10)
    vision_model, question_input, encoded_question = _vision_and_question()
    video_input = Input(shape=(3, 32, 32, 3))
    encoded_frame_sequence = TimeDistributed(vision_model)(video_input)
    encoded_video = LSTM(16)(encoded_frame_sequence)
    question_encoder = Model(inputs=question_input, outputs=encoded_question)
    video_question_input = Input(shape=(10,), dtype="int32")
    encoded_video_question = question_encoder(video_question_input)
    merged = fastgraph.layers.concatenate([encoded_video, encoded_video_question])
    output = Dense(10, activation="softmax")(merged)
    video_qa_model = Model(inputs=[video_input, video_question_input], outputs=output)
    video_qa_model.compile(optimizer="sgd", loss="categorical_crossentropy")
    xs = [_floats(4, 3, 32, 32, 3), _ints(100, 4, 10)]
    labels = np.eye(10, dtype=np.float32)[RNG.integers(0, 10, 4)]
    _round_trip(video_qa_model, tmp_path, xs)
    _resume(video_qa_model, tmp_path,
            lambda m: m.fit(xs, labels, batch_size=2, verbose=0))
