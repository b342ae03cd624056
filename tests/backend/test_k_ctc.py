"""K.ctc_batch_cost (loss in C, and its gradient), K.ctc_decode (greedy and
TensorFlow's beam search) and K.ctc_label_dense_to_sparse against tf-keras
2.21 (tests/reference/backend_ctc_make_reference.py wrote
backend_ctc_reference.npz), float64 gradient checks, bad input."""
import os
import runpy
import types

import numpy as np
import pytest

import fastgraph.backend as K
from fastgraph._kernels import load
from fastgraph._kernels.checks import KernelArgumentError
from fastgraph.autodiff import Variable, check_gradients, gradients
from fastgraph.ops import ctc as ctc_ops
from fastgraph.ops import elementwise as E
from fastgraph.ops import reduce as R

HERE = os.path.join(os.path.dirname(__file__), "..", "reference")
ref = types.SimpleNamespace(**runpy.run_path(os.path.join(HERE, "backend_ctc_make_reference.py")))
A = ref.inputs()
REF = np.load(os.path.join(HERE, "backend_ctc_reference.npz"))


def _cost(y):
    return K.ctc_batch_cost(A["labels"], y, A["input_length"], A["label_length"])


def test_ctc_batch_cost_and_gradient_match_tf_keras():
    y = Variable(A["y"])
    loss = _cost(y)
    assert loss.shape == (4, 1) and loss.dtype == np.float32
    np.testing.assert_allclose(loss.data, REF["loss"], rtol=1e-5, atol=1e-5)
    (g,) = gradients(loss, [y], grad_loss=np.array([[1.0], [-0.5], [2.0], [0.3]],
                                                  np.float32))
    np.testing.assert_allclose(g, REF["grad"], rtol=1e-4, atol=1e-4)


def test_ctc_batch_cost_gradient_float64():
    check_gradients(_cost, A["y"].astype(np.float64), rtol=1e-4, atol=1e-6)


def test_ctc_loss_op_gradient_on_log_probs():
    z = np.random.RandomState(1).randn(3, 6, 4)

    def f(z):
        lp = E.subtract(z, R.logsumexp(z, axis=-1, keepdims=True))
        return ctc_ops.ctc_loss(lp, np.array([[0, 1, 1], [2, 2, 0], [1, 0, 0]]),
                                [3, 2, 1], [6, 5, 2])
    check_gradients(f, z)


def test_impossible_alignment_is_infinite_with_zero_gradient():
    y = Variable(np.full((1, 2, 3), 1 / 3, np.float32))
    loss = K.ctc_batch_cost(np.array([[1, 1]]), y, np.array([[2]]), np.array([[2]]))
    assert np.isinf(loss.data).all()
    assert not gradients(loss, [y])[0].any()


@pytest.mark.parametrize("name", sorted(ref.DECODES) + ["greedy_short"])
def test_ctc_decode_matches_tf_keras(name):
    kwargs = ref.DECODES.get(name, {})
    lengths = A["dec_length"] if name != "greedy_short" else np.array([3, 0, 5, 1, 2])
    paths, log_prob = K.ctc_decode(A["y_dec"], lengths, **kwargs)
    want = [REF[f"{name}/path{i}"] for i in range(len(paths))]
    assert f"{name}/path{len(paths)}" not in REF.files
    for p, w in zip(paths, want):
        np.testing.assert_array_equal(p.data, w)
    np.testing.assert_allclose(log_prob.data, REF[f"{name}/log_prob"], rtol=1e-5, atol=1e-5)


def test_ctc_label_dense_to_sparse():
    sp = K.ctc_label_dense_to_sparse(np.array([[1, 2, 3], [4, 5, 6]], np.int32),
                                     np.array([2, 3]))
    np.testing.assert_array_equal(sp.indices, [[0, 0], [0, 1], [1, 0], [1, 1], [1, 2]])
    np.testing.assert_array_equal(sp.values, [1, 2, 4, 5, 6])
    np.testing.assert_array_equal(sp.dense_shape, [2, 3])
    assert sp.indices.dtype == np.int64 and sp.values.dtype == np.int32


@pytest.mark.parametrize("call, exc, match", [
    (lambda: _cost("abc"), TypeError, "backend.ctc_batch_cost: (argument ')?y_pred"),
    (lambda: K.ctc_batch_cost(A["labels"], A["y"], A["input_length"], [[1], [2]]),
     ValueError, "ctc_batch_cost: label_length must hold one value per sample"),
    (lambda: K.ctc_batch_cost(A["labels"] + 4, A["y"], A["input_length"],
                              A["label_length"]), ValueError, r"labels must lie in \[0, 3\]"),
    (lambda: K.ctc_batch_cost(A["labels"], A["y"], A["input_length"] * 0 + 2,
                              A["label_length"]), ValueError, "label_len <= input_len"),
    (lambda: K.ctc_batch_cost(A["labels"], A["y"], A["input_length"],
                              A["label_length"] * 0), ValueError, "1 <= label_len"),
    (lambda: K.ctc_decode(A["y_dec"], A["dec_length"] + 20), ValueError,
     "ctc_decode: input_length"),
    (lambda: K.ctc_decode(A["y_dec"], A["dec_length"], greedy=False, beam_width=2,
                          top_paths=3), ValueError, "ctc_decode: top_paths"),
    (lambda: K.ctc_decode(A["y_dec"], np.array([3, 0, 5, 1, 2]), greedy=False,
                          top_paths=2), ValueError, "ctc_decode: the beam search kept 1"),
    (lambda: K.ctc_label_dense_to_sparse(np.zeros((2, 3)), [1, 4]), ValueError,
     "ctc_label_dense_to_sparse: label_lengths"),
])
def test_bad_input(call, exc, match):
    with pytest.raises(exc, match=match):
        call()


_CTC = load("ctc")
LP = np.zeros((2, 4, 3), np.float32)
LAB, ONE = np.zeros((2, 2), np.int64), np.ones(2, np.int64)


def _readonly(a):
    a.flags.writeable = False
    return a


@pytest.mark.parametrize("call, match", [
    (lambda: _CTC.loss(LP.astype(np.int32), LAB, ONE, ONE, np.empty(2, np.float32)),
     "ctc.loss: logp must be float32 or float64, got int32"),
    (lambda: _CTC.loss(LP[:, ::2], LAB, ONE, ONE, np.empty(2, np.float32)),
     "ctc.loss: logp must be C-contiguous"),
    (lambda: _CTC.loss(LP, LAB.astype(np.int32), ONE, ONE, np.empty(2, np.float32)),
     "ctc.loss: labels must be int64"),
    (lambda: _CTC.loss(LP, LAB, ONE, ONE, np.empty(2)),
     "ctc.loss: out must have the dtype of logp"),
    (lambda: _CTC.loss(LP, LAB, ONE, ONE, np.empty(2, np.float32),
                       _readonly(np.empty_like(LP))), "ctc.loss: grad must be writeable"),
    (lambda: _CTC.loss(LP, LAB, ONE, ONE * 9, np.empty(2, np.float32)),
     "ctc.loss: sample 0"),
    (lambda: _CTC.beam(LP, ONE, 2, 1, np.empty((1, 2, 3), np.int64),
                       np.empty((2, 1), np.float32), np.empty(2, np.int64)),
     r"ctc.beam: paths must be int64 of shape \(1, 2, 4\)"),
    (lambda: _CTC.beam(LP, ONE, 2, 3, np.empty((3, 2, 4), np.int64),
                       np.empty((2, 3), np.float32), np.empty(2, np.int64)),
     "ctc.beam: need at least 2 classes and 1 <= top"),
    (lambda: _CTC.beam(LP, ONE * 5, 2, 1, np.empty((1, 2, 4), np.int64),
                       np.empty((2, 1), np.float32), np.empty(2, np.int64)),
     "ctc.beam: input_len must lie in"),
])
def test_kernel_shim_checks_arrays_before_c(call, match):
    with pytest.raises(KernelArgumentError, match=match):
        call()


def test_ctc_model_trains_the_keras_2_way():
    """The Keras 2 OCR recipe: ctc_batch_cost in a Lambda over the softmax
    and the label inputs, the model's output is the loss."""
    from fastgraph.layers import Dense, Input, Lambda
    from fastgraph.models import Model
    rng = np.random.RandomState(0)
    seq, labels = Input((10, 5)), Input((4,))
    in_len, lab_len = Input((1,), dtype="int64"), Input((1,), dtype="int64")
    probs = Dense(6, activation="softmax")(seq)
    loss = Lambda(lambda a: K.ctc_batch_cost(*a), output_shape=(1,))(
        [labels, probs, in_len, lab_len])
    model = Model([seq, labels, in_len, lab_len], loss)
    model.compile(optimizer="adam", loss=lambda y_true, y_pred: y_pred)
    x = rng.rand(16, 10, 5).astype(np.float32)
    y = rng.randint(0, 5, (16, 4)).astype(np.float32)
    history = model.fit([x, y, np.full((16, 1), 10), np.full((16, 1), 4)], np.zeros(16),
                        epochs=5, batch_size=8, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]


def test_ctc_batch_cost_on_symbolic_inputs_trains():
    """K.ctc_batch_cost called straight on Inputs (no Lambda): shape
    inference must not trip over the stand-ins' zero lengths."""
    from fastgraph.layers import Dense, Input
    from fastgraph.models import Model
    rng = np.random.RandomState(1)
    seq, labels = Input((10, 5)), Input((4,))
    in_len, lab_len = Input((1,), dtype="int64"), Input((1,), dtype="int64")
    probs = Dense(6, activation="softmax")(seq)
    loss = K.ctc_batch_cost(labels, probs, in_len, lab_len)
    assert loss.shape == (None, 1) and loss.dtype == "float32"
    model = Model([seq, labels, in_len, lab_len], loss)
    x = rng.rand(16, 10, 5).astype(np.float32)
    y = rng.randint(0, 5, (16, 4)).astype(np.float32)
    feeds = [x, y, np.full((16, 1), 10), np.full((16, 1), 4)]
    expected = K.ctc_batch_cost(y, Model(seq, probs).predict(x, verbose=0), *feeds[2:])
    np.testing.assert_allclose(model.predict(feeds, verbose=0), expected.data, rtol=1e-5)
    model.compile(optimizer="adam", loss=lambda y_true, y_pred: y_pred)
    history = model.fit(feeds, np.zeros(16), epochs=5, batch_size=8, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]
    with pytest.raises(ValueError, match="ctc_batch_cost"):
        model.predict([x, y, np.full((16, 1), 10), np.zeros((16, 1))], verbose=0)
