"""MPIStrategy: fit, evaluate and predict shared among the ranks of an MPI
job (the extension point is fastgraph.training.Strategy).

Each fit/evaluate/predict call agrees on one shuffle seed (rank 0 draws it
from fastgraph's random generator and sends it to every rank), so every
rank cuts the same shuffled data into disjoint parts.
"""
import numpy as np

from ..ops.random import get_rng
from ..training import Shard, Strategy


class MPIStrategy(Strategy):
    """Data parallelism over the ranks of the mpi4py communicator `comm`."""

    def __init__(self, comm, mpi):
        self.comm, self.mpi = comm, mpi
        self.num_replicas = comm.Get_size()
        self.is_chief = comm.Get_rank() == 0

    def shard(self, training):
        seed = int(get_rng().integers(2 ** 62)) if self.is_chief else None
        seed = self.comm.bcast(seed, root=0)
        return Shard(self.comm.Get_rank(), self.num_replicas, seed, training)

    def reduce_sums(self, sums, counts):
        both = np.concatenate([sums, counts])
        self.comm.Allreduce(self.mpi.IN_PLACE, both)
        n = len(sums)
        sums[...], counts[...] = both[:n], both[n:]

    def gather(self, arrays):
        return [allgather(a, self.comm) for a in arrays]


def allgather(array, comm):
    """Every rank's `array` concatenated along the first axis, in rank order
    (the ranks' arrays may differ in length only)."""
    array = np.ascontiguousarray(array)
    counts = np.array(comm.allgather(array.shape[0]), np.int64)
    row = int(np.prod(array.shape[1:], dtype=np.int64))
    out = np.empty((int(counts.sum()),) + array.shape[1:], array.dtype)
    comm.Allgatherv(array, [out, counts * row])
    return out

