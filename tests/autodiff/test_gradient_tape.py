"""fastgraph.GradientTape: tf.GradientTape's interface over the tape."""
import numpy as np
import pytest

from fastgraph import backend as K
from fastgraph.autodiff import (GradientTape, Tensor, Variable, check_gradients,
                                no_grad)
from fastgraph.layers import Input


def test_gradients_match_finite_differences():
    x0 = np.random.RandomState(0).rand(3, 4)

    def f(x):
        with GradientTape() as tape:
            tape.watch(x)
            y = K.sum(K.tanh(x) * x)
        return tape.gradient(y, x)

    grad = f(Tensor(x0.copy()))
    check_gradients(lambda x: K.sum(K.tanh(x) * x), x0)
    v = Variable(x0)
    analytic = np.tanh(x0) + x0 * (1 - np.tanh(x0) ** 2)
    np.testing.assert_allclose(grad.data, analytic, rtol=1e-10)
    with GradientTape() as tape:
        y = K.sum(K.tanh(v) * v)
    np.testing.assert_allclose(tape.gradient(y, v).data, analytic, rtol=1e-10)


def test_structures_unconnected_sources_and_persistence():
    a = Variable(np.array([1.0, 2.0]))
    b = Variable(np.array([3.0]))
    with GradientTape(persistent=True) as tape:
        y = K.sum(a * a)
    grads = tape.gradient(y, {"a": a, "rest": (b,)})
    np.testing.assert_allclose(grads["a"].data, [2.0, 4.0])
    assert grads["rest"] == (None,)
    zero = tape.gradient(y, [a, b], unconnected_gradients="zero")
    np.testing.assert_allclose(zero[1].data, [0.0])
    np.testing.assert_allclose(tape.gradient(y, a).data, [2.0, 4.0])


def test_a_non_persistent_tape_answers_once():
    a = Variable(np.array([1.0]))
    with GradientTape() as tape:
        y = K.sum(a * 3.0)
    np.testing.assert_allclose(tape.gradient(y, a).data, [3.0])
    with pytest.raises(RuntimeError, match="non-persistent"):
        tape.gradient(y, a)


def test_targets_add_and_output_gradients_seed():
    a = Variable(np.array([1.0, 2.0]))
    with GradientTape(persistent=True) as tape:
        y1, y2 = a * 2.0, a * a
    np.testing.assert_allclose(tape.gradient([y1, y2], a).data, [4.0, 6.0])
    seeded = tape.gradient(y2, a, output_gradients=np.array([1.0, 10.0]))
    np.testing.assert_allclose(seeded.data, [2.0, 40.0])


def test_the_tape_records_inside_no_grad_and_stop_recording_stops():
    a = Variable(np.array([2.0]))
    with no_grad():
        with GradientTape(persistent=True) as tape:
            y = a * a
            with tape.stop_recording():
                z = a * a
    np.testing.assert_allclose(tape.gradient(y, a).data, [4.0])
    assert tape.gradient(z, a) is None


def test_bad_sources_are_named():
    a = Variable(np.array([1.0]))
    with GradientTape() as tape:
        y = a * 2.0
    with pytest.raises(TypeError, match="GradientTape.gradient.*sources.*ndarray"):
        tape.gradient(y, np.zeros(1))
    with pytest.raises(TypeError, match="symbolic tensor"):
        GradientTape().gradient(y, Input((2,)))
    with pytest.raises(TypeError, match="GradientTape.watch"):
        tape.watch([1.0])
    with pytest.raises(ValueError, match="unconnected_gradients"):
        tape.gradient(y, a, unconnected_gradients="zeros")
