"""Collective operations for user code: every rank must call them, in the
same order.  In a single process they return their input."""
import numpy as np

from ..autodiff import Tensor
from . import runtime
from .strategy import allgather as _allgather


def broadcast_variables(variables, root_rank=0):
    """Overwrite `variables` (Variables, e.g. `model.weights`, or NumPy
    arrays) in place with rank `root_rank`'s values: one packed message
    per dtype."""
    comm = runtime.communicator()
    if comm is None or comm.Get_size() == 1:
        return
    arrays = [v.data if isinstance(v, Tensor) else v for v in variables]
    for i, a in enumerate(arrays):
        if not isinstance(a, np.ndarray):
            raise TypeError(f"broadcast_variables: variables[{i}] must be a "
                            f"Variable or a NumPy array, got {type(a).__name__}")
    for dtype in sorted({a.dtype for a in arrays}, key=str):
        group = [a for a in arrays if a.dtype == dtype]
        buffer = np.concatenate([a.reshape(-1) for a in group]) if group else None
        comm.Bcast(buffer, root=root_rank)
        offset = 0
        for a in group:
            a[...] = buffer[offset:offset + a.size].reshape(a.shape)
            offset += a.size


def allreduce(value, average=True):
    """The sum (or mean, with `average`) over the ranks of an array or number."""
    comm = runtime.communicator()
    array = (np.asarray(value, dtype=np.float64) if np.ndim(value) == 0
             else np.ascontiguousarray(value))
    if comm is not None and comm.Get_size() > 1:
        total = np.empty_like(array)
        comm.Allreduce(array, total)
        array = total / comm.Get_size() if average else total
    return array if np.ndim(value) else array.item()


def allgather(array):
    """Every rank's array concatenated along the first axis, in rank order."""
    comm = runtime.communicator()
    if comm is None or comm.Get_size() == 1:
        return np.asarray(array)
    return _allgather(np.asarray(array), comm)


def barrier():
    """Wait until every rank gets here."""
    comm = runtime.communicator()
    if comm is not None:
        comm.Barrier()
