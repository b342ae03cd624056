"""The seed programs (the Keras functional-API guide) as runnable modules.

Each module holds one program as the guide writes it, with `keras` replaced
by `fastgraph`, sized to run in seconds on synthetic data or the bundled
digits (its docstring says what was shrunk), and a `main(argv=None)` that
builds, trains and checks it, printing what it does:

    python -m fastgraph.examples.dense_network --epochs 5
    python -m fastgraph.examples.inception --help

`main` returns a dict of what it made (models, histories, measurements), so
tests and notebooks can look at the results.
"""
import argparse
import os
import tempfile

import numpy as np

EXAMPLES = ("dense_network", "model_as_layer", "two_inputs_two_outputs",
            "shared_lstm", "layer_nodes", "inception", "residual",
            "shared_vision", "visual_qa", "video_qa", "generator_training",
            "imdb_lstm", "cifar10_cnn")


def parse_args(argv, module_file, doc, epochs=2, batch_size=32, options=()):
    """The options every training example takes (--epochs, --batch-size,
    --verbose, --seed) plus `options`, (flag, kwargs) pairs; also seeds the
    weight initializers and returns (args, np.random.Generator)."""
    from ..ops.random import set_seed
    parser = argparse.ArgumentParser(
        prog=example_prog(module_file), description=doc.strip().splitlines()[0],
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--epochs", type=_positive, default=epochs,
                        help=f"training epochs (default {epochs})")
    parser.add_argument("--batch-size", type=_positive, default=batch_size,
                        help=f"samples per batch (default {batch_size})")
    parser.add_argument("--verbose", type=int, choices=(0, 1, 2), default=1,
                        help="0 silent, 1 progress bars, 2 one line per epoch")
    parser.add_argument("--seed", type=int, default=0,
                        help="seed of the data and of the initial weights")
    for flag, kwargs in options:
        parser.add_argument(flag, **kwargs)
    args = parser.parse_args(argv)
    set_seed(args.seed)
    return args, np.random.default_rng(args.seed)


def example_prog(module_file):
    """'python -m fastgraph.examples.NAME' for the example in `module_file`."""
    name = os.path.splitext(os.path.basename(module_file))[0]
    return f"python -m {__name__}.{name}"


def _positive(text):
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be an integer >= 1, got {text}")
    return value


def digits(images=False):
    """The bundled digits scaled to [0, 1]: (x_train, y_train), (x_test, y_test)
    with one-hot labels; x flattened to 64 features, or (n, 8, 8, 1) images."""
    from ..datasets import digits as digits_data
    from ..utils import to_categorical
    (x_train, y_train), (x_test, y_test) = digits_data.load_data()
    shape = (-1, 8, 8, 1) if images else (-1, 64)
    return ((x_train.reshape(shape).astype(np.float32) / 16.0, to_categorical(y_train, 10)),
            (x_test.reshape(shape).astype(np.float32) / 16.0, to_categorical(y_test, 10)))


def cached_dataset(*names):
    """Whether one of `names` (a data set's file or folder as Keras names
    it) is in the Keras cache already, so loading it needs no network."""
    from ..utils.data_utils import keras_home
    folders = (os.path.join(keras_home(), "datasets"),
               os.path.join(tempfile.gettempdir(), ".keras", "datasets"))
    return any(os.path.exists(os.path.join(folder, name))
               for folder in folders for name in names)


def data_options(samples_help):
    """The --samples and --synthetic options of the Keras 2 programs
    (imdb_lstm, cifar10_cnn), for `parse_args`."""
    return [("--samples", dict(type=_positive, default=None,
                               help=samples_help)),
            ("--synthetic", dict(action="store_true",
                                 help="synthetic data in the data set's shapes and "
                                      "dtypes (also used when the data set is not "
                                      "in the Keras cache; there is no download)"))]


def report(title, **values):
    """Print `title: name=value, ...` (floats with 4 decimals)."""
    parts = [f"{k}={v:.4f}" if isinstance(v, float) else f"{k}={v}"
             for k, v in values.items()]
    print(f"{title}: " + ", ".join(parts))
