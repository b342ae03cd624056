"""The process group: whether this process runs alone or as one rank of an
MPI job, and the communicator the other modules use.

Nothing here imports mpi4py unless an MPI launcher (mpiexec, mpirun,
srun) started the process or `init(comm)` is handed a communicator, so a
single process needs no MPI installed.  Under MPI, `init` makes a rank
that dies of an uncaught exception abort the whole job, so that the other
ranks stop instead of waiting for it forever.
"""
import os
import sys
import traceback

from ..training import set_strategy
from .strategy import MPIStrategy

# Variables an MPI launcher sets in the processes it starts: MPICH/Intel
# MPI (PMI), Open MPI, PMIx, and Slurm's srun with more than one task.
_LAUNCHER_VARIABLES = ("PMI_RANK", "PMI_SIZE", "PMIX_RANK", "OMPI_COMM_WORLD_SIZE")

_state = {"comm": None, "local": None, "initialized": False, "excepthook": None}


def launched_by_mpi():
    """True when an MPI launcher started this process."""
    if any(os.environ.get(name) for name in _LAUNCHER_VARIABLES):
        return True
    return int(os.environ.get("SLURM_STEP_NUM_TASKS", "1") or 1) > 1


def load_mpi():
    """The mpi4py.MPI module, or an ImportError that says what to install."""
    try:
        from mpi4py import MPI
    except ImportError as exc:
        raise ImportError(
            "fastgraph.distributed: this process was started by an MPI launcher "
            "(or given a communicator) but mpi4py cannot be imported "
            f"({exc}); install it with: pip install 'fastgraph[mpi]'") from exc
    return MPI


def init(comm=None):
    """Join the MPI job this process was launched in (a single process of
    size 1 when no MPI launcher started it); `comm` is an mpi4py
    communicator to use instead of COMM_WORLD.  Calling it again does
    nothing.  With more than one rank, fit, evaluate and predict from now
    on share the data among the ranks (see fastgraph.training.Strategy)."""
    if _state["initialized"]:
        return
    if comm is not None or launched_by_mpi():
        mpi = load_mpi()
        comm = mpi.COMM_WORLD if comm is None else comm
        _state["comm"] = comm
        _state["local"] = comm.Split_type(mpi.COMM_TYPE_SHARED, key=comm.Get_rank())
        _state["excepthook"] = sys.excepthook
        sys.excepthook = _abort_on_uncaught
    _state["initialized"] = True
    if size() > 1:
        set_strategy(MPIStrategy(comm, mpi))


def shutdown():
    """Leave the job: fit/evaluate/predict run on this process's data alone
    again.  MPI itself is finalized when the process exits."""
    if not _state["initialized"]:
        return
    set_strategy(None)
    if _state["excepthook"] is not None:
        sys.excepthook = _state["excepthook"]
    local = _state["local"]
    if local is not None:
        local.Free()
    _state.update(comm=None, local=None, initialized=False, excepthook=None)


def is_initialized():
    """True between `init()` and `shutdown()`."""
    return _state["initialized"]


def communicator():
    """The mpi4py communicator of the job, or None in a single process."""
    _require_init("communicator")
    return _state["comm"]


def size():
    """The number of ranks (processes) in the job."""
    return _ask("size", "comm", "Get_size", 1)


def rank():
    """This process's rank, 0 .. size() - 1; rank 0 is the chief."""
    return _ask("rank", "comm", "Get_rank", 0)


def local_size():
    """The number of ranks on this machine."""
    return _ask("local_size", "local", "Get_size", 1)


def local_rank():
    """This process's rank among those on this machine."""
    return _ask("local_rank", "local", "Get_rank", 0)


def _ask(name, which, method, alone):
    """`method` of the world ('comm') or machine ('local') communicator, or
    `alone` in a single process."""
    _require_init(name)
    comm = _state[which]
    return alone if comm is None else getattr(comm, method)()


def _require_init(name):
    if not _state["initialized"]:
        raise RuntimeError(f"fastgraph.distributed.{name}(): call "
                           f"fastgraph.distributed.init() first")


def _abort_on_uncaught(exc_type, exc, tb):
    """Print the error with this rank's number, then abort every rank."""
    comm = _state["comm"]
    me, total = comm.Get_rank(), comm.Get_size()
    text = "".join(traceback.format_exception(exc_type, exc, tb))
    sys.stderr.write(f"fastgraph.distributed: rank {me} of {total} failed:\n{text}"
                     f"fastgraph.distributed: rank {me} aborts the job "
                     f"(MPI_Abort) so that the other ranks stop\n")
    sys.stderr.flush()
    comm.Abort(1)
