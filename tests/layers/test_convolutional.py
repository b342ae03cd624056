"""Conv1D, Conv2D, ZeroPadding1D/2D, Cropping1D/2D: tf-keras equivalence,
symbolic shapes, configs, gradients through Conv2D + BN + pooling, bad input."""
import json
import os

import numpy as np
import pytest

from fastgraph.autodiff import Tensor, gradients
from fastgraph.engine.input_layer import Input
from fastgraph.layers.convolutional import Conv1D, Conv2D
from fastgraph.layers.reshaping import Cropping1D, Cropping2D, ZeroPadding1D, ZeroPadding2D
from fastgraph.layers.normalization import BatchNormalization
from fastgraph.layers.pooling import AveragePooling2D, MaxPooling2D

# tests/reference/layers_reference.npz: tf-keras 2.21 outputs (TensorFlow 2.21,
# float32), written once by tests/reference/layers_make_reference.py run with
# /work/refenv/bin/python.  Each case holds the layer's class and kwargs
# (`spec`), the input, the weights set on the tf-keras layer and its output.
REF = np.load(os.path.join(os.path.dirname(__file__), "..", "reference",
                           "layers_reference.npz"))
CLASSES = {c.__name__: c for c in (Conv1D, Conv2D, ZeroPadding1D, ZeroPadding2D,
                                   Cropping1D, Cropping2D)}


def cases(classes):
    names = sorted({key.split("/")[0] for key in REF.files})
    return [n for n in names if json.loads(str(REF[f"{n}/spec"]))["class"] in classes]


def load(name):
    spec = json.loads(str(REF[f"{name}/spec"]))
    arrays = {key.split("/", 1)[1]: REF[key] for key in REF.files
              if key.startswith(name + "/")}
    weights = [arrays[f"w{i}"] for i in range(sum(k[0] == "w" and k[1:].isdigit()
                                                  for k in arrays))]
    return spec, arrays, weights


@pytest.mark.parametrize("name", cases(CLASSES))
def test_forward_matches_tf_keras(name):
    spec, arrays, weights = load(name)
    layer = CLASSES[spec["class"]](**spec["kwargs"], weights=weights)
    y = layer(arrays["x"])
    assert y.dtype == np.float32
    np.testing.assert_allclose(y.data, arrays["y"], rtol=1e-5, atol=1e-5)
    assert layer.compute_output_shape(arrays["x"].shape) == arrays["y"].shape


@pytest.mark.parametrize("layer, in_shape, out_shape", [
    (lambda: Conv2D(16, (3, 3), padding="same"), (32, 32, 3), (32, 32, 16)),
    (lambda: Conv2D(8, 3), (None, None, 3), (None, None, 8)),
    (lambda: Conv2D(8, (5, 3), strides=(2, 3)), (11, 10, 2), (4, 3, 8)),
    (lambda: Conv2D(8, 3, strides=2, padding="same"), (11, 10, 2), (6, 5, 8)),
    (lambda: Conv2D(4, 3, dilation_rate=2), (9, 8, 2), (5, 4, 4)),
    (lambda: Conv2D(4, 3), (3, 9, 8, 2), (3, 7, 6, 4)),
    (lambda: Conv1D(4, 3, padding="causal", dilation_rate=4), (20, 3), (20, 4)),
    (lambda: Conv1D(4, 3, strides=2), (None, 3), (None, 4)),
    (lambda: Conv1D(4, 5, strides=3, padding="same"), (10, 3), (4, 4)),
    (lambda: ZeroPadding2D(((1, 2), (3, 4))), (5, None, 3), (8, None, 3)),
    (lambda: ZeroPadding2D(2), (5, 6, 3), (9, 10, 3)),
    (lambda: ZeroPadding1D((0, 3)), (5, 2), (8, 2)),
    (lambda: Cropping2D((1, 2)), (5, 6, 3), (3, 2, 3)),
    (lambda: Cropping1D(2), (7, 2), (3, 2)),
])
def test_symbolic_output_shape(layer, in_shape, out_shape):
    layer = layer()
    out = layer(Input(shape=in_shape))
    assert out.shape == (None,) + out_shape
    assert layer.output_shape == (None,) + out_shape


def test_symbolic_call_computes_nothing():
    layer = Conv2D(64, (3, 3), padding="same", activation="relu")
    out = layer(Input(shape=(224, 224, 3)))
    assert out.shape == (None, 224, 224, 64)
    assert layer.count_params() == 3 * 3 * 3 * 64 + 64


def test_weight_layout_and_names():
    conv = Conv2D(5, (3, 2), name="my_conv")
    conv(Input(shape=(8, 8, 4)))
    assert [w.shape for w in conv.weights] == [(3, 2, 4, 5), (5,)]
    assert [w.name for w in conv.weights] == ["my_conv/kernel:0", "my_conv/bias:0"]
    assert np.all(conv.bias.data == 0)
    conv1 = Conv1D(6, 4, use_bias=False)
    conv1(Input(shape=(10, 3)))
    assert [w.shape for w in conv1.weights] == [(4, 3, 6)]
    assert conv1.count_params() == 72


def test_activation_applied_without_bias():
    x = np.random.RandomState(0).randn(2, 5, 5, 2).astype(np.float32)
    conv = Conv2D(3, 3, use_bias=False, activation="relu")
    linear = Conv2D(3, 3, use_bias=False, weights=None)
    y = conv(x)
    linear(x)
    linear.set_weights(conv.get_weights())
    np.testing.assert_allclose(y.data, np.maximum(linear(x).data, 0), rtol=1e-6)


# The config keys of tf-keras 2.21's layers (tf_keras get_config()).
TF_KEYS = {
    Conv2D: {"name", "trainable", "dtype", "filters", "kernel_size", "strides",
             "padding", "data_format", "dilation_rate", "groups", "activation",
             "use_bias", "kernel_initializer", "bias_initializer",
             "kernel_regularizer", "bias_regularizer", "activity_regularizer",
             "kernel_constraint", "bias_constraint"},
    ZeroPadding2D: {"name", "trainable", "dtype", "padding", "data_format"},
    ZeroPadding1D: {"name", "trainable", "dtype", "padding"},
    Cropping2D: {"name", "trainable", "dtype", "cropping", "data_format"},
    Cropping1D: {"name", "trainable", "dtype", "cropping"},
}
TF_KEYS[Conv1D] = TF_KEYS[Conv2D]


@pytest.mark.parametrize("make", [
    lambda: Conv2D(4, (3, 2), strides=2, padding="same", activation="tanh",
                   use_bias=False, kernel_initializer="he_normal",
                   kernel_regularizer="l2"),
    lambda: Conv1D(3, 5, padding="causal", dilation_rate=2, activation="relu",
                   bias_initializer="ones", activity_regularizer="l1"),
    lambda: ZeroPadding2D(((1, 2), (0, 3))),
    lambda: ZeroPadding1D(4),
    lambda: Cropping2D(((1, 0), (2, 1))),
    lambda: Cropping1D((0, 2)),
])
def test_config_round_trip(make):
    layer = make()
    config = layer.get_config()
    assert set(config) == TF_KEYS[type(layer)]
    clone = type(layer).from_config(json.loads(json.dumps(config)))
    clone_config = json.loads(json.dumps(clone.get_config()))
    assert clone_config == json.loads(json.dumps(config))
    if isinstance(layer, (Conv1D, Conv2D)):
        shape = (2, 9, 3) if isinstance(layer, Conv1D) else (2, 7, 6, 3)
        x = np.random.RandomState(1).randn(*shape).astype(np.float32)
        y = layer(x)
        clone(x)
        clone.set_weights(layer.get_weights())
        np.testing.assert_allclose(clone(x).data, y.data, rtol=1e-6)


def test_config_with_batch_input_shape():
    conv = Conv2D(2, 3, input_shape=(8, 8, 1))
    config = conv.get_config()
    assert config["batch_input_shape"] == (None, 8, 8, 1)
    assert Conv2D.from_config(config).get_config()["batch_input_shape"] == (None, 8, 8, 1)


# ------------------------------------------------------------- gradients
def test_gradients_conv_bn_pool_match_finite_differences():
    """Weights of Conv2D -> BatchNormalization (training) -> MaxPooling2D ->
    Conv2D -> AveragePooling2D, in float64, against central differences."""
    rng = np.random.RandomState(3)
    conv = Conv2D(3, (2, 2), activation="tanh", dtype="float64")
    bn = BatchNormalization(dtype="float64")
    pool = MaxPooling2D((2, 2), padding="same", dtype="float64")
    conv2 = Conv2D(2, 2, padding="same", activation="relu", dtype="float64")
    avg = AveragePooling2D(2, strides=1, dtype="float64")
    x = rng.randn(2, 6, 5, 2)

    def forward():
        return avg(conv2(pool(bn(conv(x), training=True))))
    out = forward()
    layers = (conv, bn, conv2)
    for layer in layers:
        layer.set_weights([rng.uniform(0.5, 1.5, w.shape) if "moving_variance" in w.name
                           else rng.uniform(-0.5, 0.5, w.shape) for w in layer.weights])
    out = forward()
    assert out.dtype == np.float64
    probe = rng.uniform(-1, 1, out.shape)
    variables = [w for layer in layers for w in layer.trainable_weights]
    analytic = gradients(forward(), variables, grad_loss=probe)
    eps = 1e-6
    for var, grad in zip(variables, analytic):
        numeric = np.zeros_like(var.data)
        flat, nflat = var.data.reshape(-1), numeric.reshape(-1)
        for i in range(flat.size):
            orig = flat[i]
            flat[i] = orig + eps
            plus = np.sum(forward().data * probe)
            flat[i] = orig - eps
            minus = np.sum(forward().data * probe)
            flat[i] = orig
            nflat[i] = (plus - minus) / (2 * eps)
        np.testing.assert_allclose(grad, numeric, rtol=1e-4, atol=1e-7,
                                   err_msg=var.name)


def test_gradient_wrt_input_conv1d_causal():
    rng = np.random.RandomState(4)
    conv = Conv1D(2, 3, padding="causal", dilation_rate=2, activation="elu",
                  dtype="float64")
    x = Tensor(rng.randn(2, 7, 3), requires_grad=True)
    probe = rng.uniform(-1, 1, (2, 7, 2))
    (gx,) = gradients(conv(x), [x], grad_loss=probe)
    numeric = np.zeros_like(x.data)
    for idx in np.ndindex(*x.shape):
        orig = x.data[idx]
        x.data[idx] = orig + 1e-6
        plus = np.sum(conv(x.data).data * probe)
        x.data[idx] = orig - 1e-6
        minus = np.sum(conv(x.data).data * probe)
        x.data[idx] = orig
        numeric[idx] = (plus - minus) / 2e-6
    np.testing.assert_allclose(gx, numeric, rtol=1e-4, atol=1e-7)


# -------------------------------------------------------------- bad input
def test_wrong_rank_names_layer_and_shapes():
    conv = Conv2D(4, 3, name="conv_rank")
    with pytest.raises(ValueError, match=r'"conv_rank".*min_ndim=4.*\(None, 8, 3\)'):
        conv(Input(shape=(8, 3)))
    with pytest.raises(ValueError, match=r'"conv1d_rank".*min_ndim=3.*\(4, 3\)'):
        Conv1D(2, 2, name="conv1d_rank")(np.zeros((4, 3), np.float32))
    with pytest.raises(ValueError, match=r'"pad_rank".*ndim=4'):
        ZeroPadding2D(name="pad_rank")(Input(shape=(8, 3)))


def test_channel_mismatch_on_reuse():
    conv = Conv2D(4, 3, name="conv_reuse")
    conv(Input(shape=(8, 8, 3)))
    with pytest.raises(ValueError, match=r'"conv_reuse".*axis -1.*value 3.*'
                                         r'\(None, 8, 8, 5\)'):
        conv(Input(shape=(8, 8, 5)))
    with pytest.raises(ValueError, match=r'"conv_reuse".*value 3.*\(1, 8, 8, 2\)'):
        conv(np.zeros((1, 8, 8, 2), np.float32))


def test_undefined_channels():
    with pytest.raises(ValueError, match=r'"conv_none".*channel.*\(None, 8, 8, None\)'):
        Conv2D(4, 3, name="conv_none")(Input(shape=(8, 8, None)))


def test_input_too_small():
    with pytest.raises(ValueError, match=r'"conv_small".*<= 0.*\(None, 2, 8, 3\)'):
        Conv2D(4, 3, name="conv_small")(Input(shape=(2, 8, 3)))
    with pytest.raises(ValueError, match=r'"crop_small".*\(None, 3, 8, 3\)'):
        Cropping2D(((2, 1), (0, 0)), name="crop_small")(Input(shape=(3, 8, 3)))


@pytest.mark.parametrize("make, match", [
    (lambda: Conv2D(4, 3, data_format="channels_middle"), "Conv2D.*data_format"),
    (lambda: Conv1D(4, 3, data_format="NCW"), "Conv1D.*data_format"),
    (lambda: ZeroPadding2D(data_format="channels"), "ZeroPadding2D.*data_format"),
    (lambda: Conv2D(4, 3, strides=2, dilation_rate=2), "strides > 1.*dilation_rate > 1"),
    (lambda: Conv1D(4, 3, strides=2, dilation_rate=2), "strides > 1.*dilation_rate > 1"),
    (lambda: Conv2D(4, 3, padding="causal"), "Conv2D.*padding.*causal"),
    (lambda: Conv2D(4, 3, padding="full"), "Conv2D.*padding"),
    (lambda: Conv2D(0, 3), "Conv2D.*filters"),
    (lambda: Conv2D(4, (3, 3, 3)), "Conv2D.*kernel_size"),
    (lambda: Conv2D(4, 0), "Conv2D.*kernel_size"),
    (lambda: Conv1D(4, 3, strides=(1, 1)), "Conv1D.*strides"),
    (lambda: Conv2D(3, 3, groups=2), "Conv2D.*groups"),
    (lambda: Conv2D(4, 3, activation="nope"), "nope"),
    (lambda: Conv2D(4, 3, kernel_constraint="max_nrom"), "kernel_constraint"),
    (lambda: ZeroPadding2D(((1, 2, 3), (0, 0))), "ZeroPadding2D.*padding"),
    (lambda: ZeroPadding2D(-1), "ZeroPadding2D.*padding"),
    (lambda: Cropping1D((1, 2, 3)), "Cropping1D.*cropping"),
])
def test_bad_arguments(make, match):
    with pytest.raises(ValueError, match=match):
        make()


def test_unknown_keyword():
    with pytest.raises(TypeError, match="Conv2D.*bogus"):
        Conv2D(4, 3, bogus=1)
