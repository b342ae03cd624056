"""BatchNormalization and LayerNormalization: tf-keras equivalence (including
the moving-statistics update in training), frozen layers, masks, gradients,
configs, bad input."""
import json
import os

import numpy as np
import pytest

from fastgraph.autodiff import Tensor, gradients
from fastgraph.engine.input_layer import Input
from fastgraph.layers.normalization import BatchNormalization, LayerNormalization

# tests/reference/layers_reference.npz: tf-keras 2.21 outputs (TensorFlow 2.21,
# float32), written once by tests/reference/layers_make_reference.py run with
# /work/refenv/bin/python.  Each case holds the layer's kwargs (`spec`), the
# input, the weights set on the tf-keras layer (gamma, beta, moving_mean,
# moving_variance for BatchNormalization) and its outputs: `y` (inference),
# and for BatchNormalization `y_train` (one call with training=True, with
# `mask` when present), the moving statistics after it and `y_after`
# (inference with the updated statistics).
REF = np.load(os.path.join(os.path.dirname(__file__), "..", "reference",
                           "layers_reference.npz"))
CLASSES = {"BatchNormalization": BatchNormalization,
           "LayerNormalization": LayerNormalization}


def cases(classes):
    names = sorted({key.split("/")[0] for key in REF.files})
    return [n for n in names if json.loads(str(REF[f"{n}/spec"]))["class"] in classes]


def load(name):
    spec = json.loads(str(REF[f"{name}/spec"]))
    weights, i = [], 0
    while f"{name}/w{i}" in REF.files:
        weights.append(REF[f"{name}/w{i}"])
        i += 1
    layer = CLASSES[spec["class"]](**spec["kwargs"], weights=weights)
    return layer, (lambda key: REF[f"{name}/{key}"]), f"{name}/mask" in REF.files


def close(a, b):
    np.testing.assert_allclose(a, b, rtol=2e-5, atol=2e-5)


@pytest.mark.parametrize("name", cases({"BatchNormalization"}))
def test_batch_norm_matches_tf_keras(name):
    layer, ref, masked = load(name)
    x = ref("x")
    close(layer(x).data, ref("y"))                       # inference (training=None)
    close(layer(x, training=False).data, ref("y"))
    mask = ref("mask") if masked else None
    close(layer(x, training=True, mask=mask).data, ref("y_train"))
    close(layer.moving_mean.data, ref("moving_mean"))
    close(layer.moving_variance.data, ref("moving_variance"))
    close(layer(x, training=False).data, ref("y_after"))


@pytest.mark.parametrize("name", cases({"LayerNormalization"}))
def test_layer_norm_matches_tf_keras(name):
    layer, ref, _ = load(name)
    close(layer(ref("x")).data, ref("y"))


def test_bessel_correction_only_for_fused_ranks():
    """tf-keras's fused kernel (4-D/5-D, channel axis 1 or last) averages the
    unbiased batch variance into moving_variance; other cases the biased one."""
    rng = np.random.RandomState(0)
    for shape, axis, unbiased in [((4, 3), -1, False), ((2, 3, 4), -1, False),
                                  ((2, 3, 2, 4), -1, True), ((2, 4, 2, 3), 1, True),
                                  ((2, 3, 4, 3), 2, False)]:
        x = rng.randn(*shape).astype(np.float32)
        bn = BatchNormalization(axis=axis, momentum=0.0)
        bn(x, training=True)
        a = axis % len(shape)
        var = np.moveaxis(x, a, -1).reshape(-1, shape[a]).var(axis=0,
                                                               ddof=int(unbiased))
        np.testing.assert_allclose(bn.moving_variance.data, var, rtol=1e-5)


def test_moving_stats_update_in_place_each_training_call():
    bn = BatchNormalization(momentum=0.9)
    x = np.random.RandomState(1).randn(16, 3).astype(np.float32) + 2
    bn(x)
    mean_var = bn.moving_mean
    buffer = mean_var.data
    for _ in range(3):
        bn(x, training=True)
    assert bn.moving_mean is mean_var and bn.moving_mean.data is buffer
    np.testing.assert_allclose(buffer, x.mean(axis=0) * (1 - 0.9 ** 3), rtol=1e-5)
    before = buffer.copy()
    bn(x, training=False)
    bn(x)
    np.testing.assert_array_equal(buffer, before)


def test_frozen_layer_runs_in_inference_mode():
    rng = np.random.RandomState(2)
    bn = BatchNormalization(trainable=False)
    x = rng.randn(8, 2, 2, 3).astype(np.float32) * 3 + 1
    bn.build(x.shape)
    bn.set_weights([rng.rand(3) + 0.5, rng.rand(3), rng.rand(3), rng.rand(3) + 0.5])
    stats = [w.copy() for w in bn.get_weights()[2:]]
    y = bn(x, training=True)
    np.testing.assert_allclose(y.data, bn(x, training=False).data)
    for w, s in zip(bn.get_weights()[2:], stats):
        np.testing.assert_array_equal(w, s)
    assert bn.trainable_weights == [] and len(bn.non_trainable_weights) == 4


def test_weights_order_names_and_counts():
    bn = BatchNormalization(name="bn")
    out = bn(Input(shape=(5, 5, 7)))
    assert out.shape == (None, 5, 5, 7)
    assert [w.name for w in bn.weights] == ["bn/gamma:0", "bn/beta:0",
                                            "bn/moving_mean:0", "bn/moving_variance:0"]
    assert [w.name for w in bn.trainable_weights] == ["bn/gamma:0", "bn/beta:0"]
    assert bn.count_params() == 28
    bare = BatchNormalization(center=False, scale=False)
    bare(Input(shape=(4,)))
    assert [w.name.split("/")[-1] for w in bare.weights] == ["moving_mean:0",
                                                            "moving_variance:0"]
    multi = BatchNormalization(axis=[1, 3])
    multi(Input(shape=(4, 2, 3)))
    assert multi.weights[0].shape == (1, 4, 1, 3)
    ln = LayerNormalization(axis=[2, 1])
    assert ln(Input(shape=(3, 4, 5))).shape == (None, 3, 4, 5)
    assert [w.shape for w in ln.weights] == [(4, 3), (4, 3)]


def test_masks_pass_through():
    x = Input(shape=(4, 3))
    x._keras_mask = Input(shape=(4,), dtype="bool")
    assert BatchNormalization()(x)._keras_mask is x._keras_mask
    assert LayerNormalization()(x)._keras_mask is x._keras_mask


def numeric_check(fn, variables, probe):
    analytic = gradients(fn(), variables, grad_loss=probe)
    for var, grad in zip(variables, analytic):
        numeric = np.zeros_like(var.data)
        for idx in np.ndindex(*var.shape):
            orig = var.data[idx]
            var.data[idx] = orig + 1e-6
            plus = np.sum(fn().data * probe)
            var.data[idx] = orig - 1e-6
            minus = np.sum(fn().data * probe)
            var.data[idx] = orig
            numeric[idx] = (plus - minus) / 2e-6
        np.testing.assert_allclose(grad, numeric, rtol=1e-5, atol=1e-8)


@pytest.mark.parametrize("make, shape, kwargs", [
    (lambda: BatchNormalization(dtype="float64"), (5, 3), {"training": True}),
    (lambda: BatchNormalization(axis=1, dtype="float64"), (3, 2, 2, 2), {"training": True}),
    (lambda: BatchNormalization(axis=[1, 2], dtype="float64"), (3, 2, 2), {"training": True}),
    (lambda: BatchNormalization(dtype="float64"), (4, 2), {"training": False}),
    (lambda: BatchNormalization(dtype="float64"), (3, 4, 2),
     {"training": True, "mask": np.array([[1, 1, 0, 1], [1, 0, 1, 1], [1, 1, 1, 0]], bool)}),
    (lambda: LayerNormalization(dtype="float64"), (3, 4), {}),
    (lambda: LayerNormalization(axis=[2, 1], dtype="float64"), (2, 3, 2), {}),
    (lambda: LayerNormalization(axis=1, center=False, dtype="float64"), (2, 3, 2), {}),
])
def test_gradients_match_finite_differences(make, shape, kwargs):
    rng = np.random.RandomState(5)
    layer = make()
    x = Tensor(rng.randn(*shape) * 2 + 0.5, requires_grad=True)
    layer.build(shape)
    layer.set_weights([rng.uniform(0.5, 1.5, w.shape) for w in layer.weights])
    probe = rng.uniform(-1, 1, shape)
    numeric_check(lambda: layer(x, **kwargs), [x] + layer.trainable_weights, probe)


# The config keys of tf-keras 2.21 (tf_keras get_config()).
BN_KEYS = {"name", "trainable", "dtype", "axis", "momentum", "epsilon", "center",
           "scale", "beta_initializer", "gamma_initializer", "moving_mean_initializer",
           "moving_variance_initializer", "beta_regularizer", "gamma_regularizer",
           "beta_constraint", "gamma_constraint"}
LN_KEYS = {"name", "trainable", "dtype", "axis", "epsilon", "center", "scale",
           "beta_initializer", "gamma_initializer", "beta_regularizer",
           "gamma_regularizer", "beta_constraint", "gamma_constraint"}


@pytest.mark.parametrize("make, keys, shape", [
    (lambda: BatchNormalization(momentum=0.9, epsilon=1e-4, center=False,
                                gamma_regularizer="l2"), BN_KEYS, (3, 4, 4, 2)),
    (lambda: BatchNormalization(axis=[1, 2], trainable=False), BN_KEYS, (3, 4, 2)),
    (lambda: LayerNormalization(axis=(1, 2), epsilon=1e-5), LN_KEYS, (2, 3, 4)),
    (lambda: LayerNormalization(scale=False, beta_initializer="ones"), LN_KEYS, (2, 3)),
])
def test_config_round_trip(make, keys, shape):
    layer = make()
    before = json.loads(json.dumps(layer.get_config()))
    assert set(before) == keys
    x = np.random.RandomState(6).randn(*shape).astype(np.float32)
    y = layer(x, training=False)
    config = json.loads(json.dumps(layer.get_config()))
    assert config["axis"] == [a % len(shape) for a in np.atleast_1d(before["axis"])]
    for cfg in (before, config):
        clone = type(layer).from_config(cfg)
        clone(x)
        clone.set_weights(layer.get_weights())
        np.testing.assert_allclose(clone(x, training=False).data, y.data, rtol=1e-6)
        assert clone.trainable == layer.trainable


# -------------------------------------------------------------- bad input
def test_feature_mismatch_on_reuse():
    bn = BatchNormalization(name="bn_reuse")
    bn(Input(shape=(6, 3)))
    with pytest.raises(ValueError, match=r'"bn_reuse".*axis 2.*value 3.*\(None, 6, 4\)'):
        bn(Input(shape=(6, 4)))
    with pytest.raises(ValueError, match=r'"bn_reuse".*ndim=3.*\(2, 3\)'):
        bn(np.zeros((2, 3), np.float32))
    ln = LayerNormalization(name="ln_reuse")
    ln(Input(shape=(5,)))
    with pytest.raises(ValueError, match=r'"ln_reuse".*value 5.*\(None, 6\)'):
        ln(Input(shape=(6,)))


@pytest.mark.parametrize("make, shape, match", [
    (lambda: BatchNormalization(axis=3, name="bn_axis"), (4, 5), r'"bn_axis".*axis'),
    (lambda: BatchNormalization(axis=[1, 1], name="bn_dup"), (4, 5, 6), r'"bn_dup".*[Dd]uplicate'),
    (lambda: BatchNormalization(name="bn_undef"), (4, None), r'"bn_undef".*undefined'),
    (lambda: BatchNormalization(fused=True, name="bn_fused"), (4, 5), r'"bn_fused".*fused'),
    (lambda: LayerNormalization(axis=-3, name="ln_axis"), (4, 5), r'"ln_axis".*axis'),
    (lambda: LayerNormalization(axis=[1, 2], name="ln_undef"), (4, 5, None),
     r'"ln_undef".*undefined'),
])
def test_bad_axes(make, shape, match):
    with pytest.raises(ValueError, match=match):
        make()(Input(shape=shape[1:]))


@pytest.mark.parametrize("make, error, match", [
    (lambda: BatchNormalization(axis="channels"), TypeError, "axis"),
    (lambda: LayerNormalization(axis=1.5), TypeError, "axis"),
    (lambda: BatchNormalization(renorm=True), ValueError, "renorm"),
    (lambda: BatchNormalization(virtual_batch_size=4), ValueError, "virtual_batch_size"),
    (lambda: BatchNormalization(fused=True, synchronized=True), ValueError, "synchronized"),
    (lambda: BatchNormalization(gamma_constraint="unit_nrom"), ValueError, "gamma_constraint"),
])
def test_bad_arguments(make, error, match):
    with pytest.raises(error, match=match):
        make()


def test_training_flag_reaches_layer_in_a_model():
    from fastgraph.models import Model
    inputs = Input(shape=(3,))
    bn = BatchNormalization(momentum=0.5)
    model = Model(inputs, bn(inputs))
    x = np.random.RandomState(8).randn(10, 3).astype(np.float32) + 4
    model(x)
    np.testing.assert_array_equal(bn.moving_mean.data, 0)
    y = model(x, training=True).data
    np.testing.assert_allclose(bn.moving_mean.data, x.mean(axis=0) * 0.5, rtol=1e-5)
    np.testing.assert_allclose(y.mean(axis=0), 0, atol=1e-5)
