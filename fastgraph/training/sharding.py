"""Shard: which part of the data one of several processes reads.

A run over several processes (fastgraph.distributed) hands the
EpochIterator a Shard; the arithmetic lives here, with no communication,
so it can be checked in one process.  Every process of the run builds the
same Shard but its `index`, with the same `seed`, so their shuffles agree.

For training (`training=True`) the data is read in global batches of
`count` times the batch size, in the order one process would read them,
and each process takes its own contiguous piece of every global batch:
`count` processes with batch B/count compute, together, the gradient of
one process with batch B.  Every process gets as many batches: where the
last global batch holds fewer samples (or Sequence batches) than there are
processes, some repeat one.  For evaluate and predict (`training=False`)
each process takes a contiguous block of the samples (or of a Sequence's
batches), so that their results, put together in process order, are the
results of one process.
"""
import numpy as np

from ..utils.sequence import Sequence


def split(n, index, count):
    """(start, stop) of part `index` when `n` items go to `count` parts as
    evenly as possible, the first parts taking one more."""
    q, extra = divmod(n, count)
    start = index * q + min(index, extra)
    return start, start + q + (index < extra)


class Shard:
    """Part `index` of `count` of the data (see the module docstring)."""

    def __init__(self, index, count, seed=0, training=False):
        if not 0 <= index < count:
            raise ValueError(f"Shard: index must be in [0, {count}), got {index}")
        self.index, self.count = int(index), int(count)
        self.seed, self.training = int(seed), bool(training)

    def rng(self):
        """The shuffling generator: the same on every process of the run."""
        return np.random.default_rng(self.seed)

    def block(self, arrays):
        """The (inputs, targets, weights) lists of arrays, cut to this
        process's contiguous block of samples (views, no copy)."""
        lo, hi = split(arrays[0][0].shape[0], self.index, self.count)
        return tuple([None if a is None else a[lo:hi] for a in group]
                     for group in arrays)

    def piece(self, batch):
        """This process's piece of a global batch (a slice or an index
        array), never empty."""
        if isinstance(batch, slice):
            m = batch.stop - batch.start
            lo, hi = split(m, self.index, self.count)
            if lo == hi:
                lo, hi = self.index % m, self.index % m + 1
            return slice(batch.start + lo, batch.start + hi)
        lo, hi = split(len(batch), self.index, self.count)
        return batch[lo:hi] if lo < hi else batch[[self.index % len(batch)]]

    def sequence(self, sequence, shuffle):
        """A Sequence of this process's batches of `sequence`."""
        return ShardedSequence(sequence, self, shuffle)


class ShardedSequence(Sequence):
    """One process's batches of a Sequence, in a new shared random order
    each epoch with `shuffle`."""

    def __init__(self, sequence, shard, shuffle):
        self.sequence, self.shard, self.shuffle = sequence, shard, shuffle
        self._rng = shard.rng() if shuffle else None
        self._order = self._indices()

    def _indices(self):
        n, index, count = len(self.sequence), self.shard.index, self.shard.count
        order = self._rng.permutation(n) if self.shuffle else np.arange(n)
        if not self.shard.training:
            lo, hi = split(n, index, count)
            return order[lo:hi]
        steps = -(-n // count)
        return order[(np.arange(steps) * count + index) % n] if n else order

    def __len__(self):
        return len(self._order)

    def __getitem__(self, index):
        return self.sequence[int(self._order[index])]

    def on_epoch_end(self):
        self.sequence.on_epoch_end()
        self._order = self._indices()
