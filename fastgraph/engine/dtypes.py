"""The 'string' dtype of Keras string tensors (Input(dtype='string'),
StringLookup, TextVectorization).  NumPy has no variable-length string type,
so string tensors are held as NumPy str arrays or object arrays of Python
str (what a layer returns): every other dtype name is NumPy's own."""
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
    """The NumPy dtype that holds tensors of dtype `name` (object for
    strings: str arrays are taken too)."""
    return np.dtype(object) if name == STRING else np.dtype(name)


def is_string_array(a):
    """True for arrays of str, bytes or objects (string tensors)."""
    return np.asarray(a).dtype.kind in "USO"


def as_strings(a, what="input"):
    """`a` as an array of str: str arrays as they are, bytes decoded as
    UTF-8, object arrays checked to hold only str (bytes decoded); TypeError
    naming `what` otherwise."""
    a = np.asarray(a)
    if a.dtype.kind == "U":
        return a
    if a.dtype.kind == "S":
        return np.char.decode(a, "utf-8")
    if a.dtype.kind != "O":
        raise TypeError(f"{what}: expected strings, got an array of dtype {a.dtype}")
    items = a.ravel().tolist()
    kinds = set(map(type, items))
    if not kinds <= {str, bytes}:
        bad = next(x for x in items if not isinstance(x, (str, bytes)))
        raise TypeError(f"{what}: expected strings, got an element {bad!r} of type "
                        f"{type(bad).__name__}")
    if bytes in kinds:
        items = [x.decode("utf-8") if isinstance(x, bytes) else x for x in items]
        out = np.empty(len(items), dtype=object)
        out[:] = items
        return out.reshape(a.shape)
    return a
