"""String hashing kernels (tf's Fingerprint64, keyed SipHash, FingerprintCat64)
over object arrays of str: each string's UTF-8 bytes are hashed in C."""
import numpy as np
cimport numpy as cnp
from cpython.ref cimport PyObject
from cpython.unicode cimport PyUnicode_Check
from libc.stdint cimport uint8_t, uint32_t, uint64_t

from .checks cimport array, data, fail

cnp.import_array()

cdef extern from "Python.h":
    const char *PyUnicode_AsUTF8AndSize(object s, Py_ssize_t *size) except NULL

cdef extern from "hashing.h":
    ctypedef Py_ssize_t fg_idx
    uint64_t fg_fingerprint64(const uint8_t *s, size_t n) nogil
    uint64_t fg_siphash(uint64_t k0, uint64_t k1, const uint8_t *s, size_t n) nogil
    void fg_fingerprint_cat64(const uint64_t *a, const uint64_t *b, fg_idx n,
                              uint64_t *out) nogil
    void fg_hash_ucs4(const uint32_t *s, fg_idx n, size_t width, int keyed, uint64_t k0,
                      uint64_t k1, uint64_t *out) nogil


cdef object _hash(str fn, object strings, bint keyed, uint64_t k0, uint64_t k1):
    out = np.empty(np.shape(strings), dtype=np.uint64)
    cdef uint64_t *o = <uint64_t *>data(out)
    cdef size_t width
    cdef Py_ssize_t count = out.size
    cdef const uint32_t *chars
    if cnp.PyArray_Check(strings) and strings.dtype.kind == "U":
        array(fn, "strings", strings, cnp.NPY_UNICODE)
        width = strings.dtype.itemsize // 4
        chars = <const uint32_t *>data(strings)
        with nogil:
            fg_hash_ucs4(chars, count, width, keyed, k0, k1, o)
        return out
    array(fn, "strings", strings, cnp.NPY_OBJECT)
    cdef PyObject **items = <PyObject **>data(strings)
    cdef Py_ssize_t i, n = strings.size, size
    cdef const char *s
    for i in range(n):
        item = <object>items[i]
        if not PyUnicode_Check(item):
            fail(f"{fn}: strings must hold str, got {type(item).__name__} at "
                 f"flat index {i}")
        s = PyUnicode_AsUTF8AndSize(item, &size)
        if keyed:
            o[i] = fg_siphash(k0, k1, <const uint8_t *>s, size)
        else:
            o[i] = fg_fingerprint64(<const uint8_t *>s, size)
    return out


def fingerprint64(strings):
    """uint64 Fingerprint64 of each str of the C-contiguous object or str
    array (hashing the UTF-8 bytes)."""
    return _hash("hashing.fingerprint64", strings, False, 0, 0)


def siphash(strings, uint64_t k0, uint64_t k1):
    """uint64 SipHash-2-4 under key (k0, k1) of each str of the object or str
    array."""
    return _hash("hashing.siphash", strings, True, k0, k1)


def fingerprint_cat64(a, b):
    """uint64 FingerprintCat64(a[i], b[i]) of two uint64 arrays of one shape."""
    fn = "hashing.fingerprint_cat64"
    array(fn, "a", a, cnp.NPY_UINT64)
    array(fn, "b", b, cnp.NPY_UINT64, a.shape)
    out = np.empty_like(a)
    cdef Py_ssize_t n = a.size
    cdef const uint64_t *ap = <const uint64_t *>data(a)
    cdef const uint64_t *bp = <const uint64_t *>data(b)
    cdef uint64_t *op = <uint64_t *>data(out)
    with nogil:
        fg_fingerprint_cat64(ap, bp, n, op)
    return out
