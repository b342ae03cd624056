"""Seed programs 1, 3 and 4 of the functional-API guide train (the loss goes
down) in both the list and the dict forms, and the two forms give identical
results from identical initial weights."""
import numpy as np
import pytest

import fastgraph
from fastgraph.layers import Dense, Embedding, Input
from fastgraph.models import Model
from fastgraph.ops.random import set_seed

try:
    from fastgraph.layers import LSTM
except ImportError:     # until fastgraph.layers exports the recurrent layers
    from fastgraph.layers.recurrent import LSTM

rng = np.random.default_rng(2024)


def seed_1():
    inputs = Input(shape=(784,))
    x = Dense(64, activation='relu')(inputs)
    x = Dense(64, activation='relu')(x)
    predictions = Dense(10, activation='softmax')(x)
    model = Model(inputs=inputs, outputs=predictions)

    def compile_():
        model.compile(optimizer='rmsprop', loss='categorical_crossentropy',
                      metrics=['accuracy'])
    data = rng.uniform(size=(64, 784)).astype(np.float32)
    labels = np.eye(10, dtype=np.float32)[rng.integers(0, 10, 64)]
    as_list = ([data], [labels])
    as_dict = ({model.input_names[0]: data}, {model.output_names[0]: labels})
    return model, compile_, compile_, as_list, as_dict


def seed_3():
    main_input = Input(shape=(100,), dtype='int32', name='main_input')
    x = Embedding(output_dim=512, input_dim=10000, input_length=100)(main_input)
    lstm_out = LSTM(32)(x)
    auxiliary_output = Dense(1, activation='sigmoid', name='aux_output')(lstm_out)

    auxiliary_input = Input(shape=(5,), name='aux_input')
    x = fastgraph.layers.concatenate([lstm_out, auxiliary_input])
    x = Dense(64, activation='relu')(x)
    x = Dense(64, activation='relu')(x)
    x = Dense(64, activation='relu')(x)
    main_output = Dense(1, activation='sigmoid', name='main_output')(x)

    model = Model(inputs=[main_input, auxiliary_input],
                  outputs=[main_output, auxiliary_output])

    def compile_list():
        model.compile(optimizer='rmsprop', loss='binary_crossentropy',
                      loss_weights=[1., 0.2])

    def compile_dict():
        model.compile(optimizer='rmsprop',
                      loss={'main_output': 'binary_crossentropy',
                            'aux_output': 'binary_crossentropy'},
                      loss_weights={'main_output': 1., 'aux_output': 0.2})
    headline_data = rng.integers(0, 10000, (48, 100)).astype(np.int32)
    additional_data = rng.normal(size=(48, 5)).astype(np.float32)
    labels = (additional_data[:, :1] > 0).astype(np.float32)
    as_list = ([headline_data, additional_data], [labels, labels])
    as_dict = ({'main_input': headline_data, 'aux_input': additional_data},
               {'main_output': labels, 'aux_output': labels})
    return model, compile_list, compile_dict, as_list, as_dict


def seed_4():
    tweet_a = Input(shape=(140, 256))
    tweet_b = Input(shape=(140, 256))
    shared_lstm = LSTM(64)
    encoded_a = shared_lstm(tweet_a)
    encoded_b = shared_lstm(tweet_b)
    merged_vector = fastgraph.layers.concatenate([encoded_a, encoded_b], axis=-1)
    predictions = Dense(1, activation='sigmoid')(merged_vector)

    model = Model(inputs=[tweet_a, tweet_b], outputs=predictions)

    def compile_():
        model.compile(optimizer='rmsprop', loss='binary_crossentropy',
                      metrics=['accuracy'])
    data_a = rng.normal(size=(16, 140, 256)).astype(np.float32)
    data_b = rng.normal(size=(16, 140, 256)).astype(np.float32)
    labels = (data_a[:, -1, :1] > data_b[:, -1, :1]).astype(np.float32)
    as_list = ([data_a, data_b], labels)
    names = model.input_names
    as_dict = ({names[0]: data_a, names[1]: data_b}, {model.output_names[0]: labels})
    return model, compile_, compile_, as_list, as_dict


SEEDS = {"seed1_dense": (seed_1, 5, 32), "seed3_two_in_two_out": (seed_3, 4, 16),
         "seed4_shared_lstm": (seed_4, 4, 8)}


@pytest.mark.parametrize("name", sorted(SEEDS))
def test_seed_program_trains_identically_in_list_and_dict_forms(name):
    build, epochs, batch_size = SEEDS[name]
    model, compile_list, compile_dict, as_list, as_dict = build()
    start = model.get_weights()
    results = []
    for compile_, (x, y) in [(compile_list, as_list), (compile_dict, as_dict)]:
        model.set_weights(start)
        compile_()
        set_seed(7)
        history = model.fit(x, y, epochs=epochs, batch_size=batch_size, shuffle=False,
                            verbose=0)
        results.append((history.history, model.get_weights()))
    (hist_list, w_list), (hist_dict, w_dict) = results
    assert hist_list["loss"][-1] < hist_list["loss"][0]
    assert hist_list == hist_dict
    for a, b in zip(w_list, w_dict):
        np.testing.assert_array_equal(a, b)
    for a, b in zip(start, w_list):
        assert a.shape == b.shape
    assert any(not np.array_equal(a, b) for a, b in zip(start, w_list))
