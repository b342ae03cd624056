"""fastgraph.distributed over real ranks: each test launches
`mpiexec -n 2 python <script>` (tests/distributed/scripts) with a timeout,
and checks that no process of it is left afterwards.

CI installs the MPI (pip install -e '.[test]' brings mpi4py and MPICH);
elsewhere these tests are skipped when mpi4py or mpiexec is missing.
"""
import os
import re
import shutil
import signal
import subprocess
import sys
import time

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
SCRIPTS = os.path.join(HERE, "scripts")


def _mpiexec():
    """The mpiexec beside this Python (where pip puts MPICH's), else on PATH."""
    path = os.pathsep.join([os.path.dirname(sys.executable), os.environ.get("PATH", "")])
    return shutil.which("mpiexec", path=path)


MPIEXEC = _mpiexec()
try:
    import mpi4py  # noqa: F401
    HAVE_MPI4PY = True
except ImportError:
    HAVE_MPI4PY = False

pytestmark = pytest.mark.skipif(not (MPIEXEC and HAVE_MPI4PY),
                                reason="needs mpi4py and mpiexec: pip install 'fastgraph[mpi]'")


def _processes(marker):
    """PIDs of live processes whose command line holds `marker`."""
    found = []
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                cmd = f.read().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if marker in cmd and "pytest" not in cmd:
            found.append(int(pid))
    return found


def launch(script, *args, timeout=60, ranks=2):
    """(returncode, stdout + stderr, seconds) of the script on `ranks` ranks;
    the whole process group is killed if it outlives `timeout`."""
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(
        [ROOT, os.environ.get("PYTHONPATH", "")]), FASTGRAPH_NUM_THREADS="1")
    path = os.path.join(SCRIPTS, script)
    start = time.monotonic()
    proc = subprocess.Popen([MPIEXEC, "-n", str(ranks), sys.executable, path, *args],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            env=env, start_new_session=True)
    try:
        out, _ = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        out, _ = proc.communicate()
        pytest.fail(f"{script} {args} hung for {timeout} s:\n{out}")
    finally:
        deadline = time.monotonic() + 5
        while _processes(path) and time.monotonic() < deadline:
            time.sleep(0.05)
        left = _processes(path)
        if left:
            for pid in left:
                os.kill(pid, signal.SIGKILL)
        assert not left, f"processes left behind by {script}: {left}"
    return proc.returncode, out, time.monotonic() - start


def test_ranks_reach_the_weights_of_one_process_with_the_whole_batch():
    code, out, _ = launch("equivalence.py")
    assert code == 0, out
    assert "MISMATCH" not in out
    for model in ("mlp", "cnn", "lstm"):
        for opt in ("sgd_momentum", "rmsprop", "adagrad", "adadelta", "adam",
                    "adamax", "nadam"):
            assert out.count(f" {model} {opt} None max|diff|=") == 2, (model, opt, out)
    assert out.count(" float16 max|diff|=") == 4, out


def test_sharding_predict_evaluate_and_callbacks(tmp_path):
    code, out, _ = launch("data_and_callbacks.py", str(tmp_path))
    assert code == 0, out
    assert out.count("all checks passed") == 2, out


def test_a_rank_that_raises_stops_the_job():
    code, out, seconds = launch("fault.py", "raise", timeout=30)
    assert code != 0
    assert "fastgraph.distributed: rank 1 of 2 failed" in out, out
    assert "rank 1 breaks on purpose" in out
    assert seconds < 15


def test_a_rank_that_is_killed_stops_the_job():
    code, out, seconds = launch("fault.py", "kill", timeout=30)
    assert code != 0
    pid = re.search(r"rank 1 pid (\d+)", out).group(1)     # ranks' lines may run together
    assert f"PID {pid}" in out, out    # MPICH's launcher names the dead process
    assert seconds < 15
