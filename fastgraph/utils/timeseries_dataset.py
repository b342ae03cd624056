"""timeseries_dataset_from_array: sliding windows over an array, batched,
as a `fastgraph.utils.Sequence`."""
import numpy as np

from .sequence import Sequence


class TimeseriesDataset(Sequence):
    """Batches of windows `data[p:p + sequence_length * sampling_rate:
    sampling_rate]` (start positions `p` every `sequence_stride` steps,
    within `data[start_index:end_index]`), with target `targets[p]`, as
    tf-keras's `timeseries_dataset_from_array` yields them.

    With `shuffle`, the first epoch reads the windows in the order
    tf-keras draws with `np.random.RandomState(seed)`; each later epoch
    draws a new order from the seed.
    """

    def __init__(self, data, targets, starts, sequence_length, sampling_rate,
                 batch_size, shuffle, seed):
        self.data = data
        self.targets = targets
        self._starts = starts
        self._offsets = np.arange(sequence_length) * sampling_rate
        self._batch_size = batch_size
        self._shuffle = shuffle
        self._seed = seed
        self._epoch = 0
        self._order = starts

    def __len__(self):
        if self._batch_size is None:
            return len(self._order)
        return -(-len(self._order) // self._batch_size)

    def __getitem__(self, index):
        if index < 0 or index >= len(self):
            raise IndexError(f"batch index {index} out of range for a dataset of "
                             f"{len(self)} batches")
        size = 1 if self._batch_size is None else self._batch_size
        starts = self._order[index * size:(index + 1) * size]
        x = np.asarray(self.data)[starts[:, None] + self._offsets]
        y = None if self.targets is None else np.asarray(self.targets)[starts]
        if self._batch_size is None:
            x = x[0]
            y = None if y is None else y[0]
        return x if y is None else (x, y)

    def on_epoch_end(self):
        self._epoch += 1
        if self._shuffle:
            rng = np.random.RandomState((self._seed + self._epoch) % 2 ** 32)
            self._order = self._starts[rng.permutation(len(self._starts))]


def _check_positive_below(name, value, length):
    if value <= 0:
        raise ValueError(f"`{name}` must be higher than 0. Received: "
                         f"{name}={value}")
    if value >= length:
        raise ValueError(f"`{name}` must be lower than the length of the data. "
                         f"Received: {name}={value}, for data of length {length}")


def timeseries_dataset_from_array(data, targets, sequence_length,
                                  sequence_stride=1, sampling_rate=1,
                                  batch_size=128, shuffle=False, seed=None,
                                  start_index=None, end_index=None):
    """Batches of sliding windows over `data` (and their `targets`), with
    tf-keras's arguments: window i starts at `start_index + i *
    sequence_stride`, holds `sequence_length` steps `sampling_rate` apart,
    and is paired with `targets[start_index + i * sequence_stride]`.
    Returns a `fastgraph.utils.Sequence` of `(x, y)` batches (`x` alone when
    `targets` is None)."""
    if start_index:
        if start_index < 0:
            raise ValueError(f"`start_index` must be 0 or greater. Received: "
                             f"start_index={start_index}")
        if start_index >= len(data):
            raise ValueError(f"`start_index` must be lower than the length of the "
                             f"data. Received: start_index={start_index}, for data "
                             f"of length {len(data)}")
    if end_index:
        if start_index and end_index <= start_index:
            raise ValueError(f"`end_index` must be higher than `start_index`. "
                             f"Received: start_index={start_index}, and "
                             f"end_index={end_index} ")
        if end_index >= len(data):
            raise ValueError(f"`end_index` must be lower than the length of the "
                             f"data. Received: end_index={end_index}, for data of "
                             f"length {len(data)}")
        if end_index <= 0:
            raise ValueError(f"`end_index` must be higher than 0. Received: "
                             f"end_index={end_index}")
    _check_positive_below("sampling_rate", sampling_rate, len(data))
    _check_positive_below("sequence_stride", sequence_stride, len(data))
    start_index = start_index or 0
    end_index = len(data) if end_index is None else end_index
    num_seqs = end_index - start_index - (sequence_length - 1) * sampling_rate
    if targets is not None:
        num_seqs = min(num_seqs, len(targets))
    index_dtype = "int32" if num_seqs < 2147483647 else "int64"
    starts = np.arange(0, max(num_seqs, 0), sequence_stride, dtype=index_dtype)
    if shuffle:
        if seed is None:
            seed = np.random.randint(1e6)
        np.random.RandomState(seed).shuffle(starts)
    window = np.asarray(data)[start_index:end_index]
    target = None if targets is None else np.asarray(targets)[start_index:end_index]
    return TimeseriesDataset(window, target, starts, sequence_length, sampling_rate,
                             batch_size, shuffle, seed or 0)
