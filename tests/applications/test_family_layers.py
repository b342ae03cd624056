"""The layers a family brings: ConvNeXt's LayerScale and StochasticDepth,
InceptionResNetV2's CustomScaleLayer (configs and numbers)."""
import numpy as np

from fastgraph import backend as K
from fastgraph.applications.convnext import LayerScale, StochasticDepth
from fastgraph.applications.inception_resnet_v2 import CustomScaleLayer
from fastgraph.layers import Input
from fastgraph.models import Model

X = np.random.default_rng(0).standard_normal((400, 3)).astype("float32")


def test_stochastic_depth_drops_whole_samples_in_training_only():
    inp = Input((3,))
    model = Model(inp, StochasticDepth(0.25)(inp))
    np.testing.assert_array_equal(model.predict(X, verbose=0), X)
    out = K.get_value(model(K.constant(X), training=True))
    kept = np.all(out != 0, axis=1)
    np.testing.assert_allclose(out[kept], X[kept] / 0.75, rtol=1e-6)
    assert np.all(out[~kept] == 0) and 0.6 < kept.mean() < 0.9
    assert StochasticDepth.from_config(StochasticDepth(0.25).get_config()).drop_path_rate \
        == 0.25


def test_layer_scale_multiplies_per_channel():
    layer = LayerScale(1e-6, 3)
    inp = Input((3,))
    model = Model(inp, layer(inp))
    np.testing.assert_allclose(model.predict(X[:2], verbose=0), X[:2] * 1e-6, rtol=1e-6)
    layer.set_weights([np.array([1.0, 2.0, -3.0], "float32")])
    np.testing.assert_allclose(model.predict(X[:2], verbose=0), X[:2] * [1, 2, -3],
                               rtol=1e-6)
    config = LayerScale.from_config(layer.get_config()).get_config()
    assert (config["init_values"], config["projection_dim"]) == (1e-6, 3)


def test_custom_scale_layer_is_a_scaled_residual():
    a, b = Input((3,)), Input((3,))
    model = Model([a, b], CustomScaleLayer(0.17)([a, b]))
    np.testing.assert_allclose(model.predict([X[:4], X[4:8]], verbose=0),
                               X[:4] + 0.17 * X[4:8], rtol=1e-6)
    assert CustomScaleLayer.from_config(CustomScaleLayer(0.1).get_config()).scale == 0.1
