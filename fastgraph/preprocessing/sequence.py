"""Sequence preprocessing of Keras 2: padding, skip-gram pairs, word
sampling tables and `TimeseriesGenerator`."""
import json
import random

import numpy as np

from ..utils.padding import pad_sequences
from ..utils.sequence import Sequence

__all__ = ["TimeseriesGenerator", "make_sampling_table", "pad_sequences",
           "skipgrams"]


class TimeseriesGenerator(Sequence):
    """Batches of windows over a time series, as tf-keras's
    `TimeseriesGenerator`: sample i of a batch is
    `data[row - length:row:sampling_rate]` with target `targets[row]`.

    Rows run from `start_index + length` to `end_index` (default
    `len(data) - 1`) every `stride` steps; `shuffle` draws the rows of each
    batch at random (with NumPy's global generator, as Keras), `reverse`
    gives each window in reverse time order.  A `fastgraph.utils.Sequence`,
    so `fit(generator, workers=..., use_multiprocessing=...)` reads it.
    """

    def __init__(self, data, targets, length, sampling_rate=1, stride=1,
                 start_index=0, end_index=None, shuffle=False, reverse=False,
                 batch_size=128):
        if len(data) != len(targets):
            raise ValueError(f"TimeseriesGenerator: data and targets have to be "
                             f"of same length. Data length is {len(data)} while "
                             f"target length is {len(targets)}")
        self.data = data
        self.targets = targets
        self.length = length
        self.sampling_rate = sampling_rate
        self.stride = stride
        self.start_index = start_index + length
        self.end_index = len(data) - 1 if end_index is None else end_index
        self.shuffle = shuffle
        self.reverse = reverse
        self.batch_size = batch_size
        if self.start_index > self.end_index:
            raise ValueError(f"TimeseriesGenerator: `start_index+length="
                             f"{self.start_index} > end_index={self.end_index}` "
                             f"is disallowed, as no part of the sequence would "
                             f"be left to be used as current step.")

    def __len__(self):
        span = self.batch_size * self.stride
        return (self.end_index - self.start_index + span) // span

    def __getitem__(self, index):
        if self.shuffle:
            rows = np.random.randint(self.start_index, self.end_index + 1,
                                     size=self.batch_size)
        else:
            i = self.start_index + self.batch_size * self.stride * index
            rows = np.arange(i, min(i + self.batch_size * self.stride,
                                    self.end_index + 1), self.stride)
        samples = np.array([self.data[row - self.length:row:self.sampling_rate]
                            for row in rows])
        targets = np.array([self.targets[row] for row in rows])
        if self.reverse:
            return samples[:, ::-1, ...], targets
        return samples, targets

    def get_config(self):
        """The generator's arguments, with data and targets as JSON strings."""
        def as_json(value, what):
            if type(value).__module__ == np.__name__:
                value = value.tolist()
            try:
                return json.dumps(value)
            except TypeError as e:
                raise TypeError(f"TimeseriesGenerator.get_config: {what} not "
                                f"JSON serializable: {value!r}") from e

        return {"data": as_json(self.data, "data"),
                "targets": as_json(self.targets, "targets"),
                "length": self.length, "sampling_rate": self.sampling_rate,
                "stride": self.stride, "start_index": self.start_index,
                "end_index": self.end_index, "shuffle": self.shuffle,
                "reverse": self.reverse, "batch_size": self.batch_size}

    def to_json(self, **kwargs):
        """`{'class_name', 'config'}` as a JSON string (`kwargs` go to
        `json.dumps`)."""
        return json.dumps({"class_name": type(self).__name__,
                           "config": self.get_config()}, **kwargs)


def make_sampling_table(size, sampling_factor=1e-5):
    """The word2vec probability of keeping the word of each frequency rank,
    for `skipgrams(sampling_table=...)` (Zipf's law for the frequencies)."""
    gamma = 0.577
    rank = np.arange(size)
    rank[0] = 1
    inv_fq = rank * (np.log(rank) + gamma) + 0.5 - 1.0 / (12.0 * rank)
    f = sampling_factor * inv_fq
    return np.minimum(1.0, f / np.sqrt(f))


def skipgrams(sequence, vocabulary_size, window_size=4, negative_samples=1.0,
              shuffle=True, categorical=False, sampling_table=None, seed=None):
    """Skip-gram `(couples, labels)` of a sequence of word indices.

    Pairs of words within `window_size` of each other get label 1,
    `negative_samples` times as many random pairs label 0 (`[0, 1]` /
    `[1, 0]` with `categorical`).  Index 0 is not a word.  Draws from
    Python's `random` exactly as tf-keras does, so the same seeds give the
    same pairs.
    """
    couples, labels = [], []
    for i, wi in enumerate(sequence):
        if not wi:
            continue
        if sampling_table is not None and sampling_table[wi] < random.random():
            continue
        for j in range(max(0, i - window_size),
                       min(len(sequence), i + window_size + 1)):
            if j != i and sequence[j]:
                couples.append([wi, sequence[j]])
                labels.append([0, 1] if categorical else 1)
    if negative_samples > 0:
        num_negative = int(len(labels) * negative_samples)
        words = [c[0] for c in couples]
        random.shuffle(words)
        couples += [[words[i % len(words)],
                     random.randint(1, int(vocabulary_size - 1))]
                    for i in range(num_negative)]
        labels += [[1, 0] if categorical else 0] * num_negative
    if shuffle:
        if seed is None:
            seed = random.randint(0, int(10e6))
        random.seed(seed)
        random.shuffle(couples)
        random.seed(seed)
        random.shuffle(labels)
    return couples, labels
