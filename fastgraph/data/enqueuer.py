"""BatchQueue: runs a generator or Sequence ahead of training on background
workers, through a bounded queue.

The main thread hands out at most `max_queue_size` tasks at a time (one per
batch) and takes the answers back in order, so a Sequence yields each index
exactly once per epoch, in order, however many workers build them.  Errors in
a worker are re-raised in the caller; a worker process that dies is reported;
a batch that does not come is reported by the watchdog (watchdog.py);
leaving the `with` block, normally or not, stops every worker.
"""
import inspect
import os
import sys
import warnings

from ..utils.arguments import check_integer
from ..utils.sequence import Sequence
from .watchdog import Watchdog
from .workers import ProcessWorkers, ThreadWorkers, user_stacklevel


def default_start_method():
    """'fork' on Linux (fast: workers inherit the data); elsewhere the
    platform's default.  FASTGRAPH_START_METHOD overrides it."""
    import multiprocessing
    chosen = os.environ.get("FASTGRAPH_START_METHOD")
    if chosen:
        return chosen
    if sys.platform.startswith("linux"):
        return "fork"
    return multiprocessing.get_start_method()


def _overrides_on_epoch_end(sequence):
    return (type(sequence).on_epoch_end is not Sequence.on_epoch_end
            or "on_epoch_end" in getattr(sequence, "__dict__", {}))


class BatchQueue:
    """Batches of a generator or Sequence, built ahead by background workers.

    `workers=0` reads the data in the calling thread.  `workers>=1` starts
    that many threads (a plain generator is shared under a lock), or
    processes when `use_multiprocessing` is true (each process gets its own
    copy of a plain generator, so batches repeat; a Sequence is split by
    index instead).  At most `max_queue_size` batches are built ahead.
    `shuffle` reads a Sequence's indices in a new random order each epoch.
    `start_method` is the multiprocessing start method (default:
    `default_start_method()`).  `timeout` and `warn_after` (seconds) set
    the watchdog: a warning every `warn_after` seconds without a batch, a
    TimeoutError after `timeout` (None: the environment's
    FASTGRAPH_DATA_TIMEOUT / FASTGRAPH_DATA_WARN_AFTER, else no limit and
    180 s); `where` names the caller in its messages.  Use as a context
    manager: leaving the block stops the workers and frees their resources.
    """

    def __init__(self, data, workers=1, use_multiprocessing=False,
                 max_queue_size=10, shuffle=False, start_method=None,
                 timeout=None, warn_after=None, where="BatchQueue"):
        self._workers = check_integer("BatchQueue", "workers", workers, 0)
        self._size = check_integer("BatchQueue", "max_queue_size", max_queue_size, 1)
        self._watchdog = Watchdog(timeout, warn_after, where)
        self._is_sequence = isinstance(data, Sequence)
        if not self._is_sequence and not hasattr(data, "__next__"):
            raise TypeError(f"BatchQueue: data must be a generator, an "
                            f"iterator or a fastgraph.utils.Sequence, got "
                            f"{type(data).__name__}")
        self._data = data
        self._processes = bool(use_multiprocessing) and self._workers > 0
        if self._processes:
            # Tasks a worker has not read wait in a pipe; 1024 of them fit
            # its buffer, so handing them out never blocks.
            self._size = min(self._size, 1024)
        self._shuffle = shuffle
        self._start_method = start_method or default_start_method()
        if self._processes and not self._is_sequence:
            self._check_generator_for_processes(data)
        self._pool = None
        self._issued = 0       # positions handed out so far
        self._delivered = 0    # positions yielded so far (generators)
        self._in_flight = 0    # tasks handed out whose answer has not arrived
        self._oldest = 0       # answers below this position are dropped
        self._ready = {}       # position -> batch arrived out of order
        self._end = None       # position where a plain generator stopped

    def _check_generator_for_processes(self, data):
        if self._start_method != "fork" and inspect.isgenerator(data):
            raise TypeError(
                f"BatchQueue: a generator cannot be sent to "
                f"'{self._start_method}' worker processes (generators cannot "
                f"be pickled); use a fastgraph.utils.Sequence, threads "
                f"(use_multiprocessing=False), or the 'fork' start method")
        if self._workers > 1:
            warnings.warn(
                "Using a generator with use_multiprocessing=True (pickle_safe) "
                "and multiple workers may duplicate your data: each worker "
                "process runs its own copy of the generator. Please consider "
                "using the `fastgraph.utils.Sequence` class, which gives "
                "every batch exactly once per epoch.",
                UserWarning, stacklevel=user_stacklevel())

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        self.close()
        return False

    def close(self):
        """Stop the workers; no thread, process or shared block remains."""
        pool, self._pool = self._pool, None
        self._ready.clear()
        self._in_flight = 0
        self._oldest = self._issued
        if not self._is_sequence:
            self._issued = self._delivered    # unanswered requests are void
        if pool is not None:
            pool.close()

    def batches(self, steps, epoch=0):
        """An iterator over the next `steps` batches (epoch `epoch`).

        A Sequence yields indices 0..steps-1 of one epoch (in a random order
        with `shuffle`) and then calls its `on_epoch_end`; a generator yields
        its next `steps` batches, continuing where the last call stopped.
        """
        steps = check_integer("BatchQueue", "steps", steps, 0)
        if self._is_sequence:
            n = len(self._data)
            if steps > n:
                raise ValueError(f"BatchQueue: steps={steps} was requested "
                                 f"but the Sequence has only {n} batches "
                                 f"(len(sequence)={n})")
            return self._sequence_epoch(steps, n)
        return self._stream(steps, epoch)

    # ------------------------------------------------------------ Sequence
    def _order(self, n):
        if self._shuffle:
            from ..ops.random import get_rng
            return [int(i) for i in get_rng().permutation(n)]
        return list(range(n))

    def _sequence_epoch(self, steps, n):
        order = self._order(n)[:steps]
        if self._workers == 0:
            for index in order:
                yield self._data[index]
        else:
            pool = self._started()
            self._drop_in_flight()
            base = self._oldest = self._issued
            self._issued += steps
            submitted = 0
            while submitted < min(self._size, steps):
                self._submit(pool, base + submitted, order[submitted])
                submitted += 1
            for pos in range(base, base + steps):
                while pos not in self._ready:
                    self._take(pool)
                batch = self._ready.pop(pos)
                if submitted < steps:
                    self._submit(pool, base + submitted, order[submitted])
                    submitted += 1
                yield batch
        self._data.on_epoch_end()
        if self._processes and _overrides_on_epoch_end(self._data):
            # The workers' copies predate on_epoch_end: start fresh ones.
            self.close()

    def _drop_in_flight(self):
        """Wait out the tasks of an epoch the consumer left early."""
        self._oldest = self._issued
        while self._in_flight:
            self._take(self._pool)
        self._ready.clear()

    # ----------------------------------------------------------- generator
    def _stream(self, steps, epoch):
        if self._workers == 0:
            for k in range(steps):
                try:
                    batch = next(self._data)
                except StopIteration:
                    raise ValueError(self._exhausted(k, steps, epoch)) from None
                yield batch
            return
        pool = self._started()
        for k in range(steps):
            self._top_up(pool)
            pos = self._delivered
            while pos not in self._ready:
                if self._end is not None and pos >= self._end:
                    raise ValueError(self._exhausted(k, steps, epoch))
                self._take(pool)
            self._delivered += 1
            batch = self._ready.pop(pos)
            self._top_up(pool)
            yield batch

    def _top_up(self, pool):
        while self._end is None and self._issued - self._delivered < self._size:
            self._submit(pool, self._issued, None)
            self._issued += 1

    def _exhausted(self, k, steps, epoch):
        return (f"the generator stopped after {k} batches; steps={steps} was "
                f"requested (epoch {epoch}). A generator used for training "
                f"must yield at least steps_per_epoch * epochs batches, e.g. "
                f"loop forever with `while True:`")

    # -------------------------------------------------------------- shared
    def _started(self):
        if self._pool is None:
            if self._processes:
                self._pool = ProcessWorkers(self._data, self._workers,
                                            self._start_method)
            else:
                self._pool = ThreadWorkers(self._data, self._workers,
                                           first_pos=self._issued)
        return self._pool

    def _submit(self, pool, pos, index):
        pool.submit(pos, index)
        self._in_flight += 1

    def _take(self, pool):
        """Receive one answer into `_ready`; raise a worker's exception."""
        kind, pos, payload = self._watchdog.receive(pool)
        self._in_flight -= 1
        if pos < self._oldest:
            return
        if kind == "err":
            raise payload
        if kind == "end":
            self._end = pos if self._end is None else min(self._end, pos)
        else:
            self._ready[pos] = payload
