"""fastgraph.ops.rnn.lstm_gates (ConvLSTM's gate step, csrc/rnn_t.h): values
against NumPy for every activation pair the kernels know, float64 gradient
checks, float32 against float64, and bad arguments."""
import numpy as np
import pytest

from fastgraph.autodiff import check_gradients
from fastgraph.ops.rnn import lstm_gates

from .test_rnn import ACTS

def reference(z, c_prev, act, ract):
    f, g = ACTS[act], ACTS[ract]
    i, fg, cc, o = np.split(z, 4, axis=-1)
    c = g(fg) * (0 if c_prev is None else c_prev) + g(i) * f(cc)
    return g(o) * f(c), c


def data(shape=(2, 3, 4), u=5, seed=0):
    rng = np.random.default_rng(seed)
    return rng.standard_normal(shape + (4 * u,)), rng.standard_normal(shape + (u,))


@pytest.mark.parametrize("act,ract", [("tanh", "sigmoid"), ("tanh", "hard_sigmoid"),
                                      ("relu", "sigmoid"), ("elu", "softsign"),
                                      ("selu", "softplus"), ("linear", "exponential")])
def test_values_match_numpy(act, ract):
    z, c0 = data()
    h, c = lstm_gates(z, c0, act, ract)
    want_h, want_c = reference(z, c0, act, ract)
    np.testing.assert_allclose(h.data, want_h, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(c.data, want_c, rtol=1e-12, atol=1e-12)
    h0, _ = lstm_gates(z, None, act, ract)
    np.testing.assert_allclose(h0.data, reference(z, None, act, ract)[0], atol=1e-12)


@pytest.mark.parametrize("act,ract", [("tanh", "sigmoid"), ("tanh", "hard_sigmoid"),
                                      ("softsign", "sigmoid")])
def test_gradients_float64(act, ract):
    z, c0 = data((2, 3), u=3, seed=1)
    z = z * 0.9 + 0.05          # away from hard_sigmoid's kinks
    for pick in (0, 1):
        check_gradients(lambda a, b: lstm_gates(a, b, act, ract)[pick], z, c0)
    # both outputs at once, and without c_prev
    check_gradients(lambda a, b: lstm_gates(a, b, act, ract)[0] * 2.0
                    + lstm_gates(a, b, act, ract)[1], z, c0)
    check_gradients(lambda a: lstm_gates(a, None, act, ract)[1], z)


def test_float32_close_to_float64():
    z, c0 = data((64, 7), u=16, seed=2)
    h64, c64 = lstm_gates(z, c0)
    h32, c32 = lstm_gates(z.astype("float32"), c0.astype("float32"))
    assert h32.dtype == np.float32
    np.testing.assert_allclose(h32.data, h64.data, atol=1e-6)
    np.testing.assert_allclose(c32.data, c64.data, atol=1e-5)


def test_many_rows_use_threads_and_agree():
    z, c0 = data((300, 40), u=8, seed=3)      # 12000 rows * 8 units: threaded
    h, c = lstm_gates(z, c0)
    np.testing.assert_allclose(h.data, reference(z, c0, "tanh", "sigmoid")[0], atol=1e-12)


@pytest.mark.parametrize("args,err,match", [
    ((np.zeros((2, 6)), None), ValueError, "4\\*units"),
    ((np.zeros((2, 8)), np.zeros((2, 3))), ValueError, "c_prev must have shape \\(2, 2\\)"),
    ((np.zeros((2, 8), "int32"), None), TypeError, "float32 or float64"),
    ((np.zeros((2, 8)), np.zeros((2, 2), "float32")), TypeError, "c_prev must have dtype"),
])
def test_bad_arguments(args, err, match):
    with pytest.raises(err, match=match):
        lstm_gates(*args)
    with pytest.raises(ValueError, match="activation must be None or one of"):
        lstm_gates(np.zeros((2, 8)), None, activation="swish")
