"""weights=None, a weights file, and 'imagenet' through Keras's file names
and URLs (a pre-placed file in a tmp KERAS_HOME, or one served from
127.0.0.1), with Keras's errors for arguments that cannot go together."""
import hashlib

import numpy as np
import pytest

from fastgraph import applications
from fastgraph.applications import _builder, mobilenet_v3
from fastgraph.engine import reset_uids
from fastgraph.layers import Input

from ..utils.http_server import serving
from .helpers import seeded_weights

IMAGES = np.random.default_rng(1).uniform(0, 255, (2, 32, 32, 3)).astype("float32")


def _small_v2(**kwargs):
    reset_uids()
    return applications.MobileNetV2(input_shape=(32, 32, 3), alpha=0.35, **kwargs)


def test_weights_file_path(tmp_path):
    source = _small_v2(weights=None)
    seeded_weights(source)
    path = tmp_path / "weights.h5"
    source.save_weights(path)
    loaded = _small_v2(weights=str(path))
    for a, b in zip(source.get_weights(), loaded.get_weights()):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_allclose(loaded.predict(IMAGES, verbose=0),
                               source.predict(IMAGES, verbose=0), rtol=1e-5, atol=1e-6)


def test_imagenet_from_a_file_keras_already_fetched(tmp_path, monkeypatch):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    reset_uids()
    source = applications.MobileNet(alpha=0.25, input_shape=(128, 128, 3),
                                    include_top=False, weights=None)
    seeded_weights(source)
    (tmp_path / "models").mkdir()
    source.save_weights(tmp_path / "models" / "mobilenet_2_5_128_tf_no_top.h5")
    reset_uids()
    loaded = applications.MobileNet(alpha=0.25, input_shape=(128, 128, 3),
                                    include_top=False, weights="imagenet")
    for a, b in zip(source.get_weights(), loaded.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_imagenet_download_checks_keras_hash(tmp_path, monkeypatch):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "home"))
    reset_uids()
    source = applications.MobileNetV3Small(minimalistic=True, include_top=False,
                                           weights=None)
    seeded_weights(source)
    # Keras 3's layout: tf-keras's HDF5 writer (and fastgraph's, which follows
    # it) cannot hold both 'expanded_conv/depthwise/pad' and a layer named
    # 'expanded_conv/depthwise'; the loader tells the layouts by content
    path = tmp_path / "served.weights.h5"
    source.save_weights(path)
    payload = path.read_bytes()
    name = "weights_mobilenet_v3_small_minimalistic_224_1.0_float_no_top_v2.h5"
    key = "small_minimalistic_224_1.0_float"
    with serving({"/mobilenet_v3/" + name: payload}) as (url, requested):
        monkeypatch.setattr(_builder, "BASE_WEIGHTS_PATH", url + "/")
        monkeypatch.setitem(mobilenet_v3.WEIGHTS_HASHES, key,
                            ("unused", hashlib.md5(payload).hexdigest()))
        reset_uids()
        loaded = applications.MobileNetV3Small(minimalistic=True, include_top=False,
                                               weights="imagenet")
        assert requested == ["/mobilenet_v3/" + name]
        assert (tmp_path / "home" / "models" / name).exists()
    np.testing.assert_array_equal(source.get_weights()[0], loaded.get_weights()[0])


@pytest.mark.parametrize("build, message", [
    (lambda: applications.VGG16(weights="imagenet", classes=10), "classes` should be 1000"),
    (lambda: applications.ResNet50(weights="/no/such/file.h5"), "weights` argument"),
    (lambda: applications.MobileNet(weights="imagenet", alpha=0.3), "alpha"),
    (lambda: applications.MobileNet(weights="imagenet", depth_multiplier=2),
     "depth multiplier"),
    (lambda: applications.MobileNetV2(weights="imagenet", alpha=0.2), "alpha"),
    (lambda: applications.MobileNetV3Large(weights="imagenet", minimalistic=True,
                                           alpha=0.75), "alpha"),
    (lambda: applications.MobileNetV3Small(weights=None, input_shape=(16, 16, 3)),
     "at least 32x32"),
    (lambda: applications.Xception(weights=None, input_shape=(64, 64, 3),
                                   include_top=False), "at least 71x71"),
    (lambda: applications.DenseNet121(weights="imagenet",
                                      classifier_activation="relu"), "softmax"),
    (lambda: applications.ResNetRS50(weights="imagenet-i224"), "variants"),
    (lambda: applications.NASNetMobile(weights="imagenet", input_shape=(None, None, 3),
                                       include_top=False), "static"),
    (lambda: applications.MobileNet(weights=None, foo=1), "Unknown argument"),
    (lambda: applications.VGG16(weights=None, input_tensor=np.zeros((1, 32, 32, 3))),
     "symbolic tensor"),
])
def test_keras_argument_errors(build, message):
    with pytest.raises(ValueError, match=message):
        build()


def test_input_tensor_and_pooling():
    reset_uids()
    inp = Input((48, 48, 3))
    model = applications.VGG19(include_top=False, weights=None, input_tensor=inp,
                               pooling="max")
    assert model.inputs[0] is inp and model.output_shape == (None, 512)
    out = model.predict(np.ones((2, 48, 48, 3), "float32"), verbose=0)
    assert out.shape == (2, 512) and np.isfinite(out).all()


def test_classes_and_classifier_activation():
    reset_uids()
    model = applications.MobileNetV2(weights=None, input_shape=(32, 32, 3), classes=7,
                                     classifier_activation=None)
    logits = model.predict(IMAGES, verbose=0)
    assert logits.shape == (2, 7) and not np.allclose(logits.sum(axis=1), 1.0)


def test_saved_models_load_without_custom_objects(tmp_path):
    """The op-named layers are Rescaling/Add/Multiply layers and the family
    layers (CustomScaleLayer, LayerScale) are registered, so load_model
    finds them all."""
    from fastgraph.models import load_model
    for build, shape in ((lambda: applications.MobileNetV3Small(
            weights=None, input_shape=(32, 32, 3)), (32, 32)),
            (lambda: applications.ConvNeXtTiny(weights=None, input_shape=(32, 32, 3)),
             (32, 32))):
        reset_uids()
        model = build()
        seeded_weights(model)
        path = tmp_path / f"{model.name}.keras"
        model.save(path)
        loaded = load_model(path)
        x = IMAGES[:, :shape[0], :shape[1]]
        np.testing.assert_allclose(loaded.predict(x, verbose=0),
                                   model.predict(x, verbose=0), rtol=1e-5, atol=1e-7)
