"""Reading Keras's pickled data files without running untrusted code.

The CIFAR batches are Python pickles and the IMDB and Reuters `.npz` files
hold object arrays (pickles inside): `pickle.load` and
`np.load(allow_pickle=True)` on a downloaded file would run whatever code
the file names.  `RestrictedUnpickler.find_class` refuses every global
except NumPy's array reconstruction callables — `ndarray`, `dtype`, the
`_reconstruct` function its arrays pickle through and the `scalar` one
its scalars pickle through, under NumPy 1's and NumPy 2's module names —
which is all these files hold besides dicts, lists, tuples, bytes, strings
and numbers (which need no global).  Anything else raises
`pickle.UnpicklingError`.
"""
import pickle
import zipfile

import numpy as np

_RECONSTRUCT = np.zeros(0).__reduce__()[0]
_SCALAR = np.float64(0).__reduce__()[0]
_ALLOWED = {("numpy", "ndarray"): np.ndarray, ("numpy", "dtype"): np.dtype}
for _module in ("numpy.core.multiarray", "numpy._core.multiarray"):
    _ALLOWED[(_module, "_reconstruct")] = _RECONSTRUCT
    _ALLOWED[(_module, "scalar")] = _SCALAR
del _module


class RestrictedUnpickler(pickle.Unpickler):
    """An Unpickler that builds only plain data and NumPy arrays."""

    def find_class(self, module, name):
        try:
            return _ALLOWED[(module, name)]
        except KeyError:
            raise pickle.UnpicklingError(
                f"refusing to load {module}.{name}: this data file may only "
                f"hold NumPy arrays and plain Python data") from None

    def persistent_load(self, pid):
        raise pickle.UnpicklingError("refusing a persistent id in a data file")


def load_pickle(file, encoding="ASCII"):
    """Unpickle `file` (a path or binary file object) with
    `RestrictedUnpickler`."""
    if isinstance(file, (str, bytes)) or hasattr(file, "__fspath__"):
        with open(file, "rb") as f:
            return RestrictedUnpickler(f, encoding=encoding).load()
    return RestrictedUnpickler(file, encoding=encoding).load()


def _read_npy(member, zf, name):
    version = np.lib.format.read_magic(member)
    if version == (1, 0):
        shape, _, dtype = np.lib.format.read_array_header_1_0(member)
    else:   # 2.0 and 3.0 differ only in the header's text encoding
        shape, _, dtype = np.lib.format.read_array_header_2_0(member)
    if not dtype.hasobject:
        with zf.open(name) as again:
            return np.lib.format.read_array(again, allow_pickle=False)
    array = RestrictedUnpickler(member, encoding="ASCII").load()
    if not isinstance(array, np.ndarray) or array.shape != tuple(shape):
        raise ValueError(f"load_npz: member {name!r} does not hold the "
                         f"{tuple(shape)} array its header announces")
    return array


def load_npz(path):
    """The arrays of an `.npz` file as a dict, object arrays included (read
    with `RestrictedUnpickler`, never with `allow_pickle=True`)."""
    arrays = {}
    with zipfile.ZipFile(path) as zf:
        for name in zf.namelist():
            if not name.endswith(".npy"):
                continue
            with zf.open(name) as member:
                arrays[name[:-4]] = _read_npy(member, zf, name)
    return arrays
