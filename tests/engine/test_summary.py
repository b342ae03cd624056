"""Model.summary() reproduces tf-keras 2.21's text line for line.

tests/reference/summary_tf_ref.json holds the lines tf_keras printed (via
print_fn) for the same models, each built after keras.backend.clear_session()
so that automatic names match (/tmp script: the model code below, run with
/work/refenv/bin/python)."""
import json
import os

import pytest

from fastgraph.engine import reset_uids
from fastgraph.layers import Dense, Dropout, Flatten, Input, add, concatenate
from fastgraph.models import Model, Sequential

REF = json.load(open(os.path.join(os.path.dirname(__file__), "..", "reference",
                                  "summary_tf_ref.json")))


def lines_of(model, **kwargs):
    lines = []
    model.summary(print_fn=lines.append, **kwargs)
    return lines


def test_seed1_summary_matches_tf_keras():
    reset_uids()
    inputs = Input(shape=(784,))
    x = Dense(64, activation="relu")(inputs)
    x = Dense(64, activation="relu")(x)
    predictions = Dense(10, activation="softmax")(x)
    lines = lines_of(Model(inputs=inputs, outputs=predictions))
    assert lines == REF["seed1"]
    assert " dense (Dense)               (None, 64)                50240     " in lines
    assert "Total params: 55050 (215.04 KB)" in lines


def branchy():
    reset_uids()
    a, b = Input(shape=(16,), name="left"), Input(shape=(16,), name="right")
    shared = Dense(8, activation="relu")
    xa, xb = shared(a), shared(b)
    h = Dense(4)(concatenate([xa, xb]))
    frozen = Dense(4, name="frozen")
    frozen.trainable = False
    out = concatenate([frozen(h), add([xa, xb])])
    return Model([a, b], [out, h])


def test_graph_summary_with_connections_matches_tf_keras():
    model = branchy()
    assert lines_of(model) == REF["branchy"]
    assert lines_of(model, show_trainable=True) == REF["branchy_trainable"]


def test_sequential_summary_matches_tf_keras():
    reset_uids()
    model = Sequential()
    model.add(Dense(32, input_shape=(16,)))
    model.add(Dropout(0.5))
    model.add(Dense(4, activation="softmax"))
    assert lines_of(model) == REF["sequential"]


def test_nested_model_summary_matches_tf_keras():
    reset_uids()
    digit = Input(shape=(8, 2))
    inner = Model(digit, Dense(4)(Flatten()(digit)))
    da, db = Input(shape=(8, 2)), Input(shape=(8, 2))
    merged = concatenate([inner(da), inner(db)])
    outer = Model([da, db], Dense(1, activation="sigmoid")(merged))
    assert lines_of(outer) == REF["nested"]
    assert lines_of(outer, line_length=80, positions=[0.4, 0.7, 0.8, 1.0]) \
        == REF["nested_lines"]


def test_summary_prints_by_default(capsys):
    branchy().summary(expand_nested=True)
    out = capsys.readouterr().out
    assert out.startswith('Model: "model"') and "Connected to" in out


def test_unbuilt_sequential_summary_raises():
    with pytest.raises(ValueError, match="not yet been built"):
        Sequential([Dense(2)]).summary()
