"""The 'string' dtype of Keras string tensors (Input(dtype='string'),
StringLookup, TextVectorization).  NumPy has no variable-length string type,
so string tensors are held as object arrays of Python str: every other dtype
name is NumPy's own."""
import numpy as np

STRING = "string"


def dtype_name(dtype):
    """The canonical name of `dtype`: 'string' for Keras's string dtype and
    NumPy's str, bytes and object types, else NumPy's name."""
    if isinstance(dtype, str) and dtype in (STRING, "str", "tf.string"):
        return STRING
    dt = np.dtype(dtype)
    return STRING if dt.kind in "USO" else str(dt)


def numpy_dtype(name):
    """The NumPy dtype that holds tensors of dtype `name`."""
    return np.dtype(object) if name == STRING else np.dtype(name)


def is_string_array(a):
    """True for arrays of str, bytes or objects (string tensors)."""
    return np.asarray(a).dtype.kind in "USO"


def as_strings(a, what="input"):
    """`a` as an object array of str (bytes decoded as UTF-8); TypeError
    naming `what` when an element is neither str nor bytes."""
    a = np.asarray(a)
    if a.dtype.kind == "U":
        return a.astype(object)
    if a.dtype.kind == "S":
        return np.vectorize(lambda b: b.decode("utf-8"), otypes=[object])(a) \
            if a.size else a.astype(object)
    if a.dtype.kind != "O":
        raise TypeError(f"{what}: expected strings, got an array of dtype {a.dtype}")
    if a.size:
        kinds = {type(x) for x in a.flat}
        if not kinds <= {str, bytes}:
            bad = next(x for x in a.flat if not isinstance(x, (str, bytes)))
            raise TypeError(f"{what}: expected strings, got an element "
                            f"{bad!r} of type {type(bad).__name__}")
        if bytes in kinds:
            a = np.vectorize(lambda s: s.decode("utf-8") if isinstance(s, bytes) else s,
                             otypes=[object])(a)
    return a
