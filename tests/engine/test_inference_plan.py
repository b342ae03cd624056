"""Inference plans (Functional._predict_arrays): the model's plan run on
arrays without the tape must give exactly what running the model on
Tensors under no_grad gives, for every kind of graph, also from several
threads at once; `_checked_inputs` accepts only what needs no checking."""
import copy
import threading

import numpy as np
import pytest

from fastgraph import layers as L
from fastgraph.autodiff import Tensor, as_array, no_grad
from fastgraph.engine import reset_uids
from fastgraph.models import Model, Sequential
from fastgraph.ops import activation as A
from fastgraph.ops import elementwise as E
from fastgraph.ops.dense import dense


@pytest.fixture(autouse=True)
def fresh_names():
    reset_uids()


def _reference(model, xs, training=False):
    """The outputs of the ordinary tape path, as arrays."""
    with no_grad():
        out = model.call([Tensor(x) for x in xs] if len(xs) > 1 else Tensor(xs[0]),
                         training=training)
    out = out if isinstance(out, list) else [out]
    return [as_array(o) for o in out]


def _same(model, xs, training=False):
    got = model._predict_arrays(xs, training)
    want = _reference(model, xs, training)
    assert len(got) == len(want)
    for g, w in zip(got, want):
        assert isinstance(g, np.ndarray) and g.dtype == w.dtype
        np.testing.assert_array_equal(g, w)
    return got


def _mlp(activation="softmax"):
    inp = L.Input(shape=(20,))
    h = L.Dense(16, activation="relu")(inp)
    h = L.Dropout(0.5)(h)
    h = L.Dense(12, activation="tanh")(h)
    return Model(inp, L.Dense(5, activation=activation)(h))


def _data(*shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape).astype(np.float32)


def _twice_tanh(x):
    return E.multiply(A.tanh(x), 2.0)


@pytest.mark.parametrize("activation", ["softmax", "sigmoid", "linear", "relu",
                                        "elu", "swish", _twice_tanh])
@pytest.mark.parametrize("n", [1, 7, 64])
def test_mlp_matches_the_tape_path(activation, n):
    _same(_mlp(activation), [_data(n, 20)])


def test_dense_on_3d_and_strided_inputs_and_without_bias():
    inp = L.Input(shape=(3, 8))
    out = L.Dense(4, use_bias=False, activation="softmax")(L.Dense(6)(inp))
    _same(Model(inp, out), [_data(5, 3, 8)])
    inp = L.Input(shape=(3, 8))
    h = L.Permute((2, 1))(inp)
    h = L.Lambda(lambda t: Tensor(as_array(t)[:, :, 1]))(h)
    _same(Model(inp, L.Dense(5, activation="relu")(h)), [_data(4, 3, 8)])


def test_graph_with_several_inputs_outputs_and_shared_layers():
    a, b = L.Input(shape=(6,), name="a"), L.Input(shape=(4,), name="b")
    shared = L.Dense(8, activation="relu")
    ha = shared(L.Dense(4)(a))
    hb = shared(b)
    merged = L.concatenate([ha, hb])
    out1 = L.Dense(3, activation="softmax", name="o1")(merged)
    out2 = L.Dense(1, activation="sigmoid", name="o2")(L.add([ha, hb]))
    model = Model([a, b], [out1, out2])
    got = _same(model, [_data(9, 6), _data(9, 4, seed=1)])
    assert [g.shape for g in got] == [(9, 3), (9, 1)]


def test_layers_without_a_fast_path_and_nested_models():
    inner = Sequential([L.Dense(10, activation="relu", input_shape=(12,)),
                        L.BatchNormalization()])
    inp = L.Input(shape=(4, 4, 1))
    h = L.Conv2D(3, 2, activation="relu")(inp)
    h = L.Flatten()(h)
    h = L.Dense(12, activity_regularizer="l2")(h)
    out = L.Dense(2, activation="softmax")(inner(h))
    _same(Model(inp, out), [_data(3, 4, 4, 1)])


class _ScaledDense(L.Dense):
    def call(self, inputs):
        return E.multiply(super().call(inputs), 3.0)


class _NoisyDropout(L.Dropout):
    def call(self, inputs, training=None):
        return E.add(super().call(inputs, training), 1.0)


def test_subclasses_that_change_call_run_their_call():
    inp = L.Input(shape=(4,))
    model = Model(inp, _NoisyDropout(0.5)(_ScaledDense(3)(inp)))
    _same(model, [_data(2, 4)])


def test_training_flag_reaches_layers_that_take_it():
    model = _mlp()
    x = _data(4, 20)
    np.testing.assert_array_equal(model._predict_arrays([x], False)[0],
                                  model._predict_arrays([x], None)[0])
    for layer in model.layers:
        if isinstance(layer, L.Dropout):
            layer.rate = 0.0
    _same(model, [x], training=True)


def test_masked_models_fall_back_to_the_masked_path():
    inp = L.Input(shape=(5,), dtype="int32")
    h = L.Embedding(10, 4, mask_zero=True)(inp)
    out = L.Dense(2, activation="softmax")(L.LSTM(3)(h))
    model = Model(inp, out)
    x = np.array([[1, 2, 0, 0, 0], [3, 4, 5, 6, 7]], np.int32)
    _same(model, [x])
    plan = model._inference_plan()
    assert plan.run == plan._run_masked


def test_weight_and_activation_changes_are_seen():
    model = _mlp()
    x = _data(3, 20)
    before = model._predict_arrays([x])[0]
    weights = model.get_weights()
    model.set_weights([w * 0.5 for w in weights])
    after = _same(model, [x])[0]
    assert not np.array_equal(before, after)
    model.layers[-1].activation = L.Activation("sigmoid").activation
    _same(model, [x])


def test_a_copied_model_runs_its_own_layers():
    model = _mlp()
    x = _data(2, 20)
    model._predict_arrays([x])
    twin = copy.deepcopy(model)
    twin.set_weights([w + 1.0 for w in model.get_weights()])
    assert not np.array_equal(_same(twin, [x])[0], model._predict_arrays([x])[0])


def test_plan_follows_sequential_changes():
    model = Sequential([L.Dense(4, input_shape=(3,))])
    x = _data(2, 3)
    assert model._predict_arrays([x])[0].shape == (2, 4)
    model.add(L.Dense(2, activation="softmax"))
    assert _same(model, [x])[0].shape == (2, 2)


def test_dtype_mismatch_inside_the_graph_raises_as_the_op_does():
    inp = L.Input(shape=(3,))
    out = L.Dense(2)(L.Lambda(lambda t: Tensor(as_array(t).astype(np.float64)))(inp))
    model = Model(inp, out)
    with pytest.raises(TypeError, match="dense: kernel must have the dtype of x"):
        model._predict_arrays([_data(2, 3)])
    with pytest.raises(TypeError, match="dense: kernel must have the dtype of x"):
        dense(np.zeros((2, 3)), np.zeros((3, 2), np.float32))


def test_checked_inputs_accepts_only_ready_arrays():
    model = _mlp()
    x = _data(4, 20)
    assert model._checked_inputs(x)[0] is x
    assert model._checked_inputs([x])[0] is x
    assert model._checked_inputs((x,))[0] is x
    for bad in (x.astype(np.float64), np.asfortranarray(x), x[:, :10],
                x.reshape(4, 20, 1), x[0], x.tolist(), Tensor(x), {"input_1": x},
                [x, x]):
        assert model._checked_inputs(bad) is None
    inp = L.Input(shape=(None, 3))
    seq = Model(inp, L.Dense(2)(inp))
    assert seq._checked_inputs(_data(2, 7, 3)) is not None
    assert seq._checked_inputs(_data(2, 7, 4)) is None
    assert Sequential([L.Dense(2)])._checked_inputs(x) is None   # not built yet


def test_concurrent_threads_get_the_sequential_results():
    model = _mlp()
    inputs = [_data(n, 20, seed=k) for k, n in enumerate((1, 3, 32, 5))]
    expected = [model._predict_arrays([x])[0] for x in inputs]
    errors, start = [], threading.Barrier(4)

    def work(k):
        try:
            start.wait()
            for _ in range(200):
                got = model._predict_arrays([inputs[k]])[0]
                if not np.array_equal(got, expected[k]):
                    errors.append(f"thread {k}: wrong result")
                    return
        except Exception as err:    # reported below, with the thread's number
            errors.append(f"thread {k}: {type(err).__name__}: {err}")

    threads = [threading.Thread(target=work, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
