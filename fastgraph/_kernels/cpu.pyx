"""The x86-64 kernel levels this CPU runs (csrc/cpu.c), for dispatch.py.

Built once, for any CPU of the architecture: it is what decides which of
the other builds may be imported.
"""
cdef extern from "cpu.h":
    int fg_cpu_level() nogil

LEVELS = ("baseline", "avx2", "avx512")


def runnable():
    """The levels of LEVELS this CPU and its OS run, lowest first."""
    return LEVELS[:fg_cpu_level() + 1]
