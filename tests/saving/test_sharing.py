"""Weight sharing survives get_config/from_config and save/load: a layer
used at several depths, models used as layers (also inside other models
and inside TimeDistributed) keep one set of weights after reloading, so
setting them through one path is seen through the other."""
import json

import numpy as np
import pytest

from fastgraph.layers import Dense, Input, TimeDistributed
from fastgraph.models import Model
from fastgraph.saving import load_model, model_from_json, save_model, to_json

RNG = np.random.default_rng(2)


def _x(*shape):
    return RNG.standard_normal(shape).astype(np.float32)


def _reloaded(model, tmp_path):
    save_model(model, tmp_path / "m.h5")
    return [load_model(tmp_path / "m.h5"), model_from_json(to_json(model))]


def _check_same(model, loaded, xs):
    loaded.set_weights(model.get_weights())
    for a, b in zip(model.predict(xs, verbose=0) if isinstance(xs, list) else
                    [model.predict(xs, verbose=0)],
                    loaded.predict(xs, verbose=0) if isinstance(xs, list) else
                    [loaded.predict(xs, verbose=0)]):
        assert np.array_equal(a, b)
    assert len(loaded.weights) == len(model.weights)
    assert json.loads(json.dumps(loaded.get_config())) == \
        json.loads(json.dumps(model.get_config()))


def _perturb(layer):
    """New weights through `layer`; returns them."""
    new = [w + 1.0 for w in layer.get_weights()]
    layer.set_weights(new)
    return new


def test_shared_layer_at_different_depths(tmp_path):
    shared = Dense(6, activation="tanh", name="shared")
    a = Input(shape=(6,))
    x = shared(a)
    x = Dense(6, name="middle")(x)
    x = shared(x)
    model = Model(a, shared(Dense(6)(x)))
    for loaded in _reloaded(model, tmp_path):
        _check_same(model, loaded, _x(3, 6))
        layer = loaded.get_layer("shared")
        assert len(layer.inbound_nodes) == 3
        new = _perturb(layer)
        _perturb(model.get_layer("shared"))
        assert np.array_equal(loaded.predict(_x(1, 6) * 0, verbose=0),
                              model.predict(np.zeros((1, 6), np.float32), verbose=0))
        assert np.array_equal(loaded.get_layer("shared").get_weights()[0], new[0])


def test_nested_models_used_twice_and_three_deep(tmp_path):
    a = Input(shape=(4,))
    inner = Model(a, Dense(4, activation="relu", name="inner_dense")(a), name="inner")
    b = Input(shape=(4,))
    middle = Model(b, inner(inner(b)), name="middle")
    c1, c2 = Input(shape=(4,)), Input(shape=(4,))
    model = Model([c1, c2], [middle(c1), middle(c2), inner(c2)])
    assert len(model.weights) == 2
    for loaded in _reloaded(model, tmp_path):
        _check_same(model, loaded, [_x(2, 4), _x(2, 4)])
        mid = loaded.get_layer("middle")
        assert mid.get_layer("inner") is loaded.get_layer("inner")
        new = _perturb(loaded.get_layer("inner"))
        assert np.array_equal(mid.get_layer("inner").get_weights()[0], new[0])


def test_layer_shared_between_nested_model_and_top_level(tmp_path):
    shared = Dense(4, name="shared")
    a = Input(shape=(4,))
    inner = Model(a, Dense(4, name="inner_dense")(shared(a)), name="inner")
    b = Input(shape=(4,))
    model = Model(b, shared(inner(b)))
    assert len(model.weights) == 4
    for loaded in _reloaded(model, tmp_path):
        _check_same(model, loaded, _x(2, 4))
        top = loaded.get_layer("shared")
        assert loaded.get_layer("inner").get_layer("shared") is top
        new = _perturb(top)
        assert np.array_equal(
            loaded.get_layer("inner").get_layer("shared").get_weights()[0], new[0])


def test_time_distributed_model(tmp_path):
    a = Input(shape=(5,))
    model = Model(a, Dense(3, activation="softmax", name="head")(a), name="per_step")
    x = Input(shape=(5,))
    seq = Input(shape=(7, 5))
    outer = Model([x, seq], [model(x), TimeDistributed(model, name="td")(seq)])
    assert len(outer.weights) == 2
    xs = [_x(2, 5), _x(2, 7, 5)]
    for loaded in _reloaded(outer, tmp_path):
        _check_same(outer, loaded, xs)
        direct = loaded.get_layer("per_step")
        assert loaded.get_layer("td").layer is direct
        new = _perturb(direct)
        assert np.array_equal(loaded.get_layer("td").layer.get_weights()[0], new[0])
        step, seq_out = loaded.predict(xs, verbose=0)
        assert np.array_equal(seq_out[:, 0], direct.predict(xs[1][:, 0], verbose=0))


def test_time_distributed_model_alone(tmp_path):
    a = Input(shape=(5,))
    model = Model(a, Dense(3, name="head")(a))
    seq = Input(shape=(7, 5))
    outer = Model(seq, TimeDistributed(model)(seq))
    for loaded in _reloaded(outer, tmp_path):
        _check_same(outer, loaded, _x(2, 7, 5))


def test_shared_ids_must_agree_on_the_class():
    shared = Dense(4, name="shared")
    a = Input(shape=(4,))
    inner = Model(a, shared(a), name="inner")
    b = Input(shape=(4,))
    config = json.loads(to_json(Model(b, shared(inner(b)))))
    top = config["config"]["layers"][-1]
    assert "shared_object_id" in top
    top["class_name"] = "Dropout"
    top["config"] = {"rate": 0.5, "name": "shared"}
    with pytest.raises(ValueError, match="shared"):
        model_from_json(json.dumps(config))
