"""IMDB movie reviews: 25,000 + 25,000 reviews as word-index sequences,
labelled positive (1) or negative (0)."""
import json

import numpy as np

from .cache import ORIGIN_FOLDER, fetch
from .safe_pickle import load_npz
from .sequences import (clip_vocabulary, num_words_argument,
                        remove_long_sequences, shift_indices)

ORIGIN = ORIGIN_FOLDER + "imdb.npz"
FILE_HASH = "69664113be75683a8fe16e3ed0ab59fda8886cb3cd7ada244f7d9544e4676b9f"
WORD_INDEX_ORIGIN = ORIGIN_FOLDER + "imdb_word_index.json"
WORD_INDEX_HASH = "bfafd718b763782e994055a2d397834f"


def load_data(path="imdb.npz", num_words=None, skip_top=0, maxlen=None, seed=113,
              start_char=1, oov_char=2, index_from=3, cache_dir=None, **kwargs):
    """`(x_train, y_train), (x_test, y_test)` as Keras 2 returns them.

    x are object arrays of lists of word indices (index = frequency rank +
    `index_from`, each review starting with `start_char`); words ranked
    below `skip_top` or at or above `num_words` become `oov_char` (dropped
    if it is None); reviews of `maxlen` words or more are left out.  Both
    parts are shuffled with `np.random.RandomState(seed)`.  y are int64 0/1.
    """
    num_words = num_words_argument(num_words, kwargs, "imdb.load_data")
    data = load_npz(fetch(path, ORIGIN, FILE_HASH, cache_dir))
    x_train, labels_train = data["x_train"], data["y_train"]
    x_test, labels_test = data["x_test"], data["y_test"]
    rng = np.random.RandomState(seed)
    indices = np.arange(len(x_train))
    rng.shuffle(indices)
    x_train, labels_train = x_train[indices], labels_train[indices]
    indices = np.arange(len(x_test))
    rng.shuffle(indices)
    x_test, labels_test = x_test[indices], labels_test[indices]
    x_train = shift_indices(x_train, start_char, index_from)
    x_test = shift_indices(x_test, start_char, index_from)
    if maxlen:
        x_train, labels_train = remove_long_sequences(maxlen, x_train, labels_train)
        x_test, labels_test = remove_long_sequences(maxlen, x_test, labels_test)
        if not x_train or not x_test:
            raise ValueError(f"imdb.load_data: after filtering for sequences "
                             f"shorter than maxlen={maxlen}, no sequence was "
                             f"kept. Increase maxlen.")
    xs = clip_vocabulary(list(x_train) + list(x_test), num_words, skip_top, oov_char)
    labels = np.concatenate([labels_train, labels_test])
    idx = len(x_train)
    return ((np.array(xs[:idx], dtype="object"), labels[:idx]),
            (np.array(xs[idx:], dtype="object"), labels[idx:]))


def get_word_index(path="imdb_word_index.json"):
    """The word -> frequency rank dict of the IMDB data (add `index_from`
    to map it to the indices `load_data` returns)."""
    with open(fetch(path, WORD_INDEX_ORIGIN, WORD_INDEX_HASH)) as f:
        return json.load(f)
