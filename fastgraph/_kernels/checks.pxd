# The argument checks every kernel shim uses.
#
# A shim checks each array it hands to C with these, before touching its
# memory: `array` for an array whose dtype is given, `like` for one that must
# match an array already checked, `has_shape` and `writeable` on top.  Each
# takes the shim's name and the argument's name first, so that every error
# (a KernelArgumentError, raised by checks.pyx) says which function, which
# argument and what was expected.  `shape` is None (any), an int (the number
# of dimensions) or a tuple (the exact shape).
#
# They are inline: they run on every kernel call, through NumPy's C API,
# and cost less than a call into another module would; the messages are
# built only when a check fails.
cimport numpy as cnp

cdef enum:
    ANY_FLOAT = -1      # `dtype` of `array`: float32 or float64
    ANY_INDEX = -2      # `dtype` of `array`: int32 or int64

# Raise KernelArgumentError(message); returns -1 for `except -1` callers.
cdef int fail(str message) except -1
cdef str dtype_name(int dtype)


cdef inline int _match(int t, int dtype) noexcept:
    """The canonical type number `t` stands for under `dtype`, or -1."""
    if dtype == ANY_FLOAT:
        return t if t == cnp.NPY_FLOAT or t == cnp.NPY_DOUBLE else -1
    if dtype == ANY_INDEX:
        if cnp.PyArray_EquivTypenums(t, cnp.NPY_INT32):
            return cnp.NPY_INT32
        if cnp.PyArray_EquivTypenums(t, cnp.NPY_INT64):
            return cnp.NPY_INT64
        return -1
    return dtype if t == dtype or cnp.PyArray_EquivTypenums(t, dtype) else -1


cdef inline bint _has_dims(cnp.ndarray a, tuple shape) except -1:
    """a.shape == shape, without building a.shape."""
    cdef Py_ssize_t nd = len(shape), i
    if cnp.PyArray_NDIM(a) != nd:
        return False
    for i in range(nd):
        if cnp.PyArray_DIMS(a)[i] != <cnp.npy_intp>shape[i]:
            return False
    return True


cdef inline int _ndarray(str fn, str name, object a) except -1:
    if not cnp.PyArray_Check(a):
        return fail(f"{fn}: {name} must be a numpy array, got {type(a).__name__}")
    return 0


cdef inline str _spec(str fn, str name, object a, int dtype, tuple shape):
    return (f"{fn}: {name} must be {dtype_name(dtype)} of shape {shape}, "
            f"got {a.dtype} of shape {a.shape}")


cdef inline int _layout(str fn, str name, object a, object shape, int dtype) except -1:
    """The number of dimensions or the shape, then C-contiguity; a shape
    mismatch under an exact `dtype` (>= 0) is reported as `array` says."""
    cdef cnp.ndarray arr = <cnp.ndarray>a
    if shape is not None:
        if isinstance(shape, int):
            if cnp.PyArray_NDIM(arr) != <int>shape:
                return fail(f"{fn}: {name} must have {shape} dimensions, "
                            f"got shape {a.shape}")
        elif not _has_dims(arr, <tuple>shape):
            if dtype >= 0:
                return fail(_spec(fn, name, a, dtype, shape))
            return fail(f"{fn}: {name} must have shape {shape}, got {a.shape}")
    if not cnp.PyArray_IS_C_CONTIGUOUS(arr):
        return fail(f"{fn}: {name} must be C-contiguous")
    return 0


cdef inline int array(str fn, str name, object a, int dtype,
                      object shape=None) except -1:
    """`a` is a C-contiguous ndarray of `dtype` (native byte order) and
    `shape`; returns its NumPy type number (NPY_INT32 / NPY_INT64 for
    ANY_INDEX).  Given an exact dtype and a tuple shape, the message of
    either mismatch states both ('must be float32 of shape (3,)')."""
    _ndarray(fn, name, a)
    cdef int t = _match(cnp.PyArray_TYPE(<cnp.ndarray>a), dtype)
    if t < 0 or not cnp.PyArray_ISNOTSWAPPED(<cnp.ndarray>a):
        if dtype >= 0 and isinstance(shape, tuple):
            return fail(_spec(fn, name, a, dtype, shape))
        if dtype == ANY_FLOAT:
            return fail(f"{fn}: {name} must be float32 or float64, got {a.dtype}")
        if dtype == ANY_INDEX:
            return fail(f"{fn}: {name} must be int32 or int64, got {a.dtype}")
        return fail(f"{fn}: {name} must be {dtype_name(dtype)}, got {a.dtype}")
    _layout(fn, name, a, shape, dtype)
    return t


cdef inline int like(str fn, str name, object a, object ref, str ref_name,
                     object shape=None) except -1:
    """`a` is a C-contiguous ndarray of the dtype of `ref` (an array already
    checked) and of `shape`, by default the shape of `ref`."""
    _ndarray(fn, name, a)
    cdef cnp.ndarray arr = <cnp.ndarray>a, r = <cnp.ndarray>ref
    cdef int t = cnp.PyArray_TYPE(arr), rt = cnp.PyArray_TYPE(r), i
    if (t != rt and not cnp.PyArray_EquivTypenums(t, rt)) \
            or not cnp.PyArray_ISNOTSWAPPED(arr):
        return fail(f"{fn}: {name} must have the dtype of {ref_name} "
                    f"({ref.dtype}), got {a.dtype}")
    if shape is None:
        if cnp.PyArray_NDIM(arr) != cnp.PyArray_NDIM(r):
            return fail(f"{fn}: {name} must have shape {ref.shape}, got {a.shape}")
        for i in range(cnp.PyArray_NDIM(r)):
            if cnp.PyArray_DIMS(arr)[i] != cnp.PyArray_DIMS(r)[i]:
                return fail(f"{fn}: {name} must have shape {ref.shape}, got {a.shape}")
    return _layout(fn, name, a, shape, ANY_FLOAT)


cdef inline int has_shape(str fn, str name, object a, tuple shape) except -1:
    """`a` (an array already checked) has exactly `shape`."""
    if not _has_dims(<cnp.ndarray>a, shape):
        return fail(f"{fn}: {name} must have shape {shape}, got {a.shape}")
    return 0


cdef inline int writeable(str fn, str name, object a) except -1:
    """The kernel may write to `a` (an array already checked)."""
    if not cnp.PyArray_ISWRITEABLE(<cnp.ndarray>a):
        return fail(f"{fn}: {name} must be writeable")
    return 0


cdef inline void *data(object a) noexcept:
    return cnp.PyArray_DATA(<cnp.ndarray>a)


cdef inline void *data_or_null(object a) noexcept:
    return NULL if a is None else cnp.PyArray_DATA(<cnp.ndarray>a)
