"""Activations: C kernels against NumPy, gradient checks, tf-keras values, bad input."""
import numpy as np
import pytest

from fastgraph._kernels import load
from fastgraph.autodiff import Tensor, Variable, check_gradients, gradients, no_grad
from fastgraph.ops import activation as A

K = load("activation")
SELU_A, SELU_S = 1.6732632423543772, 1.0507009873554805


def _sig(x):
    return 1.0 / (1.0 + np.exp(-x))


# name -> (kernel code, alpha, forward, derivative), the references in float64
REF = {
    "linear": (K.LINEAR, 0.0, lambda x: x, lambda x: np.ones_like(x)),
    "relu": (K.RELU, 0.0, lambda x: np.maximum(x, 0), lambda x: (x > 0) * 1.0),
    "leaky_relu": (K.RELU, 0.3, lambda x: np.where(x > 0, x, 0.3 * x),
                   lambda x: np.where(x > 0, 1.0, 0.3)),
    "elu": (K.ELU, 0.7, lambda x: np.where(x > 0, x, 0.7 * np.expm1(x)),
            lambda x: np.where(x > 0, 1.0, 0.7 * np.exp(x))),
    "selu": (K.SELU, 0.0, lambda x: SELU_S * np.where(x > 0, x, SELU_A * np.expm1(x)),
             lambda x: SELU_S * np.where(x > 0, 1.0, SELU_A * np.exp(x))),
    "softplus": (K.SOFTPLUS, 0.0, lambda x: np.log1p(np.exp(x)), _sig),
    "sigmoid": (K.SIGMOID, 0.0, _sig, lambda x: _sig(x) * (1 - _sig(x))),
    "hard_sigmoid": (K.HARD_SIGMOID, 0.0, lambda x: np.clip(0.2 * x + 0.5, 0, 1),
                     lambda x: np.where(np.abs(x) < 2.5, 0.2, 0.0)),
    "tanh": (K.TANH, 0.0, np.tanh, lambda x: 1 - np.tanh(x) ** 2),
    "softsign": (K.SOFTSIGN, 0.0, lambda x: x / (1 + np.abs(x)),
                 lambda x: 1 / (1 + np.abs(x)) ** 2),
    "exponential": (K.EXPONENTIAL, 0.0, np.exp, np.exp),
}


def _tol(dtype):
    return dict(rtol=2e-5, atol=2e-6) if dtype == np.float32 else dict(rtol=1e-12, atol=1e-13)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape", [(3, 7), (1, 1), (250, 201)])  # the last runs threaded
@pytest.mark.parametrize("name", sorted(REF))
def test_kernels_match_numpy(name, shape, dtype):
    code, alpha, fwd, dfwd = REF[name]
    rng = np.random.RandomState(1)
    x = (rng.randn(*shape) * 2).astype(dtype)
    b = rng.randn(shape[-1]).astype(dtype)
    g = rng.randn(*shape).astype(dtype)
    y = K.act_forward(code, x, None, np.empty_like(x), alpha)
    np.testing.assert_allclose(y, fwd(x.astype(np.float64)), **_tol(dtype))
    yb = K.act_forward(code, x, b, np.empty_like(x), alpha)
    xb = x.astype(np.float64) + b
    np.testing.assert_allclose(yb, fwd(xb), **_tol(dtype))
    dz = K.act_backward(code, yb, g, np.empty_like(x), alpha)
    assert dz.dtype == dtype
    tol = dict(rtol=2e-4, atol=2e-5) if dtype == np.float32 else dict(rtol=1e-8, atol=1e-9)
    np.testing.assert_allclose(dz, dfwd(xb) * g, **tol)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("axis", [0, 1, 2, -1])
def test_softmax_kernels_match_numpy(axis, dtype):
    rng = np.random.RandomState(2)
    x = (rng.randn(3, 4, 5) * 3).astype(dtype)
    g = rng.randn(3, 4, 5).astype(dtype)
    y = K.softmax_forward(x, np.empty_like(x), axis)
    e = np.exp(x - x.max(axis, keepdims=True))
    ref = e / e.sum(axis, keepdims=True)
    np.testing.assert_allclose(y, ref, **_tol(dtype))
    dx = K.softmax_backward(y, g, np.empty_like(x), axis)
    np.testing.assert_allclose(dx, ref * (g - (g * ref).sum(axis, keepdims=True)),
                               **_tol(dtype))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_vectorized_exp_and_tanh_accuracy(dtype):
    # The kernels use their own branch-free exp / tanh: within 2 ulp of libm.
    lim = 87.0 if dtype == np.float32 else 708.0
    for code, fn, x in ((K.EXPONENTIAL, np.exp, np.linspace(-lim, lim, 100001)),
                        (K.TANH, np.tanh, np.linspace(-20, 20, 100001)),
                        (K.SIGMOID, _sig, np.linspace(-30, 30, 100001))):
        x = x.astype(dtype)
        y = K.act_forward(code, x, None, np.empty_like(x))
        ref = fn(x.astype(np.longdouble))
        nz = ref != 0
        rel = np.abs((y[nz] - ref[nz]) / ref[nz]).astype(np.float64)
        assert rel.max() < 2 * np.finfo(dtype).eps, code
    special = np.array([np.nan, np.inf, -np.inf, 1e4, -1e4, 0.0], dtype)
    out = np.empty_like(special)
    np.testing.assert_array_equal(K.act_forward(K.EXPONENTIAL, special, None, out),
                                  [np.nan, np.inf, 0, np.inf, 0, 1])
    np.testing.assert_array_equal(K.act_forward(K.TANH, special, None, out),
                                  [np.nan, 1, -1, 1, -1, 0])
    np.testing.assert_array_equal(K.act_forward(K.SIGMOID, special, None, out),
                                  [np.nan, 1, 0, 1, 0, 0.5])


def test_large_arrays_take_the_threaded_paths():
    x = np.random.RandomState(8).randn(700, 500).astype(np.float32)
    b = np.linspace(-1, 1, 500).astype(np.float32)
    for code, fn in ((K.RELU, lambda v: np.maximum(v, 0)), (K.LINEAR, lambda v: v)):
        np.testing.assert_allclose(K.act_forward(code, x, b, np.empty_like(x)), fn(x + b))
        np.testing.assert_allclose(K.act_forward(code, x, None, np.empty_like(x)), fn(x))
    y = K.act_forward(K.RELU, x, None, np.empty_like(x))
    np.testing.assert_array_equal(K.act_backward(K.RELU, y, x, np.empty_like(x)),
                                  np.where(x > 0, x, 0))


def test_in_place_kernel_call():
    x = np.linspace(-2, 2, 12).reshape(3, 4)
    ref = np.tanh(x + 1.0)
    assert K.act_forward(K.TANH, x, np.ones(4), x) is x
    np.testing.assert_allclose(x, ref)
    s = np.array([[1.0, 2.0, 3.0]])
    K.softmax_forward(s, s, 1)
    np.testing.assert_allclose(s.sum(), 1.0)


@pytest.mark.parametrize("name", sorted(A.ACTIVATIONS))
@pytest.mark.parametrize("shape", [(1, 1), (3, 5), (2, 3, 4)])
def test_gradients(name, shape):
    x = np.random.RandomState(3).randn(*shape) * 1.5
    check_gradients(A.ACTIVATIONS[name], x)


@pytest.mark.parametrize("kwargs", [
    dict(alpha=0.1, max_value=1.5, threshold=0.25),
    dict(alpha=-0.2, threshold=-0.3),
    dict(alpha=0.2, max_value=0.8),
    dict(max_value=6.0),
    dict(threshold=0.4),
])
def test_relu_parameters(kwargs):
    x = np.random.RandomState(4).randn(4, 5) * 2
    check_gradients(lambda t: A.relu(t, **kwargs), x)
    alpha, mx, th = kwargs.get("alpha", 0.0), kwargs.get("max_value"), kwargs.get("threshold", 0.0)
    pos = np.where(x > th, x if mx is None else np.clip(x, 0, mx), 0.0)
    ref = pos - alpha * np.maximum(th - x, 0)
    np.testing.assert_allclose(A.relu(x, **kwargs).data, ref)


def test_elu_alpha_and_softmax_axes():
    x = np.random.RandomState(5).randn(2, 3, 4)
    for alpha in (0.0, 0.5, -0.5):
        check_gradients(lambda t: A.elu(t, alpha=alpha), x)
    for axis in (0, 1, -1):
        check_gradients(lambda t: A.softmax(t, axis=axis), x)


# Produced with tf-keras 2.x in /work/refenv: tf_keras.activations.get(name)
# (and tf_keras.backend.relu / elu) applied to XA as float32, rounded to 7 digits.
XA = np.array([[-3.0, -1.0, -0.25, 0.0, 0.5, 2.0, 4.0]], np.float32)
TF_KERAS = {
    "elu": [-0.950213, -0.6321205, -0.2211992, 0.0, 0.5, 2.0, 4.0],
    "selu": [-1.6705687, -1.1113307, -0.3888902, 0.0, 0.5253505, 2.101402, 4.2028041],
    "softplus": [0.0485874, 0.3132617, 0.5759394, 0.6931472, 0.974077, 2.1269281, 4.0181499],
    "softsign": [-0.75, -0.5, -0.2, 0.0, 0.3333333, 0.6666667, 0.8],
    "hard_sigmoid": [0.0, 0.3, 0.45, 0.5, 0.6, 0.9, 1.0],
    "swish": [-0.1422776, -0.2689414, -0.1094559, 0.0, 0.3112297, 1.7615942, 3.928055],
    "sigmoid": [0.0474259, 0.2689414, 0.4378235, 0.5, 0.6224594, 0.8807971, 0.9820138],
    "tanh": [-0.9950547, -0.7615942, -0.2449187, 0.0, 0.4621171, 0.9640276, 0.9993293],
    "exponential": [0.0497871, 0.3678795, 0.7788008, 1.0, 1.6487212, 7.3890562, 54.5981483],
    "softmax": [0.0007563, 0.0055881, 0.0118301, 0.0151901, 0.0250442, 0.1122404, 0.8293508],
    # tf-keras 2.21 in /work/venv-tf, rounded to 7 digits
    "gelu": [-0.004049696, -0.1586553, -0.1003234, 0.0, 0.3457312, 1.9545, 3.999873],
    "mish": [-0.1456475, -0.3034015, -0.129927, 0.0, 0.3752452, 1.943959, 3.997412],
}


@pytest.mark.parametrize("name", sorted(TF_KERAS))
def test_matches_tf_keras(name):
    y = A.ACTIVATIONS[name](XA)
    assert y.dtype == np.float32
    np.testing.assert_allclose(y.data[0], TF_KERAS[name], rtol=1e-5, atol=1e-6)


def test_parametrized_match_tf_keras():
    np.testing.assert_allclose(  # K.relu(XA, alpha=0.1, max_value=1.5, threshold=0.25)
        A.relu(XA, alpha=0.1, max_value=1.5, threshold=0.25).data[0],
        [-0.325, -0.125, -0.05, -0.025, 0.5, 1.5, 1.5], rtol=1e-6)
    np.testing.assert_allclose(  # K.relu(2 * XA, max_value=6)
        A.relu(2 * XA, max_value=6.0).data[0], [0, 0, 0, 0, 1, 4, 6])
    np.testing.assert_allclose(  # K.elu(XA, 0.5)
        A.elu(XA, 0.5).data[0],
        [-0.4751065, -0.3160603, -0.1105996, 0.0, 0.5, 2.0, 4.0], rtol=1e-6)
    np.testing.assert_allclose(A.leaky_relu(XA).data[0],
                               [-0.9, -0.3, -0.075, 0.0, 0.5, 2.0, 4.0], rtol=1e-6)
    np.testing.assert_allclose(  # tf_keras.activations.gelu(XA, approximate=True)
        A.gelu(XA, approximate=True).data[0],
        [-0.003637433, -0.158808, -0.1003246, 0.0, 0.345714, 1.954598, 3.99993],
        rtol=1e-5, atol=1e-7)


def _gelu(x):
    from math import erf
    return 0.5 * x * (1 + np.vectorize(erf)(x / np.sqrt(2)))


def _gelu_tanh(x):
    return 0.5 * x * (1 + np.tanh(np.sqrt(2 / np.pi) * (x + 0.044715 * x ** 3)))


def _mish(x):
    return x * np.tanh(np.logaddexp(0, x))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape", [(3, 7), (250, 201)])  # the last runs threaded
@pytest.mark.parametrize("code, fn", [(K.GELU, _gelu), (K.GELU_TANH, _gelu_tanh),
                                      (K.MISH, _mish)])
def test_kernels_with_backward_from_the_input(code, fn, shape, dtype):
    """gelu and mish: forward against NumPy, backward (from x) against a
    central difference of the float64 reference."""
    rng = np.random.RandomState(2)
    x = (rng.randn(*shape) * 3).astype(dtype)
    g = rng.randn(*shape).astype(dtype)
    x64 = x.astype(np.float64)
    np.testing.assert_allclose(K.act_forward(code, x, None, np.empty_like(x)), fn(x64),
                               **_tol(dtype))
    dz = K.act_backward_x(code, x, g, np.empty_like(x))
    h = 1e-6
    numeric = (fn(x64 + h) - fn(x64 - h)) / (2 * h) * g
    tol = dict(rtol=2e-4, atol=2e-5) if dtype == np.float32 else dict(rtol=1e-7, atol=1e-8)
    np.testing.assert_allclose(dz, numeric, **tol)
    with pytest.raises(ValueError, match="act_backward: activation code"):
        K.act_backward(code, x, g, np.empty_like(x))
    with pytest.raises(ValueError, match="act_backward_x: activation code"):
        K.act_backward_x(K.TANH, x, g, np.empty_like(x))


def test_extreme_inputs_stay_finite():
    x = np.array([[-100.0, -30.0, 0.0, 30.0, 100.0]], np.float32)
    for name in ("sigmoid", "softplus", "tanh", "softmax", "swish", "elu", "selu",
                 "gelu", "mish"):
        v = Variable(x)
        y = A.ACTIVATIONS[name](v)
        (g,) = gradients(y, [v])
        assert np.isfinite(y.data).all() and np.isfinite(g).all(), name
    np.testing.assert_allclose(A.softplus(x).data, np.logaddexp(0, x.astype(np.float64)),
                               rtol=1e-6, atol=1e-37)


def test_dtype_is_kept_and_ints_are_cast():
    for name, fn in A.ACTIVATIONS.items():
        v = Variable(np.ones((2, 3), np.float32))
        y = fn(v)
        assert y.dtype == np.float32, name
        if name != "linear":
            assert gradients(y, [v])[0].dtype == np.float32
    assert A.relu(np.array([[-1, 2]])).dtype == np.float32


def test_logits_are_remembered():
    x = Tensor(np.ones((2, 3)))
    assert A.logits_of(A.softmax(x)) is x
    assert A.logits_of(A.sigmoid(x)) is x
    assert A.logits_of(A.tanh(x)) is None
    with no_grad():
        assert A.logits_of(A.softmax(x)) is x


def test_linear_returns_input():
    x = Tensor(np.ones(3))
    assert A.linear(x) is x


def test_non_contiguous_input_is_handled():
    x = np.random.RandomState(6).randn(4, 6)
    for name in ("relu", "tanh", "softmax", "swish"):
        np.testing.assert_allclose(A.ACTIVATIONS[name](x.T).data,
                                   A.ACTIVATIONS[name](x.T.copy()).data)
    np.testing.assert_allclose(A.bias_activation(x[:, ::2], np.ones(3), "relu").data,
                               np.maximum(x[:, ::2] + 1, 0))


@pytest.mark.parametrize("name", sorted(A.ACTIVATIONS))
def test_bias_activation_gradients(name):
    rng = np.random.RandomState(7)
    for shape in [(1, 3), (4, 5), (2, 3, 4)]:
        check_gradients(lambda t, b: A.bias_activation(t, b, name),
                        rng.randn(*shape), rng.randn(shape[-1]))
    x, b = rng.randn(3, 4), rng.randn(4)
    np.testing.assert_allclose(A.bias_activation(x, b, name).data,
                               A.ACTIVATIONS[name](x + b).data, rtol=1e-12)


def test_bias_activation_in_place_and_logits():
    x = np.zeros((2, 3), np.float32)
    y = A.bias_activation(x, np.ones(3, np.float32), "tanh", inplace=True)
    assert y.data is x and np.allclose(x, np.tanh(1.0))
    z = np.zeros((2, 3), np.float32)
    assert A.bias_activation(z, np.ones(3, np.float32), "tanh").data is not z
    s = A.bias_activation(z, np.ones(3, np.float32), "softmax")
    np.testing.assert_allclose(A.logits_of(s).data, 1.0)
    y = A.bias_activation(z, np.ones(3, np.float32), lambda t: A.relu(t, max_value=0.5))
    np.testing.assert_allclose(y.data, 0.5)


def test_bias_activation_bad_input():
    x = np.zeros((2, 3))
    with pytest.raises(ValueError, match=r"bias.*\(3,\).*\(4,\)"):
        A.bias_activation(x, np.zeros(4), "relu")
    with pytest.raises(TypeError, match="bias.*float32"):
        A.bias_activation(x, np.zeros(3, np.float32), "relu")
    with pytest.raises(ValueError, match="unknown activation 'nope'"):
        A.bias_activation(x, np.zeros(3), "nope")
    with pytest.raises(ValueError, match="x must have at least 1"):
        A.bias_activation(np.float64(1.0), np.zeros(1), "relu")


def test_op_bad_input():
    with pytest.raises(ValueError, match="softmax: x must have at least 2"):
        A.softmax(np.ones(3))
    with pytest.raises(ValueError, match="axis 2"):
        A.softmax(np.ones((2, 3)), axis=2)
    with pytest.raises(TypeError, match="relu: alpha"):
        A.relu(np.ones(3), alpha="big")
    with pytest.raises(TypeError, match="tanh: x must be a float32 or float64"):
        A.tanh(np.ones(3, np.float16))


def test_shim_rejects_bad_arrays():
    x = np.ones((3, 4))
    with pytest.raises(TypeError, match="act_forward: x must be float32 or float64, got int64"):
        K.act_forward(K.RELU, np.ones((3, 4), np.int64), None, np.empty((3, 4)))
    with pytest.raises(TypeError, match="x must be a numpy array"):
        K.act_forward(K.RELU, [1.0, 2.0], None, np.empty(2))
    with pytest.raises(ValueError, match="x must be C-contiguous"):
        K.act_forward(K.RELU, x.T, None, np.empty((4, 3)))
    with pytest.raises(TypeError, match="out must have the dtype of x"):
        K.act_forward(K.RELU, x, None, np.empty((3, 4), np.float32))
    with pytest.raises(ValueError, match=r"out must have shape \(3, 4\)"):
        K.act_forward(K.RELU, x, None, np.empty((4, 3)))
    with pytest.raises(ValueError, match=r"bias must have shape \(4,\)"):
        K.act_forward(K.RELU, x, np.ones(3), np.empty_like(x))
    with pytest.raises(ValueError, match="unknown activation code 99"):
        K.act_forward(99, x, None, np.empty_like(x))
    ro = np.empty_like(x)
    ro.flags.writeable = False
    with pytest.raises(ValueError, match="out must be writeable"):
        K.act_forward(K.RELU, x, None, ro)
    with pytest.raises(ValueError, match=r"g must have shape \(3, 4\)"):
        K.act_backward(K.RELU, x, np.ones(3), np.empty_like(x))
    with pytest.raises(TypeError, match="g must have the dtype of y"):
        K.act_backward(K.RELU, x, np.ones((3, 4), np.float32), np.empty_like(x))
    with pytest.raises(ValueError, match="axis 2 is out of range"):
        K.softmax_forward(x, np.empty_like(x), 2)
    with pytest.raises(ValueError, match="x must be C-contiguous"):
        K.softmax_forward(x[:, ::2], np.empty((3, 2)), 1)


def test_prelu_values_and_gradients():
    """relu(x) - alpha * relu(-x): alpha per entry or shared (broadcast)."""
    r = np.random.RandomState(4)
    x = r.randn(2, 3, 4)
    for alpha in (r.rand(3, 4), r.rand(1, 4), r.rand(3, 1)):
        y = A.prelu(x, alpha).data
        np.testing.assert_allclose(y, np.maximum(x, 0) - alpha * np.maximum(-x, 0))
        check_gradients(A.prelu, x, alpha)
    with pytest.raises(ValueError, match="prelu: alpha of shape"):
        A.prelu(x, np.ones((2, 4)))
    with pytest.raises(TypeError, match="prelu: alpha must have the dtype"):
        A.prelu(x, np.ones(4, np.float32))
