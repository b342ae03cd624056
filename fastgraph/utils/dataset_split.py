"""split_dataset: two parts of an in-memory data set, for validation."""
import random

import numpy as np

from .sequence import Sequence


class _Subset(Sequence):
    """Some batches of a Sequence, by index."""

    def __init__(self, sequence, indices):
        self.sequence, self.indices = sequence, list(indices)

    def __len__(self):
        return len(self.indices)

    def __getitem__(self, index):
        return self.sequence[self.indices[index]]


def _split_sizes(left_size, right_size, total):
    for name, size in (("left_size", left_size), ("right_size", right_size)):
        if size is not None and (isinstance(size, bool)
                                 or not isinstance(size, (int, float))):
            raise TypeError(f"split_dataset: invalid `{name}` type. Expected: "
                            f"int or float or None, received: type({name})="
                            f"{type(size)}")
    if left_size == 0 and right_size == 0:
        raise ValueError("split_dataset: both `left_size` and `right_size` are "
                         "zero. At least one of the split sizes must be non-zero.")
    for name, size in (("left_size", left_size), ("right_size", right_size)):
        if (isinstance(size, int) and (size <= 0 or size >= total)) or \
                (isinstance(size, float) and (size <= 0 or size >= 1)):
            raise ValueError(f"split_dataset: `{name}` should be either a positive "
                             f"integer smaller than {total}, or a float within "
                             f"the range `[0, 1]`. Received: {name}={size}")
    if isinstance(left_size, float) and isinstance(right_size, float) \
            and left_size + right_size > 1:
        raise ValueError("split_dataset: the sum of `left_size` and `right_size` "
                         "is greater than 1. It must be less than or equal to 1.")
    left = round(left_size * total) if isinstance(left_size, float) else left_size
    right = round(right_size * total) if isinstance(right_size, float) else right_size
    if left is None:
        left = total - right
    elif right is None:
        right = total - left
    if left + right > total:
        raise ValueError(f"split_dataset: the sum of `left_size` and `right_size` "
                         f"should be smaller than the total length {total}. "
                         f"Received: left_size + right_size = {left + right}")
    for size, side in ((left, "left"), (right, "right")):
        if size == 0:
            raise ValueError(f"split_dataset: with `dataset` of length={total}, "
                             f"`left_size`={left_size} and `right_size`="
                             f"{right_size}, the {side} side split would be empty.")
    return int(left), int(right)


def split_dataset(dataset, left_size=None, right_size=None, shuffle=False, seed=None):
    """Split a data set in two, as tf-keras's `split_dataset` does.

    `dataset` is an array, a tuple or list of arrays of the same length (the
    samples are split together), or a `fastgraph.utils.Sequence` (split by
    batch: each part is a Sequence over some of its batches).  Sizes are
    counts or fractions; the one not given is the rest.  `shuffle` draws
    the order with Python's `random` seeded by `seed`, as tf-keras does.
    Arrays give `(left, right)` of the same kind (tuples of arrays for a
    tuple or list); tf-keras returns tf.data Datasets instead.
    """
    if left_size is None and right_size is None:
        raise ValueError("split_dataset: at least one of the `left_size` or "
                         "`right_size` must be specified. Received: "
                         "left_size=None and right_size=None")
    if isinstance(dataset, Sequence):
        total = len(dataset)
        order = list(range(total))
    elif isinstance(dataset, (list, tuple)):
        if not dataset:
            raise ValueError("split_dataset: received an empty list or tuple; "
                             "please provide a non-empty list/tuple of arrays.")
        arrays = [np.asarray(a) for a in dataset]
        total = len(arrays[0])
        for i, a in enumerate(arrays):
            if len(a) != total:
                raise ValueError(f"split_dataset: received arrays of different "
                                 f"lengths: {total} and {len(a)} (index {i}); "
                                 f"please provide arrays of the same length.")
        order = list(range(total))
    elif isinstance(dataset, np.ndarray):
        total = len(dataset)
        order = list(range(total))
    else:
        raise TypeError(f"split_dataset: the `dataset` argument must be an "
                        f"array, a list/tuple of arrays or a "
                        f"fastgraph.utils.Sequence. Received: {type(dataset)}")
    if total == 0:
        raise ValueError("split_dataset: received an empty dataset.")
    if shuffle:
        if seed is None:
            seed = random.randint(0, int(1e6))
        random.seed(seed)
        random.shuffle(order)
    left, right = _split_sizes(left_size, right_size, total)
    left_idx, right_idx = order[:left], order[total - right:]
    if isinstance(dataset, Sequence):
        return _Subset(dataset, left_idx), _Subset(dataset, right_idx)
    if isinstance(dataset, np.ndarray):
        return dataset[left_idx], dataset[right_idx]
    return (tuple(a[left_idx] for a in arrays), tuple(a[right_idx] for a in arrays))
