"""Image preprocessing layers beyond the tf-keras reference values: the
random layers act only in training (fit passes training=True, predict
does not), seeds make them reproducible, every layer is differentiable in
the image (float64 gradient checks) and bad arguments are clear errors."""
import numpy as np
import pytest

import fastgraph as fg
from fastgraph import layers as L
from fastgraph.autodiff import check_gradients

IMAGES = np.random.RandomState(0).uniform(0, 1, (4, 6, 5, 2)).astype(np.float32)
RANDOM = [lambda: L.RandomFlip(seed=1), lambda: L.RandomRotation(0.2, seed=1),
          lambda: L.RandomZoom(0.3, seed=1), lambda: L.RandomTranslation(0.2, 0.3, seed=1),
          lambda: L.RandomContrast(0.5, seed=1),
          lambda: L.RandomBrightness(0.3, (0, 1), seed=1),
          lambda: L.RandomCrop(4, 3, seed=1), lambda: L.RandomHeight(0.4, seed=1),
          lambda: L.RandomWidth(0.4, seed=1)]


@pytest.mark.parametrize("make", RANDOM)
def test_random_layers_are_identity_outside_training(make):
    layer = make()
    out = layer(IMAGES, training=False).data
    if isinstance(layer, L.RandomCrop):      # inference: the centred resize
        assert out.shape == (4, 4, 3, 2)
    else:
        np.testing.assert_array_equal(out, IMAGES)


@pytest.mark.parametrize("make", RANDOM)
def test_seeded_random_layers_repeat_and_change(make):
    a, b = make(), make()
    first = a(IMAGES, training=True).data
    np.testing.assert_array_equal(first, b(IMAGES, training=True).data)
    again = [a(IMAGES, training=True).data for _ in range(4)]
    assert any(x.shape != first.shape or not np.array_equal(x, first) for x in again)


def test_unseeded_layers_follow_set_random_seed():
    fg.utils.set_random_seed(5)
    first = L.RandomRotation(0.3)(IMAGES, training=True).data
    fg.utils.set_random_seed(5)
    np.testing.assert_array_equal(L.RandomRotation(0.3)(IMAGES, training=True).data,
                                  first)


def test_flip_flips_each_image_alone():
    out = L.RandomFlip("horizontal", seed=3)(np.repeat(IMAGES[:1], 16, 0),
                                               training=True).data
    flipped = [np.array_equal(o, IMAGES[0, :, ::-1]) for o in out]
    kept = [np.array_equal(o, IMAGES[0]) for o in out]
    assert all(f or k for f, k in zip(flipped, kept)) and any(flipped) and any(kept)


def test_fit_trains_through_augmentation_and_predict_does_not_augment():
    """RandomBrightness by exactly +0.5 of a [0, 1000] range inside fit: the
    training loss (lr 0) sees x + 500, evaluate sees x."""
    inp = L.Input((3,))
    h = L.Reshape((1, 1, 3))(inp)
    h = L.RandomBrightness((0.5, 0.5), value_range=(0, 1000))(h)
    out = L.Dense(1, kernel_initializer="ones", use_bias=False)(L.Flatten()(h))
    model = fg.models.Model(inp, out)
    model.compile(fg.optimizers.SGD(0.0), "mse")
    x = np.ones((8, 3), np.float32)
    y = np.zeros((8, 1), np.float32)
    hist = model.fit(x, y, epochs=1, batch_size=8, verbose=0)
    np.testing.assert_allclose(hist.history["loss"][0], (3 * 501.0) ** 2, rtol=1e-6)
    np.testing.assert_allclose(model.evaluate(x, y, verbose=0), 9.0, rtol=1e-6)
    np.testing.assert_allclose(model.predict(x, verbose=0), 3.0)


@pytest.mark.parametrize("make", [
    lambda: L.Rescaling([0.5, -2.0], 0.1, dtype="float64"),
    lambda: L.Resizing(4, 7, "bicubic", dtype="float64"),
    lambda: L.Resizing(3, 3, "area", crop_to_aspect_ratio=True, dtype="float64"),
    lambda: L.CenterCrop(3, 4, dtype="float64"),
    lambda: L.CenterCrop(7, 7, dtype="float64"),
    lambda: L.Normalization(mean=[0.5, 0.2], variance=[2.0, 0.5], dtype="float64"),
    lambda: L.Normalization(mean=0.5, variance=4.0, invert=True, dtype="float64"),
])
def test_deterministic_layer_gradients(make):
    x = IMAGES[:2].astype(np.float64)
    check_gradients(lambda t: make()(t), x)


@pytest.mark.parametrize("make", [
    lambda: L.RandomFlip(seed=4, dtype="float64"),
    lambda: L.RandomRotation(0.2, seed=4, dtype="float64"),
    lambda: L.RandomZoom(0.3, fill_mode="constant", interpolation="nearest", seed=4,
                         dtype="float64"),
    lambda: L.RandomTranslation(0.2, 0.2, fill_mode="wrap", seed=4, dtype="float64"),
    lambda: L.RandomContrast(0.4, seed=4, dtype="float64"),
    lambda: L.RandomBrightness(0.1, (-10, 10), seed=4, dtype="float64"),
    lambda: L.RandomCrop(3, 3, seed=4, dtype="float64"),
    lambda: L.RandomHeight(0.5, seed=4, dtype="float64"),
])
def test_random_layer_gradients(make):
    """A fresh seeded layer per evaluation: the same draw every time."""
    x = IMAGES[:2].astype(np.float64)
    check_gradients(lambda t: make()(t, training=True), x)


def test_uint8_images_and_single_images():
    u8 = (IMAGES * 255).astype(np.uint8)
    y = L.Rescaling(1 / 255)(u8)
    assert y.dtype == np.float32
    one = L.RandomRotation(0.1, seed=0)(IMAGES[0], training=True)
    assert one.shape == IMAGES[0].shape
    assert L.Resizing(3, 3, "nearest", dtype="uint8")(u8).dtype == np.uint8


def test_symbolic_shapes_and_sequential():
    model = fg.models.Sequential([L.Input((6, 5, 2)), L.RandomHeight(0.2),
                                  L.RandomWidth(0.2), L.Resizing(8, 8),
                                  L.RandomFlip(), L.CenterCrop(4, 4)])
    assert model.layers[0].output_shape == (None, None, 5, 2)
    assert model.output_shape == (None, 4, 4, 2)
    assert model.predict(IMAGES, verbose=0).shape == (4, 4, 4, 2)


@pytest.mark.parametrize("make,match", [
    (lambda: L.Resizing(0, 3), r"Resizing: `height` must be an integer >= 1"),
    (lambda: L.Resizing(3, 3, interpolation="cubic"), "Resizing: interpolation must be"),
    (lambda: L.RandomFlip("diagonal"), r"RandomFlip: `mode` must be one of"),
    (lambda: L.RandomRotation(0.2, fill_mode="mirror"), "RandomRotation: `fill_mode`"),
    (lambda: L.RandomZoom(1.5), r"RandomZoom: `height_factor` must have values in"),
    (lambda: L.RandomTranslation((0.3, 0.1), 0.1), "cannot have an upper bound below"),
    (lambda: L.RandomContrast(-0.1), "RandomContrast: `factor` must have values in"),
    (lambda: L.RandomBrightness(0.1, value_range=5), "`value_range` must be a list"),
    (lambda: L.RandomCrop(3, 3, seed=-1), r"RandomCrop: `seed` must be an integer"),
    (lambda: L.Rescaling("a"), "Rescaling: `scale` must be a number"),
])
def test_bad_arguments(make, match):
    with pytest.raises(ValueError, match=match):
        make()


def test_bad_inputs():
    with pytest.raises(ValueError, match=r'"resizing.*expects an image .* got shape '
                                         r'\(4, 6\)'):
        L.Resizing(2, 2)(np.zeros((4, 6), np.float32))
    with pytest.raises(TypeError, match="expects numeric images, got dtype object"):
        L.Rescaling(2.0)(np.array([["a"]], dtype=object))
