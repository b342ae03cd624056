"""BatchQueue failures: errors in workers, dead or hung workers, a killed
main process, OpenMP after fork.  Each test fails (TimeoutError) rather than
hangs, and checks that nothing is left behind."""
import os
import signal
import subprocess
import sys
import threading
import time
import traceback

import numpy as np
import pytest

from fastgraph.data import BatchQueue, WorkerTraceback
from .queue_testlib import (MODE_IDS, MODES, FailingSequence, LoggedSequence,
                            OddError, OddSequence, PoolingSequence, deadline,
                            failing_generator, leaves_nothing_behind)


def _error_text(exc):
    return "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))


@pytest.mark.parametrize("workers,procs", MODES, ids=MODE_IDS)
def test_sequence_error_reaches_caller_with_worker_traceback(workers, procs):
    with leaves_nothing_behind(), deadline(30):
        start = time.monotonic()
        with pytest.raises(ValueError, match="bad sample in batch 4") as info:
            with BatchQueue(FailingSequence(8, bad=4), workers=workers,
                            use_multiprocessing=procs) as queue:
                list(queue.batches(8, 0))
        assert time.monotonic() - start < 10
    text = _error_text(info.value)
    assert "explode_at" in text and "__getitem__" in text
    if procs:
        assert isinstance(info.value.__cause__, WorkerTraceback)
        assert "fastgraph-data-" in text and "batch index 4" in text


@pytest.mark.parametrize("workers,procs", MODES + [(1, True)],
                         ids=MODE_IDS + ["one-process"])
def test_generator_error_reaches_caller_after_earlier_batches(workers, procs):
    seen = []
    with leaves_nothing_behind(), deadline(30):
        with pytest.raises(ValueError, match="bad sample in batch 3") as info:
            with BatchQueue(failing_generator(3), workers=workers,
                            use_multiprocessing=procs and workers == 1) as queue:
                for batch in queue.batches(10, 0):
                    seen.append(batch[0])
    assert seen == [0, 1, 2]
    assert "failing_generator" in _error_text(info.value)


def test_exception_that_cannot_be_rebuilt_keeps_its_type_and_message():
    with leaves_nothing_behind(), deadline(30):
        with pytest.raises(OddError, match="odd failure 0") as info:
            with BatchQueue(OddSequence(), workers=1,
                            use_multiprocessing=True) as queue:
                list(queue.batches(3, 0))
    assert "unpicklable args" in str(info.value.__cause__)


@pytest.mark.parametrize("how,signame", [("kill", "SIGKILL"),
                                         ("segfault", "SIGSEGV")])
def test_dead_worker_process_is_reported(how, signame):
    with leaves_nothing_behind(), deadline(30):
        start = time.monotonic()
        with pytest.raises(RuntimeError) as info:
            with BatchQueue(FailingSequence(8, **{how: 3}), workers=2,
                            use_multiprocessing=True) as queue:
                list(queue.batches(8, 0))
        assert time.monotonic() - start < 10
    message = str(info.value)
    assert "fastgraph-data-" in message and "died" in message
    assert f"exit code -{getattr(signal, signame).value}" in message
    assert signame in message and "batch index 3" in message


def test_worker_killed_from_outside_mid_epoch(tmp_path):
    seq = LoggedSequence(30, str(tmp_path / "log"), delay=0.05)
    with leaves_nothing_behind(), deadline(30):
        with pytest.raises(RuntimeError, match=r"died with exit code -9 "
                                               r"\(killed by SIGKILL\)"):
            with BatchQueue(seq, workers=2, use_multiprocessing=True) as queue:
                for step, _ in enumerate(queue.batches(30, 0)):
                    if step == 2:
                        victim = queue._pool._procs[1].pid
                        os.kill(victim, signal.SIGKILL)


def test_dead_generator_worker_is_reported():
    def suicidal():
        yield 0, None
        os.kill(os.getpid(), signal.SIGKILL)
        yield 1, None

    with leaves_nothing_behind(), deadline(30):
        with pytest.raises(RuntimeError, match="copy of the generator"):
            with BatchQueue(suicidal(), workers=1,
                            use_multiprocessing=True) as queue:
                list(queue.batches(2, 0))


def test_hung_worker_process_is_terminated_on_exit():
    with leaves_nothing_behind(), deadline(30):
        start = time.monotonic()
        with BatchQueue(FailingSequence(6, hang=2), workers=2,
                        use_multiprocessing=True) as queue:
            batches = queue.batches(6, 0)
            next(batches)
            next(batches)
        assert time.monotonic() - start < 8


def test_worker_processes_ignore_ctrl_c(tmp_path):
    seq = LoggedSequence(10, str(tmp_path / "log"), delay=0.02)
    with leaves_nothing_behind(), deadline(30):
        with BatchQueue(seq, workers=2, use_multiprocessing=True) as queue:
            batches = queue.batches(10, 0)
            next(batches)
            for p in queue._pool._procs:
                os.kill(p.pid, signal.SIGINT)
            assert [b[0] for b in batches] == list(range(1, 10))


def test_sigint_in_main_process_stops_workers(tmp_path):
    seq = LoggedSequence(50, str(tmp_path / "log"), delay=0.05)
    with leaves_nothing_behind(), deadline(30):
        with pytest.raises(KeyboardInterrupt):
            with BatchQueue(seq, workers=2, use_multiprocessing=True) as queue:
                for step, _ in enumerate(queue.batches(50, 0)):
                    if step == 1:
                        # Arrives while the main process waits for a batch.
                        threading.Timer(0.01, os.kill,
                                        (os.getpid(), signal.SIGINT)).start()


def _alive(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


@pytest.mark.skipif(not os.path.isdir("/proc"), reason="needs /proc")
def test_workers_exit_when_the_main_process_is_killed(tmp_path):
    script = (
        "import os, signal, sys\n"
        "sys.path[:0] = %r\n"
        "from fastgraph.data import BatchQueue\n"
        "from tests.data.queue_testlib import LoggedSequence\n"
        "q = BatchQueue(LoggedSequence(100, %r, delay=0.05), workers=2,\n"
        "               use_multiprocessing=True)\n"
        "batches = q.batches(100)\n"
        "next(batches)\n"
        "print(*[p.pid for p in q._pool._procs], flush=True)\n"
        "os.kill(os.getpid(), signal.SIGKILL)\n"
    ) % (sys.path, str(tmp_path / "log"))
    with deadline(60):
        out = subprocess.run([sys.executable, "-c", script], capture_output=True,
                             text=True, timeout=50)
        pids = [int(p) for p in out.stdout.split()]
        assert len(pids) == 2, out.stderr
        limit = time.monotonic() + 10
        while any(_alive(p) for p in pids):
            assert time.monotonic() < limit, "orphaned workers survived"
            time.sleep(0.05)


def test_forked_worker_can_run_openmp_kernels_used_by_the_parent():
    from fastgraph.ops.pool import max_pool2d
    x = np.random.default_rng(0).random((32, 16, 16, 8), dtype=np.float32)
    expected = float(max_pool2d(x).data.sum())
    with leaves_nothing_behind(), deadline(30):
        with BatchQueue(PoolingSequence(x), workers=2,
                        use_multiprocessing=True) as queue:
            got = list(queue.batches(3, 0))
    np.testing.assert_allclose(got, [expected] * 3, rtol=1e-6)
