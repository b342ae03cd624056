"""Elementwise ops: values, gradients (incl. broadcasting), dtypes, tie rules."""
import numpy as np
import pytest

from fastgraph.autodiff import Tensor, Variable, check_gradients, gradients
from fastgraph.ops import elementwise as ew

rng = np.random.RandomState(0)


def rand(*shape, low=-1.0, high=1.0):
    return rng.uniform(low, high, size=shape)


def away_from(x, points, gap=0.05):
    """x nudged so no element is within `gap` of a kink."""
    x = x.copy()
    for p in points:
        near = np.abs(x - p) < gap
        x[near] = p + gap * 2 * np.where(x[near] >= p, 1, -1)
    return x


BINARY = [ew.add, ew.subtract, ew.multiply]
SHAPES = [((3, 4), (3, 4)), ((3, 1), (1, 4)), ((2, 3), (3,)), ((1, 5), ()),
          ((1,), (2, 1, 3))]


@pytest.mark.parametrize("op", BINARY)
@pytest.mark.parametrize("sa,sb", SHAPES)
def test_binary_gradients_broadcast(op, sa, sb):
    check_gradients(op, rand(*sa), rand(*sb))


@pytest.mark.parametrize("sa,sb", SHAPES)
def test_divide_gradients(sa, sb):
    check_gradients(ew.divide, rand(*sa), rand(*sb, low=0.5, high=2.0))


def test_binary_values():
    a, b = rand(2, 3), rand(3, low=0.5)
    np.testing.assert_allclose(ew.add(a, b).data, a + b)
    np.testing.assert_allclose(ew.subtract(a, b).data, a - b)
    np.testing.assert_allclose(ew.multiply(a, b).data, a * b)
    np.testing.assert_allclose(ew.divide(a, b).data, a / b)
    np.testing.assert_allclose(ew.power(b, a).data, b ** a)


def test_scalar_operands_get_no_gradient_slot():
    check_gradients(lambda x: ew.subtract(3.0, ew.multiply(x, 2)), rand(1, 3))
    check_gradients(lambda x: ew.divide(1.5, x), rand(4, low=0.5))


@pytest.mark.parametrize("p", [2, 3.0, 0.5, -1.5])
def test_power_scalar_exponent(p):
    check_gradients(lambda x: ew.power(x, p), rand(2, 3, low=0.3, high=2.0))


def test_power_tensor_exponent_and_base():
    check_gradients(ew.power, rand(3, 1, low=0.3, high=2.0), rand(1, 4))
    check_gradients(lambda p: ew.power(2.0, p), rand(5))


def test_power_exponent_gradient_is_zero_for_nonpositive_base():
    x = Tensor(np.array([-1.0, 0.0, 2.0]))
    p = Variable(np.array([2.0, 2.0, 2.0]))
    (gp,) = gradients(ew.power(x, p), [p])
    np.testing.assert_allclose(gp, [0.0, 0.0, 4.0 * np.log(2.0)])


@pytest.mark.parametrize("op,low,high", [
    (ew.negative, -1, 1), (ew.square, -1, 1), (ew.exp, -1, 1),
    (ew.log, 0.2, 2), (ew.sqrt, 0.2, 2)])
def test_unary_gradients(op, low, high):
    check_gradients(op, rand(1, 3, low=low, high=high))
    check_gradients(op, rand(2, 3, 5, low=low, high=high))


def test_abs_gradient_and_value_at_zero():
    check_gradients(ew.abs, away_from(rand(3, 5), [0.0]))
    x = Variable(np.array([0.0, -2.0]))
    (g,) = gradients(ew.abs(x), [x])
    np.testing.assert_allclose(g, [0.0, -1.0])


@pytest.mark.parametrize("op", [ew.maximum, ew.minimum])
def test_max_min_gradients(op):
    a, b = rand(3, 4), rand(4)
    b = b + np.where(np.abs(a - b).min(axis=0) < 0.05, 0.2, 0.0)
    check_gradients(op, a, b)
    check_gradients(lambda x: op(x, 0.1), away_from(rand(2, 5), [0.1]))


@pytest.mark.parametrize("op", [ew.maximum, ew.minimum])
def test_max_min_ties_go_to_first(op):
    a = Variable(np.array([1.0, 2.0]))
    b = Variable(np.array([1.0, 2.0]))
    ga, gb = gradients(op(a, b), [a, b])
    np.testing.assert_allclose(ga, [1.0, 1.0])
    np.testing.assert_allclose(gb, [0.0, 0.0])


def test_clip_values_and_gradients():
    x = away_from(rand(3, 5, low=-2, high=2), [-0.5, 0.5])
    np.testing.assert_allclose(ew.clip(x, -0.5, 0.5).data, np.clip(x, -0.5, 0.5))
    check_gradients(lambda t: ew.clip(t, -0.5, 0.5), x)
    lo, hi = rand(1, 5, low=-1.5, high=-0.5), rand(3, 1, low=0.5, high=1.5)
    x = x + 0.0
    check_gradients(ew.clip, away_from(x, [-0.5, 0.5]), lo - 0.01, hi + 0.01)


def test_clip_gradient_passes_at_bounds_and_keras_rules():
    x = Variable(np.array([-1.0, 0.0, 1.0, 2.0]))
    (g,) = gradients(ew.clip(x, 0.0, 1.0), [x])
    np.testing.assert_allclose(g, [0.0, 1.0, 1.0, 0.0])
    np.testing.assert_allclose(ew.clip(x, None, 1.0).data, [-1, 0, 1, 1])
    np.testing.assert_allclose(ew.clip(x, 0.5, None).data, [0.5, 0.5, 1, 2])
    np.testing.assert_allclose(ew.clip(x, 1.0, 0.0).data, [1, 1, 1, 1])


def test_where_gradients_and_broadcast():
    cond = rand(3, 4) > 0
    check_gradients(lambda a, b: ew.where(cond, a, b), rand(3, 4), rand(4))
    check_gradients(lambda a: ew.where(Tensor(cond[:1]), a, 0.0), rand(2, 4))
    np.testing.assert_allclose(ew.where([True, False], [1.0, 2.0], [3.0, 4.0]).data,
                               [1.0, 4.0])


def test_cast():
    x = Variable(rand(2, 3))
    y = ew.cast(x, "float32")
    assert y.dtype == np.float32
    (g,) = gradients(y, [x])
    assert g.dtype == np.float64
    np.testing.assert_allclose(g, 1.0)
    assert ew.cast(x, "float64") is x
    i = ew.cast(x, "int32")
    assert i.dtype == np.int32 and not i.requires_grad
    with pytest.raises(TypeError, match="cast: dtype"):
        ew.cast(x, "no-such-type")


def test_comparisons_and_logic_are_bool_constants():
    a, b = Variable(np.array([1.0, 2.0, 3.0])), np.array([2.0, 2.0, 2.0])
    cases = {ew.equal: [0, 1, 0], ew.not_equal: [1, 0, 1], ew.greater: [0, 0, 1],
             ew.greater_equal: [0, 1, 1], ew.less: [1, 0, 0], ew.less_equal: [1, 1, 0]}
    for op, want in cases.items():
        out = op(a, b)
        assert out.dtype == np.bool_ and not out.requires_grad
        np.testing.assert_array_equal(out.data, np.array(want, bool))
    t, f = np.array([True, True, False]), np.array([True, False, False])
    np.testing.assert_array_equal(ew.logical_and(t, f).data, t & f)
    np.testing.assert_array_equal(ew.logical_or(t, f).data, t | f)
    np.testing.assert_array_equal(ew.logical_not(t).data, ~t)


def test_sign_and_round_are_constants():
    x = Variable(np.array([-1.5, 0.0, 2.5]))
    assert not ew.sign(x).requires_grad and not ew.round(x).requires_grad
    np.testing.assert_array_equal(ew.sign(x).data, [-1, 0, 1])
    np.testing.assert_array_equal(ew.round(x).data, [-2, 0, 2])   # halves to even


UNARY_F32 = [ew.negative, ew.square, ew.sqrt, ew.exp, ew.log, ew.abs, ew.sign,
             ew.round, lambda x: ew.clip(x, 0.1, 0.9)]
BINARY_F32 = [ew.add, ew.subtract, ew.multiply, ew.divide, ew.power, ew.maximum,
              ew.minimum, lambda a, b: ew.where(np.array([True, False]), a, b)]


@pytest.mark.parametrize("op", UNARY_F32)
def test_unary_float32_stays_float32(op):
    assert op(Tensor(np.array([0.5, 2.0], np.float32))).dtype == np.float32


@pytest.mark.parametrize("op", BINARY_F32)
@pytest.mark.parametrize("other", [2, 0.5, np.float64(0.5), np.float32(0.5),
                                   np.array([0.5, 3.0]), [0.5, 3.0], np.array([1, 2])])
def test_binary_float32_stays_float32(op, other):
    x = Tensor(np.array([0.5, 2.0], np.float32))
    assert op(x, other).dtype == np.float32
    assert op(other, x).dtype == np.float32


def test_float32_gradients_stay_float32():
    x = Variable(np.array([0.5, 2.0], np.float32))
    y = ew.add(ew.multiply(ew.power(x, 2.5), 3.0), ew.divide(1.0, ew.sqrt(x)))
    (g,) = gradients(y, [x])
    assert g.dtype == np.float32


def test_int_inputs_to_float_functions_become_floatx():
    assert ew.exp(np.array([1, 2])).dtype == np.float32
    assert ew.sqrt(Tensor(np.array([4]))).dtype == np.float32


def test_zero_dim_results_are_arrays():
    y = ew.add(Tensor(np.array(1.0, np.float32)), 2.0)
    assert isinstance(y.data, np.ndarray) and y.shape == () and y.dtype == np.float32


def test_constants_are_not_recorded():
    y = ew.multiply(Tensor(np.ones(3)), np.ones(3))
    assert y._rec is None and not y.requires_grad


@pytest.mark.parametrize("op", [ew.add, ew.subtract, ew.multiply, ew.divide, ew.power,
                                ew.maximum, ew.minimum, ew.equal, ew.less, ew.logical_and])
def test_shapes_that_do_not_broadcast(op):
    name = op.__name__
    with pytest.raises(ValueError, match=rf"{name}: operands of shapes \(2, 3\) and \(4,\) "
                                         r"do not broadcast"):
        op(np.ones((2, 3)), np.ones(4))


def test_where_and_clip_shapes_that_do_not_broadcast():
    with pytest.raises(ValueError, match=r"where: operands of shapes \(2,\) and \(3,\)"):
        ew.where(np.array([True, False]), np.ones(3), 0.0)
    with pytest.raises(ValueError, match=r"clip: operands of shapes \(3,\) and \(2,\)"):
        ew.clip(np.ones(3), np.zeros(2), 1.0)
