"""EpochIterator: the one way fit, evaluate and predict get their batches,
whatever the user passed: arrays, a Sequence, or a generator.

Arrays are checked once, before the iterator sees them, and each batch is a
slice (or, shuffled, an index) of them: nothing is checked again per batch.
Sequences and generators run through the data queue (BatchQueue) on the
workers the caller asked for, and each batch they yield is checked as it
arrives.  Either way a batch is a tuple of lists of arrays, one list per
kind: (inputs, targets, sample weights), or (inputs,) for predict.
"""
import inspect
import itertools
import math

import numpy as np

from ..data import BatchQueue
from ..ops.random import get_rng
from ..utils.sequence import Sequence

DEFAULT_BATCH_SIZE = 32


def is_generator_like(x):
    """True for generators, iterators and Sequences (not arrays or lists)."""
    return isinstance(x, Sequence) or inspect.isgenerator(x) or (
        hasattr(x, "__next__") and hasattr(x, "__iter__"))


def require_generator(data, where):
    """Keras 2's *_generator methods take a generator or Sequence only."""
    if not is_generator_like(data):
        raise TypeError(f"{where}: expected a generator, an iterator or a "
                        f"fastgraph.utils.Sequence, got {type(data).__name__}")


class EpochIterator:
    """The batches of one epoch after another.

    `data` is a tuple of lists of arrays that passed the model's checks
    (read in batches of `batch_size`), or a Sequence or generator/iterator,
    read through a BatchQueue (`workers`, `use_multiprocessing`,
    `max_queue_size`, and `data_timeout`: its watchdog's limit), whose
    batches `check` brings to the same form:
    `check(x, y, sample_weight)` of each (x, y[, sample_weight]) tuple, or
    `check(x)` of the inputs alone with `inputs_only` (a batch may then be
    the inputs or a tuple whose first item they are).  Sample weights come
    with the arrays or as the third item of a batch; class weights are
    folded into them by the checks (fit's `check` for a generator).

    An epoch is one pass over the arrays or the Sequence, or
    `steps_per_epoch` batches (required for a plain generator; `steps_arg`
    is its name in the error).  With `steps_per_epoch`, arrays are read as
    a stream that starts a new pass at the end of the data; with `resume`
    each epoch continues that stream (fit's training data) instead of
    starting again at the first sample.  A generator always continues where
    the last epoch stopped; a Sequence starts at index 0 each epoch and has
    its `on_epoch_end` called after it.  `shuffle` (True or 'batch')
    reorders the arrays each pass and a Sequence's indices each epoch.

    `steps_per_epoch` is known for every kind of data; `batch_size` and
    `num_samples` (the samples an epoch yields, when known in advance) are
    None for Sequences and generators.  Use as a context manager: leaving
    the block stops the queue's workers.

    `shard` (a sharding.Shard, from the current Strategy) makes this
    process read only its part of arrays or a Sequence (`sharded` then says
    so; a plain generator is read whole): for training, its piece of every
    global batch of `batch_size` times the number of processes.
    """

    def __init__(self, data, check=None, *, batch_size=None,
                 steps_per_epoch=None, shuffle=False, resume=False,
                 inputs_only=False, workers=1, use_multiprocessing=False,
                 max_queue_size=10, data_timeout=None, where="fit",
                 steps_arg="steps", shard=None):
        self._where = where
        self._queue = None
        self.sharded = shard is not None and (
            isinstance(data, Sequence) or not is_generator_like(data))
        self._shard = shard if self.sharded and shard.training else None
        if self.sharded and isinstance(data, Sequence):
            data, shuffle = shard.sequence(data, shuffle), False
        elif self.sharded and not self._shard:
            data = shard.block(data)
        if is_generator_like(data):
            self.steps_per_epoch = _generator_steps(data, steps_per_epoch,
                                                    where, steps_arg)
            self.batch_size = self.num_samples = None
            self._check, self._inputs_only = check, inputs_only
            self._queue = BatchQueue(data, workers=workers,
                                     use_multiprocessing=use_multiprocessing,
                                     max_queue_size=max_queue_size,
                                     shuffle=shuffle, timeout=data_timeout,
                                     where=where)
            return
        self._arrays = data
        self._n = n = data[0][0].shape[0]
        if batch_size is None:
            parts = self._shard.count if self._shard else 1
            batch_size = -(-n // (steps_per_epoch * parts)) if steps_per_epoch and n \
                else DEFAULT_BATCH_SIZE
        self.batch_size = int(batch_size)
        self._global_size = self.batch_size * (self._shard.count if self._shard else 1)
        self.num_samples = n if steps_per_epoch is None and not self._shard else None
        self.steps_per_epoch = steps_per_epoch or _batches_per_pass(n, self._global_size)
        self._limited = steps_per_epoch is not None
        self._order = shuffle if shuffle == "batch" else bool(shuffle)
        self._rng = None if not self._order else (
            self._shard.rng() if self._shard else get_rng())
        self._resume = resume
        self._stream = None

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        self.close()
        return False

    def close(self):
        """Stop the data queue's workers, if any."""
        if self._queue is not None:
            self._queue.close()

    def epoch(self, epoch=0):
        """An iterator over the batches of epoch `epoch` (0-based)."""
        if self._queue is not None:
            return self._queued(epoch)
        return self._sliced()

    def _sliced(self):
        indices = self._indices()
        if self._shard is not None:
            indices = map(self._shard.piece, indices)
        for index in indices:
            yield tuple([None if a is None else a[index] for a in group]
                        for group in self._arrays)

    def _indices(self):
        n, size, order, rng = self._n, self._global_size, self._order, self._rng
        if not self._limited:
            return _batches(n, size, order, rng)
        if not self._resume:
            return _batches(n, size, order, rng, steps=self.steps_per_epoch)
        if self._stream is None:
            self._stream = _batches(n, size, order, rng, steps=math.inf)
        return itertools.islice(self._stream, self.steps_per_epoch)

    def _queued(self, epoch):
        check, where = self._check, self._where
        for batch in self._queue.batches(self.steps_per_epoch, epoch):
            if self._inputs_only:
                yield check(_inputs_of(batch))
            else:
                yield check(*_unpack(batch, where))


def _generator_steps(data, steps, where, steps_arg):
    if steps is not None:
        return steps
    if isinstance(data, Sequence):
        return len(data)
    raise ValueError(f"{where}: {steps_arg} is required for a plain generator "
                     f"(it has no length); pass {steps_arg}=... or use a "
                     f"fastgraph.utils.Sequence")


def _unpack(batch, where):
    if not isinstance(batch, tuple) or len(batch) not in (2, 3):
        raise ValueError(f"{where}: a generator must yield tuples (inputs, "
                         f"targets) or (inputs, targets, sample_weights), got "
                         f"{type(batch).__name__}"
                         + (f" of length {len(batch)}"
                            if isinstance(batch, tuple) else ""))
    return batch if len(batch) == 3 else (batch[0], batch[1], None)


def _inputs_of(batch):
    return batch[0] if isinstance(batch, tuple) and len(batch) in (2, 3) else batch


def _batches(n, batch_size, shuffle=False, rng=None, steps=None):
    """Index arrays (or slices) of the batches over `n` samples.

    One pass over the data, or exactly `steps` batches (`math.inf`: an
    endless stream), starting a new (reshuffled) pass at the end of the
    data.  `shuffle` True permutes the samples each pass; 'batch' shuffles
    the order of the batches and the samples within each, as Keras does.
    """
    count = _batches_per_pass(n, batch_size) if steps is None else steps
    produced = 0
    while produced < count and n:
        for index in _one_pass(n, batch_size, shuffle, rng):
            if produced >= count:
                return
            yield index
            produced += 1


def _one_pass(n, batch_size, shuffle, rng):
    starts = range(0, n, batch_size)
    if shuffle == "batch":
        return [rng.permutation(np.arange(s, min(s + batch_size, n)))
                for s in rng.permutation(np.arange(0, n, batch_size))]
    if shuffle:
        order = rng.permutation(n)
        return [order[s:s + batch_size] for s in starts]
    return [slice(s, min(s + batch_size, n)) for s in starts]


def _batches_per_pass(n, batch_size):
    """How many batches one pass over `n` samples takes."""
    return -(-n // batch_size)
