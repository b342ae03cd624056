"""add_loss and add_metric on layers and models (tensors, symbolic tensors,
zero-argument callables), activity regularizers through the same path,
compile() without a loss, and the Keras 2 VAE trained that way."""
import numpy as np
import pytest

import fastgraph.backend as K
from fastgraph.datasets import digits
from fastgraph.layers import Dense, Input, Lambda, Layer
from fastgraph.losses import binary_crossentropy
from fastgraph.models import Model

RNG = np.random.RandomState(3)
X = RNG.rand(16, 4).astype(np.float32)


def sampling(args):
    """The reparameterization trick, as the Keras 2 VAE example writes it."""
    z_mean, z_log_var = args
    epsilon = K.random_normal(shape=(K.shape(z_mean)[0], K.int_shape(z_mean)[1]))
    return z_mean + K.exp(0.5 * z_log_var) * epsilon


def _vae(original_dim=64, latent_dim=2):
    inputs = Input(shape=(original_dim,))
    h = Dense(32, activation="relu")(inputs)
    z_mean = Dense(latent_dim)(h)
    z_log_var = Dense(latent_dim)(h)
    z = Lambda(sampling, output_shape=(latent_dim,))([z_mean, z_log_var])
    outputs = Dense(original_dim, activation="sigmoid")(Dense(32, activation="relu")(z))
    vae = Model(inputs, outputs)
    reconstruction_loss = binary_crossentropy(inputs, outputs) * original_dim
    kl_loss = 1 + z_log_var - K.square(z_mean) - K.exp(z_log_var)
    kl_loss = K.sum(kl_loss, axis=-1) * -0.5
    vae.add_loss(K.mean(reconstruction_loss + kl_loss))
    vae.add_metric(K.mean(kl_loss), name="kl_loss")
    return vae


def test_keras2_vae_trains_on_digits_and_its_loss_falls():
    (x_train, _), _ = digits.load_data()
    x_train = x_train.reshape(-1, 64).astype(np.float32) / 16.0
    vae = _vae()
    vae.compile(optimizer="adam")
    assert vae.metrics_names == ["loss", "kl_loss"]
    history = vae.fit(x_train, epochs=4, batch_size=64, verbose=0)
    assert set(history.history) == {"loss", "kl_loss"}
    loss = history.history["loss"]
    assert loss[-1] < loss[0] - 3.0 and all(np.isfinite(loss))
    value, kl = vae.evaluate(x_train, verbose=0)
    assert value < loss[0] and kl > 0
    assert vae.predict(x_train[:5], verbose=0).shape == (5, 64)


def test_added_loss_is_exact():
    x = Input((4,))
    dense = Dense(2, kernel_initializer="ones", bias_initializer="zeros")
    y = dense(x)
    model = Model(x, y)
    model.add_loss(K.mean(K.square(y)))
    model.add_loss(K.sum(x, axis=1))             # several values count by their mean
    model.add_loss(lambda: 0.5 * K.sum(dense.kernel))
    model.compile("sgd", "mse")
    target = np.zeros((16, 2), np.float32)
    want = 2 * np.mean((X.sum(1, keepdims=True)) ** 2) + np.mean(X.sum(1)) + 4.0
    np.testing.assert_allclose(model.evaluate(X, target, verbose=0), want, rtol=1e-5)
    assert len(model.losses) == 3


def test_compile_without_loss_needs_added_losses():
    x = Input((4,))
    plain = Model(x, Dense(2)(x))
    with pytest.raises(ValueError, match="unless the model adds its losses with add_loss"):
        plain.compile("sgd")
    with_loss = Model(x, Dense(2)(x))
    with_loss.add_loss(K.mean(with_loss.output))
    with pytest.raises(ValueError, match="report values with model.add_metric"):
        with_loss.compile("sgd", metrics=["mae"])
    with_loss.compile("sgd")
    with_loss.fit(X, epochs=1, verbose=0)
    with_loss.train_on_batch(X)
    constant = Model(x, Dense(2)(x))
    constant.add_loss(lambda: 2.5)          # a callable may give a number
    constant.compile("sgd")
    np.testing.assert_allclose(constant.evaluate(X, verbose=0), 2.5)


def test_no_loss_to_compute_is_reported():
    class Maybe(Layer):
        def call(self, inputs):
            return inputs
    x = Input((4,))
    model = Model(x, Maybe()(x))
    model.compile("sgd")        # a user layer may add losses in call()
    with pytest.raises(ValueError, match="no loss to compute"):
        model.fit(X, verbose=0)


def test_add_loss_and_add_metric_in_call():
    class Penalized(Layer):
        def call(self, inputs):
            self.add_loss(K.sum(K.abs(inputs)) * 0.0 + 1.5)
            self.add_metric(K.mean(inputs), name="mean_in")
            return inputs * 2.0
    x = Input((4,))
    model = Model(x, Dense(1)(Penalized()(x)))
    model.compile("sgd", "mse")
    history = model.fit(X, np.zeros((16, 1)), batch_size=16, epochs=2, verbose=0)
    assert model.metrics_names == ["loss", "mean_in"]
    np.testing.assert_allclose(history.history["mean_in"], [X.mean()] * 2, rtol=1e-5)
    logs = model.evaluate(X, np.zeros((16, 1)), verbose=0, return_dict=True)
    assert set(logs) == {"loss", "mean_in"} and logs["loss"] > 1.5


def test_add_metric_checks():
    x = Input((4,))
    model = Model(x, x)
    with pytest.raises(ValueError, match="needs a name"):
        model.add_metric(K.mean(x))
    with pytest.raises(ValueError, match='aggregation="mean"'):
        model.add_metric(K.mean(x), name="m", aggregation="sum")
    with pytest.raises(ValueError, match="outside call"):
        Dense(1).add_metric(K.variable(1.0), name="m")
    with pytest.raises(TypeError, match="model.add_loss"):
        Dense(1).add_loss(K.mean(x))
    other = Input((4,))
    with pytest.raises(ValueError, match="must be computed from the model's inputs"):
        model.add_loss(K.mean(other))


def test_activity_regularizer_and_symbolic_loss_share_the_path():
    x = Input((4,))
    y = Dense(3, activity_regularizer="l2", kernel_initializer="ones")(x)
    model = Model(x, y)
    model.add_loss(K.mean(y) * 0.0 + 2.0)
    model.compile("sgd")
    activity = 0.01 * np.sum((X.sum(1, keepdims=True) * np.ones(3)) ** 2) / 16
    np.testing.assert_allclose(model.evaluate(X, verbose=0), activity + 2.0, rtol=1e-4)


def test_symbolic_loss_in_a_nested_model_counts_in_the_outer_one():
    x = Input((4,))
    inner = Model(x, Dense(2)(x))
    inner.add_loss(K.mean(inner.output) * 0.0 + 3.0)
    outer_in = Input((4,))
    outer = Model(outer_in, inner(outer_in))
    outer.compile("sgd", "mse")
    np.testing.assert_allclose(outer.evaluate(X, outer.predict(X, verbose=0), verbose=0),
                               3.0, rtol=1e-5)


@pytest.mark.parametrize("ext", [".keras", ".fg"])
def test_added_losses_and_metrics_are_saved_with_the_model(tmp_path, ext):
    from fastgraph.models import load_model
    vae = _vae(original_dim=8)
    vae.compile(optimizer="adam")
    data = RNG.rand(32, 8).astype(np.float32)
    vae.fit(data, epochs=1, verbose=0)
    path = str(tmp_path / f"vae{ext}")
    vae.save(path)
    loaded = load_model(path, compile=False, custom_objects={"sampling": sampling})
    loaded.compile(optimizer="adam")
    assert loaded.metrics_names == ["loss", "kl_loss"]
    history = loaded.fit(data, epochs=2, verbose=0)
    assert set(history.history) == {"loss", "kl_loss"}
    config = loaded.get_config()
    assert len(config["added_losses"]) == 1 and config["added_metrics"][0][3] == "kl_loss"
