"""fastgraph's one thread pool (csrc/tasks.c), shared by every kernel family.

Built once: the families' C code reaches the pool through the entry points
whose address `api_address` gives, which their shims hand to C at import
(csrc/fg_pool.h), so that all their jobs run on the same kept workers.
"""
cdef extern from "tasks.h":
    ctypedef struct fg_tasks_api:
        pass
    const fg_tasks_api *fg_tasks_get_api() nogil


def api_address():
    """The address of the pool's entry points (a C fg_tasks_api)."""
    return <size_t>fg_tasks_get_api()
