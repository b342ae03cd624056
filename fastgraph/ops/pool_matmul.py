"""Matrix products split across fastgraph's thread pool above one thread.

OpenBLAS's own threads fork and join on every call, sleep or spin between
calls, and a call waits for all of them: when a neighbour process holds a
core, a 2-thread dense layer became 40x slower than a 1-thread one.  Here
C's rows (or columns) are split into a few blocks, each one single-threaded
call of the same BLAS on a pool thread (csrc/pool_gemm_t.h); the caller
takes blocks too and never waits for a thread that has not started one.
Products too small for OpenBLAS to thread (under _MIN_MNK) stay np.matmul,
and so do those of 2 to _MIN_ROWS - 1 rows, where a block's packing of the
other operand costs more than the pool saves.  A single row (one sample's
predict) by a matrix of at least _MIN_GEMV elements is split by columns
into fastgraph's own vector loops: the product only streams the matrix, so
two cores reading its halves at once finish sooner than one.
"""
import numpy as np

from .. import _threads as _thread_control
from .._kernels import load

_k = load("im2col")
_threads = load("threads")
# OpenBLAS's own threshold for threading a GEMM (M*N*K).
_MIN_MNK = 1 << 18
_MIN_ROWS = 16
_MIN_GEMV = 1 << 17
# Blocks per thread: each block re-packs the operand it does not split, so
# one per thread (the caller takes the late worker's block if it can).
_TASKS_PER_THREAD = 1


_HAVE_BLAS = _thread_control.connect_blas(_k)


def _unit_stride(a):
    return a.strides[1] == a.itemsize or a.strides[0] == a.itemsize


def _fits(a, b, out):
    """Arrays the pool's BLAS call takes as they are (else np.matmul)."""
    dt = a.dtype
    return (dt == b.dtype and dt in (np.float32, np.float64) and dt.isnative
            and _unit_stride(a) and _unit_stride(b)
            and (out is None or (out.dtype == dt and out.flags.c_contiguous)))


def matmul(a, b, out=None):
    """a @ b for 2-D float arrays of one dtype (views of contiguous arrays,
    transposes included) into `out` (C-contiguous) or a fresh array: on the
    pool above one thread when the product is big enough, else np.matmul."""
    slots = _threads.get_omp_threads()
    _thread_control.prime_blas(slots)
    m, k = a.shape
    n = b.shape[1]
    if (slots > 1 and _HAVE_BLAS and _fits(a, b, out)
            and (m * n * k >= _MIN_MNK and m >= _MIN_ROWS
                 or m == 1 and n * k >= _MIN_GEMV)):
        y = np.empty((m, n), dtype=a.dtype) if out is None else out
        if _k.pool_gemm(a, b, y, _TASKS_PER_THREAD * slots, slots):
            return y
    return np.matmul(a, b, out=out)
