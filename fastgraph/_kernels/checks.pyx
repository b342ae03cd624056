"""The error of the kernel shims' argument checks (the checks themselves
are inline functions in checks.pxd, compiled into every shim)."""
cimport numpy as cnp

cnp.import_array()


class KernelArgumentError(TypeError, ValueError):
    """An array handed to a kernel shim is not what its C kernel needs: not
    a NumPy array, or of the wrong dtype, number of dimensions, shape or
    layout, or read-only where the kernel writes.

    Both a TypeError (wrong type or dtype) and a ValueError (wrong shape or
    layout), as NumPy's AxisError is both a ValueError and an IndexError, so
    callers catch it as either.
    """


cdef int fail(str message) except -1:
    raise KernelArgumentError(message)


cdef str dtype_name(int dtype):
    return str(cnp.PyArray_DescrFromType(dtype))
