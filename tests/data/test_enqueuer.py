"""BatchQueue: modes, order, exactly-once delivery, bounds, shared memory."""
import collections
import itertools
import pathlib
import threading
import time
import warnings

import numpy as np
import pytest

from fastgraph.data import BatchQueue
from fastgraph.ops.random import set_seed
from .queue_testlib import (MODE_IDS, MODES, EpochSequence, LoggedSequence,
                           counting, deadline, leaves_nothing_behind, read_log)


@pytest.mark.parametrize("workers,procs", MODES, ids=MODE_IDS)
def test_sequence_batches_in_order_exactly_once_per_epoch(tmp_path, workers, procs):
    log = str(tmp_path / "log")
    seq = LoggedSequence(9, log)
    with leaves_nothing_behind(), deadline(30):
        with BatchQueue(seq, workers=workers, use_multiprocessing=procs,
                        max_queue_size=3) as queue:
            for epoch in range(3):
                got = [b[0] for b in queue.batches(9, epoch)]
                assert got == list(range(9))
    seen = read_log(log)
    counts = collections.Counter(index for _, index in seen)
    assert counts == {i: 3 for i in range(9)}
    pids = {pid for pid, _ in seen}
    if procs:
        assert len(pids) == 2       # both processes built batches


@pytest.mark.parametrize("workers,procs", MODES, ids=MODE_IDS)
def test_shuffled_sequence_covers_every_index_once(tmp_path, workers, procs):
    set_seed(3)
    seq = LoggedSequence(12, str(tmp_path / "log"))
    with leaves_nothing_behind(), deadline(30):
        with BatchQueue(seq, workers=workers, use_multiprocessing=procs,
                        max_queue_size=4, shuffle=True) as queue:
            first = [b[0] for b in queue.batches(12, 0)]
            second = [b[0] for b in queue.batches(12, 1)]
    assert sorted(first) == sorted(second) == list(range(12))
    assert first != second != list(range(12))


@pytest.mark.parametrize("workers,procs", MODES, ids=MODE_IDS)
def test_on_epoch_end_after_each_epoch_and_seen_by_workers(tmp_path, workers, procs):
    seq = EpochSequence(5, str(tmp_path / "log"))
    with leaves_nothing_behind(), deadline(30):
        with BatchQueue(seq, workers=workers, use_multiprocessing=procs,
                        max_queue_size=2) as queue:
            epochs = [[b[1] for b in queue.batches(5, e)] for e in range(3)]
    assert epochs == [[0] * 5, [1] * 5, [2] * 5]
    assert seq.epoch == 3


@pytest.mark.parametrize("workers,procs", MODES, ids=MODE_IDS)
def test_fewer_steps_than_the_sequence_takes_the_first_indices(tmp_path, workers, procs):
    seq = LoggedSequence(6, str(tmp_path / "log"))
    with leaves_nothing_behind(), deadline(30):
        with BatchQueue(seq, workers=workers, use_multiprocessing=procs) as queue:
            assert [b[0] for b in queue.batches(4, 0)] == [0, 1, 2, 3]
            assert [b[0] for b in queue.batches(6, 1)] == list(range(6))
        with pytest.raises(ValueError, match="steps=7.*only 6 batches"):
            queue.batches(7, 0)


@pytest.mark.parametrize("workers,procs", [(0, False), (2, False), (1, True)],
                         ids=["main-thread", "threads", "one-process"])
def test_generator_continues_across_calls_in_order(workers, procs):
    with leaves_nothing_behind(), deadline(30):
        with BatchQueue(counting(), workers=workers, use_multiprocessing=procs,
                        max_queue_size=3) as queue:
            first = [b[0] for b in queue.batches(4, 0)]
            second = [b[0] for b in queue.batches(5, 1)]
    assert first + second == list(range(9))


@pytest.mark.parametrize("workers,procs", MODES + [(1, True)],
                         ids=MODE_IDS + ["one-process"])
def test_exhausted_generator_raises_value_error(workers, procs):
    copies = workers if procs else 1      # process workers copy the generator
    with leaves_nothing_behind(), deadline(30), warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        with BatchQueue(counting(limit=5), workers=workers,
                        use_multiprocessing=procs) as queue:
            assert len(list(queue.batches(3, 0))) == 3
            batches = queue.batches(5 * copies - 2, 1)
            assert len([next(batches) for _ in range(5 * copies - 3)])
            with pytest.raises(ValueError, match=rf"stopped after "
                               rf"{5 * copies - 3} batches; steps="
                               rf"{5 * copies - 2} was requested \(epoch 1\)"):
                next(batches)


def test_process_workers_duplicate_a_plain_generator_with_a_warning():
    with pytest.warns(UserWarning, match="duplicate.*fastgraph.utils.Sequence"):
        queue = BatchQueue(counting(), workers=2, use_multiprocessing=True)
    with leaves_nothing_behind(), deadline(30), queue:
        got = [b[0] for b in queue.batches(8, 0)]
    assert collections.Counter(got) == {0: 2, 1: 2, 2: 2, 3: 2}


def test_no_duplicate_warning_for_sequences_threads_or_one_process(tmp_path):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        BatchQueue(LoggedSequence(2, str(tmp_path / "l")), workers=2,
                   use_multiprocessing=True).close()
        BatchQueue(counting(), workers=2).close()
        BatchQueue(counting(), workers=1, use_multiprocessing=True).close()


def test_thread_queue_is_bounded():
    produced = itertools.count()

    def source():
        while True:
            next(produced)
            yield 0, np.zeros(1)

    with leaves_nothing_behind(), deadline(30):
        with BatchQueue(source(), workers=2, max_queue_size=3) as queue:
            next(queue.batches(1, 0))
            time.sleep(0.3)
            assert next(produced) <= 3 + 1


def test_process_queue_is_bounded(tmp_path):
    log = str(tmp_path / "log")
    with leaves_nothing_behind(), deadline(30):
        with BatchQueue(LoggedSequence(50, log), workers=2,
                        use_multiprocessing=True, max_queue_size=4) as queue:
            batches = queue.batches(50, 0)
            next(batches)
            time.sleep(0.3)
            assert len(read_log(log)) <= 4 + 1


def test_large_arrays_cross_processes_intact_and_no_block_remains():
    rng = np.random.default_rng(0)
    big = rng.standard_normal((64, 300)).astype(np.float32)
    batch = ({"a": big, "b": big[:, ::3].T.astype(np.float16),
              "c": np.arange(20000) % 2 == 0},
             [np.arange(5), "text", None, (big.astype(np.float64), 7)])

    def source():
        while True:
            yield batch

    with leaves_nothing_behind(), deadline(30):
        with BatchQueue(source(), workers=1, use_multiprocessing=True) as queue:
            got = list(queue.batches(3, 0))
    for x, rest in got:
        assert set(x) == {"a", "b", "c"}
        for key in x:
            assert x[key].dtype == batch[0][key].dtype
            np.testing.assert_array_equal(x[key], batch[0][key])
            assert x[key].flags.writeable
        assert isinstance(rest, list) and rest[1:3] == ["text", None]
        np.testing.assert_array_equal(rest[0], np.arange(5))
        assert isinstance(rest[3], tuple) and rest[3][1] == 7
        np.testing.assert_array_equal(rest[3][0], big.astype(np.float64))


def test_spawn_workers_deliver_a_sequence_exactly_once(tmp_path, monkeypatch):
    # Spawned workers import the Sequence's module by name.
    monkeypatch.syspath_prepend(str(pathlib.Path(__file__).parents[2]))
    log = str(tmp_path / "log")
    with leaves_nothing_behind(), deadline(60):
        with BatchQueue(LoggedSequence(6, log, shape=(64, 300)), workers=2,
                        use_multiprocessing=True, start_method="spawn") as queue:
            got = list(queue.batches(6, 0))
    assert [b[0] for b in got] == list(range(6))
    assert all(float(b[2][0, 0]) == b[0] for b in got)
    assert sorted(i for _, i in read_log(log)) == list(range(6))


def test_spawn_refuses_a_generator():
    with pytest.raises(TypeError, match="cannot be pickled.*Sequence"):
        BatchQueue(counting(), workers=2, use_multiprocessing=True,
                   start_method="spawn")


def test_consumer_leaving_early_stops_workers_quickly(tmp_path):
    seq = LoggedSequence(40, str(tmp_path / "log"), delay=0.05)
    for procs in (False, True):
        with leaves_nothing_behind(), deadline(30):
            start = time.monotonic()
            with BatchQueue(seq, workers=2, use_multiprocessing=procs) as queue:
                for step, _ in enumerate(queue.batches(40, 0)):
                    if step == 2:
                        break
            assert time.monotonic() - start < 5


def test_epoch_left_early_then_next_epoch_starts_clean(tmp_path):
    seq = LoggedSequence(6, str(tmp_path / "log"), delay=0.01)
    with leaves_nothing_behind(), deadline(30):
        with BatchQueue(seq, workers=2, use_multiprocessing=True) as queue:
            batches = queue.batches(6, 0)
            next(batches)
            next(batches)
            assert [b[0] for b in queue.batches(6, 1)] == list(range(6))


def test_keyboard_interrupt_in_the_consumer_stops_workers(tmp_path):
    seq = LoggedSequence(20, str(tmp_path / "log"), delay=0.02)
    for procs in (False, True):
        with leaves_nothing_behind(), deadline(30):
            with pytest.raises(KeyboardInterrupt):
                with BatchQueue(seq, workers=2, use_multiprocessing=procs) as q:
                    for step, _ in enumerate(q.batches(20, 0)):
                        if step == 3:
                            raise KeyboardInterrupt


def test_queue_without_with_block_is_cleaned_by_close_and_gc():
    queue = BatchQueue(counting(), workers=2)
    assert len(list(queue.batches(2, 0))) == 2
    del queue
    deadline_at = time.monotonic() + 5
    while any(t.name.startswith("fastgraph-data") for t in threading.enumerate()):
        assert time.monotonic() < deadline_at
        time.sleep(0.01)


@pytest.mark.parametrize("kwargs,error,match", [
    ({"workers": -1}, ValueError, "workers must be an integer >= 0"),
    ({"workers": 1.5}, ValueError, "workers"),
    ({"max_queue_size": 0}, ValueError, "max_queue_size must be"),
])
def test_bad_arguments(kwargs, error, match):
    with pytest.raises(error, match=match):
        BatchQueue(counting(), **kwargs)


def test_bad_data_and_steps():
    with pytest.raises(TypeError, match="generator, an iterator or a "
                                        "fastgraph.utils.Sequence, got list"):
        BatchQueue([1, 2, 3])
    with pytest.raises(ValueError, match="steps must be"):
        BatchQueue(counting(), workers=0).batches(-1)
