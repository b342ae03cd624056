"""Keras's enqueuers (`OrderedEnqueuer`, `GeneratorEnqueuer`) as thin
names on fastgraph's `BatchQueue`: the same workers, the same ordering and
error reporting as `fit`, under the Keras 2 method names."""
import abc
import os

import numpy as np

from ..data.enqueuer import BatchQueue


class SequenceEnqueuer(abc.ABC):
    """Base of the enqueuers: `start(workers, max_queue_size)`, `get()` (an
    iterator over batches), `stop()`, `is_running()`.

    Example::

        enqueuer = OrderedEnqueuer(sequence, use_multiprocessing=True)
        enqueuer.start(workers=4, max_queue_size=10)
        batches = enqueuer.get()
        for _ in range(steps):
            x, y = next(batches)
        enqueuer.stop()
    """

    def __init__(self, sequence, use_multiprocessing=False):
        self.sequence = sequence
        self.use_multiprocessing = use_multiprocessing
        self.workers = 0
        self.queue = None

    def is_running(self):
        """True between `start` and `stop`."""
        return self.queue is not None

    def start(self, workers=1, max_queue_size=10):
        """Start `workers` threads (processes with `use_multiprocessing`)
        building up to `max_queue_size` batches ahead."""
        if self.queue is not None:
            raise RuntimeError(f"{type(self).__name__}.start: already running; "
                               f"call stop() first")
        self.queue = BatchQueue(self._source(), workers=workers,
                                use_multiprocessing=self.use_multiprocessing,
                                max_queue_size=max_queue_size,
                                shuffle=getattr(self, "shuffle", False))
        self.workers = workers
        self._chunk = max_queue_size

    def stop(self, timeout=None):
        """Stop the workers (`timeout` is accepted for Keras compatibility;
        the queue always waits for its workers to end)."""
        queue, self.queue = self.queue, None
        if queue is not None:
            queue.close()

    def __del__(self):
        if getattr(self, "queue", None) is not None:
            self.stop()

    def _source(self):
        return self.sequence

    @abc.abstractmethod
    def get(self):
        """An iterator over the batches, until `stop()`."""


class OrderedEnqueuer(SequenceEnqueuer):
    """Reads a `fastgraph.utils.Sequence` epoch after epoch, every index
    once per epoch and in order (in a new random order each epoch with
    `shuffle`), calling its `on_epoch_end` between epochs."""

    def __init__(self, sequence, use_multiprocessing=False, shuffle=False):
        super().__init__(sequence, use_multiprocessing)
        self.shuffle = shuffle

    def get(self):
        epoch = 0
        while self.queue is not None:
            for batch in self.queue.batches(len(self.sequence), epoch):
                yield batch
                if self.queue is None:
                    return
            epoch += 1


class _EndOfData:
    """What the wrapped generator yields once the user's one is exhausted
    (an instance survives pickling, so worker processes can send it)."""


def _until_exhausted(generator, random_seed):
    seeded_pid = None
    for item in generator:
        if random_seed is not None and seeded_pid != os.getpid():
            # As tf-keras seeds each worker process: seed + its pid.
            seeded_pid = os.getpid()
            np.random.seed((random_seed + seeded_pid) % 2 ** 32)
        yield item
    while True:
        yield _EndOfData()


class GeneratorEnqueuer(SequenceEnqueuer):
    """Reads a generator ahead of its consumer until it is exhausted.

    With `use_multiprocessing` every worker process runs its own copy of
    the generator (as in Keras) and NumPy's global generator of each is
    seeded with `random_seed + pid` when `random_seed` is given.
    """

    def __init__(self, generator, use_multiprocessing=False, random_seed=None):
        super().__init__(generator, use_multiprocessing)
        self.random_seed = random_seed

    def _source(self):
        seed = self.random_seed if self.use_multiprocessing else None
        return _until_exhausted(self.sequence, seed)

    def get(self):
        while self.queue is not None:
            for batch in self.queue.batches(self._chunk):
                if isinstance(batch, _EndOfData):
                    self.stop()
                    return
                yield batch
                if self.queue is None:
                    return
