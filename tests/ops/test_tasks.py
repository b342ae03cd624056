"""The one thread pool (csrc/tasks.c) that every kernel family shares: after
convolution, pooling, attention and a pooled matrix product at two threads,
the process holds exactly one worker, not one per family; and when a worker
holds up a job, as one that another process descheduled mid-task does, the
next jobs run in the caller alone for a while."""
import os
import subprocess
import sys
import time

import pytest

from fastgraph._kernels import tasks

CHILD = """
import os
import numpy as np
import fastgraph
from fastgraph import layers

def pool_workers():
    names = []
    for t in os.listdir("/proc/self/task"):
        with open(f"/proc/self/task/{t}/comm") as f:
            names.append(f.read().strip())
    return names.count("fastgraph-pool")

fastgraph.set_num_threads(2)
r = np.random.default_rng(0)
x = r.standard_normal((8, 64, 64, 16)).astype("float32")
s = r.standard_normal((8, 128, 64)).astype("float32")
seen = []
layers.Conv2D(32, 3, padding="same")(x)
seen.append(pool_workers())
layers.MaxPooling2D(2)(x)
seen.append(pool_workers())
layers.MultiHeadAttention(4, 16)(s, s)
seen.append(pool_workers())
layers.Dense(1024)(r.standard_normal((256, 1024)).astype("float32"))
seen.append(pool_workers())
print(seen)
"""


@pytest.mark.skipif(not os.path.isdir("/proc/self/task"), reason="counts threads through Linux's /proc")
def test_every_family_shares_one_worker():
    proc = subprocess.run([sys.executable, "-c", CHILD], capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "[1, 1, 1, 1]"


def test_a_late_worker_makes_the_next_jobs_run_alone():
    time.sleep(0.25)   # out of any backing off (at most 0.2 s) that earlier tests caused
    # the worker takes a task (the caller's waits for that) and holds it 30 ms;
    # a spinning worker may claim the first one before the caller does
    assert sorted(tasks._stalled_job(2, 2, 0.03)) == [0, 1]
    # right after, the caller takes every task: its first waits 0.2 s for a
    # worker that is not asked
    assert tasks._stalled_job(2, 2, 0.03, patience=0.2) == [0, 0]
    # the backing off is over (5 ms after the late job): the worker is asked again
    assert sorted(tasks._stalled_job(2, 2, 0.03)) == [0, 1]


def test_stalled_job_checks_its_task_count():
    with pytest.raises(ValueError, match="ntasks"):
        tasks._stalled_job(65, 2, 0.0)
