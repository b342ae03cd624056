"""The convolutional seed programs (fastgraph/examples; docs/contract.md section
2) build symbolically, without computing anything, to Keras's shapes and
parameter counts; small versions of them run."""
import numpy as np
import pytest

import fastgraph
from fastgraph.models import Model
from fastgraph.models import Sequential
from fastgraph.layers import Dense, Flatten, Input
from fastgraph.layers import convolutional, pooling, reshaping
from fastgraph.layers.convolutional import Conv2D
from fastgraph.layers.embeddings import Embedding
from fastgraph.layers.pooling import MaxPooling2D

# Shapes and count_params() below were printed by tf-keras 2.21
# (/work/refenv/bin/python) for the same programs written with tf_keras.
INCEPTION_SHAPE, INCEPTION_PARAMS = (None, 768, 256, 64), 140160
RESIDUAL_SHAPE, RESIDUAL_PARAMS = (None, 256, 256, 3), 84
SHARED_VISION_SHAPE, SHARED_VISION_PARAMS = (None, 7744), 37568
CLASSIFIER_PARAMS = 53057
VQA_VISION_PARAMS = 1735488
VQA_VISION_SHAPES = [(None, 224, 224, 64), (None, 222, 222, 64), (None, 111, 111, 64),
                     (None, 111, 111, 128), (None, 109, 109, 128), (None, 54, 54, 128),
                     (None, 54, 54, 256), (None, 52, 52, 256), (None, 50, 50, 256),
                     (None, 25, 25, 256), (None, 160000)]
# The whole VQA model (with LSTM(256) and Dense(1000)) has 165077800
# parameters in tf-keras and the video QA model 169436968; their recurrent
# and dense parts are tested with those layers.


@pytest.fixture
def no_compute(monkeypatch):
    """Make any convolution or pooling kernel call during a build an error."""
    def forbidden(*args, **kwargs):
        raise AssertionError("a symbolic build ran a kernel")
    for module, names in ((convolutional, ("conv1d", "conv2d")),
                          (reshaping, ("pad", "getitem")),
                          (pooling, ("max_pool2d", "avg_pool2d", "max_pool1d",
                                     "avg_pool1d", "global_avg_pool2d",
                                     "global_max_pool2d"))):
        for name in names:
            monkeypatch.setattr(module, name, forbidden)


def inception(size):
    input_img = Input(shape=(size, size, 3))
    tower_1 = Conv2D(64, (1, 1), padding='same', activation='relu')(input_img)
    tower_1 = Conv2D(64, (3, 3), padding='same', activation='relu')(tower_1)
    tower_2 = Conv2D(64, (1, 1), padding='same', activation='relu')(input_img)
    tower_2 = Conv2D(64, (5, 5), padding='same', activation='relu')(tower_2)
    tower_3 = MaxPooling2D((3, 3), strides=(1, 1), padding='same')(input_img)
    tower_3 = Conv2D(64, (1, 1), padding='same', activation='relu')(tower_3)
    output = fastgraph.layers.concatenate([tower_1, tower_2, tower_3], axis=1)
    return Model(input_img, output)


def residual(size):
    x = Input(shape=(size, size, 3))
    y = Conv2D(3, (3, 3), padding='same')(x)
    z = fastgraph.layers.add([x, y])
    return Model(x, z)


def shared_vision():
    digit_input = Input(shape=(27, 27, 1))
    x = Conv2D(64, (3, 3))(digit_input)
    x = Conv2D(64, (3, 3))(x)
    x = MaxPooling2D((2, 2))(x)
    out = Flatten()(x)
    vision_model = Model(digit_input, out)

    digit_a = Input(shape=(27, 27, 1))
    digit_b = Input(shape=(27, 27, 1))
    out_a = vision_model(digit_a)
    out_b = vision_model(digit_b)
    concatenated = fastgraph.layers.concatenate([out_a, out_b])
    out = Dense(1, activation='sigmoid')(concatenated)
    return vision_model, Model([digit_a, digit_b], out)


def vqa_vision():
    vision_model = Sequential()
    vision_model.add(Conv2D(64, (3, 3), activation='relu', padding='same',
                            input_shape=(224, 224, 3)))
    vision_model.add(Conv2D(64, (3, 3), activation='relu'))
    vision_model.add(MaxPooling2D((2, 2)))
    vision_model.add(Conv2D(128, (3, 3), activation='relu', padding='same'))
    vision_model.add(Conv2D(128, (3, 3), activation='relu'))
    vision_model.add(MaxPooling2D((2, 2)))
    vision_model.add(Conv2D(256, (3, 3), activation='relu', padding='same'))
    vision_model.add(Conv2D(256, (3, 3), activation='relu'))
    vision_model.add(Conv2D(256, (3, 3), activation='relu'))
    vision_model.add(MaxPooling2D((2, 2)))
    vision_model.add(Flatten())
    return vision_model


def test_seed5_conv_nodes(no_compute):
    a = Input(shape=(32, 32, 3))
    b = Input(shape=(64, 64, 3))
    conv = Conv2D(16, (3, 3), padding='same')
    conved_a = conv(a)
    assert conv.input_shape == (None, 32, 32, 3)
    conved_b = conv(b)
    assert conv.get_input_shape_at(0) == (None, 32, 32, 3)
    assert conv.get_input_shape_at(1) == (None, 64, 64, 3)
    assert conv.get_output_at(0) == conved_a and conv.get_output_at(1) == conved_b
    assert conv.get_output_shape_at(1) == (None, 64, 64, 16)
    with pytest.raises(AttributeError, match="multiple inbound nodes.*get_output_at"):
        conv.output


def test_seed6_inception(no_compute):
    model = inception(256)
    assert model.output_shape == INCEPTION_SHAPE
    assert model.count_params() == INCEPTION_PARAMS


def test_seed7_residual(no_compute):
    model = residual(256)
    assert model.output_shape == RESIDUAL_SHAPE
    assert model.count_params() == RESIDUAL_PARAMS


def test_seed8_shared_vision(no_compute):
    vision_model, classifier = shared_vision()
    assert vision_model.output_shape == SHARED_VISION_SHAPE
    assert vision_model.count_params() == SHARED_VISION_PARAMS
    assert classifier.output_shape == (None, 1)
    assert classifier.count_params() == CLASSIFIER_PARAMS
    assert len(classifier.layers) == 5


def test_seed9_vqa_vision_and_question_embedding(no_compute):
    vision_model = vqa_vision()
    assert [layer.output_shape for layer in vision_model.layers] == VQA_VISION_SHAPES
    assert vision_model.count_params() == VQA_VISION_PARAMS
    image_input = Input(shape=(224, 224, 3))
    encoded_image = vision_model(image_input)
    assert encoded_image.shape == (None, 160000)
    question_input = Input(shape=(100,), dtype='int32')
    embedding = Embedding(input_dim=10000, output_dim=256, input_length=100)
    embedded_question = embedding(question_input)
    assert embedded_question.shape == (None, 100, 256)
    assert embedding.count_params() == 2560000


def test_small_seed_models_run_and_share_weights():
    rng = np.random.RandomState(0)
    x = rng.rand(2, 9, 9, 3).astype(np.float32)
    out = inception(9)(x).data
    assert out.shape == (2, 27, 9, 64) and np.all(out >= 0)
    model = residual(5)
    x5 = x[:, :5, :5]
    y = model(x5).data
    conv = model.layers[1]
    kernel, bias = conv.get_weights()
    want = x5 + _conv_same(x5, kernel) + bias
    np.testing.assert_allclose(y, want, rtol=1e-5, atol=1e-5)
    vision_model, classifier = shared_vision()
    digits = rng.rand(2, 27, 27, 1).astype(np.float32)
    p = classifier([digits, digits[::-1]]).data
    assert p.shape == (2, 1) and np.all((p > 0) & (p < 1))
    first = vision_model.layers[1]
    first.set_weights([w * 0 for w in first.get_weights()])
    assert np.all(vision_model(digits).data == 0)
    np.testing.assert_allclose(classifier([digits, digits]).data,
                               1 / (1 + np.exp(-classifier.layers[-1].get_weights()[1])) *
                               np.ones((2, 1)), rtol=1e-6)


def _conv_same(x, kernel):
    """3x3 'same' convolution in NumPy (NHWC, HWIO)."""
    n, h, w, _ = x.shape
    padded = np.pad(x, ((0, 0), (1, 1), (1, 1), (0, 0)))
    out = np.zeros((n, h, w, kernel.shape[-1]), np.float32)
    for i in range(3):
        for j in range(3):
            out += padded[:, i:i + h, j:j + w] @ kernel[i, j]
    return out
