"""HDF5 files read within limits and written as Keras writes them (h5py).

Keras model and weights files are HDF5.  Every object is reached through
hard links only (soft and external links are refused, never followed);
before a dataset is read its link, layout, filters, dtype and shape are
checked: no virtual datasets, no external storage, only the deflate,
shuffle and Fletcher-32 filters (an unknown filter could make the HDF5
library load a plugin), a plain numeric dtype, exactly the shape the
caller expects, and storage that the file really holds (a truncated file
or a tiny file declaring huge data is refused before anything is
allocated).  Every problem with a file's content is a FileFormatError (a
ValueError) naming the file; h5py is an optional dependency
(`pip install fastgraph[h5]`).
"""
import io
import math
import os

import numpy as np

from . import archive
from .archive import FileFormatError
from .atomic import atomic_write
from .files import open_regular

HDF5_SIGNATURE = b"\x89HDF\r\n\x1a\n"
# Keras splits attributes over `name0`, `name1`, ... past this size.
HDF5_OBJECT_HEADER_LIMIT = 64512
MAX_OBJECTS = 100_000          # groups and datasets visited in one file
_RATIO_MIN_BYTES = 1 << 16
_PLAIN_KINDS = frozenset("biuf")


def h5py():
    """The h5py module, or an ImportError naming the extra that brings it."""
    try:
        import h5py as module
    except ImportError:
        raise ImportError("Keras HDF5 files (.h5, .hdf5, .keras, .weights.h5) "
                          "need h5py: pip install 'fastgraph[h5]'") from None
    return module


def is_hdf5(head):
    """True when the bytes `head` start an HDF5 file."""
    return head.startswith(HDF5_SIGNATURE)


class H5Reader:
    """An HDF5 file opened read-only, read within the limits above.

    `source` is a path, a binary file object or bytes; `name` names it in
    messages and `label` names the format ('Keras HDF5 file', ...).
    Paths inside the file are '/'-separated.  Use as a context manager.
    """

    def __init__(self, source, name=None, label="Keras HDF5 file"):
        h5 = h5py()
        self._h5 = h5
        self.label = label
        if isinstance(source, (bytes, bytearray)):
            source = io.BytesIO(source)
        if hasattr(source, "read"):
            self.name = name or getattr(source, "name", None) or "<file object>"
            source.seek(0, os.SEEK_END)
            self.size = source.tell()
            source.seek(0)
        else:
            self.name = name or os.fspath(source)
            with open_regular(source) as f:
                self.size = os.fstat(f.fileno()).st_size
        if self.size < len(HDF5_SIGNATURE):
            raise self.fail("it is truncated (shorter than an HDF5 signature)")
        try:
            self.file = h5.File(source, "r")
        except OSError as err:
            if not hasattr(source, "read") and not os.access(source, os.R_OK):
                raise
            raise self.fail(f"it is a truncated or corrupted HDF5 file ({err})") from None
        self._visited = 0

    def fail(self, problem):
        """A FileFormatError naming the file and `problem`."""
        return FileFormatError(f"{self.name!r} is not a valid {self.label}: {problem}")

    def close(self):
        """Close the file."""
        self.file.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    # ------------------------------------------------------- structure
    def _count(self):
        self._visited += 1
        if self._visited > MAX_OBJECTS:
            raise self.fail(f"it has more than {MAX_OBJECTS} objects "
                            f"(fastgraph.saving.hdf5.MAX_OBJECTS)")

    def _child(self, group, name, path):
        """The object `name` of `group` after checking it is a hard link."""
        self._count()
        try:
            link = group.get(name, getlink=True)
        except (OSError, KeyError, RuntimeError, ValueError) as err:
            raise self.fail(f"{path!r} cannot be read ({err})") from None
        if link is None:
            return None
        if not isinstance(link, self._h5.HardLink):
            kind = ("an external link" if isinstance(link, self._h5.ExternalLink)
                    else "a soft link" if isinstance(link, self._h5.SoftLink)
                    else f"a {type(link).__name__}")
            raise self.fail(f"{path!r} is {kind}; fastgraph follows only hard "
                            f"links inside the file")
        try:
            return group[name]
        except (OSError, KeyError, RuntimeError, ValueError) as err:
            raise self.fail(f"{path!r} cannot be read ({err})") from None

    def get(self, path, kind="group"):
        """The group or dataset ('dataset'; None: either) at `path`, or None
        when absent; every link on the way is checked."""
        node = self.file
        parts = [p for p in path.split("/") if p]
        for i, part in enumerate(parts):
            if not isinstance(node, self._h5.Group):
                return None
            node = self._child(node, part, "/".join(parts[:i + 1]))
            if node is None:
                return None
        wanted = self._h5.Dataset if kind == "dataset" else self._h5.Group
        if kind is not None and not isinstance(node, wanted):
            raise self.fail(f"{path!r} is not a {kind}")
        return node

    def is_dataset(self, node):
        """True when `node` is a dataset (not a group)."""
        return isinstance(node, self._h5.Dataset)

    def group(self, path, what=None):
        """The group at `path`; an error naming `what` when it is absent."""
        node = self.get(path)
        if node is None:
            raise self.fail(f"{what or repr(path)} is missing")
        return node

    def children(self, group, path):
        """Names of `group`'s members (bounded in number)."""
        try:
            names = list(group.keys())
        except (OSError, RuntimeError, ValueError) as err:
            raise self.fail(f"{path!r} cannot be listed ({err})") from None
        for _ in names:
            self._count()
        return names

    # ------------------------------------------------------- attributes
    def _attr(self, node, name, path):
        try:
            attr_id = node.attrs.get_id(name)
            size = attr_id.get_storage_size() if attr_id.shape != (0,) else 0
            if size > archive.MAX_JSON_BYTES:
                raise self.fail(f"attribute {name!r} of {path!r} is {size} bytes, "
                                f"more than the limit of {archive.MAX_JSON_BYTES}")
            value = node.attrs[name]
        except FileFormatError:
            raise
        except (OSError, KeyError, RuntimeError, ValueError, TypeError) as err:
            raise self.fail(f"attribute {name!r} of {path!r} cannot be read "
                            f"({err})") from None
        return value

    def has_attr(self, node, name):
        """True when `node` has attribute `name` (or its chunks name0, ...)."""
        return name in node.attrs or f"{name}0" in node.attrs

    def attr_text(self, node, name, path="/"):
        """A string attribute (Keras stores JSON configs so), or None."""
        if name not in node.attrs:
            return None
        value = self._attr(node, name, path)
        if isinstance(value, np.ndarray) and value.shape == ():
            value = value[()]
        if isinstance(value, bytes):
            try:
                value = value.decode("utf-8")
            except UnicodeDecodeError:
                raise self.fail(f"attribute {name!r} of {path!r} is not UTF-8") from None
        if not isinstance(value, str):
            raise self.fail(f"attribute {name!r} of {path!r} must be a string, "
                            f"got {type(value).__name__}")
        return value

    def attr_json(self, node, name, path="/"):
        """A JSON string attribute parsed within the limits, or None."""
        text = self.attr_text(node, name, path)
        if text is None:
            return None
        try:
            return archive.parse_json(text, f"attribute {name!r} of {path!r}")
        except ValueError as err:
            raise self.fail(str(err)) from None

    def attr_strings(self, node, name, path="/"):
        """A list-of-strings attribute, joined from Keras's chunks `name0`,
        `name1`, ... when it was split; [] when absent."""
        if name in node.attrs:
            chunks = [name]
        else:
            chunks, k = [], 0
            while f"{name}{k}" in node.attrs:
                chunks.append(f"{name}{k}")
                k += 1
        out = []
        for chunk in chunks:
            value = self._attr(node, chunk, path)
            value = np.asarray(value)
            if value.ndim > 1 or value.dtype.kind not in "SUOf" or (
                    value.dtype.kind == "f" and value.size):
                raise self.fail(f"attribute {chunk!r} of {path!r} must be a list "
                                f"of strings")
            for item in value.reshape(-1).tolist():
                if isinstance(item, bytes):
                    try:
                        item = item.decode("utf-8")
                    except UnicodeDecodeError:
                        raise self.fail(f"attribute {chunk!r} of {path!r} is not "
                                        f"UTF-8") from None
                if not isinstance(item, str):
                    raise self.fail(f"attribute {chunk!r} of {path!r} must be a "
                                    f"list of strings")
                out.append(item)
            if len(out) > MAX_OBJECTS:
                raise self.fail(f"attribute {name!r} of {path!r} lists more "
                                f"than {MAX_OBJECTS} names")
        return out

    # --------------------------------------------------------- datasets
    def dataset(self, path):
        """The checked dataset at `path` (see `check_dataset`), or None."""
        node = self.get(path, "dataset")
        if node is not None:
            self.check_dataset(node, path)
        return node

    def check_dataset(self, dset, path):
        """Refuse a dataset that is virtual, stored outside the file, uses
        a filter other than deflate/shuffle/Fletcher-32, has a dtype that
        is not plain numeric, or whose storage cannot hold its data."""
        h5 = self._h5
        try:
            plist = dset.id.get_create_plist()
            layout = plist.get_layout()
            filters = [plist.get_filter(i)[0] for i in range(plist.get_nfilters())]
            external = plist.get_external_count()
            dtype, shape = dset.dtype, dset.shape
            storage = dset.id.get_storage_size()
        except (OSError, RuntimeError, ValueError, TypeError) as err:
            raise self.fail(f"dataset {path!r} cannot be inspected ({err})") from None
        if layout == h5.h5d.VIRTUAL:
            raise self.fail(f"dataset {path!r} is a virtual dataset (it maps "
                            f"other files); fastgraph reads only data stored "
                            f"in the file")
        if external:
            raise self.fail(f"dataset {path!r} keeps its data in external "
                            f"files; fastgraph reads only data stored in the file")
        allowed = {h5.h5z.FILTER_DEFLATE, h5.h5z.FILTER_SHUFFLE,
                   h5.h5z.FILTER_FLETCHER32}
        unusual = [f for f in filters if f not in allowed]
        if unusual:
            raise self.fail(f"dataset {path!r} uses HDF5 filter(s) {unusual}; "
                            f"only deflate, shuffle and fletcher32 are read")
        if dtype.kind not in _PLAIN_KINDS or dtype.fields is not None \
                or dtype.subdtype is not None or dtype.hasobject:
            raise self.fail(f"dataset {path!r} has dtype {dtype}; only plain "
                            f"numeric datasets are read")
        if shape is None:
            raise self.fail(f"dataset {path!r} has no shape (an empty dataspace)")
        nbytes = math.prod(shape) * dtype.itemsize
        if layout == h5.h5d.CONTIGUOUS:
            offset = dset.id.get_offset()
            if nbytes and (offset is None or storage != nbytes
                           or offset + nbytes > self.size):
                raise self.fail(f"dataset {path!r} declares {nbytes} bytes of "
                                f"data that the file does not hold (truncated "
                                f"or corrupted)")
        elif layout == h5.h5d.CHUNKED:
            ratio = archive.MAX_ARRAY_COMPRESSION_RATIO
            if nbytes > _RATIO_MIN_BYTES and nbytes > ratio * max(storage, 1):
                raise self.fail(f"dataset {path!r} declares {nbytes} bytes stored "
                                f"in {storage}, a compression ratio over {ratio}:1 "
                                f"(fastgraph.saving.archive.MAX_ARRAY_COMPRESSION_"
                                f"RATIO: a compression bomb or missing data)")
        elif layout != h5.h5d.COMPACT:
            raise self.fail(f"dataset {path!r} has an unknown layout {layout}")

    def read(self, dset, path, shape, dtype, what, out=None):
        """The dataset as an array of `dtype`, after checking it has exactly
        `shape` and a dtype of the same kind (a float32 weight may be stored
        as float16/float64, an integer counter as any integer type).  `out`
        (an array of `shape` and `dtype`: the weight's own buffer) is filled
        in place and returned when the stored dtype is `dtype`."""
        shape, dtype = tuple(int(d) for d in shape), np.dtype(dtype)
        file_dtype = dset.dtype
        if tuple(dset.shape) != shape:
            raise ValueError(f"{what} has shape {tuple(dset.shape)} in {self.name!r}, "
                             f"expected {shape}")
        same_kind = (file_dtype.kind == dtype.kind
                     or (dtype.kind in "iu" and file_dtype.kind in "iu"))
        if not same_kind:
            raise self.fail(f"{what} ({path!r}) has dtype {file_dtype}, expected "
                            f"{dtype}")
        direct = (out is not None and out.dtype == file_dtype.newbyteorder("=")
                  and out.flags.c_contiguous and out.flags.writeable)
        array = out if direct else np.empty(shape, dtype=file_dtype.newbyteorder("="))
        try:
            if array.size:
                dset.read_direct(array)
        except (OSError, RuntimeError, ValueError, TypeError) as err:
            raise self.fail(f"{what} ({path!r}) cannot be read: the file is "
                            f"truncated or corrupted ({err})") from None
        return array if array.dtype == dtype else array.astype(dtype)


# ------------------------------------------------------------ writing
def write_strings_attr(node, name, values):
    """Set a list-of-strings attribute as Keras does: UTF-8 bytes, split over
    `name0`, `name1`, ... when it is larger than an object header holds."""
    data = np.array([v.encode("utf-8") for v in values])
    if not len(values):
        node.attrs[name] = np.array([], dtype=np.float64)
        return
    chunks = 1
    while math.ceil(data.nbytes / chunks) > HDF5_OBJECT_HEADER_LIMIT:
        chunks += 1
    if chunks == 1:
        node.attrs[name] = data
        return
    for k, part in enumerate(np.array_split(data, chunks)):
        node.attrs[f"{name}{k}"] = part


def write_file(path, fill, overwrite=True):
    """Write an HDF5 file atomically: `fill(h5py.File)` on an in-memory
    file, then its bytes through atomic_write."""
    data = to_bytes(fill)
    atomic_write(path, lambda out: out.write(data), overwrite)


def to_bytes(fill):
    """The bytes of an in-memory HDF5 file filled by `fill(h5py.File)`."""
    h5 = h5py()
    buffer = io.BytesIO()
    with h5.File(buffer, "w") as f:
        fill(f)
    return buffer.getvalue()
