"""The demo behind `python -m fastgraph demo`: train, save, reload, compare.

On the bundled 8x8 digits it trains the seed's dense network (on the 64
pixels, scaled to [0, 1]) and a small CNN (on the 8x8x1 images), with
progress bars, and prints each one's test accuracy and time per epoch.  It
saves both trained models with `model.save`, loads each back with
`fastgraph.models.load_model`, checks that the loaded model's predictions on
the test images equal the trained model's exactly, and prints where the
files are.  Without `output`, the files go to a new temporary folder
(`fastgraph-demo-*` under the system's temp dir), which is kept and printed,
so running the demo never writes into the current folder.
"""
import contextlib
import os
import tempfile
import time

import numpy as np

from . import __version__

DEFAULT_EPOCHS = 10
DEFAULT_BATCH_SIZE = 32
# The demo's matrix products are a few MFLOP: a second thread cannot speed
# them up, and a multi-threaded BLAS waiting for a busy core can slow them
# down many times over.
DEFAULT_THREADS = 1
SEED = 0


@contextlib.contextmanager
def using_threads(n):
    """Run the block with `n` OpenMP and BLAS threads (None: as they are),
    then restore the counts found on entry."""
    if n is None:
        yield
        return
    from . import _threads
    before = _threads.get_num_threads()
    _threads.set_num_threads(n)
    try:
        yield
    finally:
        _threads.set_num_threads(before["openmp"])
        blas = _threads._find_blas()
        if blas is not None and before["blas"] is not None:
            blas["set"](before["blas"])


def load_digits():
    """(x_train, y_train), (x_test, y_test): float32 images (n, 8, 8, 1) in
    [0, 1] and one-hot float32 labels."""
    from .datasets import digits
    from .utils import to_categorical
    (x_train, y_train), (x_test, y_test) = digits.load_data()

    def scale(x):
        return (x.astype(np.float32) / 16.0)[..., None]
    return ((scale(x_train), to_categorical(y_train, 10)),
            (scale(x_test), to_categorical(y_test, 10)))


def build_dense():
    """The seed's dense network on the 64 pixels: 64-64-10, relu, softmax."""
    from .layers import Dense, Input
    from .models import Model
    inputs = Input(shape=(64,), name="pixels")
    x = Dense(64, activation="relu")(inputs)
    x = Dense(64, activation="relu")(x)
    predictions = Dense(10, activation="softmax")(x)
    model = Model(inputs=inputs, outputs=predictions, name="digits_dense")
    model.compile(optimizer="rmsprop", loss="categorical_crossentropy",
                  metrics=["accuracy"])
    return model


def build_cnn():
    """A small CNN on 8x8x1: two 3x3 convolutions with 2x2 max pooling, softmax."""
    from .layers import Conv2D, Dense, Flatten, Input, MaxPooling2D
    from .models import Model
    inputs = Input(shape=(8, 8, 1), name="image")
    x = Conv2D(16, (3, 3), padding="same", activation="relu")(inputs)
    x = MaxPooling2D((2, 2))(x)
    x = Conv2D(32, (3, 3), padding="same", activation="relu")(x)
    x = MaxPooling2D((2, 2))(x)
    x = Flatten()(x)
    predictions = Dense(10, activation="softmax")(x)
    model = Model(inputs=inputs, outputs=predictions, name="digits_cnn")
    model.compile(optimizer="adam", loss="categorical_crossentropy",
                  metrics=["accuracy"])
    return model


def _epoch_timer():
    from .callbacks import Callback

    class EpochTimer(Callback):
        """Records the wall time of every epoch."""

        def __init__(self):
            super().__init__()
            self.times = []

        def on_epoch_begin(self, epoch, logs=None):
            self._start = time.perf_counter()

        def on_epoch_end(self, epoch, logs=None):
            self.times.append(time.perf_counter() - self._start)
    return EpochTimer()


def _threads_line():
    from . import _threads
    counts = _threads.get_num_threads()
    blas = "not found" if counts["blas"] is None else f"{counts['blas']}"
    return f"threads: OpenMP {counts['openmp']}, BLAS {blas}"


def _train(title, model, x_train, y_train, x_test, y_test, epochs, batch_size,
           verbose):
    print(f"\n== {title}: {model.count_params():,} parameters ==")
    timer = _epoch_timer()
    model.fit(x_train, y_train, epochs=epochs, batch_size=batch_size,
              verbose=verbose, callbacks=[timer])
    loss, accuracy = model.evaluate(x_test, y_test, batch_size=256, verbose=0)
    per_epoch = float(np.mean(timer.times))
    print(f"{title}: test accuracy {accuracy:.4f} (loss {loss:.4f}), "
          f"{per_epoch * 1000:.1f} ms per epoch")
    return {"test_accuracy": float(accuracy), "test_loss": float(loss),
            "seconds_per_epoch": per_epoch, "epoch_times": list(timer.times)}


def _save_and_reload(model, path, x_test):
    """Save `model`, load the file into a new model; True when both predict
    exactly the same values on `x_test`."""
    from .models import load_model
    model.save(path)
    reloaded = load_model(path)
    before = model.predict(x_test, batch_size=256)
    after = reloaded.predict(x_test, batch_size=256)
    return bool(np.array_equal(before, after))


def run(epochs=DEFAULT_EPOCHS, batch_size=DEFAULT_BATCH_SIZE, output=None,
        verbose=1, threads=DEFAULT_THREADS):
    """Run the demo with `threads` threads (None: the current counts); return
    a dict of results ('output', 'files', 'match', 'seconds', and per model
    'dense' / 'cnn' its accuracy and timing)."""
    with using_threads(threads):
        return _run(epochs, batch_size, output, verbose)


def _run(epochs, batch_size, output, verbose):
    from .ops.random import set_seed
    started = time.perf_counter()
    set_seed(SEED)
    if output is None:
        output = tempfile.mkdtemp(prefix="fastgraph-demo-")
    else:
        os.makedirs(output, exist_ok=True)
    output = os.path.abspath(output)
    (x_train, y_train), (x_test, y_test) = load_digits()
    print(f"fastgraph {__version__} demo: bundled 8x8 digits, {len(x_train)} "
          f"training and {len(x_test)} test images; {_threads_line()}")
    print(f"output folder: {output}")

    flat_train, flat_test = x_train.reshape(-1, 64), x_test.reshape(-1, 64)
    results = {"output": output, "files": {}, "match": True}
    runs = (("dense", "Dense network (the seed's first program)", build_dense,
             flat_train, flat_test),
            ("cnn", "Small CNN (conv 16, pool, conv 32, pool, softmax)", build_cnn,
             x_train, x_test))
    for key, title, build, train_x, test_x in runs:
        model = build()
        results[key] = _train(title, model, train_x, y_train, test_x, y_test,
                              epochs, batch_size, verbose)
        path = os.path.join(output, f"digits_{key}.fastgraph")
        match = _save_and_reload(model, path, test_x)
        results["files"][key] = path
        results[key]["match"] = match
        results["match"] = results["match"] and match
        verdict = "identical" if match else "DIFFERENT"
        print(f"saved {path}; reloaded with load_model: predictions on the "
              f"{len(test_x)} test images are {verdict}")
    results["seconds"] = time.perf_counter() - started
    print(f"\ndone in {results['seconds']:.1f} s; the saved models are in {output}")
    print(f"inspect one with: python -m fastgraph summary {results['files']['cnn']}")
    return results
