"""Helpers shared by the BatchQueue tests: a deadline that turns a hang into
a failure, a check that nothing of a queue survives it, and data sources
(module level, so 'spawn' workers can import them)."""
import contextlib
import multiprocessing
import os
import signal
import threading
import time

import numpy as np

from fastgraph.utils.sequence import Sequence

MODES = [(0, False), (2, False), (2, True)]
MODE_IDS = ["main-thread", "threads", "processes"]


@contextlib.contextmanager
def deadline(seconds):
    """Raise TimeoutError in the main thread if the block takes too long."""
    def expire(signum, frame):
        raise TimeoutError(f"the block did not finish within {seconds} s")
    previous = signal.signal(signal.SIGALRM, expire)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def shm_blocks():
    try:
        return {n for n in os.listdir("/dev/shm") if n.startswith("fg_")}
    except OSError:
        return set()


def queue_threads():
    return [t.name for t in threading.enumerate()
            if t.name.startswith("fastgraph-data") or "QueueFeeder" in t.name]


@contextlib.contextmanager
def leaves_nothing_behind():
    """Assert that no worker process, queue thread or shared block remains."""
    before = shm_blocks()
    yield
    assert multiprocessing.active_children() == []
    assert queue_threads() == []
    assert shm_blocks() - before == set()


def read_log(path):
    """(pid, index) pairs appended by LoggedSequence.__getitem__."""
    if not os.path.exists(path):
        return []
    with open(path) as f:
        return [tuple(int(v) for v in line.split()) for line in f]


class LoggedSequence(Sequence):
    """Batch i is (i, epoch, array of i); every call is logged to a file."""

    def __init__(self, n, log, shape=(4,), delay=0.0):
        self.n, self.log, self.shape, self.delay = n, log, shape, delay
        self.epoch = 0

    def __len__(self):
        return self.n

    def __getitem__(self, index):
        fd = os.open(self.log, os.O_WRONLY | os.O_APPEND | os.O_CREAT)
        os.write(fd, f"{os.getpid()} {index}\n".encode())
        os.close(fd)
        if self.delay:
            time.sleep(self.delay)
        return index, self.epoch, np.full(self.shape, index, np.float32)


class EpochSequence(LoggedSequence):
    """Changes its data in on_epoch_end, as a reshuffling Sequence does."""

    def on_epoch_end(self):
        self.epoch += 1


class FailingSequence(Sequence):
    """Raises a ValueError at index `bad`; kills its process at `kill`."""

    def __init__(self, n, bad=None, kill=None, segfault=None, hang=None):
        self.n, self.bad, self.kill = n, bad, kill
        self.segfault, self.hang = segfault, hang

    def __len__(self):
        return self.n

    def __getitem__(self, index):
        if index == self.bad:
            explode_at(index)
        if index == self.kill:
            os.kill(os.getpid(), signal.SIGKILL)
        if index == self.segfault:
            import ctypes
            import faulthandler
            faulthandler.disable()      # keep pytest's dump out of the log
            ctypes.string_at(0)
        if index == self.hang:
            time.sleep(60)
        return np.full((3,), index, np.float32)


def explode_at(index):
    raise ValueError(f"bad sample in batch {index}")


class OddError(Exception):
    """An exception whose constructor pickling cannot replay."""

    def __init__(self, code, detail):
        super().__init__(f"odd failure {code}: {detail}")
        self.code = code


class OddSequence(Sequence):
    def __len__(self):
        return 3

    def __getitem__(self, index):
        raise OddError(index, "unpicklable args")


class PoolingSequence(Sequence):
    """Runs a fastgraph OpenMP kernel in the worker."""

    def __init__(self, x):
        self.x = x

    def __len__(self):
        return 3

    def __getitem__(self, index):
        from fastgraph.ops.pool import max_pool2d
        return float(max_pool2d(self.x).data.sum())


def counting(limit=None, shape=(4,)):
    """A generator of (i, array of i) batches; stops after `limit`."""
    i = 0
    while limit is None or i < limit:
        yield i, np.full(shape, i, np.float32)
        i += 1


def failing_generator(at):
    for i in range(at):
        yield i, np.zeros(2)
    explode_at(at)
