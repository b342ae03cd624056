"""Metric functions, accuracy resolution, get/serialize."""
import numpy as np
import pytest

from fastgraph import losses, metrics
from fastgraph.autodiff import Tensor, Variable

# Expected values from tf_keras 2.21 (/work/refenv), generated once.
REG_T = np.array([[0.65, 1.15, 0.81, 0.63], [0.27, 0.94, 0.31, 1.68], [1.89, 0.15, 1.38, 0.59]])
REG_P = np.array([[0.7, 1.78, -0.79, -0.74], [-0.94, 1.5, 1.33, 1.61], [1.94, 1.4, 0.38, 1.34]],
                 np.float32)
BIN_T = np.array([[0.0, 1.0, 1.0, 0.0], [1.0, 1.0, 0.0, 0.0], [0.0, 0.0, 0.0, 1.0]])
BIN_P = np.array([[0.23, 0.38, 0.79, 0.14], [0.8, 0.14, 0.93, 0.47], [0.93, 0.59, 0.72, 0.09]],
                 np.float32)
PRED3 = np.array([[0.1, 0.5, 0.4], [0.3, 0.3, 0.4], [0.8, 0.1, 0.1], [0.2, 0.2, 0.6]],
                 np.float32)
LABELS3 = np.array([1, 0, 2, 1])


def test_binary_accuracy():
    out = metrics.binary_accuracy(BIN_T, BIN_P)
    assert out.dtype == np.float32
    np.testing.assert_array_equal(out, [0.75, 0.5, 0.0])
    np.testing.assert_array_equal(metrics.binary_accuracy(BIN_T, BIN_P, threshold=0.7),
                                  [0.75, 0.5, 0.25])
    # targets of shape (n,) against outputs (n, 1)
    np.testing.assert_array_equal(metrics.binary_accuracy(np.array([1, 0, 1]),
                                                          np.array([[0.9], [0.2], [0.4]])),
                                  [1.0, 1.0, 0.0])


def test_categorical_and_sparse_accuracy():
    np.testing.assert_array_equal(metrics.categorical_accuracy(np.eye(3)[LABELS3], PRED3),
                                  [1.0, 0.0, 0.0, 0.0])
    np.testing.assert_array_equal(
        metrics.sparse_categorical_accuracy(np.array([[1], [0], [2], [2]]), PRED3),
        [1.0, 0.0, 0.0, 1.0])
    np.testing.assert_array_equal(metrics.sparse_categorical_accuracy(LABELS3.astype(float), PRED3),
                                  [1.0, 0.0, 0.0, 0.0])
    with pytest.raises(ValueError, match="shape"):
        metrics.sparse_categorical_accuracy(np.zeros((4, 2)), PRED3)


def test_top_k():
    np.testing.assert_array_equal(metrics.sparse_top_k_categorical_accuracy(LABELS3, PRED3, k=2),
                                  [1.0, 1.0, 1.0, 1.0])  # ties straddling k count as in
    np.testing.assert_array_equal(metrics.sparse_top_k_categorical_accuracy(LABELS3, PRED3, k=1),
                                  [1.0, 0.0, 0.0, 0.0])
    onehot = np.eye(3)[LABELS3]
    np.testing.assert_array_equal(metrics.top_k_categorical_accuracy(onehot, PRED3, k=2),
                                  [1.0, 1.0, 1.0, 1.0])
    assert metrics.top_k_categorical_accuracy(np.eye(3)[LABELS3], PRED3).tolist() == [1.0] * 4
    seq = np.random.RandomState(0).rand(2, 5, 7)
    labels = np.argsort(seq, axis=-1)[..., -3]  # third best everywhere
    assert metrics.sparse_top_k_categorical_accuracy(labels, seq, k=3).shape == (2, 5)
    assert metrics.sparse_top_k_categorical_accuracy(labels, seq, k=3).all()
    assert not metrics.sparse_top_k_categorical_accuracy(labels, seq, k=2).any()
    with pytest.raises(IndexError, match="labels"):
        metrics.sparse_top_k_categorical_accuracy(np.array([0, 3, 1, 1]), PRED3)


def test_accuracy_chooses_by_shape():
    assert metrics.acc is metrics.accuracy
    np.testing.assert_array_equal(metrics.accuracy(np.array([[1], [0]]), np.array([[0.7], [0.6]])),
                                  [1.0, 0.0])
    np.testing.assert_array_equal(metrics.accuracy(LABELS3, PRED3), [1.0, 0.0, 0.0, 0.0])
    np.testing.assert_array_equal(metrics.accuracy(LABELS3[:, None], PRED3), [1.0, 0.0, 0.0, 0.0])
    np.testing.assert_array_equal(metrics.accuracy(np.eye(3)[LABELS3], PRED3), [1.0, 0.0, 0.0, 0.0])


def test_resolve_accuracy():
    r = metrics.resolve_accuracy
    assert r("sparse_categorical_crossentropy", (None, 10)) is metrics.sparse_categorical_accuracy
    assert r(losses.sparse_categorical_crossentropy, (None, 10)) is \
        metrics.sparse_categorical_accuracy
    assert r(losses.SparseCategoricalCrossentropy(from_logits=True), (None, 10)) is \
        metrics.sparse_categorical_accuracy
    assert r("binary_crossentropy", (None, 5)) is metrics.binary_accuracy
    assert r("bce", (None, 5)) is metrics.binary_accuracy
    assert r("mse", (None, 1)) is metrics.binary_accuracy
    assert r("categorical_crossentropy", (None, 10)) is metrics.categorical_accuracy
    assert r("mse", (None, 10)) is metrics.categorical_accuracy
    assert r("mse", (None, 10), target_shape=(None, 1)) is metrics.sparse_categorical_accuracy
    assert r("mse", (None, 4, 10), target_shape=(None, 4)) is metrics.sparse_categorical_accuracy

    def custom(y_true, y_pred):
        return losses.mse(y_true, y_pred)

    assert r(custom, (None, 3)) is metrics.categorical_accuracy
    assert r("not_a_loss_name", (None, 1)) is metrics.binary_accuracy


def test_losses_as_metrics_are_arrays_without_tape():
    y_pred = Variable(REG_P)
    out = metrics.mse(REG_T, y_pred * 1.0)
    assert isinstance(out, np.ndarray) and out.dtype == np.float32
    np.testing.assert_allclose(out, [1.209075, 0.70575, 0.781875], rtol=1e-5)
    assert metrics.mean_squared_error is metrics.mse
    assert metrics.mean_squared_error.__name__ == "mean_squared_error"
    np.testing.assert_allclose(metrics.categorical_crossentropy(np.eye(3)[LABELS3], PRED3),
                               -np.log(PRED3[np.arange(4), LABELS3]), rtol=1e-5)
    np.testing.assert_allclose(metrics.sparse_categorical_crossentropy(LABELS3, Tensor(PRED3)),
                               -np.log(PRED3[np.arange(4), LABELS3]), rtol=1e-5)
    np.testing.assert_allclose(metrics.binary_crossentropy(BIN_T, BIN_P),
                               [0.403873, 1.370848, 1.807942], rtol=1e-5)


def test_cosine_metric_sign_follows_tf_keras():
    # tf_keras: metrics.cosine_similarity / cosine_proximity are +similarity,
    # losses.cosine_similarity is its negative.
    expected = [0.37971, 0.792964, 0.775558]
    np.testing.assert_allclose(metrics.cosine_proximity(REG_T, REG_P), expected, rtol=1e-5)
    np.testing.assert_allclose(metrics.get("cosine_similarity")(REG_T, REG_P), expected, rtol=1e-5)


def test_get_and_serialize():
    assert metrics.get("accuracy") is metrics.accuracy
    assert metrics.get("acc") is metrics.accuracy
    assert metrics.get("mae") is metrics.mean_absolute_error
    assert metrics.get("top_k_categorical_accuracy") is metrics.top_k_categorical_accuracy
    assert metrics.get({"class_name": "function", "config": "mse"}) is metrics.mse
    fn = lambda y_true, y_pred: y_pred  # noqa: E731
    assert metrics.get(fn) is fn
    with pytest.raises(ValueError, match="Unknown metric: 'acuracy'.*accuracy"):
        metrics.get("acuracy")
    with pytest.raises(ValueError, match="interpret"):
        metrics.get(5)
    assert metrics.serialize(metrics.msle) == "mean_squared_logarithmic_error"
    assert metrics.serialize(metrics.binary_accuracy) == "binary_accuracy"
    for name in metrics.__all__:
        if name not in ("get", "serialize", "deserialize", "resolve_accuracy") \
                and not isinstance(getattr(metrics, name), type):   # the functions
            fn = metrics.get(name)
            assert metrics.get(metrics.serialize(fn)) is fn

