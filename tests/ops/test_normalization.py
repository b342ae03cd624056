"""Batch and layer normalisation: tf-keras reference values, C vs NumPy, gradients."""
import numpy as np
import pytest

from fastgraph.autodiff import Variable, check_gradients, gradients
from fastgraph.ops.normalization import batch_norm_infer, batch_norm_train, layer_norm
from fastgraph._kernels import load

_k = load("norm")


def data(shape, a=0.7, s=2.0, o=0.5):
    return (np.sin(np.arange(np.prod(shape)) * a) * s + o).reshape(shape).astype(np.float32)


def lin(n, a, b):
    return (a + b * np.arange(n)).astype(np.float32)


# Reference values: tf_keras 2.x (in /work/refenv) on x = data(shape), with
# BatchNormalization weights [lin(C, .5, .25), lin(C, -.1, .2), lin(C, .1, .1),
# lin(C, .5, .5)] (gamma, beta, moving mean, moving variance) set before each
# call, layer(x, training=True / False); LayerNormalization weights
# [lin(D, .5, .25), lin(D, -.1, .2)] (reshaped to (3, 4) for axis=[1, 2]).
# The first 8 output values are kept.
TF_BN_TRAIN = {
    (2, 3, 4): [-0.1657518, 0.8244441, 1.6922438, 1.7441243, 0.0662034,
                -0.6131998, -1.3073437, -1.0661392],
    (2, 2, 2, 3): [-0.1799952, 0.7012736, 1.5741329, 0.4603294, 0.346052,
                   -0.299849, -0.826526, -1.1673334],
}
TF_BN_INFER = {
    (2, 3, 4): [0.1825603, 1.2907313, 2.0719411, 2.113938, 0.6558321,
                -0.2010244, -0.9595581, -1.1479472],
    (2, 2, 2, 3): [0.1825603, 1.2907313, 2.0719414, 1.4021038, 0.8271189,
                   -0.1093908, -1.0488033, -1.1480552],
}
# Moving variance after one training call (momentum 0.99) is 0.99 * var0 + 0.01 * v:
# tf-keras's 3-D path uses the population variance v, checked here.
TF_BN_MOVING_VAR_3D = [0.515847, 1.0007677, 1.500321, 2.0069482]
TF_LN_LAST = [-0.9192814, 0.1414069, 1.2523736, 1.2887255, 0.6696393,
              0.2678544, -0.4751982, -0.734858]
TF_LN_AXES_12 = [-0.2002145, 0.6523692, 1.5327647, 1.8187296, 1.1301441,
                 -0.3435364, -1.8360187, -2.3658435]


@pytest.mark.parametrize("shape", sorted(TF_BN_TRAIN))
def test_batch_norm_matches_tf_keras(shape):
    x, C = data(shape), shape[-1]
    gamma, beta = lin(C, .5, .25), lin(C, -.1, .2)
    y, mean, var = batch_norm_train(x, gamma, beta)
    assert y.dtype == np.float32 and mean.dtype == np.float32
    np.testing.assert_allclose(y.data.ravel()[:8], TF_BN_TRAIN[shape], atol=2e-6)
    if len(shape) == 3:
        np.testing.assert_allclose(0.99 * lin(C, .5, .5) + 0.01 * var, TF_BN_MOVING_VAR_3D, rtol=1e-6)
    yi = batch_norm_infer(x, gamma, beta, lin(C, .1, .1), lin(C, .5, .5))
    np.testing.assert_allclose(yi.data.ravel()[:8], TF_BN_INFER[shape], atol=2e-6)


def test_layer_norm_matches_tf_keras():
    x = data((2, 3, 4))
    y = layer_norm(x, lin(4, .5, .25), lin(4, -.1, .2))
    np.testing.assert_allclose(y.data.ravel()[:8], TF_LN_LAST, atol=2e-6)
    y = layer_norm(x, lin(12, .5, .25).reshape(3, 4), lin(12, -.1, .2).reshape(3, 4),
                   axis=[1, 2])
    np.testing.assert_allclose(y.data.ravel()[:8], TF_LN_AXES_12, atol=2e-6)


def np_batch_norm(x, gamma, beta, axis, eps):
    axes = tuple(i for i in range(x.ndim) if i != axis % x.ndim)
    bshape = [1] * x.ndim
    bshape[axis] = -1
    x64 = x.astype(np.float64)
    mean, var = x64.mean(axes), x64.var(axes)
    y = (x64 - mean.reshape(bshape)) / np.sqrt(var.reshape(bshape) + eps)
    return y * gamma.reshape(bshape) + beta.reshape(bshape), mean, var


def np_layer_norm(x, gamma, beta, axes, eps):
    x64 = x.astype(np.float64)
    mean = x64.mean(axes, keepdims=True)
    var = x64.var(axes, keepdims=True)
    bshape = [x.shape[i] if i in axes else 1 for i in range(x.ndim)]
    y = (x64 - mean) / np.sqrt(var + eps)
    return y * gamma.reshape(bshape) + beta.reshape(bshape)


@pytest.mark.parametrize("dtype, tol", [(np.float32, 2e-5), (np.float64, 1e-12)])
@pytest.mark.parametrize("shape, axis", [((5, 3), -1), ((2, 3, 7), -1), ((4, 3, 5), 1),
                                         ((300, 160), -1), ((3, 9, 4, 2), 0)])
def test_batch_norm_c_vs_numpy(dtype, tol, shape, axis):
    rng = np.random.default_rng(0)
    x = (rng.normal(size=shape) * 3 + 1).astype(dtype)
    C = shape[axis]
    gamma, beta = rng.normal(size=C).astype(dtype), rng.normal(size=C).astype(dtype)
    ref, rmean, rvar = np_batch_norm(x, gamma, beta, axis, 1e-3)
    y, mean, var = batch_norm_train(x, gamma, beta, axis=axis)
    assert y.dtype == dtype and y.data.flags.c_contiguous
    np.testing.assert_allclose(y.data, ref, rtol=tol, atol=tol)
    np.testing.assert_allclose(mean, rmean, rtol=tol, atol=tol)
    np.testing.assert_allclose(var, rvar, rtol=tol, atol=tol)
    mm, mv = rng.normal(size=C), rng.uniform(0.5, 2, size=C)
    yi = batch_norm_infer(x, gamma, beta, mm, mv, axis=axis)
    bshape = [1] * x.ndim
    bshape[axis] = -1
    ref = ((x - mm.reshape(bshape)) / np.sqrt(mv.reshape(bshape) + 1e-3)
           * gamma.reshape(bshape) + beta.reshape(bshape))
    assert yi.dtype == dtype
    np.testing.assert_allclose(yi.data, ref, rtol=tol, atol=tol)


@pytest.mark.parametrize("dtype, tol", [(np.float32, 2e-5), (np.float64, 1e-12)])
@pytest.mark.parametrize("shape, axes", [((5, 3), (1,)), ((2, 3, 7), (2,)), ((4, 3, 5), (1, 2)),
                                         ((4, 3, 5), (0, 2)), ((300, 160), (1,))])
def test_layer_norm_c_vs_numpy(dtype, tol, shape, axes):
    rng = np.random.default_rng(1)
    x = (rng.normal(size=shape) * 3 + 1).astype(dtype)
    pshape = tuple(shape[a] for a in axes)
    gamma, beta = rng.normal(size=pshape).astype(dtype), rng.normal(size=pshape).astype(dtype)
    y = layer_norm(x, gamma, beta, axis=axes if len(axes) > 1 else axes[0])
    assert y.dtype == dtype
    np.testing.assert_allclose(y.data, np_layer_norm(x, gamma, beta, axes, 1e-3),
                               rtol=tol, atol=tol)


def test_large_offset_float32_stays_accurate():
    rng = np.random.default_rng(2)
    x = (1000 + 0.05 * rng.normal(size=(64, 8))).astype(np.float32)
    one, zero = np.ones(8, np.float32), np.zeros(8, np.float32)
    y, mean, var = batch_norm_train(x, one, zero, epsilon=0.0)
    ref, rmean, rvar = np_batch_norm(x, one, zero, -1, 0.0)
    np.testing.assert_allclose(var, rvar, rtol=1e-4)
    np.testing.assert_allclose(y.data, ref, atol=1e-3)
    yl = layer_norm(x.T, None, None, epsilon=0.0)
    np.testing.assert_allclose(yl.data, np_layer_norm(x.T, np.ones(64), np.zeros(64), (1,), 0.0),
                               atol=1e-3)


@pytest.mark.parametrize("shape, axis", [((4, 3), -1), ((1, 3, 5), -1), ((3, 2, 3), 1), ((5,), 0)])
def test_batch_norm_train_gradients(shape, axis):
    rng = np.random.default_rng(3)
    x = rng.normal(size=shape)
    C = shape[axis]
    check_gradients(lambda t, g, b: batch_norm_train(t, g, b, axis=axis)[0],
                    x, rng.normal(size=C), rng.normal(size=C))
    check_gradients(lambda t: batch_norm_train(t, None, None, axis=axis)[0], x)
    check_gradients(lambda t, g: batch_norm_train(t, g, None, axis=axis)[0],
                    x, rng.normal(size=C))


@pytest.mark.parametrize("shape, axis", [((4, 3), -1), ((1, 5), -1), ((3, 2, 3), 1)])
def test_batch_norm_infer_gradients(shape, axis):
    rng = np.random.default_rng(4)
    x = rng.normal(size=shape)
    C = shape[axis]
    mm, mv = rng.normal(size=C), rng.uniform(0.5, 2, size=C)
    check_gradients(lambda t, g, b: batch_norm_infer(t, g, b, mm, mv, axis=axis),
                    x, rng.normal(size=C), rng.normal(size=C))
    check_gradients(lambda t, b: batch_norm_infer(t, None, b, mm, mv, axis=axis),
                    x, rng.normal(size=C))


@pytest.mark.parametrize("shape, axis", [((4, 3), -1), ((1, 5), -1), ((2, 3, 4), (1, 2)),
                                         ((3, 2, 3), (0, 2)), ((3, 2, 3), 1)])
def test_layer_norm_gradients(shape, axis):
    rng = np.random.default_rng(5)
    x = rng.normal(size=shape)
    axes = axis if isinstance(axis, tuple) else (axis,)
    pshape = tuple(shape[a] for a in axes)
    check_gradients(lambda t, g, b: layer_norm(t, g, b, axis=axis),
                    x, rng.normal(size=pshape), rng.normal(size=pshape))
    check_gradients(lambda t: layer_norm(t, None, None, axis=axis), x)


def test_parameter_gradients_only_when_needed_and_typed():
    rng = np.random.default_rng(6)
    x = Variable(rng.normal(size=(300, 160)).astype(np.float32))
    gamma = Variable(np.ones(160))  # float64 parameter on float32 data
    y = layer_norm(x, gamma, np.zeros(160))
    assert y.dtype == np.float32
    gx, gg = gradients(y, [x, gamma])
    assert gx.dtype == np.float32 and gg.dtype == np.float64
    y, _, _ = batch_norm_train(x, gamma, None)
    gx, gg = gradients(y, [x, gamma])
    assert y.dtype == gx.dtype == np.float32 and gg.shape == (160,)


def test_non_contiguous_input_is_copied():
    x = data((6, 10))[:, ::2]
    g, b = lin(5, .5, .1), lin(5, 0, .1)
    xc = np.ascontiguousarray(x)
    np.testing.assert_array_equal(batch_norm_train(x, g, b)[0].data,
                                  batch_norm_train(xc, g, b)[0].data)
    np.testing.assert_array_equal(layer_norm(x, g, b).data, layer_norm(xc, g, b).data)
    np.testing.assert_array_equal(batch_norm_infer(x, g, b, g, b + 1).data,
                                  batch_norm_infer(xc, g, b, g, b + 1).data)


def test_empty_inputs():
    y, mean, var = batch_norm_train(np.ones((0, 3), np.float32), None, None)
    assert y.shape == (0, 3) and np.isnan(mean).all() and np.isnan(var).all()
    x = Variable(np.ones((4, 0), np.float32))
    y, mean, _ = batch_norm_train(x, None, None)
    assert y.shape == (4, 0) and mean.shape == (0,)
    assert gradients(y, [x])[0].shape == (4, 0)
    y = layer_norm(x, np.ones(0, np.float32), None)
    assert y.shape == (4, 0) and gradients(y, [x])[0].shape == (4, 0)


def test_bad_input():
    x = np.ones((4, 3), np.float32)
    with pytest.raises(ValueError, match="batch_norm_train: gamma must have shape \\(3,\\), got \\(4,\\)"):
        batch_norm_train(x, np.ones(4, np.float32), None)
    with pytest.raises(ValueError, match="batch_norm_infer: moving_var must have shape \\(3,\\)"):
        batch_norm_infer(x, None, None, np.zeros(3), np.ones(2))
    with pytest.raises(ValueError, match="layer_norm: beta must have shape \\(4, 3\\)"):
        layer_norm(x, None, np.ones(3, np.float32), axis=(0, 1))
    with pytest.raises(ValueError, match="batch_norm_train: axis must be an integer in \\[-2, 2\\)"):
        batch_norm_train(x, None, None, axis=2)
    with pytest.raises(ValueError, match="layer_norm: axis contains duplicates"):
        layer_norm(x, None, None, axis=(1, -1))
    with pytest.raises(TypeError, match="layer_norm: x must be float32 or float64, got int64"):
        layer_norm(np.ones((2, 2), np.int64), None, None)
    with pytest.raises(ValueError, match="epsilon must be a non-negative number"):
        batch_norm_train(x, None, None, epsilon=-1.0)
    with pytest.raises(ValueError, match="x must have at least one dimension"):
        layer_norm(np.float32(1.0), None, None)


def test_kernel_shim_rejects_bad_arrays():
    x = np.ones((4, 3), np.float32)
    v = np.ones(3, np.float32)
    with pytest.raises(ValueError, match="norm.bn_stats: x must be C-contiguous"):
        _k.bn_stats(np.ones((4, 6), np.float32)[:, ::2])
    with pytest.raises(ValueError, match="x must have 2 dimensions"):
        _k.bn_stats(np.ones(3, np.float32))
    with pytest.raises(ValueError, match="scale must be float32 of shape \\(3,\\)"):
        _k.bn_apply(x, v, v.astype(np.float64), v)
    with pytest.raises(ValueError, match="gamma must be float32 of shape \\(3,\\)"):
        _k.ln_forward(x, np.ones(4, np.float32), None, 1e-3)
    with pytest.raises(ValueError, match="g must be float32 of shape \\(4, 3\\)"):
        _k.bn_reduce(x, x.T.copy(), v, v)
