"""The data queue's watchdog (issue 17, item 13): a batch that never comes
gives a warning naming the worker and the batch, again and again, and with
a limit (fit's `data_timeout`, FASTGRAPH_DATA_TIMEOUT) a TimeoutError naming
them, after which no worker is left; Ctrl-C still ends a wait at once."""
import os
import re
import signal
import threading
import time
import warnings

import numpy as np
import pytest

from fastgraph import layers as L
from fastgraph.data import BatchQueue
from fastgraph.models import Model
from fastgraph.utils import Sequence
from .queue_testlib import deadline, leaves_nothing_behind

MODES = [(1, False), (2, True)]
MODE_IDS = ["threads", "processes"]


class Stuck(Sequence):
    """Batch `hang` takes `seconds` (a hung loader, for a while)."""

    def __init__(self, n=4, hang=2, seconds=3.0, delay=0.0):
        self.n, self.hang, self.seconds, self.delay = n, hang, seconds, delay

    def __len__(self):
        return self.n

    def __getitem__(self, index):
        time.sleep(self.seconds if index == self.hang else self.delay)
        return np.full((2, 3), index, np.float32), np.ones((2, 1), np.float32)


def _stuck_generator(seconds):
    yield np.ones((2, 3), np.float32), np.ones((2, 1), np.float32)
    time.sleep(seconds)
    yield np.ones((2, 3), np.float32), np.ones((2, 1), np.float32)


def _worker(procs):
    return (r"data worker process 'fastgraph-data-\d' \(pid \d+\) producing" if procs
            else r"worker thread 'fastgraph-data-thread-\d' has been building")


@pytest.mark.parametrize("workers,procs", MODES, ids=MODE_IDS)
def test_warnings_then_timeout_name_the_worker_and_batch(workers, procs):
    with leaves_nothing_behind(), deadline(30):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            with pytest.raises(TimeoutError) as info:
                with BatchQueue(Stuck(seconds=2.5), workers=workers,
                                use_multiprocessing=procs, timeout=1.5,
                                warn_after=0.4) as queue:
                    list(queue.batches(4, 0))
    named = _worker(procs) + r" batch index 2 for \d+ s"
    warned = [str(w.message) for w in caught if issubclass(w.category, RuntimeWarning)
              and "no batch from the data workers" in str(w.message)]
    # (a slow start of the workers may add warnings about the first batches)
    assert len([m for m in warned if re.search(named, m)]) >= 2, warned
    message = str(info.value)
    assert re.search(named, message), message
    assert "data_timeout=1.5" in message and "FASTGRAPH_DATA_TIMEOUT" in message


def test_generator_batch_is_named_by_its_position():
    with leaves_nothing_behind(), deadline(30):
        with pytest.raises(TimeoutError, match=r"thread 'fastgraph-data-thread-0' has "
                                               r"been building batch 1 of the generator"):
            with BatchQueue(_stuck_generator(2.0), workers=1, timeout=1.0) as queue:
                list(queue.batches(2, 0))


@pytest.mark.parametrize("how", ["argument", "environment"])
def test_fit_raises_timeout_error_and_stops_the_workers(how, monkeypatch):
    a = L.Input(shape=(3,))
    model = Model(a, L.Dense(1)(a))
    model.compile("sgd", "mse")
    kwargs = {"data_timeout": 2.0}
    if how == "environment":
        monkeypatch.setenv("FASTGRAPH_DATA_TIMEOUT", "2")
        kwargs = {}
    with leaves_nothing_behind(), deadline(30):
        start = time.monotonic()
        with pytest.raises(TimeoutError, match=r"^fit: no batch came .*"
                                               r"producing batch index 2"):
            model.fit(Stuck(seconds=60), workers=2, use_multiprocessing=True,
                      shuffle=False, verbose=0, **kwargs)
        assert time.monotonic() - start < 15


def test_a_slow_queue_that_keeps_delivering_does_not_warn():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with BatchQueue(Stuck(n=12, seconds=0.15, delay=0.15), workers=1,
                        warn_after=1.0, timeout=1.0) as queue:     # 1.8 s in all
            assert len(list(queue.batches(12, 0))) == 12


def test_ctrl_c_ends_a_wait_for_a_hung_batch():
    with leaves_nothing_behind(), deadline(30):
        start = time.monotonic()
        with pytest.raises(KeyboardInterrupt):
            with BatchQueue(Stuck(seconds=60), workers=2, use_multiprocessing=True,
                            warn_after=100) as queue:
                batches = queue.batches(4, 0)
                next(batches)
                threading.Timer(0.3, os.kill, (os.getpid(), signal.SIGINT)).start()
                list(batches)
        assert time.monotonic() - start < 8


@pytest.mark.parametrize("kwargs, env, match", [
    ({"data_timeout": 0}, {}, r"^fit: data_timeout must be a number of seconds > 0, got 0$"),
    ({"data_timeout": "soon"}, {}, r"^fit: data_timeout must be a number of seconds"),
    ({}, {"FASTGRAPH_DATA_TIMEOUT": "soon"}, r"FASTGRAPH_DATA_TIMEOUT must be a number"),
    ({}, {"FASTGRAPH_DATA_WARN_AFTER": "-5"}, r"^FASTGRAPH_DATA_WARN_AFTER must be a "
                                              r"number of seconds > 0, got '-5'$"),
])
def test_bad_limits_are_refused(kwargs, env, match, monkeypatch):
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    a = L.Input(shape=(3,))
    model = Model(a, L.Dense(1)(a))
    model.compile("sgd", "mse")
    with pytest.raises(ValueError, match=match):
        model.fit(Stuck(seconds=0), workers=1, verbose=0, **kwargs)
