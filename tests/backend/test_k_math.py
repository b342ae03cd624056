"""Keras backend math beyond the tf-keras reference arrays: cumprod's exact
gradient at zeros, the random tensors and variables (their distributions
and seeds), and bad input naming the function and the argument."""
import numpy as np
import pytest

import fastgraph.backend as K
from fastgraph.autodiff import Variable, check_gradients


def test_cumprod_gradient_is_exact_where_x_has_zeros():
    x = np.random.RandomState(0).randn(3, 5)
    x[0, 2] = 0.0
    x[1, 0] = 0.0
    x[1, 3] = 0.0
    for axis in (0, 1, -1):
        check_gradients(lambda a: K.cumprod(a, axis), x)
        check_gradients(lambda a: K.cumsum(a, axis), x)


def test_cumsum_of_integers_and_bad_axis():
    np.testing.assert_array_equal(K.cumsum(np.array([1, 2, 3])).data, [1, 3, 6])
    with pytest.raises(ValueError, match="cumsum: axis=2"):
        K.cumsum(np.ones((2, 2)), axis=2)


def test_random_variables_are_variables_with_the_asked_distribution():
    u = K.random_uniform_variable((200, 50), -2.0, 3.0, seed=1, name="u")
    assert isinstance(u, Variable) and u.name == "u" and u.dtype == np.float32
    assert u.data.min() >= -2.0 and u.data.max() < 3.0
    assert abs(u.data.mean() - 0.5) < 0.05
    n = K.random_normal_variable((200, 50), 1.0, 2.0, dtype="float64", seed=2)
    assert isinstance(n, Variable) and n.dtype == np.float64
    assert abs(n.data.mean() - 1.0) < 0.05 and abs(n.data.std() - 2.0) < 0.05
    again = K.random_normal_variable((200, 50), 1.0, 2.0, dtype="float64", seed=2)
    np.testing.assert_array_equal(n.data, again.data)


def test_truncated_normal_stays_within_two_deviations():
    t = K.truncated_normal((20000,), mean=3.0, stddev=0.5, seed=0)
    assert t.dtype == np.float32
    assert t.data.min() >= 2.0 and t.data.max() <= 4.0
    # the standard normal truncated at +-2 has deviation 0.8796
    assert abs(t.data.std() - 0.5 * 0.8796) < 0.01
    assert abs(t.data.mean() - 3.0) < 0.01


def test_random_bernoulli():
    b = K.random_bernoulli((10000,), p=0.3, seed=0)
    assert set(np.unique(b.data)) <= {0.0, 1.0}
    assert abs(b.data.mean() - 0.3) < 0.02
    assert K.random_bernoulli((5,), p=1.0).data.tolist() == [1.0] * 5
    assert K.random_bernoulli((5,)).data.sum() == 0.0


@pytest.mark.parametrize("call, match", [
    (lambda: K.sin("abc"), "backend.sin: (argument ')?x"),
    (lambda: K.cos(object()), "backend.cos: (argument ')?x"),
    (lambda: K.cumprod({"a": 1}), "cumprod: x"),
    (lambda: K.arange("3"), "backend.arange: (argument ')?start"),
    (lambda: K.truncated_normal("3"), "backend.truncated_normal: (argument ')?shape"),
    (lambda: K.random_uniform_variable((2,), 0, 1, dtype="int32"),
     "random_uniform_variable: dtype"),
])
def test_bad_input_names_function_and_argument(call, match):
    with pytest.raises(TypeError, match=match):
        call()


def test_arange_takes_0d_tensors():
    np.testing.assert_array_equal(K.arange(K.constant(3, dtype="int32")).data, [0, 1, 2])
    np.testing.assert_array_equal(K.arange(1, np.array(7), 2).data, [1, 3, 5])


def test_arange_zero_step():
    with pytest.raises(ValueError, match="arange: step"):
        K.arange(0, 3, 0)
