"""What the IMDB and Reuters loaders do to their word-index sequences."""
import logging


def remove_long_sequences(maxlen, seqs, labels):
    """The sequences shorter than `maxlen`, with their labels."""
    kept = [(x, y) for x, y in zip(seqs, labels) if len(x) < maxlen]
    return [x for x, _ in kept], [y for _, y in kept]


def shift_indices(xs, start_char, index_from):
    """Every index shifted by `index_from`, `start_char` (if not None)
    prepended."""
    if start_char is not None:
        xs = [[start_char] + [w + index_from for w in x] for x in xs]
    elif index_from:
        xs = [[w + index_from for w in x] for x in xs]
    return xs


def clip_vocabulary(xs, num_words, skip_top, oov_char):
    """Indices outside [skip_top, num_words) become `oov_char` (or are
    dropped when it is None); `num_words` defaults to the largest index."""
    if not num_words:
        num_words = max(max(x) for x in xs)
    if oov_char is not None:
        return [[w if skip_top <= w < num_words else oov_char for w in x]
                for x in xs]
    return [[w for w in x if skip_top <= w < num_words] for x in xs]



def num_words_argument(num_words, kwargs, who):
    """`num_words`, or the Keras 1 `nb_words` in `kwargs` (with Keras's
    warning); any other keyword is a TypeError."""
    if "nb_words" in kwargs:
        logging.getLogger("fastgraph").warning(
            "The `nb_words` argument in `load_data` has been renamed `num_words`.")
        num_words = kwargs.pop("nb_words")
    if kwargs:
        raise TypeError(f"{who}: unrecognized keyword arguments: {kwargs}")
    return num_words
