"""Python operators on Tensor, with NumPy arrays and scalars on either side."""
import numpy as np
import pytest

import fastgraph.ops  # noqa: F401  (attaches the operators)
from fastgraph.autodiff import Tensor, Variable, check_gradients, gradients

rng = np.random.RandomState(4)


def f32(*shape):
    return Tensor(rng.randn(*shape).astype(np.float32))


@pytest.mark.parametrize("expr,ref", [
    (lambda t: np.ones(3) + t, lambda a: np.ones(3) + a),
    (lambda t: t + np.ones(3), lambda a: a + 1),
    (lambda t: 2 * t, lambda a: 2 * a),
    (lambda t: t * 2.5, lambda a: a * 2.5),
    (lambda t: 1 - t, lambda a: 1 - a),
    (lambda t: t - np.arange(3), lambda a: a - np.arange(3)),
    (lambda t: np.full(3, 2.0) / t, lambda a: 2.0 / a),
    (lambda t: t / 4, lambda a: a / 4),
    (lambda t: t ** 2, lambda a: a ** 2),
    (lambda t: 2.0 ** t, lambda a: 2.0 ** a),
    (lambda t: -t, lambda a: -a),
    (lambda t: +t, lambda a: a),
    (lambda t: abs(t), np.abs),
    (lambda t: np.float64(3.0) * t, lambda a: 3.0 * a),
])
def test_arithmetic_values_and_float32(expr, ref):
    t = Tensor(np.array([0.5, 1.5, 2.0], np.float32))
    out = expr(t)
    assert isinstance(out, Tensor)
    assert out.dtype == np.float32
    np.testing.assert_allclose(out.data, ref(t.data), rtol=1e-6)


def test_matmul_operator_both_sides():
    t, w = f32(2, 3), rng.randn(3, 4)
    out = t @ w
    assert isinstance(out, Tensor) and out.dtype == np.float32 and out.shape == (2, 4)
    np.testing.assert_allclose(out.data, t.data @ w, rtol=1e-5)
    back = np.ones((5, 2)) @ t
    assert isinstance(back, Tensor) and back.shape == (5, 3)


def test_comparisons_are_elementwise_bool_tensors():
    t = Tensor(np.array([1.0, 2.0, 3.0]))
    np.testing.assert_array_equal((t < 2).data, [True, False, False])
    np.testing.assert_array_equal((t <= 2).data, [True, True, False])
    np.testing.assert_array_equal((t > 2).data, [False, False, True])
    np.testing.assert_array_equal((t >= 2).data, [False, True, True])
    reflected = np.array([2.0, 2.0, 2.0]) < t
    assert isinstance(reflected, Tensor)
    np.testing.assert_array_equal(reflected.data, [False, False, True])


def test_equality_and_hash_stay_identity():
    a, b = Tensor(np.ones(2)), Tensor(np.ones(2))
    assert (a == a) is True and (a == b) is False and (a != b) is True
    assert len({a, b, a}) == 2


def test_indexing_and_methods():
    t = f32(3, 4)
    np.testing.assert_array_equal(t[1].data, t.data[1])
    np.testing.assert_array_equal(t[:, [0, 2]].data, t.data[:, [0, 2]])
    np.testing.assert_array_equal(t[t > 0].data, t.data[t.data > 0])
    assert t.T.shape == (4, 3)
    assert t.reshape(2, 6).shape == (2, 6) and t.reshape((6, 2)).shape == (6, 2)
    assert t.reshape([-1]).shape == (12,)
    np.testing.assert_allclose(t.sum(axis=0).data, t.data.sum(axis=0), rtol=1e-6)
    np.testing.assert_allclose(t.mean(keepdims=True).data, t.data.mean(keepdims=True),
                               rtol=1e-6)
    assert [row.shape for row in t] == [(4,)] * 3


def test_gradients_through_operators():
    def fn(x, w, b):
        h = x @ w + b
        return ((h * h - 2.0) / 3.0 + (1 - h) ** 2)[:, 1:].sum(axis=1) - (-h).mean()
    check_gradients(fn, rng.randn(1, 3), rng.randn(3, 4), rng.randn(4))
    check_gradients(fn, rng.randn(5, 3), rng.randn(3, 4), rng.randn(1, 4))


def test_gradient_through_numpy_on_the_left():
    w = Variable(np.array([1.0, 2.0], np.float32))
    y = (np.array([3.0, 4.0]) * w + np.array([1.0, 1.0])).sum()
    (g,) = gradients(y, [w])
    assert g.dtype == np.float32
    np.testing.assert_allclose(g, [3.0, 4.0])
    (g,) = gradients((np.eye(2) @ w).T.sum() + (2.0 ** w).sum(), [w])
    np.testing.assert_allclose(g, 1.0 + np.log(2.0) * 2.0 ** w.data, rtol=1e-6)
