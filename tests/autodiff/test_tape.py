"""The tape: recording, replay order, accumulation, unbroadcast, release."""
import gc
import weakref

import numpy as np
import pytest

from fastgraph.autodiff import (Tensor, Variable, as_tensor, check_gradients,
                                gradients, no_grad, output, unbroadcast)


def mul(a, b):
    a, b = as_tensor(a), as_tensor(b)
    return output(a.data * b.data, (a, b),
                  lambda g: (g * b.data, g * a.data))


def add(a, b):
    a, b = as_tensor(a), as_tensor(b)
    return output(a.data + b.data, (a, b), lambda g: (g, g))


def test_reused_value_accumulates():
    x = Variable(np.array([2.0, 3.0]))
    y = mul(x, x)          # x used twice by one op
    z = add(y, x)          # and again by another
    (g,) = gradients(z, [x])
    np.testing.assert_allclose(g, 2 * x.data + 1)


def test_broadcast_is_undone_by_summing():
    a = Variable(np.ones((3, 4)))
    b = Variable(np.ones((1, 4)))
    c = Variable(np.ones(()))
    ga, gb, gc_ = gradients(add(add(a, b), c), [a, b, c])
    assert ga.shape == (3, 4) and gb.shape == (1, 4) and gc_.shape == ()
    np.testing.assert_allclose(gb, 3.0)
    assert gc_ == 12.0


def test_unbroadcast_leading_and_stretched_axes():
    g = np.ones((2, 3, 4))
    assert unbroadcast(g, (3, 1)).shape == (3, 1)
    np.testing.assert_allclose(unbroadcast(g, (3, 1)), 8.0)


def test_unused_variable_gets_zeros():
    x, y = Variable(np.ones(2)), Variable(np.ones(3))
    gx, gy = gradients(mul(x, x), [x, y])
    np.testing.assert_allclose(gy, 0.0)


def test_no_grad_records_nothing():
    x = Variable(np.ones(2))
    with no_grad():
        y = mul(x, x)
    assert y._rec is None and not y.requires_grad


def test_constants_record_nothing():
    y = mul(Tensor(np.ones(2)), np.ones(2))
    assert y._rec is None


def test_tape_released_after_backward():
    x = Variable(np.ones(1000))
    big = add(mul(x, x), x)
    ref = weakref.ref(big._rec.inputs[0])   # the intermediate mul output
    gradients(big, [x])
    gc.collect()
    assert big._rec is None
    assert ref() is None


def test_gradcheck_catches_a_wrong_backward():
    def bad(a):
        return output(a.data ** 2, (a,), lambda g: (g * a.data,))  # should be 2a
    with pytest.raises(AssertionError):
        check_gradients(bad, np.random.rand(3))
    check_gradients(lambda a: mul(a, a), np.random.rand(2, 3))


def test_gradients_rejects_bad_arguments():
    with pytest.raises(TypeError, match="loss"):
        gradients(np.ones(2), [])
    with pytest.raises(TypeError, match=r"variables\[0\]"):
        gradients(Tensor(np.ones(2)), [np.ones(2)])
