"""The convolution family of issue 13 against tf-keras: transposed, 3-D,
grouped, dilated, depthwise, separable and locally connected convolutions,
3-D and channels-first pooling, padding, cropping and upsampling.

Per case: the forward output given tf-keras's weights and input, the
symbolic output shape, count_params() (the summary's column), the config's
keys and plain values, and a config round trip.  Reference arrays:
tests/reference/conv_layers_reference.npz, written once by
tests/reference/conv_layers_make_reference.py with tf-keras 2.21
(/work/venv-tf)."""
import json
import os

import numpy as np
import pytest

from fastgraph import layers as L
from fastgraph.engine.input_layer import Input

REF = np.load(os.path.join(os.path.dirname(__file__), "..", "reference",
                           "conv_layers_reference.npz"))
CASES = sorted({key.split("/")[1] for key in REF.files if key.startswith("layer/")})


def load(name):
    prefix = f"layer/{name}/"
    arrays = {key[len(prefix):]: REF[key] for key in REF.files if key.startswith(prefix)}
    spec = json.loads(str(arrays.pop("spec")))
    weights = [arrays[f"w{i}"] for i in range(sum(k[0] == "w" for k in arrays))]
    return spec, arrays, weights


def plain(value):
    """A config value as JSON sees it (tuples are lists)."""
    return json.loads(json.dumps(value))


def call(layer, arrays):
    return layer(arrays["x"], mask=arrays["mask"]) if "mask" in arrays else layer(arrays["x"])


@pytest.mark.parametrize("name", CASES)
def test_forward_matches_tf_keras(name):
    spec, arrays, weights = load(name)
    layer = getattr(L, spec["class"])(**spec["kwargs"], weights=weights)
    y = call(layer, arrays)
    assert y.dtype == np.float32
    np.testing.assert_allclose(y.data, arrays["y"], rtol=1e-5, atol=1e-5)
    assert layer.compute_output_shape(arrays["x"].shape) == arrays["y"].shape
    assert [w.shape for w in layer.get_weights()] == [w.shape for w in weights]
    assert layer.count_params() == spec["params"]


@pytest.mark.parametrize("name", CASES)
def test_symbolic_shape_and_config(name):
    spec, arrays, weights = load(name)
    layer = getattr(L, spec["class"])(**spec["kwargs"])
    out = layer(Input(shape=arrays["x"].shape[1:]))
    assert out.shape == (None,) + arrays["y"].shape[1:]
    assert layer.count_params() == spec["params"]
    config, want = plain(layer.get_config()), spec["config"]
    assert set(config) == set(want)
    for key, value in want.items():
        if key != "name" and not isinstance(value, dict):
            assert config[key] == value, key
    clone = type(layer).from_config(config)
    assert plain(clone.get_config()) == config
    clone(arrays["x"][:1])
    clone.set_weights(weights)
    layer.set_weights(weights)
    np.testing.assert_allclose(call(clone, arrays).data, call(layer, arrays).data,
                               rtol=1e-6)


def test_aliases():
    assert L.Convolution1DTranspose is L.Conv1DTranspose
    assert L.Convolution2DTranspose is L.Conv2DTranspose
    assert L.Convolution3DTranspose is L.Conv3DTranspose
    assert L.Convolution3D is L.Conv3D
    assert L.SeparableConvolution1D is L.SeparableConv1D
    assert L.SeparableConvolution2D is L.SeparableConv2D
    assert L.MaxPool3D is L.MaxPooling3D and L.AvgPool3D is L.AveragePooling3D
    assert L.GlobalMaxPool3D is L.GlobalMaxPooling3D
    assert L.GlobalAvgPool3D is L.GlobalAveragePooling3D


def test_default_data_format_follows_the_backend():
    from fastgraph import backend as K
    K.set_image_data_format("channels_first")
    try:
        conv, pool = L.Conv2D(2, 3), L.MaxPooling3D()
        up, pad = L.UpSampling2D(), L.Cropping3D()
        explicit = L.Conv2D(2, 3, data_format="channels_last")
        conv1d = L.Conv1D(2, 3)
    finally:
        K.set_image_data_format("channels_last")
    assert conv.data_format == pool.data_format == up.data_format == "channels_first"
    assert pad.data_format == "channels_first"
    assert explicit.data_format == "channels_last"
    assert conv1d.data_format == "channels_last"     # Conv1D's own default, as Keras
    assert conv(np.zeros((1, 3, 5, 5), np.float32)).shape == (1, 2, 3, 3)
    assert L.Conv2D(2, 3).data_format == "channels_last"


def test_channels_first_stack_copies_only_at_its_input():
    """A channels-first layer returns a transposed view of its channels-last
    result, so the next channels-first layer reads it without a copy."""
    x = np.random.RandomState(0).randn(2, 3, 8, 8).astype(np.float32)
    first = L.Conv2D(4, 3, padding="same", data_format="channels_first")
    second = L.Conv2D(5, 3, padding="same", data_format="channels_first")
    y = first(x)
    assert y.shape == (2, 4, 8, 8) and not y.data.flags.c_contiguous
    assert y.data.transpose(0, 2, 3, 1).flags.c_contiguous
    z = second(y)
    ref = L.Conv2D(5, 3, padding="same")
    ref(y.data.transpose(0, 2, 3, 1))
    ref.set_weights(second.get_weights())
    np.testing.assert_allclose(z.data, ref(y.data.transpose(0, 2, 3, 1)).data.transpose(
        0, 3, 1, 2), rtol=1e-6)
