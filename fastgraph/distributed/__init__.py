"""Data-parallel training over MPI: the same Keras script on N processes,
one or more per machine, each with its part of the data.

    import fastgraph.distributed as dist
    dist.init()
    model.compile(optimizer=dist.DistributedOptimizer("adam"), loss=...)
    model.fit(x, y, batch_size=64 // dist.size(),
              callbacks=[dist.callbacks.BroadcastGlobalVariablesCallback(0)])

Launch with `mpiexec -n 4 python train.py` (pip install 'fastgraph[mpi]'
brings mpi4py and an MPI).  Without a launcher the script runs as one
process of size 1, with no MPI needed.  After `init()`, fit, evaluate and
predict share the data among the ranks (fastgraph.training.Strategy), the
progress bar, ModelCheckpoint and CSVLogger run on rank 0 only, and a rank
that dies of an exception aborts the job.
"""
from . import callbacks
from .collectives import allgather, allreduce, barrier, broadcast_variables
from .optimizer import DistributedOptimizer
from .runtime import (communicator, init, is_initialized, launched_by_mpi,
                      local_rank, local_size, rank, shutdown, size)

__all__ = ["DistributedOptimizer", "allgather", "allreduce", "barrier",
           "broadcast_variables", "callbacks", "communicator", "init",
           "is_initialized", "launched_by_mpi", "local_rank", "local_size",
           "rank", "shutdown", "size"]
