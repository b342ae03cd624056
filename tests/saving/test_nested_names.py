"""Keras 2 `.h5` files of models whose layer names nest ("blk/dw/pad"
listed before "blk/dw", as MobileNetV3's "expanded_conv/depthwise/pad"):
the earlier name already made the later layer's group, which must be
reused, and the file loads back predicting the same."""
import numpy as np
import pytest

pytest.importorskip("h5py")

from fastgraph import layers as L                                  # noqa: E402
from fastgraph.models import Model                                 # noqa: E402
from fastgraph.saving import load_model                            # noqa: E402


def _nested_model():
    x = L.Input((6, 6, 2))
    y = L.ZeroPadding2D(1, name="blk/dw/pad")(x)
    y = L.DepthwiseConv2D(3, name="blk/dw")(y)
    y = L.BatchNormalization(name="blk/dw/bn")(y)
    y = L.Conv2D(3, 1, name="blk")(y)
    return Model(x, L.GlobalAveragePooling2D(name="pool")(y))


def test_h5_with_nested_layer_names_round_trips(tmp_path):
    model = _nested_model()
    x = np.random.default_rng(0).standard_normal((2, 6, 6, 2)).astype("float32")
    expected = model.predict(x, verbose=0)
    path = str(tmp_path / "m.h5")
    model.save(path)
    loaded = load_model(path)
    assert [layer.name for layer in loaded.layers] == [layer.name for layer in model.layers]
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), expected)
    for a, b in zip(model.get_weights(), loaded.get_weights()):
        np.testing.assert_array_equal(a, b)
