"""fastgraph.initializers, fastgraph.regularizers, fastgraph.activations:
names, configs, formulas (tf-keras 2.x), seeds, differentiable penalties."""
import math

import numpy as np
import pytest

from fastgraph import activations, initializers, regularizers
from fastgraph.autodiff import Tensor, Variable, gradients
from fastgraph.ops.random import set_seed


@pytest.mark.parametrize("name, cls", [
    ("zeros", initializers.Zeros), ("ones", initializers.Ones),
    ("glorot_uniform", initializers.GlorotUniform), ("GlorotNormal", initializers.GlorotNormal),
    ("he_normal", initializers.HeNormal), ("he_uniform", initializers.HeUniform),
    ("lecun_normal", initializers.LecunNormal), ("lecun_uniform", initializers.LecunUniform),
    ("orthogonal", initializers.Orthogonal), ("identity", initializers.Identity),
    ("random_normal", initializers.RandomNormal), ("random_uniform", initializers.RandomUniform),
    ("truncated_normal", initializers.TruncatedNormal), ("constant", initializers.Constant),
    ("variance_scaling", initializers.VarianceScaling)])
def test_initializers_by_name_and_config(name, cls):
    init = initializers.get(name)
    assert type(init) is cls
    config = initializers.serialize(init)
    assert config["class_name"] == cls.__name__
    again = initializers.get(config)
    assert type(again) is cls and again.get_config() == init.get_config()
    tf_style = dict(config, module="keras.initializers", registered_name=None)
    assert type(initializers.get(tf_style)) is cls


def test_initializer_get_errors_and_passthrough():
    with pytest.raises(ValueError, match="Unknown initializer: 'nope'"):
        initializers.get("nope")
    with pytest.raises(ValueError, match="Could not interpret"):
        initializers.get(3)
    fn = lambda shape, dtype=None: np.zeros(shape)   # noqa: E731
    assert initializers.get(fn) is fn and initializers.get(None) is None
    assert type(initializers.get(initializers.HeNormal)) is initializers.HeNormal
    assert initializers.serialize(initializers.GlorotUniform()) == {
        "class_name": "GlorotUniform", "config": {"seed": None}}


def test_variance_scaling_statistics():
    set_seed(0)
    shape = (3, 3, 64, 128)                     # fan_in 576, fan_out 1152
    glorot = initializers.GlorotUniform()(shape)
    limit = math.sqrt(6 / (576 + 1152))
    assert glorot.dtype == np.float32 and np.abs(glorot).max() <= limit
    assert abs(glorot.std() - limit / math.sqrt(3)) < 0.01 * limit
    he = initializers.HeNormal()(shape)
    assert np.abs(he).max() <= 2 * math.sqrt(2 / 576) / 0.87962566103423978 + 1e-6
    np.testing.assert_allclose(he.std(), math.sqrt(2 / 576), rtol=0.02)
    lecun = initializers.VarianceScaling(distribution="untruncated_normal")((400, 300))
    np.testing.assert_allclose(lecun.std(), math.sqrt(1 / 400), rtol=0.02)
    with pytest.raises(ValueError, match="mode"):
        initializers.VarianceScaling(mode="fan_max")
    with pytest.raises(ValueError, match="scale"):
        initializers.VarianceScaling(scale=0)


def test_seeds_global_and_per_initializer():
    set_seed(3)
    a = initializers.RandomNormal()((4, 4))
    set_seed(3)
    np.testing.assert_array_equal(initializers.RandomNormal()((4, 4)), a)
    seeded = initializers.GlorotNormal(seed=7)
    np.testing.assert_array_equal(seeded((5, 2)), seeded((5, 2)))
    u = initializers.RandomUniform(-1, 2, seed=1)((1000,))
    assert u.min() >= -1 and u.max() < 2
    t = initializers.TruncatedNormal(mean=1.0, stddev=0.5, seed=1)((2000,))
    assert np.abs(t - 1.0).max() <= 1.0


def test_orthogonal_identity_constant():
    q = initializers.Orthogonal(gain=2.0, seed=0)((6, 4))
    np.testing.assert_allclose(q.T @ q, 4 * np.eye(4), atol=1e-5)
    wide = initializers.Orthogonal(seed=0)((3, 5))
    np.testing.assert_allclose(wide @ wide.T, np.eye(3), atol=1e-5)
    np.testing.assert_array_equal(initializers.Identity(0.5)((2, 3)), 0.5 * np.eye(2, 3))
    with pytest.raises(ValueError, match="2-D"):
        initializers.Identity()((2, 2, 2))
    assert initializers.Constant(3)((2,), dtype="int32").tolist() == [3, 3]
    assert initializers.Zeros()((2,), dtype="float64").dtype == np.float64


def test_regularizers_values_configs_and_gradients():
    x = Variable(np.array([[1.0, -2.0], [3.0, 0.5]], np.float32))
    np.testing.assert_allclose(regularizers.l1(0.1)(x).data, 0.65, rtol=1e-6)
    np.testing.assert_allclose(regularizers.l2(0.1)(x).data, 1.425, rtol=1e-6)
    both = regularizers.l1_l2(l1=0.1, l2=0.1)
    np.testing.assert_allclose(both(x).data, 2.075, rtol=1e-6)
    (g,) = gradients(both(x), [x])
    np.testing.assert_allclose(g, 0.1 * np.sign(x.data) + 0.2 * x.data, rtol=1e-6)
    assert regularizers.L1L2()(x).data == 0.0
    assert regularizers.L2(l=0.3).l2 == pytest.approx(0.3)
    assert regularizers.serialize(regularizers.l2(0.01)) == {
        "class_name": "L2", "config": {"l2": 0.01}}
    for config in [regularizers.serialize(both), "l1", "l2", "l1_l2",
                   {"class_name": "L2", "config": {"l2": 0.009999999776482582},
                    "module": "keras.regularizers"}]:
        assert isinstance(regularizers.get(config), regularizers.Regularizer)
    with pytest.raises(ValueError, match="Unknown regularizer: 'l3'"):
        regularizers.get("l3")
    with pytest.raises(ValueError, match="non-negative"):
        regularizers.L2(-1.0)


def test_activations_get_and_serialize():
    assert activations.get(None) is activations.linear
    assert activations.get("relu") is activations.relu
    assert activations.get({"class_name": "tanh"}) is activations.tanh
    assert activations.serialize(activations.softmax) == "softmax"
    assert activations.serialize(None) == "linear"

    def custom(x):
        return x
    assert activations.get(custom) is custom and activations.serialize(custom) == "custom"
    assert activations.get("custom", {"custom": custom}) is custom
    with pytest.raises(ValueError, match="Unknown activation function: 'nope'"):
        activations.get("nope")
    with pytest.raises(TypeError):
        activations.get(3)
    out = activations.relu(Tensor(np.array([-1.0, 2.0], np.float32)))
    np.testing.assert_array_equal(out.data, [0.0, 2.0])
