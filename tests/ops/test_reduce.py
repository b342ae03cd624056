"""Reductions: values against NumPy, gradients, keepdims, ties, dtypes, bad axes."""
import numpy as np
import pytest

from fastgraph.autodiff import Tensor, Variable, check_gradients, gradients
from fastgraph.ops import reduce as red

rng = np.random.RandomState(1)

AXES = [None, 0, -1, 1, (0, 2), [2, 0], ()]
DIFF = [("sum", np.sum), ("mean", np.mean), ("max", np.max), ("min", np.min),
        ("prod", np.prod), ("var", np.var), ("std", np.std)]


@pytest.mark.parametrize("name,ref", DIFF)
@pytest.mark.parametrize("axis", AXES)
@pytest.mark.parametrize("keepdims", [False, True])
def test_values_and_gradients(name, ref, axis, keepdims):
    op = getattr(red, name)
    x = rng.uniform(0.5, 1.5, size=(2, 3, 5))
    np_axis = tuple(axis) if isinstance(axis, list) else axis
    y = op(x, axis=axis, keepdims=keepdims)
    np.testing.assert_allclose(y.data, ref(x, axis=np_axis, keepdims=keepdims),
                               rtol=1e-12)
    assert isinstance(y.data, np.ndarray)
    if name == "std" and axis == ():
        return      # std of single elements is 0: sqrt has no finite gradient there
    check_gradients(lambda t: op(t, axis=axis, keepdims=keepdims), x)


@pytest.mark.parametrize("name", ["sum", "mean", "max", "min", "prod", "var", "std",
                                  "logsumexp"])
def test_batch_one_and_odd_sizes(name):
    op = getattr(red, name)
    check_gradients(lambda t: op(t, axis=1), rng.uniform(0.5, 1.5, size=(1, 7)))
    check_gradients(lambda t: op(t), rng.uniform(0.5, 1.5, size=(3,)))


def test_logsumexp_values_and_stability():
    x = rng.randn(3, 4)
    want = np.log(np.sum(np.exp(x), axis=1))
    np.testing.assert_allclose(red.logsumexp(x, axis=1).data, want)
    check_gradients(lambda t: red.logsumexp(t, axis=(0, 1), keepdims=True), x)
    big = np.array([1000.0, 1000.0])
    np.testing.assert_allclose(red.logsumexp(big).data, 1000.0 + np.log(2.0))
    np.testing.assert_allclose(red.logsumexp(np.array([-np.inf, -np.inf])).data, -np.inf)


def test_max_ties_split_evenly():
    x = Variable(np.array([[3.0, 1.0, 3.0], [0.0, 2.0, 1.0]]))
    (g,) = gradients(red.max(x, axis=1), [x])
    np.testing.assert_allclose(g, [[0.5, 0.0, 0.5], [0.0, 1.0, 0.0]])
    (g,) = gradients(red.min(x), [x])
    np.testing.assert_allclose(g, [[0, 0, 0], [1, 0, 0]])


def test_prod_gradient_with_zeros():
    x = np.array([[2.0, 0.0, 3.0], [0.0, 0.0, 4.0], [1.0, 2.0, 3.0]])
    check_gradients(lambda t: red.prod(t, axis=1), x)
    check_gradients(lambda t: red.prod(t, axis=0, keepdims=True), x)
    v = Variable(x[0])
    (g,) = gradients(red.prod(v), [v])
    np.testing.assert_allclose(g, [0.0, 6.0, 0.0])


def test_var_matches_keras_population_variance():
    x = np.array([[1.0, 2.0], [3.0, 5.0]])
    np.testing.assert_allclose(red.var(x, axis=0).data, [1.0, 2.25])
    np.testing.assert_allclose(red.std(x).data, np.std(x))
    assert red.var(np.array([True, False])).dtype == np.float32


@pytest.mark.parametrize("name", ["sum", "mean", "max", "min", "prod", "var", "std",
                                  "logsumexp"])
def test_float32_stays_float32(name):
    x = Variable(rng.uniform(0.5, 1.5, size=(2, 3)).astype(np.float32))
    y = getattr(red, name)(x, axis=1)
    assert y.dtype == np.float32
    (g,) = gradients(y, [x])
    assert g.dtype == np.float32


def test_mean_of_ints_is_floatx():
    assert red.mean(np.array([1, 2])).dtype == np.float32
    np.testing.assert_allclose(red.mean(np.array([1, 2])).data, 1.5)


def test_any_all_argmax_argmin():
    x = np.array([[0.0, 3.0, 3.0], [2.0, 0.0, 1.0]])
    np.testing.assert_array_equal(red.any(x, axis=1).data, [True, True])
    np.testing.assert_array_equal(red.all(x, axis=0, keepdims=True).data,
                                  [[False, False, True]])
    np.testing.assert_array_equal(red.argmax(x).data, [1, 0])     # first of ties
    np.testing.assert_array_equal(red.argmin(x, axis=0).data, [0, 1, 1])
    assert red.argmax(x, axis=None).data == 1
    assert not red.argmax(Variable(x)).requires_grad


@pytest.mark.parametrize("name", ["sum", "mean", "max", "prod", "var", "logsumexp",
                                  "any", "argmax"])
def test_bad_axis(name):
    op = getattr(red, name)
    with pytest.raises(ValueError, match=rf"{name}: axis=2 is out of range.*\(2, 3\)"):
        op(np.ones((2, 3)), axis=2)
    with pytest.raises(TypeError, match=f"{name}: axis must be an integer"):
        op(np.ones((2, 3)), axis=1.5)


def test_repeated_axis_and_empty_max():
    with pytest.raises(ValueError, match="sum: axis .* repeats"):
        red.sum(np.ones((2, 3)), axis=(1, -1))
    with pytest.raises(ValueError, match="max: cannot reduce .* no elements"):
        red.max(np.ones((0, 3)))

