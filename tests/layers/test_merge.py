"""Merge layers against tf-keras: values, masks, shapes, errors, configs.

Reference values in tests/reference/core_merge_tf_ref.npz come from tf_keras 2.21
(/work/refenv): each merge layer applied to seeded inputs, and
compute_mask on given masks."""
import json
import os

import numpy as np
import pytest

from fastgraph import layers as L
from fastgraph.autodiff import Tensor, check_gradients
from fastgraph.engine import reset_uids
from fastgraph.layers import Input
from fastgraph.models import Model

REF = np.load(os.path.join(os.path.dirname(__file__), "..", "reference",
                           "core_merge_tf_ref.npz"))
A, B, C, V, W = (REF[k] for k in ("ma", "mb", "mc", "mv", "mw"))


@pytest.fixture(autouse=True)
def fresh_names():
    reset_uids()


@pytest.mark.parametrize("cls, fn, key", [
    (L.Add, L.add, "add"), (L.Multiply, L.multiply, "multiply"),
    (L.Average, L.average, "average"), (L.Maximum, L.maximum, "maximum"),
    (L.Minimum, L.minimum, "minimum")])
def test_elementwise_merges_match_tf_keras(cls, fn, key):
    np.testing.assert_allclose(cls()([A, B, C]).data, REF[key], rtol=1e-6)
    y = fn([Input((3, 5)), Input((3, 5)), Input((3, 5))])
    assert y.shape == (None, 3, 5) and y._keras_history.layer.name == key + "_1"
    clone = cls.from_config(json.loads(json.dumps(cls().get_config())))
    assert type(clone) is cls


def test_subtract_and_broadcasting():
    np.testing.assert_allclose(L.Subtract()([A, B]).data, REF["subtract"], rtol=1e-6)
    assert L.subtract([Input((3,)), Input((3,))]).shape == (None, 3)
    rng = np.random.default_rng(0)
    np.testing.assert_allclose(L.Add()([A, np.ones((4, 1, 5), "float32")]).data, A + 1)
    assert L.add([Input((3, 5)), Input((1, 5))]).shape == (None, 3, 5)
    assert L.add([Input((3, 5)), Input((5,))]).shape == (None, 3, 5)
    lower = rng.standard_normal((4, 5)).astype("float32")
    np.testing.assert_allclose(L.Add()([A, lower]).data, A + lower[:, None, :], rtol=1e-6)


def test_concatenate_matches_tf_keras():
    np.testing.assert_array_equal(L.Concatenate()([A, B]).data, REF["concat_last"])
    np.testing.assert_array_equal(L.Concatenate(axis=1)([A, B]).data, REF["concat_1"])
    assert L.concatenate([Input((3, 5)), Input((3, 2))]).shape == (None, 3, 7)
    assert L.concatenate([Input((None, 5)), Input((3, 5))], axis=1).shape == (None, None, 5)
    assert L.concatenate([Input((4,), dtype="int32"), Input((2,))]).dtype == "float32"
    assert L.add([Input((2,), dtype="int32"), Input((2,), dtype="int32")]).dtype == "int32"
    mixed = L.Concatenate()([np.ones((1, 2), np.int32), np.ones((1, 3), np.float32)])
    assert mixed.dtype == np.float32 and mixed.shape == (1, 5)
    assert L.Concatenate.from_config(L.Concatenate(axis=1).get_config()).axis == 1


def test_dot_matches_tf_keras():
    np.testing.assert_allclose(L.Dot(axes=1)([V, W]).data, REF["dot_1"], rtol=1e-5)
    np.testing.assert_allclose(L.Dot(axes=1, normalize=True)([V, W]).data,
                               REF["dot_norm"], rtol=1e-5)
    np.testing.assert_allclose(L.Dot(axes=(2, 2))([A, B]).data, REF["dot_3d"], rtol=1e-5)
    np.testing.assert_allclose(L.Dot(axes=(1, 1))([A, B]).data, REF["dot_3d_12"],
                               rtol=1e-5)
    np.testing.assert_allclose(L.Dot(axes=(2, 1))([A, V]).data, REF["dot_mixed"],
                               rtol=1e-5)
    assert L.dot([Input((5,)), Input((5,))], axes=1).shape == (None, 1)
    assert L.dot([Input((3, 5)), Input((4, 5))], axes=-1).shape == (None, 3, 4)
    config = L.Dot(axes=(1, 2), normalize=True).get_config()
    clone = L.Dot.from_config(json.loads(json.dumps(config)))
    assert clone.axes == (1, 2) and clone.normalize


def test_merge_gradients():
    rng = np.random.default_rng(1)
    a, b = rng.standard_normal((2, 3)), rng.standard_normal((2, 3))
    for layer in [L.Add(dtype="float64"), L.Average(dtype="float64"),
                  L.Multiply(dtype="float64"), L.Concatenate(dtype="float64"),
                  L.Dot(axes=1, normalize=True, dtype="float64")]:
        check_gradients(lambda x, y: layer([x, y]), a, b)


def test_masks_match_tf_keras():
    m1, m2 = REF["mask1"], REF["mask2"]
    np.testing.assert_array_equal(L.Concatenate().compute_mask([A, B], [m1, None]),
                                  REF["concat_mask"])
    np.testing.assert_array_equal(L.Concatenate(axis=1).compute_mask([A, B], [m1, m2]),
                                  REF["concat_mask_both"])
    np.testing.assert_array_equal(L.Add().compute_mask([A, B], [m1, m2]), REF["add_mask"])
    assert L.Add().compute_mask([A, B], [None, None]) is None
    assert L.Concatenate().compute_mask([A, B], None) is None
    assert L.Dot(axes=1).compute_mask([V, W], [m1, m2]) is None


def test_shape_errors_name_the_layer_and_shapes():
    with pytest.raises(ValueError, match=r'"concatenate".*matching shapes except for '
                                         r'the concatenation axis.*\(None, 3, 4\), '
                                         r'\(None, 5, 6\)'):
        L.concatenate([Input((3, 4)), Input((5, 6))])
    with pytest.raises(ValueError, match=r'"concatenate_1".*matching shapes'):
        L.Concatenate()([np.ones((2, 3, 4)), np.ones((2, 5, 6))])
    with pytest.raises(ValueError, match=r'"add".*incompatible shapes.*\(3,\) and \(4,\)'):
        L.add([Input((3,)), Input((4,))])
    with pytest.raises(ValueError, match=r'"add_1".*incompatible shapes'):
        L.Add()([np.ones((2, 3)), np.ones((2, 4))])
    with pytest.raises(ValueError, match=r"different batch sizes"):
        L.add([Input(batch_shape=(2, 3)), Input(batch_shape=(4, 3))])
    with pytest.raises(ValueError, match=r"`Subtract` layer.*exactly 2 inputs"):
        L.subtract([Input((3,)), Input((3,)), Input((3,))])
    with pytest.raises(ValueError, match=r"list of inputs"):
        L.Add()(Input((3,)))
    with pytest.raises(ValueError, match=r"axis values 5 \(at axis 1\) != 4 \(at axis 1\)"):
        L.dot([Input((5,)), Input((4,))], axes=1)
    with pytest.raises(ValueError, match="batch axis"):
        L.dot([Input((5,)), Input((5,))], axes=0)
    with pytest.raises(ValueError, match="out of range"):
        L.concatenate([Input((3,)), Input((3,))], axis=2)


def test_merges_inside_a_model_with_masks():
    class Masker(L.Layer):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.supports_masking = True

        def call(self, inputs):
            return inputs

        def compute_output_shape(self, input_shape):
            return input_shape

        def compute_mask(self, inputs, mask=None):
            return np.asarray(inputs)[..., 0] != 0

    a, b = Input((3, 5)), Input((3, 5))
    merged = L.concatenate([Masker()(a), b])
    assert merged._keras_mask.shape == (None, 3)
    model = Model([a, b], L.add([merged, merged]))
    x = A.copy()
    x[:, 2, 0] = 0
    outs, masks = model.call_with_masks([x, B])
    np.testing.assert_allclose(outs[0].data, 2 * np.concatenate([x, B], -1), rtol=1e-6)
    np.testing.assert_array_equal(masks[0], np.broadcast_to([True, True, False], (4, 3)))
    assert isinstance(outs[0], Tensor)


def test_graph_building_skips_mask_work_without_masks():
    """Unmasked inputs: no compute_mask dummy call (it ran at full image
    size and dominated big models' build); masked inputs still propagate."""
    calls = []

    class CountingAdd(L.Add):
        def compute_mask(self, inputs, mask=None):
            calls.append(mask)
            return super().compute_mask(inputs, mask)

    a, b = Input((64, 64, 8)), Input((64, 64, 8))
    assert CountingAdd()([a, b])._keras_mask is None
    assert calls == []
    s1, s2 = Input((5, 3)), Input((5, 3))
    masked = L.Masking()(s1)
    out = CountingAdd()([masked, s2])
    assert out._keras_mask is not None and out._keras_mask.shape == (None, 5)
    assert calls
