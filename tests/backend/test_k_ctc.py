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
    (lambda: _cost("abc"), TypeError, "backend.ctc_batch_cost: argument 'y_pred'"),
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
