"""Pooling layers: tf-keras equivalence, symbolic shapes, masks, aliases,
configs, gradients, bad input."""
import json
import os

import numpy as np
import pytest

from fastgraph.autodiff import Tensor, gradients
from fastgraph.engine.input_layer import Input
from fastgraph.layers import pooling as P
from fastgraph.layers.pooling import (AveragePooling1D, AveragePooling2D,
                                      GlobalAveragePooling1D, GlobalAveragePooling2D,
                                      GlobalMaxPooling1D, GlobalMaxPooling2D,
                                      MaxPooling1D, MaxPooling2D)

# tests/reference/layers_reference.npz: tf-keras 2.21 outputs (TensorFlow 2.21,
# float32), written once by tests/reference/layers_make_reference.py run with
# /work/refenv/bin/python.  Each case holds the layer's class and kwargs
# (`spec`), the input, an optional mask and tf-keras's output.
REF = np.load(os.path.join(os.path.dirname(__file__), "..", "reference",
                           "layers_reference.npz"))
CLASSES = {c.__name__: c for c in (
    AveragePooling1D, AveragePooling2D, GlobalAveragePooling1D, GlobalAveragePooling2D,
    GlobalMaxPooling1D, GlobalMaxPooling2D, MaxPooling1D, MaxPooling2D)}


def cases(classes):
    names = sorted({key.split("/")[0] for key in REF.files})
    return [n for n in names if json.loads(str(REF[f"{n}/spec"]))["class"] in classes]


@pytest.mark.parametrize("name", cases(CLASSES))
def test_forward_matches_tf_keras(name):
    spec = json.loads(str(REF[f"{name}/spec"]))
    layer = CLASSES[spec["class"]](**spec["kwargs"])
    x, want = REF[f"{name}/x"], REF[f"{name}/y"]
    if spec["mode"] == "mask":
        y = layer(x, mask=REF[f"{name}/mask"])
    else:
        y = layer(x)
    np.testing.assert_allclose(y.data, want, rtol=1e-6, atol=1e-6)
    assert layer.compute_output_shape(x.shape) == want.shape


@pytest.mark.parametrize("layer, in_shape, out_shape", [
    (lambda: MaxPooling2D((3, 3), strides=(1, 1), padding="same"), (256, 256, 3),
     (256, 256, 3)),
    (lambda: MaxPooling2D((2, 2)), (25, 25, 64), (12, 12, 64)),
    (lambda: MaxPooling2D(3, strides=2, padding="same"), (25, None, 4), (13, None, 4)),
    (lambda: AveragePooling2D((2, 3), strides=(1, 2)), (6, 7, 2), (5, 3, 2)),
    (lambda: MaxPooling1D(), (9, 3), (4, 3)),
    (lambda: MaxPooling1D(3, strides=2, padding="same"), (9, 3), (5, 3)),
    (lambda: AveragePooling1D(4, strides=1), (None, 3), (None, 3)),
    (lambda: GlobalAveragePooling2D(), (7, 7, 5), (5,)),
    (lambda: GlobalMaxPooling2D(keepdims=True), (7, None, 5), (1, 1, 5)),
    (lambda: GlobalAveragePooling1D(), (None, 5), (5,)),
    (lambda: GlobalMaxPooling1D(keepdims=True), (8, 5), (1, 5)),
])
def test_symbolic_output_shape(layer, in_shape, out_shape):
    layer = layer()
    out = layer(Input(shape=in_shape))
    assert out.shape == (None,) + out_shape
    assert layer.count_params() == 0


def test_aliases():
    assert P.MaxPool1D is MaxPooling1D and P.MaxPool2D is MaxPooling2D
    assert P.AvgPool1D is AveragePooling1D and P.AvgPool2D is AveragePooling2D
    assert P.GlobalAvgPool1D is GlobalAveragePooling1D
    assert P.GlobalAvgPool2D is GlobalAveragePooling2D
    assert P.GlobalMaxPool1D is GlobalMaxPooling1D
    assert P.GlobalMaxPool2D is GlobalMaxPooling2D


def test_global_average_1d_mask_is_consumed():
    pool = GlobalAveragePooling1D()
    x = np.arange(12, dtype=np.float32).reshape(1, 4, 3)
    y = pool(x, mask=np.array([[True, False, True, False]]))
    np.testing.assert_allclose(y.data, [[3.0, 4.0, 5.0]])
    assert pool.compute_mask(x, np.ones((1, 4), bool)) is None


# The config keys of tf-keras 2.21 (tf_keras get_config()).
WINDOW_KEYS = {"name", "trainable", "dtype", "pool_size", "padding", "strides",
               "data_format"}
GLOBAL_KEYS = {"name", "trainable", "dtype", "data_format", "keepdims"}


@pytest.mark.parametrize("make", [
    lambda: MaxPooling2D((3, 2), strides=1, padding="same"),
    lambda: AveragePooling2D(),
    lambda: MaxPooling1D(3),
    lambda: AveragePooling1D(2, strides=1, padding="same"),
    lambda: GlobalAveragePooling2D(keepdims=True),
    lambda: GlobalMaxPooling2D(),
    lambda: GlobalAveragePooling1D(),
    lambda: GlobalMaxPooling1D(keepdims=True),
])
def test_config_round_trip(make):
    layer = make()
    config = layer.get_config()
    keys = GLOBAL_KEYS if "keepdims" in config else WINDOW_KEYS
    assert set(config) == keys
    clone = type(layer).from_config(json.loads(json.dumps(config)))
    assert json.loads(json.dumps(clone.get_config())) == json.loads(json.dumps(config))


def test_default_strides_follow_pool_size():
    assert MaxPooling2D((3, 2)).strides == (3, 2)
    assert AveragePooling1D(4).strides == (4,)
    assert MaxPooling2D(2, strides=1).strides == (1, 1)


@pytest.mark.parametrize("layer, shape", [
    (lambda **kw: MaxPooling2D((2, 2), padding="same", **kw), (2, 5, 4, 2)),
    (lambda **kw: AveragePooling2D(3, strides=2, padding="same", **kw), (1, 5, 5, 2)),
    (lambda **kw: MaxPooling1D(2, strides=1, **kw), (2, 5, 3)),
    (lambda **kw: AveragePooling1D(3, padding="same", **kw), (2, 5, 3)),
    (lambda **kw: GlobalMaxPooling2D(keepdims=True, **kw), (2, 3, 3, 2)),
    (lambda **kw: GlobalAveragePooling2D(**kw), (2, 3, 3, 2)),
    (lambda **kw: GlobalMaxPooling1D(**kw), (2, 4, 3)),
    (lambda **kw: GlobalAveragePooling1D(keepdims=True, **kw), (2, 4, 3)),
])
def test_input_gradient_matches_finite_differences(layer, shape):
    rng = np.random.RandomState(7)
    layer = layer(dtype="float64")
    x = Tensor(rng.randn(*shape), requires_grad=True)
    out = layer(x)
    probe = rng.uniform(-1, 1, out.shape)
    (gx,) = gradients(out, [x], grad_loss=probe)
    numeric = np.zeros_like(x.data)
    for idx in np.ndindex(*x.shape):
        orig = x.data[idx]
        x.data[idx] = orig + 1e-6
        plus = np.sum(layer(x.data).data * probe)
        x.data[idx] = orig - 1e-6
        minus = np.sum(layer(x.data).data * probe)
        x.data[idx] = orig
        numeric[idx] = (plus - minus) / 2e-6
    np.testing.assert_allclose(gx, numeric, rtol=1e-5, atol=1e-8)


def test_wrong_rank_names_layer():
    with pytest.raises(ValueError, match=r'"pool_rank".*ndim=4.*ndim=3.*\(None, 8, 3\)'):
        MaxPooling2D(name="pool_rank")(Input(shape=(8, 3)))
    with pytest.raises(ValueError, match=r'"pool1_rank".*ndim=3.*\(2, 8, 8, 3\)'):
        MaxPooling1D(name="pool1_rank")(np.zeros((2, 8, 8, 3), np.float32))
    with pytest.raises(ValueError, match=r'"gap_rank".*ndim=4'):
        GlobalAveragePooling2D(name="gap_rank")(Input(shape=(8,)))


def test_input_too_small():
    with pytest.raises(ValueError, match=r'"pool_small".*\(None, 1, 8, 3\).*empty'):
        MaxPooling2D((2, 2), name="pool_small")(Input(shape=(1, 8, 3)))
    with pytest.raises(ValueError, match=r'"gap_empty".*dimension 0'):
        GlobalMaxPooling1D(name="gap_empty")(Input(shape=(0, 3)))


@pytest.mark.parametrize("make, match", [
    (lambda: MaxPooling2D(data_format="NCHW"), "MaxPooling2D.*data_format"),
    (lambda: GlobalAveragePooling1D(data_format="first"), "GlobalAveragePooling1D.*data_format"),
    (lambda: MaxPooling2D(padding="causal"), "MaxPooling2D.*padding"),
    (lambda: AveragePooling2D((2, 2, 2)), "AveragePooling2D.*pool_size"),
    (lambda: MaxPooling1D(0), "MaxPooling1D.*pool_size"),
    (lambda: MaxPooling2D(2, strides=(1, -1)), "MaxPooling2D.*strides"),
])
def test_bad_arguments(make, match):
    with pytest.raises(ValueError, match=match):
        make()
