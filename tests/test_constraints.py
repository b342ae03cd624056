"""fastgraph.constraints: tf-keras's arithmetic, lookup by name and config,
layers taking them by name, applied after each optimizer update; and
regularizers.OrthogonalRegularizer."""
import numpy as np
import pytest

from fastgraph import constraints, optimizers, regularizers
from fastgraph.autodiff import Tensor, Variable, check_gradients
from fastgraph.layers import Dense

EPS = 1e-7


def _norms(w, axis):
    return np.sqrt(np.sum(w ** 2, axis=tuple(np.atleast_1d(axis)), keepdims=True))


W = np.random.RandomState(0).randn(4, 3, 2).astype(np.float32)


@pytest.mark.parametrize("make, expected", [
    (lambda: constraints.MaxNorm(1.5, axis=0),
     lambda w: w * np.clip(_norms(w, 0), 0, 1.5) / (EPS + _norms(w, 0))),
    (lambda: constraints.MaxNorm(0.5, axis=[0, 1]),
     lambda w: w * np.clip(_norms(w, [0, 1]), 0, 0.5) / (EPS + _norms(w, [0, 1]))),
    (lambda: constraints.UnitNorm(axis=1), lambda w: w / (EPS + _norms(w, 1))),
    (lambda: constraints.NonNeg(), lambda w: np.maximum(w, 0)),
    (lambda: constraints.MinMaxNorm(1.0, 2.0, rate=0.5, axis=2),
     lambda w: w * (0.5 * np.clip(_norms(w, 2), 1, 2) + 0.5 * _norms(w, 2))
     / (EPS + _norms(w, 2))),
])
def test_values(make, expected):
    c = make()
    out = c(W)
    assert isinstance(out, np.ndarray) and out.dtype == W.dtype
    np.testing.assert_allclose(out, expected(W.astype(np.float64)), rtol=1e-5, atol=1e-6)
    t = c(Tensor(W))
    assert isinstance(t, Tensor)
    np.testing.assert_allclose(t.data, out)
    again = constraints.deserialize(constraints.serialize(c))
    assert type(again) is type(c) and again.get_config() == c.get_config()


def test_radial_constraint_rings():
    w = np.arange(25, dtype=np.float32).reshape(5, 5, 1, 1)
    out = constraints.RadialConstraint()(w)[:, :, 0, 0]
    # centre [1, 1] = 6, first ring [2, 2] = 12, second ring [3, 3] = 18 (tf-keras)
    assert out[2, 2] == 6 and out[1, 2] == out[3, 3] == 12 and out[0, 0] == out[4, 2] == 18
    with pytest.raises(ValueError, match="RadialConstraint.*rank 4"):
        constraints.RadialConstraint()(np.zeros((3, 3)))
    with pytest.raises(ValueError, match="RadialConstraint.*square"):
        constraints.RadialConstraint()(np.zeros((3, 2, 1, 1)))


@pytest.mark.parametrize("name, cls", [
    ("max_norm", constraints.MaxNorm), ("MaxNorm", constraints.MaxNorm),
    ("maxnorm", constraints.MaxNorm), ("non_neg", constraints.NonNeg),
    ("unit_norm", constraints.UnitNorm), ("min_max_norm", constraints.MinMaxNorm),
    ("radial_constraint", constraints.RadialConstraint),
])
def test_lookup_by_name(name, cls):
    assert type(constraints.get(name)) is cls
    assert getattr(constraints, cls.__name__) is cls


def test_function_names_are_the_classes():
    assert constraints.max_norm is constraints.MaxNorm
    assert constraints.min_max_norm is constraints.MinMaxNorm
    assert constraints.non_neg is constraints.NonNeg
    assert constraints.unit_norm is constraints.UnitNorm
    assert constraints.radial_constraint is constraints.RadialConstraint


@pytest.mark.parametrize("make, match", [
    (lambda: constraints.MaxNorm(-1), "MaxNorm: max_value"),
    (lambda: constraints.MaxNorm(axis="rows"), "MaxNorm: axis"),
    (lambda: constraints.MinMaxNorm(2.0, 1.0), "MinMaxNorm: max_value"),
    (lambda: constraints.MinMaxNorm(rate=float("nan")), "MinMaxNorm: rate"),
    (lambda: constraints.UnitNorm(axis=5)(W), "UnitNorm: axis 5"),
    (lambda: constraints.get("max_nrom"), "Unknown constraint"),
])
def test_bad_arguments(make, match):
    with pytest.raises(ValueError, match=match):
        make()


def test_layer_takes_a_name_and_the_optimizer_applies_it():
    layer = Dense(3, kernel_constraint="max_norm", bias_constraint=constraints.non_neg())
    layer.build((None, 4))
    layer.set_weights([np.full((4, 3), 2.0, np.float32), np.zeros(3, np.float32)])
    config = layer.get_config()
    assert config["kernel_constraint"] == {"class_name": "MaxNorm",
                                           "config": {"max_value": 2, "axis": 0}}
    assert type(Dense.from_config(config).kernel_constraint) is constraints.MaxNorm
    grads = [np.zeros((4, 3), np.float32), np.ones(3, np.float32)]
    optimizers.SGD(1.0).apply_gradients(zip(grads, layer.trainable_weights))
    np.testing.assert_allclose(layer.kernel.data, np.full((4, 3), 1.0), rtol=1e-6)
    np.testing.assert_array_equal(layer.bias.data, np.zeros(3))   # -1 clipped to 0


@pytest.mark.parametrize("mode", ["rows", "columns"])
def test_orthogonal_regularizer(mode):
    w = np.random.RandomState(1).randn(5, 3)
    unit = w / np.linalg.norm(w, axis=1 if mode == "rows" else 0, keepdims=True)
    prod = unit @ unit.T if mode == "rows" else unit.T @ unit
    n = prod.shape[0]
    expected = 0.2 * 0.5 * np.abs(prod * (1 - np.eye(n))).sum() / (n * (n - 1) / 2)
    reg = regularizers.OrthogonalRegularizer(0.2, mode)
    np.testing.assert_allclose(reg(Variable(w)).data, expected, rtol=1e-12)
    check_gradients(reg, w)
    again = regularizers.get(regularizers.serialize(reg))
    assert type(again) is regularizers.OrthogonalRegularizer and again.mode == mode
    assert regularizers.orthogonal_regularizer is regularizers.OrthogonalRegularizer
    assert type(regularizers.get("orthogonal_regularizer")) is regularizers.OrthogonalRegularizer


@pytest.mark.parametrize("make, match", [
    (lambda: regularizers.OrthogonalRegularizer(mode="diag"), "mode"),
    (lambda: regularizers.OrthogonalRegularizer(factor="big"), "factor"),
    (lambda: regularizers.OrthogonalRegularizer()(Tensor(np.zeros(3))), "rank 2"),
    (lambda: regularizers.OrthogonalRegularizer()(Tensor(np.zeros((1, 3)))), "at least 2"),
])
def test_orthogonal_regularizer_bad_input(make, match):
    with pytest.raises(ValueError, match=f"OrthogonalRegularizer.*{match}"):
        make()
