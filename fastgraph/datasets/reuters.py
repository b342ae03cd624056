"""Reuters newswires: 11,228 newswires as word-index sequences, in 46
topics."""
import json

import numpy as np

from .cache import ORIGIN_FOLDER, fetch
from .safe_pickle import load_npz
from .sequences import (clip_vocabulary, num_words_argument,
                        remove_long_sequences, shift_indices)

ORIGIN = ORIGIN_FOLDER + "reuters.npz"
FILE_HASH = "d6586e694ee56d7a4e65172e12b3e987c03096cb01eab99753921ef915959916"
WORD_INDEX_ORIGIN = ORIGIN_FOLDER + "reuters_word_index.json"
WORD_INDEX_HASH = "4d44cc38712099c9e383dc6e5f11a921"
LABEL_NAMES = (
    "cocoa", "grain", "veg-oil", "earn", "acq", "wheat", "copper", "housing",
    "money-supply", "coffee", "sugar", "trade", "reserves", "ship", "cotton",
    "carcass", "crude", "nat-gas", "cpi", "money-fx", "interest", "gnp",
    "meal-feed", "alum", "oilseed", "gold", "tin", "strategic-metal",
    "livestock", "retail", "ipi", "iron-steel", "rubber", "heat", "jobs", "lei",
    "bop", "zinc", "orange", "pet-chem", "dlr", "gas", "silver", "wpi", "hog",
    "lead")


def load_data(path="reuters.npz", num_words=None, skip_top=0, maxlen=None,
              test_split=0.2, seed=113, start_char=1, oov_char=2, index_from=3,
              cache_dir=None, **kwargs):
    """`(x_train, y_train), (x_test, y_test)` as Keras 2 returns them: the
    newswires shuffled with `np.random.RandomState(seed)`, then the last
    `test_split` fraction as the test part; the word indices are treated as
    in `imdb.load_data`."""
    num_words = num_words_argument(num_words, kwargs, "reuters.load_data")
    data = load_npz(fetch(path, ORIGIN, FILE_HASH, cache_dir))
    xs, labels = data["x"], data["y"]
    rng = np.random.RandomState(seed)
    indices = np.arange(len(xs))
    rng.shuffle(indices)
    xs, labels = xs[indices], labels[indices]
    xs = shift_indices(xs, start_char, index_from)
    if maxlen:
        xs, labels = remove_long_sequences(maxlen, xs, labels)
    xs = clip_vocabulary(xs, num_words, skip_top, oov_char)
    idx = int(len(xs) * (1 - test_split))
    return ((np.array(xs[:idx], dtype="object"), np.array(labels[:idx])),
            (np.array(xs[idx:], dtype="object"), np.array(labels[idx:])))


def get_word_index(path="reuters_word_index.json"):
    """The word -> frequency rank dict of the Reuters data."""
    with open(fetch(path, WORD_INDEX_ORIGIN, WORD_INDEX_HASH)) as f:
        return json.load(f)


def get_label_names():
    """The 46 topic names, by label index."""
    return LABEL_NAMES
