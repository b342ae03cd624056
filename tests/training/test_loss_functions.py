"""Losses: values against tf-keras, gradients, aliases, get/serialize, Loss objects."""
import numpy as np
import pytest

from fastgraph import losses
from fastgraph.autodiff import Tensor, Variable, check_gradients, gradients
from fastgraph.ops import activation

# Inputs and expected values below were generated once with tf_keras 2.21
# (/work/refenv), float32 inputs, values rounded to 6 decimals.
REG_T = np.array([[0.65, 1.15, 0.81, 0.63], [0.27, 0.94, 0.31, 1.68], [1.89, 0.15, 1.38, 0.59]])
REG_P = np.array([[0.7, 1.78, -0.79, -0.74], [-0.94, 1.5, 1.33, 1.61], [1.94, 1.4, 0.38, 1.34]])
POS_T = np.array([[0.35, 1.92, 0.43, 2.83], [1.57, 1.24, 0.79, 2.32], [1.37, 1.71, 0.06, 1.85]])
POS_P = np.array([[1.88, 1.89, 2.84, 2.08], [1.14, 1.37, 2.12, 0.27], [2.03, 2.04, 0.71, 0.47]])
PROBS = np.array([[0.1, 0.2, 0.3, 0.4], [0.7, 0.1, 0.1, 0.1], [0.25, 0.25, 0.25, 0.25]])
ONEHOT = np.array([[0.0, 0.0, 0.0, 1.0], [0.0, 1.0, 0.0, 0.0], [1.0, 0.0, 0.0, 0.0]])
SPARSE = np.array([3, 1, 0])
LOGITS = np.array([[-1.05, -1.42, -1.71, 1.95], [-0.51, -0.44, -1.25, 0.78],
                   [-1.61, -0.21, -0.9, 0.39]])
BIN_T = np.array([[0.0, 1.0, 1.0, 0.0], [1.0, 1.0, 0.0, 0.0], [0.0, 0.0, 0.0, 1.0]])
BIN_P = np.array([[0.23, 0.38, 0.79, 0.14], [0.8, 0.14, 0.93, 0.47], [0.93, 0.59, 0.72, 0.09]])
KLD_T = ONEHOT * 0.7 + 0.075

CASES = [
    # (expected, function, y_true, y_pred, kwargs)
    ([1.209075, 0.70575, 0.781875], losses.mean_squared_error, REG_T, REG_P, {}),
    ([0.9125, 0.715, 0.7625], losses.mean_absolute_error, REG_T, REG_P, {}),
    ([119.366524, 210.230392, 258.89032], losses.mean_absolute_percentage_error, REG_T, REG_P, {}),
    ([0.399359, 0.31721, 0.185144], losses.mean_squared_logarithmic_error, POS_T, POS_P, {}),
    ([0.9375, 1.72, 1.68], losses.hinge, BIN_T, REG_P, {}),
    ([0.9375, 1.72, 1.68], losses.hinge, 2 * BIN_T - 1, REG_P, {}),
    ([1.540425, 4.00115, 4.077], losses.squared_hinge, BIN_T, REG_P, {}),
    ([3.52, 1.11, 0.46], losses.categorical_hinge, ONEHOT, REG_P, {}),
    ([0.542425, 0.347313, 0.383125], losses.huber, REG_T, REG_P, {}),
    ([0.356562, 0.255612, 0.281563], losses.huber, REG_T, REG_P, {"delta": 0.5}),
    ([0.468511, 0.300704, 0.33226], losses.log_cosh, REG_T, REG_P, {}),
    ([0.916291, 2.302585, 1.386294], losses.categorical_crossentropy, ONEHOT, PROBS, {}),
    ([0.104278, 1.751708, 2.672647], losses.categorical_crossentropy, ONEHOT, LOGITS,
     {"from_logits": True}),
    ([0.975469, 2.253937, 1.386294], losses.categorical_crossentropy, ONEHOT, PROBS,
     {"label_smoothing": 0.1}),
    ([0.916291, 2.302585, 1.386294], losses.sparse_categorical_crossentropy, SPARSE, PROBS, {}),
    ([0.916291, 2.302585, 1.386294], losses.sparse_categorical_crossentropy,
     SPARSE[:, None].astype(float), PROBS, {}),
    ([0.104278, 1.751708, 2.672647], losses.sparse_categorical_crossentropy, SPARSE, LOGITS,
     {"from_logits": True}),
    ([0.104278, 0.0, 2.672647], losses.sparse_categorical_crossentropy, SPARSE, LOGITS,
     {"from_logits": True, "ignore_class": 1}),
    ([0.403873, 1.370848, 1.807942], losses.binary_crossentropy, BIN_T, BIN_P, {}),
    ([1.473955, 0.831685, 0.408518], losses.binary_crossentropy, BIN_T, LOGITS,
     {"from_logits": True}),
    ([0.500348, 1.29846, 1.652723], losses.binary_crossentropy, BIN_T, BIN_P,
     {"label_smoothing": 0.2}),
    ([0.313473, 1.37629, 0.605943], losses.kl_divergence, KLD_T, PROBS, {}),
    ([1.181348, 1.686988, 1.119547], losses.poisson, POS_T, POS_P, {}),
    ([-0.37971, -0.792964, -0.775558], losses.cosine_similarity, REG_T, REG_P, {}),
]


@pytest.mark.parametrize("expected, fn, y_true, y_pred, kwargs", CASES,
                         ids=[f"{c[1].__name__}-{i}" for i, c in enumerate(CASES)])
def test_matches_tf_keras(expected, fn, y_true, y_pred, kwargs):
    y_pred32 = y_pred.astype(np.float32)
    out = fn(y_true, y_pred32, **kwargs)
    assert isinstance(out, Tensor) and out.dtype == np.float32 and out.shape == (3,)
    np.testing.assert_allclose(out.data, expected, rtol=2e-5, atol=2e-5)


def test_fused_softmax_and_sigmoid_match_from_logits():
    z = Tensor(LOGITS.astype(np.float32))
    np.testing.assert_allclose(losses.categorical_crossentropy(ONEHOT, activation.softmax(z)).data,
                               [0.104278, 1.751708, 2.672647], rtol=2e-5)
    np.testing.assert_allclose(losses.binary_crossentropy(BIN_T, activation.sigmoid(z)).data,
                               [1.473955, 0.831685, 0.408518], rtol=2e-5)


def test_aliases():
    assert losses.mse is losses.MSE is losses.mean_squared_error
    assert losses.mae is losses.mean_absolute_error
    assert losses.mape is losses.mean_absolute_percentage_error
    assert losses.msle is losses.mean_squared_logarithmic_error
    assert losses.kld is losses.kullback_leibler_divergence is losses.kl_divergence
    # tf-keras 2.x: cosine_proximity is the (negative) cosine_similarity loss
    assert losses.cosine_proximity is losses.cosine_similarity
    assert losses.huber_loss is losses.huber and losses.logcosh is losses.log_cosh


def test_float32_is_kept_and_int_targets_are_cast():
    out = losses.mse(np.array([[1, 2]]), np.array([[1.5, 2.0]], np.float32))
    assert out.dtype == np.float32
    np.testing.assert_allclose(out.data, [0.125])
    out = losses.mae(np.array([[1.0]]), np.array([[2.0]]))  # float64 stays float64
    assert out.dtype == np.float64


def test_higher_rank_reduces_last_axis_only():
    y = np.random.RandomState(1).rand(2, 5, 3).astype(np.float32)
    assert losses.mse(y * 0, y).shape == (2, 5)
    p = np.full((2, 5, 3), 1 / 3, np.float32)
    onehot = np.eye(3)[np.zeros((2, 5), int)]
    np.testing.assert_allclose(losses.categorical_crossentropy(onehot, p).data,
                               np.full((2, 5), np.log(3)), rtol=1e-5)
    assert losses.sparse_categorical_crossentropy(np.zeros((2, 5)), p).shape == (2, 5)


# ---- gradients (float64) -------------------------------------------------

RNG = np.random.RandomState(7)


def _probs(shape):
    x = RNG.rand(*shape) + 0.1
    return x / x.sum(-1, keepdims=True)


GRAD_CASES = [
    ("mse", lambda t, p: losses.mse(t, p), RNG.randn(3, 4), RNG.randn(3, 4)),
    ("mae", lambda t, p: losses.mae(t, p), RNG.randn(1, 5), RNG.randn(1, 5)),
    ("mape", lambda t, p: losses.mape(t, p), RNG.randn(2, 3) + 3, RNG.randn(2, 3)),
    ("msle", lambda t, p: losses.msle(t, p), RNG.rand(3, 3), RNG.rand(3, 3) + 0.1),
    ("hinge", lambda t, p: losses.hinge(t, p), RNG.randint(0, 2, (3, 4)).astype(float),
     RNG.randn(3, 4) * 0.3),
    ("squared_hinge", lambda t, p: losses.squared_hinge(t, p),
     RNG.randint(0, 2, (2, 3)).astype(float), RNG.randn(2, 3) * 0.3),
    ("categorical_hinge", lambda t, p: losses.categorical_hinge(t, p),
     np.eye(4)[[0, 3, 1]], RNG.randn(3, 4)),
    ("huber", lambda t, p: losses.huber(t, p), RNG.randn(3, 5), RNG.randn(3, 5) * 2),
    ("log_cosh", lambda t, p: losses.log_cosh(t, p), RNG.randn(3, 2), RNG.randn(3, 2) * 3),
    ("cce", lambda t, p: losses.categorical_crossentropy(t, p), np.eye(3)[[0, 2]],
     _probs((2, 3))),
    ("cce_logits", lambda t, p: losses.categorical_crossentropy(t, p, from_logits=True,
                                                               label_smoothing=0.1),
     np.eye(5)[[0, 2, 4]], RNG.randn(3, 5)),
    ("cce_softmax", lambda t, p: losses.categorical_crossentropy(t, activation.softmax(p)),
     _probs((1, 4)), RNG.randn(1, 4)),
    ("bce", lambda t, p: losses.binary_crossentropy(t, p),
     RNG.randint(0, 2, (3, 3)).astype(float), RNG.rand(3, 3) * 0.8 + 0.1),
    ("bce_sigmoid", lambda t, p: losses.binary_crossentropy(t, activation.sigmoid(p),
                                                           label_smoothing=0.1),
     RNG.randint(0, 2, (2, 5)).astype(float), RNG.randn(2, 5)),
    ("kld", lambda t, p: losses.kld(t, p), _probs((3, 4)), _probs((3, 4))),
    ("poisson", lambda t, p: losses.poisson(t, p), RNG.rand(3, 4) * 3, RNG.rand(3, 4) + 0.5),
    ("cosine", lambda t, p: losses.cosine_similarity(t, p), RNG.randn(3, 4), RNG.randn(3, 4)),
]


@pytest.mark.parametrize("name, fn, y_true, y_pred", GRAD_CASES,
                         ids=[c[0] for c in GRAD_CASES])
def test_gradients(name, fn, y_true, y_pred):
    check_gradients(fn, y_true, y_pred, wrt=[1])


def test_sparse_gradients():
    labels = np.array([2, 0, 1, 2, 1])
    check_gradients(lambda p: losses.sparse_categorical_crossentropy(labels, p),
                    _probs((5, 3)))
    check_gradients(lambda p: losses.sparse_categorical_crossentropy(
        labels, p, from_logits=True, ignore_class=0), RNG.randn(5, 3))


def test_gradient_reaches_weights_through_loss_object():
    w = Variable(np.array([[0.5], [-0.25]], np.float32))
    x = np.array([[1.0, 2.0], [3.0, -1.0]], np.float32)
    from fastgraph import backend as K
    loss = losses.MeanSquaredError()(np.array([[1.0], [0.0]]), K.dot(x, w))
    (g,) = gradients(loss, [w])
    pred = x @ w.data
    expected = x.T @ (2 * (pred - [[1.0], [0.0]]) / 2)
    np.testing.assert_allclose(g, expected, rtol=1e-6)


# ---- Loss objects, get, serialize -----------------------------------------

def test_loss_objects_match_tf_keras():
    f32 = lambda a: a.astype(np.float32)  # noqa: E731
    mse = losses.MeanSquaredError()
    assert float(mse(REG_T, f32(REG_P), sample_weight=[1.0, 0.5, 0.0]).data) == \
        pytest.approx(0.52065, rel=1e-5)
    assert float(losses.MeanSquaredError(reduction="sum")(REG_T, f32(REG_P)).data) == \
        pytest.approx(2.6967, rel=1e-5)
    assert float(losses.CategoricalCrossentropy(from_logits=True)(ONEHOT, f32(LOGITS)).data) == \
        pytest.approx(1.509544, rel=1e-5)
    assert float(losses.Huber(delta=2.0)(REG_T, f32(REG_P)).data) == \
        pytest.approx(0.44945, rel=1e-5)
    none = losses.MeanAbsoluteError(reduction="none")(REG_T, f32(REG_P))
    np.testing.assert_allclose(none.data, [0.9125, 0.715, 0.7625], rtol=1e-5)
    with pytest.raises(ValueError, match="reduction"):
        losses.MeanSquaredError(reduction="mean")


def test_user_loss_subclass():
    class Twice(losses.Loss):
        def call(self, y_true, y_pred):
            return 2.0 * losses.mae(y_true, y_pred)

    assert float(Twice()(np.zeros((2, 2)), np.ones((2, 2), np.float32)).data) == 2.0
    with pytest.raises(TypeError, match="call"):
        losses.Loss()


def test_get():
    assert losses.get("mse") is losses.mean_squared_error
    assert losses.get("categorical_crossentropy") is losses.categorical_crossentropy
    assert losses.get("cosine_proximity") is losses.cosine_similarity
    assert isinstance(losses.get("CategoricalCrossentropy"), losses.CategoricalCrossentropy)
    obj = losses.get({"class_name": "BinaryCrossentropy", "config": {"from_logits": True}})
    assert isinstance(obj, losses.BinaryCrossentropy) and obj._fn_kwargs["from_logits"]
    assert losses.get({"class_name": "function", "config": "mae"}) is losses.mae

    def my_loss(y_true, y_pred):
        return losses.mse(y_true, y_pred)

    assert losses.get(my_loss) is my_loss
    assert losses.get(None) is None
    with pytest.raises(ValueError, match="Unknown loss: 'msqe'.*mean_squared_error"):
        losses.get("msqe")
    with pytest.raises(ValueError, match="Unknown loss"):
        losses.get({"class_name": "Nope", "config": {}})
    with pytest.raises(ValueError, match="interpret"):
        losses.get(3)
    assert losses.deserialize("my_loss", custom_objects={"my_loss": my_loss}) is my_loss


def test_serialize_round_trip():
    assert losses.serialize(losses.mse) == "mean_squared_error"
    assert losses.serialize(losses.get("kld")) == "kl_divergence"
    obj = losses.CategoricalCrossentropy(from_logits=True, label_smoothing=0.1)
    config = losses.serialize(obj)
    assert config == {"class_name": "CategoricalCrossentropy",
                      "config": {"from_logits": True, "label_smoothing": 0.1, "axis": -1,
                                 "reduction": "auto", "name": "categorical_crossentropy"}}
    back = losses.get(config)
    assert isinstance(back, losses.CategoricalCrossentropy)
    assert back.get_config() == obj.get_config()
    for name in ["mse", "mae", "mape", "msle", "binary_crossentropy", "hinge", "poisson",
                 "sparse_categorical_crossentropy", "squared_hinge", "huber", "cosine_proximity"]:
        fn = losses.get(name)
        assert losses.get(losses.serialize(fn)) is fn


def test_per_sample():
    fn = losses.per_sample(losses.Huber(delta=0.5))
    np.testing.assert_allclose(fn(REG_T, REG_P.astype(np.float32)).data,
                               [0.356562, 0.255612, 0.281563], rtol=1e-5)
    assert losses.per_sample("mse") is losses.mean_squared_error


def test_bad_inputs():
    with pytest.raises(ValueError, match="axis"):
        losses.categorical_crossentropy(ONEHOT, PROBS, axis=True)
    with pytest.raises(ValueError):
        losses.sparse_categorical_crossentropy(np.array([0.5, 1.0, 2.0]), PROBS)
    with pytest.raises(ValueError, match="shape"):
        losses.categorical_crossentropy(ONEHOT[:, :3], PROBS)
