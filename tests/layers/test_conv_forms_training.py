"""The convolution family of issue 13 in models: one SGD step equal to
tf-keras's (tests/reference/conv_layers_reference.npz, `step/...`), save and
load, float64 gradients of each layer against finite differences, and bad
input named by layer and argument."""
import json
import os

import numpy as np
import pytest

from fastgraph import layers as L
from fastgraph import optimizers
from fastgraph.autodiff import Variable, gradients
from fastgraph.engine.input_layer import Input
from fastgraph.models import Model, load_model

REF = np.load(os.path.join(os.path.dirname(__file__), "..", "reference",
                           "conv_layers_reference.npz"))
CF = "channels_first"


def image_model():
    x = L.Input((8, 8, 3), name="img")
    h = L.Conv2D(4, 3, padding="same", name="c1")(x)
    h = L.SeparableConv2D(6, 3, padding="same", activation="relu", depth_multiplier=2,
                          name="sep")(h)
    h = L.DepthwiseConv2D(3, strides=2, padding="same", activation="tanh", name="dw")(h)
    h = L.Conv2DTranspose(4, 3, strides=2, padding="same", output_padding=1,
                          activation="relu", name="deconv")(h)
    h = L.UpSampling2D(interpolation="bilinear", name="up")(h)
    h = L.Conv2D(4, 3, strides=2, groups=2, name="grouped")(h)
    h = L.MaxPooling2D(name="pool")(h)
    h = L.LocallyConnected2D(2, 2, activation="relu", name="local")(h)
    h = L.Flatten(name="flat")(h)
    out = L.Dense(1, activation="sigmoid", name="out")(h)
    return Model(x, out), "binary_crossentropy"


def volume_model():
    x = L.Input((2, 6, 6, 6), name="vol")
    h = L.Conv3D(3, 3, padding="same", activation="relu", data_format=CF, name="c3")(x)
    h = L.MaxPooling3D(2, data_format=CF, name="pool")(h)
    h = L.Conv3DTranspose(2, 2, strides=2, data_format=CF, name="deconv")(h)
    h = L.ZeroPadding3D(1, data_format=CF, name="pad")(h)
    h = L.Cropping3D(((1, 0), (0, 1), (1, 1)), data_format=CF, name="crop")(h)
    h = L.AveragePooling3D(2, data_format=CF, name="avg")(h)
    h = L.UpSampling3D((1, 2, 1), data_format=CF, name="up")(h)
    h = L.GlobalAveragePooling3D(data_format=CF, name="gap")(h)
    out = L.Dense(2, name="out")(h)
    return Model(x, out), "mse"


def sequence_model():
    x = L.Input((10, 3), name="seq")
    h = L.Conv1D(4, 3, padding="causal", name="c1")(x)
    h = L.SeparableConv1D(4, 3, padding="same", depth_multiplier=2, name="sep")(h)
    h = L.DepthwiseConv1D(2, activation="relu", name="dw")(h)
    h = L.Conv1DTranspose(3, 3, strides=2, name="deconv")(h)
    h = L.UpSampling1D(2, name="up")(h)
    h = L.LocallyConnected1D(2, 3, strides=2, implementation=3, name="local")(h)
    h = L.MaxPooling1D(2, name="pool")(h)
    h = L.GlobalMaxPooling1D(name="gmp")(h)
    out = L.Dense(3, activation="softmax", name="out")(h)
    return Model(x, out), "categorical_crossentropy"


BUILDERS = {"image": image_model, "volume": volume_model, "sequence": sequence_model}


def ref_weights(prefix, tag, layer):
    out, i = [], 0
    while f"{prefix}/{tag}/{layer.name}/{i}" in REF:
        out.append(REF[f"{prefix}/{tag}/{layer.name}/{i}"])
        i += 1
    return out


@pytest.mark.parametrize("name", sorted(BUILDERS))
def test_one_sgd_step_matches_tf_keras(name):
    model, loss = BUILDERS[name]()
    prefix = f"step/{name}"
    assert model.count_params() == int(REF[f"{prefix}/params"])
    for layer in model.layers:
        layer.set_weights(ref_weights(prefix, "w0", layer))
    model.compile(optimizers.SGD(lr=0.1), loss)
    reported = model.train_on_batch(REF[f"{prefix}/x"], REF[f"{prefix}/y"])
    np.testing.assert_allclose(reported, REF[f"{prefix}/loss"], rtol=2e-5, atol=1e-6)
    checked = 0
    for layer in model.layers:
        before, after = ref_weights(prefix, "w0", layer), ref_weights(prefix, "w1", layer)
        for i, (w, b, a) in enumerate(zip(layer.get_weights(), before, after)):
            step, ref_step = w - b, a - b
            scale = np.abs(ref_step).max() + 1e-12
            np.testing.assert_allclose(step, ref_step, rtol=1e-4, atol=1e-4 * scale,
                                       err_msg=f"{name}: {layer.name} weight {i}")
            assert np.abs(ref_step).max() > 0
            checked += 1
    assert checked == sum(len(layer.get_weights()) for layer in model.layers)


@pytest.mark.parametrize("name", sorted(BUILDERS))
def test_save_and_load(name, tmp_path):
    model, loss = BUILDERS[name]()
    x = REF[f"step/{name}/x"]
    model.save(tmp_path / "model.keras")
    loaded = load_model(tmp_path / "model.keras")
    assert json.loads(json.dumps(loaded.get_config())) == \
        json.loads(json.dumps(model.get_config()))
    for a, b in zip(model.weights, loaded.weights):
        assert a.name == b.name and np.array_equal(a.data, b.data)
    np.testing.assert_array_equal(model.predict(x, verbose=0), loaded.predict(x, verbose=0))


def test_summary_counts():
    model, _ = image_model()
    lines = []
    model.summary(print_fn=lines.append)
    text = "\n".join(lines)
    assert f"Total params: {int(REF['step/image/params']):,}" in text
    for layer, params in (("sep", 4 * 9 * 2 + 8 * 6 + 6), ("dw", 6 * 9 + 6),
                          ("deconv", 9 * 6 * 4 + 4), ("grouped", 9 * 2 * 4 + 4),
                          ("local", 4 * 16 * 2 + 4 * 2)):
        assert model.get_layer(layer).count_params() == params


# ---------------------------------------------------------- float64 gradients
GRAD_LAYERS = [  # class, arguments, input shape
    (L.Conv3D, dict(filters=2, kernel_size=2, padding="same", groups=2,
                    activation="tanh"), (2, 3, 4, 3, 4)),
    (L.Conv2D, dict(filters=4, kernel_size=3, groups=2, data_format=CF,
                    activation="sigmoid"), (2, 4, 5, 4)),
    (L.Conv2D, dict(filters=4, kernel_size=3, groups=2, dilation_rate=2, padding="same"),
     (1, 5, 5, 2)),
    (L.Conv2DTranspose, dict(filters=2, kernel_size=3, strides=2, output_padding=1,
                             data_format=CF, activation="elu"), (2, 3, 3, 2)),
    (L.Conv1DTranspose, dict(filters=2, kernel_size=3, dilation_rate=2, padding="same"),
     (2, 5, 3)),
    (L.Conv3DTranspose, dict(filters=2, kernel_size=2, strides=(2, 1, 2), padding="same"),
     (1, 2, 3, 2, 2)),
    (L.DepthwiseConv2D, dict(kernel_size=3, depth_multiplier=2, padding="same",
                             data_format=CF, activation="tanh"), (2, 2, 4, 4)),
    (L.SeparableConv2D, dict(filters=3, kernel_size=2, depth_multiplier=2, strides=2,
                             activation="softplus"), (2, 5, 5, 2)),
    (L.SeparableConv1D, dict(filters=2, kernel_size=3, padding="causal", dilation_rate=2),
     (2, 6, 3)),
    (L.LocallyConnected2D, dict(filters=2, kernel_size=2, data_format=CF,
                                activation="tanh"), (2, 2, 4, 3)),
    (L.LocallyConnected1D, dict(filters=2, kernel_size=3, padding="same",
                                implementation=3), (2, 5, 2)),
    (L.LocallyConnected2D, dict(filters=2, kernel_size=3, padding="same",
                                implementation=2), (1, 4, 3, 2)),
    (L.UpSampling2D, dict(size=(2, 3), interpolation="bilinear", data_format=CF),
     (2, 2, 3, 3)),
    (L.AveragePooling3D, dict(pool_size=2, padding="same", data_format=CF), (1, 2, 3, 3, 3)),
    (L.MaxPooling3D, dict(pool_size=(2, 1, 2)), (1, 4, 3, 4, 2)),
]


@pytest.mark.parametrize("cls,kwargs,shape", GRAD_LAYERS)
def test_layer_gradients_match_finite_differences(cls, kwargs, shape):
    rng = np.random.RandomState(5)
    layer = cls(**kwargs, dtype="float64")
    x = Variable(rng.permutation(np.prod(shape)).reshape(shape) * 0.05 - 1.0)
    layer(x.data)
    layer.set_weights([rng.uniform(-0.5, 0.5, w.shape) for w in layer.get_weights()])
    variables = [x] + layer.trainable_weights
    out = layer(x)
    assert out.dtype == np.float64
    probe = rng.uniform(-1, 1, out.shape)
    analytic = gradients(layer(x), variables, grad_loss=probe)
    eps = 1e-6
    for var, grad in zip(variables, analytic):
        flat = var.data.reshape(-1)
        numeric = np.zeros(flat.size)
        for i in range(flat.size):
            orig = flat[i]
            flat[i] = orig + eps
            plus = np.sum(layer(x.data).data * probe)
            flat[i] = orig - eps
            minus = np.sum(layer(x.data).data * probe)
            flat[i] = orig
            numeric[i] = (plus - minus) / (2 * eps)
        np.testing.assert_allclose(grad.reshape(-1), numeric, rtol=1e-4, atol=1e-7)


# ---------------------------------------------------------------- bad input
@pytest.mark.parametrize("make, match", [
    (lambda: L.Conv3D(4, 3, data_format="channels_middle"), "Conv3D.*data_format"),
    (lambda: L.Conv2D(6, 3, groups=4), "Conv2D.*groups=4.*filters=6"),
    (lambda: L.Conv2D(6, 3, groups=-1), "Conv2D.*groups"),
    (lambda: L.Conv3D(4, (3, 3)), "Conv3D.*kernel_size"),
    (lambda: L.Conv3D(4, 3, dilation_rate=-2), "Conv3D.*dilation_rate"),
    (lambda: L.Conv3D(4, 3, padding="causal"), "Conv3D.*padding"),
    (lambda: L.Conv2DTranspose(4, 3, strides=2, output_padding=2),
     "Conv2DTranspose.*greater than output padding"),
    (lambda: L.Conv2DTranspose(4, 3, output_padding=-1), "Conv2DTranspose.*output_padding"),
    (lambda: L.Conv2DTranspose(4, 3, groups=2), "Conv2DTranspose.*groups"),
    (lambda: L.Conv1DTranspose(4, 3, padding="causal"), "Conv1DTranspose.*padding"),
    (lambda: L.Conv3DTranspose(4, 3, dilation_rate=2), "Conv3DTranspose.*dilation_rate"),
    (lambda: L.DepthwiseConv2D(3, depth_multiplier=0), "DepthwiseConv2D.*depth_multiplier"),
    (lambda: L.DepthwiseConv1D(3, padding="causal"), "DepthwiseConv1D.*padding"),
    (lambda: L.DepthwiseConv2D(3, strides=2, dilation_rate=2), "DepthwiseConv2D.*strides"),
    (lambda: L.SeparableConv2D(0, 3), "SeparableConv2D.*filters"),
    (lambda: L.SeparableConv2D(4, 3, depthwise_constraint="nope"),
     "SeparableConv2D.*depthwise_constraint"),
    (lambda: L.LocallyConnected2D(4, 3, padding="same"), "LocallyConnected2D.*padding"),
    (lambda: L.LocallyConnected1D(4, 3, implementation=4), "LocallyConnected1D.*implementation"),
    (lambda: L.UpSampling2D(interpolation="bicubic"), "UpSampling2D.*bicubic"),
    (lambda: L.UpSampling2D(interpolation="cubic"), "UpSampling2D.*interpolation"),
    (lambda: L.UpSampling3D(size=(2, 0, 2)), "UpSampling3D.*size"),
    (lambda: L.ZeroPadding3D(((1, 2), (0, 0))), "ZeroPadding3D.*padding"),
    (lambda: L.Cropping3D(-1), "Cropping3D.*cropping"),
    (lambda: L.MaxPooling3D((2, 2)), "MaxPooling3D.*pool_size"),
    (lambda: L.AveragePooling3D(2, data_format="NDHWC"), "AveragePooling3D.*data_format"),
    (lambda: L.GlobalMaxPooling3D(data_format="last"), "GlobalMaxPooling3D.*data_format"),
])
def test_bad_arguments(make, match):
    with pytest.raises(ValueError, match=match):
        make()


@pytest.mark.parametrize("layer, shape, match", [
    (lambda: L.Conv3D(2, 3, name="c3"), (8, 8, 3), r'"c3".*min_ndim=5'),
    (lambda: L.Conv2DTranspose(2, 3, name="ct"), (8, 8, 3, 1), r'"ct".*ndim=4'),
    (lambda: L.DepthwiseConv2D(3, name="dw"), (8, 3), r'"dw".*ndim=4'),
    (lambda: L.Conv2D(4, 3, groups=2, name="g"), (8, 8, 3), r'"g".*groups=2.*3 channels'),
    (lambda: L.Conv3D(2, 4, name="small"), (3, 8, 8, 1), r'"small".*<= 0'),
    (lambda: L.Conv2D(2, 3, data_format=CF, name="cf"), (None, 8, 8),
     r'"cf".*channel dimension'),
    (lambda: L.MaxPooling3D(3, name="p3"), (2, 8, 8, 1), r'"p3".*empty'),
    (lambda: L.LocallyConnected2D(2, 3, name="lc"), (None, 8, 1), r'"lc".*fully defined'),
    (lambda: L.Cropping3D(2, name="crop"), (4, 8, 8, 1), r'"crop".*cropping'),
    (lambda: L.UpSampling3D(name="up"), (4, 4, 1), r'"up".*ndim=5'),
    (lambda: L.SeparableConv1D(2, 5, name="sep"), (3, 2), r'"sep".*<= 0'),
])
def test_bad_input_shapes_name_the_layer(layer, shape, match):
    with pytest.raises(ValueError, match=match):
        layer()(Input(shape=shape))
