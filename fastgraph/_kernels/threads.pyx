"""OpenMP thread control for the compiled kernels."""

cdef extern from "threads.h":
    int fg_openmp_available()
    void fg_set_omp_threads(int n)
    int fg_get_omp_threads()


def openmp_available():
    """True when the kernels were compiled with OpenMP."""
    return bool(fg_openmp_available())


def set_omp_threads(int n):
    """Set the number of OpenMP threads the kernels use."""
    if n < 1:
        raise ValueError(f"set_omp_threads: n must be >= 1, got {n}")
    fg_set_omp_threads(n)


def get_omp_threads():
    """Number of OpenMP threads the kernels use (1 without OpenMP)."""
    return fg_get_omp_threads()
