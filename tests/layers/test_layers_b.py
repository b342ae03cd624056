"""The activation, noise, masking, attention, normalization and EinsumDense
layers beyond their tf-keras values (test_layers_b_reference.py): bad
arguments, configs, the noise layers in training, masks in models,
MultiHeadAttention's call forms."""
import json

import numpy as np
import pytest

import fastgraph.layers as L
from fastgraph import activations, constraints
from fastgraph.autodiff import Tensor
from fastgraph.engine.layer import reset_uids
from fastgraph.models import Model, Sequential, load_model


@pytest.fixture(autouse=True)
def fresh_names():
    reset_uids()


def roundtrip(layer):
    config = json.loads(json.dumps(layer.get_config()))
    clone = type(layer).from_config(config)
    assert clone.get_config() == layer.get_config()
    return clone


@pytest.mark.parametrize("make, match", [
    (lambda: L.LeakyReLU(alpha=None), "LeakyReLU: alpha"),
    (lambda: L.ELU(alpha="x"), "ELU: alpha"),
    (lambda: L.ThresholdedReLU(theta=-1), "ThresholdedReLU: theta"),
    (lambda: L.ReLU(max_value=-1), "ReLU: max_value"),
    (lambda: L.ReLU(negative_slope=-0.1), "ReLU: negative_slope"),
    (lambda: L.ReLU(threshold=-0.5), "ReLU: threshold"),
    (lambda: L.Softmax(axis="last"), "Softmax: axis"),
    (lambda: L.PReLU(shared_axes=[0]), "PReLU: shared_axes"),
    (lambda: L.PReLU(alpha_constraint="max_nrom"), "PReLU: alpha_constraint"),
    (lambda: L.SpatialDropout1D(-0.1), "SpatialDropout1D.*rate"),
    (lambda: L.SpatialDropout2D(0.5, data_format="channels_middle"),
     "SpatialDropout2D: data_format"),
    (lambda: L.SpatialDropout3D(1.0), "SpatialDropout3D.*rate"),
    (lambda: L.GaussianNoise(-1.0), "GaussianNoise: stddev"),
    (lambda: L.GaussianDropout(1.5), "GaussianDropout.*rate"),
    (lambda: L.AlphaDropout(-0.5), "AlphaDropout.*rate"),
    (lambda: L.ActivityRegularization(l1=-1), "ActivityRegularization: .*l1"),
    (lambda: L.Masking(mask_value="pad"), "Masking: mask_value"),
    (lambda: L.GroupNormalization(groups=0), "GroupNormalization: groups"),
    (lambda: L.GroupNormalization(epsilon=-1), "GroupNormalization: epsilon"),
    (lambda: L.EinsumDense("ab,bc", 3), "EinsumDense: invalid einsum equation"),
    (lambda: L.EinsumDense("ab,bc->ac", 0), "EinsumDense: output_shape"),
    (lambda: L.EinsumDense("ab,bc->ac", 3, bias_axes=1), "EinsumDense: bias_axes"),
    (lambda: L.EinsumDense("ab,bc->ac", 3, kernel_constraint="max_nrom"),
     "EinsumDense: kernel_constraint"),
    (lambda: L.Attention(score_mode="cosine"), "Attention: .*score_mode"),
    (lambda: L.Attention(dropout=1.0), "Attention: dropout"),
    (lambda: L.AdditiveAttention(dropout=-0.1), "AdditiveAttention: dropout"),
    (lambda: L.MultiHeadAttention(0, 4), "MultiHeadAttention: num_heads"),
    (lambda: L.MultiHeadAttention(2, -4), "MultiHeadAttention: key_dim"),
    (lambda: L.MultiHeadAttention(2, 4, value_dim=1.5), "MultiHeadAttention: value_dim"),
    (lambda: L.MultiHeadAttention(2, 4, dropout=2), "MultiHeadAttention: dropout"),
    (lambda: L.MultiHeadAttention(2, 4, output_shape=0), "MultiHeadAttention: output_shape"),
    (lambda: L.MultiHeadAttention(2, 4, attention_axes="1"),
     "MultiHeadAttention: attention_axes"),
    (lambda: L.SpectralNormalization(L.Dense(2), power_iterations=0),
     "SpectralNormalization: power_iterations"),
])
def test_bad_arguments(make, match):
    with pytest.raises(ValueError, match=match):
        make()


@pytest.mark.parametrize("make, shape, match", [
    (lambda: L.Softmax(axis=3), (4, 5), "Softmax.*axis 3"),
    (lambda: L.PReLU(shared_axes=[3]), (4, 5), "PReLU.*shared_axes"),
    (lambda: L.PReLU(), (None, 5), "PReLU.*known size"),
    (lambda: L.GroupNormalization(groups=4), (3, 6), "number of groups \\(4\\) must divide"),
    (lambda: L.GroupNormalization(groups=8), (3, 6), "cannot be more than"),
    (lambda: L.GroupNormalization(axis=-3), (3, 6), "axis"),
    (lambda: L.UnitNormalization(axis=4), (3, 6), "axis"),
    (lambda: L.EinsumDense("abc,cd->abd", (None, 4)), (5,), "at least 3 axes"),
    (lambda: L.EinsumDense("ab,bc->ad", 4), (5,), "'d'"),
    (lambda: L.EinsumDense("ab,bc->ac", 4, bias_axes="x"), (5,), "Bias dimension 'x'|bias"),
    (lambda: L.SpectralNormalization(L.Activation("relu")), (5,), "kernel"),
])
def test_bad_input_at_build(make, shape, match):
    with pytest.raises(ValueError, match=match):
        make()(L.Input(shape))


def test_attention_layers_refuse_bad_calls():
    x = L.Input((3, 4))
    with pytest.raises(ValueError, match="Attention layer must be called on a list"):
        L.Attention()(x)
    with pytest.raises(ValueError, match="length 2 or 3"):
        L.AdditiveAttention()([x, x, x, x])
    with pytest.raises(ValueError, match="query, value and key must be"):
        L.Attention()([L.Input((4,)), L.Input((4,))])
    with pytest.raises(ValueError, match="call it as layer"):
        L.MultiHeadAttention(2, 2)([x])
    with pytest.raises(ValueError, match="use_causal_mask needs attention over axis 1"):
        L.MultiHeadAttention(2, 2, attention_axes=(1, 2))(
            np.ones((1, 2, 3, 4), np.float32), np.ones((1, 2, 3, 4), np.float32),
            use_causal_mask=True)


@pytest.mark.parametrize("layer", [
    L.GaussianNoise(0.3, seed=1), L.GaussianDropout(0.4, seed=2),
    L.AlphaDropout(0.2, noise_shape=(None, 1, 5), seed=3), L.SpatialDropout1D(0.5, seed=4),
    L.ActivityRegularization(l1=0.1, l2=0.2), L.Identity(), L.Masking(-1.0),
])
def test_parameter_free_layers_roundtrip_and_pass_inference(layer):
    x = np.random.RandomState(0).randn(2, 4, 5).astype(np.float32)
    clone = roundtrip(layer)
    for lay in (layer, clone):
        np.testing.assert_array_equal(lay(x).data, x)
        np.testing.assert_array_equal(lay(x, training=False).data, x)
    assert layer.compute_output_shape((None, 4, 5)) == (None, 4, 5)


def test_noise_layers_in_training():
    x = np.ones((64, 10, 8), np.float32)
    drop = L.SpatialDropout1D(0.5, seed=0)(x, training=True).data
    per_channel = drop.reshape(64, 10, 8)
    assert ((per_channel == per_channel[:, :1]).all())                 # whole channels
    assert set(np.unique(drop)) <= {0.0, 2.0} and 0.4 < (drop == 0).mean() < 0.6
    image = L.SpatialDropout2D(0.5, data_format="channels_first", seed=1)(
        np.ones((8, 6, 4, 4), np.float32), training=True).data
    assert (image == image[:, :, :1, :1]).all()
    volume = L.SpatialDropout3D(0.5, seed=2)(np.ones((4, 2, 3, 2, 6), np.float32),
                                             training=True).data
    assert (volume == volume[:, :1, :1, :1]).all()
    a = L.GaussianNoise(1.0, seed=5)
    b = L.GaussianNoise(1.0, seed=5)
    np.testing.assert_array_equal(a(x, training=True).data, b(x, training=True).data)
    assert not np.array_equal(a(x, training=True).data, b(x, training=False).data)
    assert L.GaussianDropout(0.3)(x, training=True).data.std() > 0.5
    assert L.AlphaDropout(0.3)(x, training=True).data.std() > 0.5


def test_activity_regularization_adds_its_penalty():
    layer = L.ActivityRegularization(l1=0.1, l2=0.2)
    x = np.arange(6, dtype=np.float32).reshape(2, 3)
    layer(x)
    (loss,) = layer.losses
    np.testing.assert_allclose(loss.data, (0.1 * x.sum() + 0.2 * (x ** 2).sum()) / 2)


def test_masking_output_and_mask():
    x = np.array([[[1, 2], [0, 0], [3, 0]]], np.float32)
    layer = L.Masking()
    np.testing.assert_array_equal(layer.compute_mask(Tensor(x)), [[True, False, True]])
    inp = L.Input((None, 2))
    out = layer(inp)
    assert out._keras_mask.shape == (None, None) and out._keras_mask.dtype == "bool"
    m = Model(inp, L.LSTM(2)(out))
    full = m.predict(x, verbose=0)
    np.testing.assert_allclose(m.predict(x[:, [0, 2]], verbose=0), full, rtol=1e-6)


def test_gelu_and_mish_by_name():
    assert activations.get("gelu") is activations.gelu
    assert activations.serialize(activations.mish) == "mish"
    layer = L.Dense(3, activation="gelu")
    assert layer.get_config()["activation"] == "gelu"
    x = np.random.RandomState(0).randn(2, 4).astype(np.float32)
    y = layer(x).data
    layer.activation = activations.linear
    z = layer(x).data
    from math import erf
    np.testing.assert_allclose(y, 0.5 * z * (1 + np.vectorize(erf)(z / np.sqrt(2))),
                               rtol=1e-5, atol=1e-6)


def test_prelu_constraint_by_name_and_summary_counts():
    layer = L.PReLU(shared_axes=[1], alpha_constraint="non_neg")
    assert isinstance(layer.alpha_constraint, constraints.NonNeg)
    m = Sequential([L.Input((4, 5)), layer])
    assert m.count_params() == 5


def test_multi_head_attention_call_forms(tmp_path):
    q, v, k = L.Input((4, 6)), L.Input((5, 6)), L.Input((5, 3))
    am = L.Input((4, 5), dtype="bool")
    mha = L.MultiHeadAttention(2, 3, value_dim=2)
    out, scores = mha(q, v, k, attention_mask=am, return_attention_scores=True)
    assert out.shape == (None, 4, 6) and scores.shape == (None, 2, 4, 5)
    model = Model([q, v, k, am], [out, scores])
    rng = np.random.RandomState(0)
    arrays = [rng.randn(2, 4, 6), rng.randn(2, 5, 6), rng.randn(2, 5, 3)]
    arrays = [a.astype(np.float32) for a in arrays] + [rng.rand(2, 4, 5) > 0.3]
    y, s = model.predict(arrays, verbose=0)
    eager, eager_s = mha(*arrays[:2], key=arrays[2], attention_mask=arrays[3],
                         return_attention_scores=True)
    np.testing.assert_allclose(y, eager.data, rtol=1e-6)
    np.testing.assert_allclose(s, eager_s.data, rtol=1e-6)
    assert np.allclose(s[~np.broadcast_to(arrays[3][:, None], s.shape)], 0)
    model.save(str(tmp_path / "m.fastgraph"))
    again = load_model(str(tmp_path / "m.fastgraph"))
    for a, b in zip(again.predict(arrays, verbose=0), (y, s)):
        np.testing.assert_array_equal(a, b)


def test_multi_head_attention_self_attention_trains_with_dropout():
    x = L.Input((5, 4))
    y = L.GlobalAveragePooling1D()(L.MultiHeadAttention(2, 4, dropout=0.5)(x, x))
    model = Model(x, L.Dense(1)(y))
    model.compile("sgd", "mse")
    data = np.random.RandomState(1).randn(16, 5, 4).astype(np.float32)
    history = model.fit(data, data[:, 0, :1], epochs=2, verbose=0)
    assert np.isfinite(history.history["loss"]).all()
    np.testing.assert_array_equal(model.predict(data, verbose=0),
                                  model.predict(data, verbose=0))


def test_query_mask_reaches_the_output():
    tokens = L.Input((5,), dtype="int32")
    e = L.Embedding(8, 4, mask_zero=True)(tokens)
    for layer in (L.MultiHeadAttention(2, 2), L.Attention(), L.AdditiveAttention()):
        out = layer(e, e) if isinstance(layer, L.MultiHeadAttention) else layer([e, e])
        assert out._keras_mask is not None and out._keras_mask.shape == (None, 5)


def test_spectral_normalization_only_rescales_in_training():
    layer = L.SpectralNormalization(L.Dense(3))
    x = np.random.RandomState(0).randn(4, 5).astype(np.float32)
    layer(x)
    kernel = layer.layer.kernel.data.copy()
    layer(x, training=False)
    np.testing.assert_array_equal(layer.layer.kernel.data, kernel)
    for _ in range(30):
        layer(x, training=True)
    assert abs(np.linalg.norm(layer.layer.kernel.data, 2) - 1) < 1e-3
    clone = roundtrip(layer)
    assert clone.power_iterations == 1 and type(clone.layer) is L.Dense


def test_multi_head_attention_regularizes_its_output_only():
    """tf-keras adds one activity loss, the output's (not the projections')."""
    mha = L.MultiHeadAttention(2, 3, activity_regularizer="l2")
    x = np.random.RandomState(0).rand(2, 4, 5).astype(np.float32)
    y = mha(x, x)
    (loss,) = mha.losses
    np.testing.assert_allclose(loss.data, 0.01 * (y.data.astype(np.float64) ** 2).sum() / 2,
                               rtol=1e-5)
    assert roundtrip(mha).activity_regularizer.l2 == 0.01


@pytest.mark.parametrize("use_bias", [True, False])
@pytest.mark.parametrize("causal", [False, True])
def test_multi_head_attention_fused_paths_match_the_two_op_one(use_bias, causal):
    """Self-attention (one stacked projection, self_attention), cross-
    attention (dot_product_attention) and the path that returns the weights
    (two ops) give the same outputs and weight gradients."""
    from fastgraph.autodiff import Variable, gradients
    rng = np.random.RandomState(2)
    mha = L.MultiHeadAttention(3, 4, use_bias=use_bias, dtype="float64")
    x = Variable(rng.randn(2, 5, 6))
    other = Variable(rng.randn(2, 7, 6))
    mask = rng.rand(2, 5, 5) > 0.3
    mask[..., 0] = True
    g = rng.randn(2, 5, 6)
    for value, m in ((x, mask), (other, None)):
        if use_bias:
            mha.build([x.shape, value.shape])
            for w in mha.weights:       # biases away from zero
                w.data[...] = rng.randn(*w.shape) * 0.3
        fused = mha(x, value, attention_mask=m, use_causal_mask=causal and m is not None)
        two, _ = mha(x, value, attention_mask=m, use_causal_mask=causal and m is not None,
                     return_attention_scores=True)
        np.testing.assert_allclose(fused.data, two.data, rtol=1e-12, atol=1e-13)
        wanted = [x, value] + mha.trainable_weights
        for a, b in zip(gradients(fused, wanted, grad_loss=g),
                        gradients(two, wanted, grad_loss=g)):
            np.testing.assert_allclose(a, b, rtol=1e-11, atol=1e-12)
