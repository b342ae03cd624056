"""A real data set: on the bundled 8x8 digits, an MLP reaches at least 95%
test accuracy and a small CNN at least 96% (seeded, a few seconds each)."""
import numpy as np
import pytest

from fastgraph import layers as L
from fastgraph.datasets import digits
from fastgraph.models import Sequential
from fastgraph.ops.random import set_seed
from fastgraph.utils import to_categorical


@pytest.fixture(scope="module")
def data():
    (x_train, y_train), (x_test, y_test) = digits.load_data()
    return ((x_train.astype(np.float32) / 16.0, y_train),
            (x_test.astype(np.float32) / 16.0, y_test))


def test_mlp_reaches_95_percent(data):
    (x_train, y_train), (x_test, y_test) = data
    set_seed(0)
    model = Sequential([L.Flatten(input_shape=(8, 8)),
                        L.Dense(128, activation="relu"),
                        L.Dense(10, activation="softmax")])
    model.compile("adam", "categorical_crossentropy", metrics=["accuracy"])
    history = model.fit(x_train, to_categorical(y_train, 10), epochs=30, batch_size=32,
                        validation_split=0.1, verbose=0)
    assert history.history["loss"][-1] < 0.3 * history.history["loss"][0]
    loss, accuracy = model.evaluate(x_test, to_categorical(y_test, 10), verbose=0)
    assert accuracy >= 0.95
    predicted = np.argmax(model.predict(x_test), axis=-1)
    assert np.mean(predicted == y_test) == pytest.approx(accuracy)


def test_small_cnn_reaches_96_percent(data):
    (x_train, y_train), (x_test, y_test) = data
    set_seed(0)
    model = Sequential([
        L.Conv2D(32, (3, 3), padding="same", activation="relu", input_shape=(8, 8, 1)),
        L.MaxPooling2D((2, 2)),
        L.Conv2D(32, (3, 3), padding="same", activation="relu"),
        L.Flatten(),
        L.Dense(64, activation="relu"),
        L.Dense(10, activation="softmax")])
    model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
    model.fit(x_train[..., None], y_train, epochs=15, batch_size=32, verbose=0)
    loss, accuracy = model.evaluate(x_test[..., None], y_test, verbose=0)
    assert accuracy >= 0.96
