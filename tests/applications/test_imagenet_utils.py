"""preprocess_input in its three conventions and every family's choice,
decode_predictions over a class index fetched through get_file, and the
input-shape rules, against tf-keras's outputs (recorded once, inline)."""
import hashlib
import json

import numpy as np
import pytest

from fastgraph import applications
from fastgraph import backend as K
from fastgraph.applications import imagenet_utils
from fastgraph.layers import Input
from fastgraph.models import Model

from ..utils.http_server import serving

X = np.array([[[[0, 128, 255], [10, 20, 30]], [[200, 100, 50], [255, 255, 0]]]], "float32")
# tf-keras's preprocess_input(X, mode=...) for channels_last
KERAS = {
    "caffe": [[[[151.061, 11.221, -123.68], [-73.939, -96.779, -113.68]],
               [[-53.939, -16.779, 76.32], [-103.939, 138.221, 131.32]]]],
    "tf": [[[[-1.0, 0.00392, 1.0], [-0.92157, -0.84314, -0.76471]],
            [[0.56863, -0.21569, -0.60784], [1.0, 1.0, -1.0]]]],
    "torch": [[[[-2.1179, 0.20518, 2.64], [-1.94666, -1.68557, -1.28157]],
               [[1.30705, -0.28501, -0.93298], [2.24891, 2.42857, -1.80444]]]],
}
FAMILY_MODE = {"vgg16": "caffe", "vgg19": "caffe", "resnet": "caffe", "resnet50": "caffe",
               "resnet_v2": "tf", "inception_v3": "tf", "inception_resnet_v2": "tf",
               "xception": "tf", "mobilenet": "tf", "mobilenet_v2": "tf", "nasnet": "tf",
               "densenet": "torch", "mobilenet_v3": None, "efficientnet": None,
               "efficientnet_v2": None, "convnext": None, "regnet": None,
               "resnet_rs": None}


@pytest.mark.parametrize("mode", sorted(KERAS))
def test_modes_match_keras_in_both_layouts(mode):
    got = imagenet_utils.preprocess_input(X.copy(), mode=mode)
    np.testing.assert_allclose(got, KERAS[mode], atol=1e-4)
    first = imagenet_utils.preprocess_input(np.transpose(X, (0, 3, 1, 2)).copy(),
                                            data_format="channels_first", mode=mode)
    np.testing.assert_allclose(np.transpose(first, (0, 2, 3, 1)), KERAS[mode], atol=1e-4)
    single = imagenet_utils.preprocess_input(np.transpose(X[0], (2, 0, 1)).copy(),
                                             data_format="channels_first", mode=mode)
    np.testing.assert_allclose(np.transpose(single, (1, 2, 0)), KERAS[mode][0], atol=1e-4)


@pytest.mark.parametrize("mode", sorted(KERAS))
def test_symbolic_input_gets_a_layer_doing_the_same(mode):
    inp = Input((2, 2, 3))
    model = Model(inp, imagenet_utils.preprocess_input(inp, mode=mode))
    np.testing.assert_allclose(model.predict(X, verbose=0), KERAS[mode], atol=1e-4)


def test_arrays_change_in_place_and_ints_become_float():
    x = X.copy()
    assert imagenet_utils.preprocess_input(x, mode="tf") is x
    out = imagenet_utils.preprocess_input(X.astype("uint8"), mode="tf")
    assert out.dtype == np.float32
    np.testing.assert_allclose(out, KERAS["tf"], atol=1e-4)


@pytest.mark.parametrize("family", sorted(FAMILY_MODE))
def test_each_family_uses_keras_convention(family):
    got = getattr(applications, family).preprocess_input(X.copy())
    mode = FAMILY_MODE[family]
    np.testing.assert_allclose(got, X if mode is None else KERAS[mode], atol=1e-4)


def test_bad_mode_and_data_format_are_errors():
    with pytest.raises(ValueError, match="mode"):
        imagenet_utils.preprocess_input(X.copy(), mode="opencv")
    with pytest.raises(ValueError, match="data_format"):
        imagenet_utils.preprocess_input(X.copy(), data_format="nhwc")


@pytest.fixture
def class_index(tmp_path, monkeypatch):
    """A three-class index served from 127.0.0.1 in Keras's format."""
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras"))
    monkeypatch.setattr(imagenet_utils, "CLASS_INDEX", None)
    index = {str(i): [f"n{i:08d}", f"class_{i}"] for i in range(1000)}
    payload = json.dumps(index).encode()
    with serving({"/imagenet_class_index.json": payload}) as (url, requested):
        monkeypatch.setattr(imagenet_utils, "CLASS_INDEX_PATH",
                            url + "/imagenet_class_index.json")
        monkeypatch.setattr(imagenet_utils, "CLASS_INDEX_HASH",
                            hashlib.md5(payload).hexdigest())
        yield tmp_path / "keras", requested


def test_decode_predictions_fetches_the_index_once(class_index):
    home, requested = class_index
    preds = np.zeros((2, 1000), "float32")
    preds[0, [3, 7, 5]] = [0.5, 0.3, 0.2]
    preds[1, 999] = 1.0
    out = applications.resnet50.decode_predictions(preds, top=3)
    assert out[0] == [("n00000003", "class_3", np.float32(0.5)),
                      ("n00000007", "class_7", np.float32(0.3)),
                      ("n00000005", "class_5", np.float32(0.2))]
    assert out[1][0][:2] == ("n00000999", "class_999") and len(out[1]) == 3
    assert (home / "models" / "imagenet_class_index.json").exists()
    applications.vgg16.decode_predictions(preds)
    assert requested == ["/imagenet_class_index.json"]


def test_decode_predictions_wants_1000_columns():
    with pytest.raises(ValueError, match=r"\(samples, 1000\)"):
        imagenet_utils.decode_predictions(np.zeros((2, 10)))


@pytest.mark.parametrize("kwargs, message", [
    (dict(input_shape=(200, 200, 3), weights="imagenet", require_flatten=True),
     "should be"),
    (dict(input_shape=(224, 224), weights=None, require_flatten=False), "three integers"),
    (dict(input_shape=(224, 224, 1), weights="imagenet", require_flatten=False),
     "3 channels"),
    (dict(input_shape=(16, 224, 3), weights=None, require_flatten=False), "at least 32"),
    (dict(input_shape=(None, None, 3), weights=None, require_flatten=True), "static"),
])
def test_obtain_input_shape_errors(kwargs, message):
    with pytest.raises(ValueError, match=message):
        imagenet_utils.obtain_input_shape(default_size=224, min_size=32,
                                          data_format="channels_last", **kwargs)


def test_obtain_input_shape_defaults():
    assert imagenet_utils.obtain_input_shape(None, 224, 32, "channels_last", True) == \
        (224, 224, 3)
    assert imagenet_utils.obtain_input_shape(None, 224, 32, "channels_last", False) == \
        (None, None, 3)
    assert imagenet_utils.obtain_input_shape(None, 299, 75, "channels_first", True) == \
        (3, 299, 299)
    with pytest.warns(UserWarning, match="input channels"):
        assert imagenet_utils.obtain_input_shape(
            (64, 64, 5), 224, 32, "channels_last", False) == (64, 64, 5)


def test_correct_pad_keeps_tensorflow_alignment():
    assert imagenet_utils.correct_pad(Input((224, 224, 3)), 3) == ((0, 1), (0, 1))
    assert imagenet_utils.correct_pad(Input((225, 225, 3)), 5) == ((2, 2), (2, 2))
    assert imagenet_utils.correct_pad(Input((None, None, 3)), (3, 3)) == ((0, 1), (0, 1))


def test_symbolic_preprocessing_is_differentiable():
    x = K.variable(X)
    loss = K.sum(imagenet_utils._preprocess_tensor(x, "channels_last", "torch"))
    grad = K.get_value(K.gradients(loss, [x])[0])
    np.testing.assert_allclose(grad[0, 0, 0], 1 / 255 / np.array(imagenet_utils.TORCH_STD),
                               rtol=1e-5)
