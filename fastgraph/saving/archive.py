"""The fastgraph file: a zip of JSON members and NumPy `.npy` arrays.

Written atomically (a temporary file in the same directory, fsync, rename)
and read within limits: the zip directory, every JSON member and every
array header are checked before anything large is decompressed, and arrays
are read with `allow_pickle=False` only after their header matches the
shape and dtype the caller expects.  Every problem with a file's content is
a ValueError naming the file; an unreadable path is an OSError.  The limits
are module attributes, which a program may raise for very large models.
"""
import errno
import json
import math
import os
import struct
import tempfile
import zipfile
import zlib

import numpy as np

FORMAT_NAME = "fastgraph"
FORMAT_VERSION = 1
FORMAT_MEMBER = "fastgraph_format.json"

MAX_MEMBERS = 100_000                  # members in one file
MAX_CENTRAL_DIRECTORY_BYTES = 64 << 20
MAX_MEMBER_BYTES = 16 << 30            # one uncompressed member
MAX_TOTAL_BYTES = 64 << 30             # all members, uncompressed
MAX_COMPRESSION_RATIO = 1100           # deflate cannot exceed ~1032:1
MAX_JSON_BYTES = 64 << 20              # one JSON member or string
MAX_JSON_DEPTH = 100                   # nesting of JSON arrays and objects
MAX_NPY_HEADER_BYTES = 10_000

_RATIO_MIN_BYTES = 1 << 16   # members this small cannot hold a bomb
_FIXED_DATE = (1980, 1, 1, 0, 0, 0)
_PLAIN_KINDS = frozenset("biuf")
_NPY_MAGIC = b"\x93NUMPY"


class FileFormatError(ValueError):
    """A file that is not a valid fastgraph file (a ValueError)."""


# -------------------------------------------------------------- JSON
def _json_default(value):
    if isinstance(value, (np.integer, np.bool_)):
        return value.item()
    if isinstance(value, np.floating):
        return float(value)
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, np.dtype):
        return str(value)
    raise TypeError(f"{value!r} (of type {type(value).__name__}) cannot be "
                    f"stored in JSON")


def dumps(value, **kwargs):
    """JSON text of `value` (NumPy scalars, arrays and dtypes converted);
    `kwargs` go to json.dumps."""
    return json.dumps(value, default=_json_default, **kwargs)


def _no_duplicates(pairs):
    out = {}
    for key, value in pairs:
        if key in out:
            raise ValueError(f"duplicate key {key!r}")
        out[key] = value
    return out


def _depth_ok(value):
    stack = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_JSON_DEPTH:
            return False
        if isinstance(node, dict):
            stack.extend((v, depth + 1) for v in node.values())
        elif isinstance(node, list):
            stack.extend((v, depth + 1) for v in node)
    return True


def parse_json(data, what):
    """Parse JSON text or UTF-8 bytes within the size and depth limits;
    ValueError naming `what` otherwise.  Duplicate keys are errors."""
    if len(data) > MAX_JSON_BYTES:
        raise ValueError(f"{what} is {len(data)} bytes, more than the limit "
                         f"of {MAX_JSON_BYTES} (fastgraph.saving.archive."
                         f"MAX_JSON_BYTES)")
    try:
        if isinstance(data, bytes):
            data = data.decode("utf-8")
        value = json.loads(data, object_pairs_hook=_no_duplicates)
    except RecursionError:
        raise ValueError(f"{what} is nested too deeply") from None
    except (UnicodeDecodeError, ValueError) as err:
        raise ValueError(f"{what} is not valid JSON ({err})") from None
    if not _depth_ok(value):
        raise ValueError(f"{what} is nested more than {MAX_JSON_DEPTH} levels "
                         f"deep (fastgraph.saving.archive.MAX_JSON_DEPTH)")
    return value


# ---------------------------------------------------------- sniffing
def describe_content(head):
    """What a file starting with `head` is, when it is not a zip archive."""
    if not head:
        return "the file is empty"
    if head.startswith(b"\x89HDF\r\n\x1a\n"):
        return ("it is an HDF5 file (a Keras .h5 model or weights file?); "
                "fastgraph reads only its own zip format")
    if head[:1] == b"\x80" and head[1:2] in (b"\x02", b"\x03", b"\x04", b"\x05"):
        return "it is a Python pickle, and fastgraph never unpickles files"
    if head.startswith(_NPY_MAGIC):
        return "it is a single NumPy .npy array"
    if head.lstrip()[:1] in (b"{", b"["):
        return ("it looks like JSON text (for a model config, use "
                "fastgraph.models.model_from_json)")
    return f"unrecognised content (first bytes {head[:8]!r})"


def _describe_zip(names):
    if "metadata.json" in names and any(n.endswith(".h5") for n in names):
        return "it is a Keras 3 .keras archive, not a fastgraph file"
    if any(n.endswith(".pkl") for n in names):
        return ("it is a zip holding a pickle (a PyTorch checkpoint?), and "
                "fastgraph never unpickles files")
    shown = ", ".join(sorted(names)[:4]) or "nothing"
    return (f"it is a zip archive without {FORMAT_MEMBER} (it holds {shown}), "
            f"not a fastgraph file")


# ------------------------------------------------------------ writing
def _default_mode():
    """0o666 less the process umask, read without changing it."""
    try:
        with open("/proc/self/status", encoding="ascii") as f:
            for line in f:
                if line.startswith("Umask:"):
                    return 0o666 & ~int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    return 0o644


def _fsync_directory(directory):
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def atomic_write(path, write, overwrite=True):
    """Call `write(binary file)` on a temporary file beside `path`, then
    fsync and rename it over `path`: readers see the old file or the new
    one, never a partial one.  On any error (or interrupt) the temporary
    file is removed and `path` is untouched.  A writable file object is
    written to directly."""
    if hasattr(path, "write"):
        write(path)
        return
    name = os.fspath(path)
    target = os.path.realpath(name)
    if os.path.isdir(target):
        raise IsADirectoryError(errno.EISDIR, "is a directory, not a file", name)
    directory = os.path.dirname(target)
    if not os.path.isdir(directory):
        raise FileNotFoundError(errno.ENOENT, f"directory {directory!r} does "
                                f"not exist", name)
    exists = os.path.exists(target)
    if exists and not overwrite:
        raise FileExistsError(errno.EEXIST, "file exists and overwrite=False", name)
    mode = (os.stat(target).st_mode & 0o7777) if exists else _default_mode()
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{os.path.basename(target)}.",
                                   suffix=".tmp", dir=directory)
    except OSError as err:
        raise type(err)(err.errno, f"cannot create a temporary file in "
                        f"{directory!r} ({err.strerror})", name) from None
    try:
        with os.fdopen(fd, "w+b") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, target)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
    _fsync_directory(directory)


def _zipinfo(name, compress):
    info = zipfile.ZipInfo(name, date_time=_FIXED_DATE)
    info.compress_type = zipfile.ZIP_DEFLATED if compress else zipfile.ZIP_STORED
    info.external_attr = 0o644 << 16
    return info


def write_npy(f, array):
    """Write `array` in .npy format (never pickled)."""
    np.lib.format.write_array(f, array, allow_pickle=False)


def write_archive(path, kind, json_members, arrays, overwrite=True,
                  fastgraph_version=None):
    """Write a fastgraph file atomically.

    `kind` is 'model' or 'weights'; `json_members` maps member names to
    JSON-able values (deflated); `arrays` is a list of (member name,
    ndarray) stored uncompressed as .npy.  The format member comes first.
    """
    header = {"format": FORMAT_NAME, "version": FORMAT_VERSION, "kind": kind}
    if fastgraph_version is not None:
        header["fastgraph_version"] = fastgraph_version
    texts = [(FORMAT_MEMBER, dumps(header))]
    texts += [(name, dumps(value)) for name, value in json_members.items()]
    for name, array in arrays:
        if not isinstance(array, np.ndarray) or array.dtype.kind not in _PLAIN_KINDS:
            raise TypeError(f"cannot save {name!r}: expected a numeric NumPy "
                            f"array, got {getattr(array, 'dtype', type(array))}")

    def write(f):
        with zipfile.ZipFile(f, "w", allowZip64=True) as zf:
            for name, text in texts:
                zf.writestr(_zipinfo(name, True), text.encode("utf-8"))
            for name, array in arrays:
                big = array.nbytes + MAX_NPY_HEADER_BYTES >= zipfile.ZIP64_LIMIT
                with zf.open(_zipinfo(name, False), "w", force_zip64=big) as out:
                    write_npy(out, array)
    atomic_write(path, write, overwrite)


# ------------------------------------------------------------ reading
def _central_directory(f, size, fail):
    """(member count, central directory size) from the end record, read
    before zipfile parses the directory, so a huge one is refused early."""
    tail_size = min(size, 22 + 65535)
    f.seek(size - tail_size)
    tail = f.read(tail_size)
    pos = tail.rfind(b"PK\x05\x06")
    if pos < 0 or len(tail) - pos < 22:
        raise fail("it is a truncated or corrupted zip archive (no end of "
                   "central directory record)")
    entries, cd_size = struct.unpack("<10xHL6x", tail[pos:pos + 22])
    if entries == 0xFFFF or cd_size == 0xFFFFFFFF:
        locator = tail[pos - 20:pos] if pos >= 20 else b""
        if not locator.startswith(b"PK\x06\x07"):
            raise fail("its zip64 end record is missing")
        (offset,) = struct.unpack("<8xQ4x", locator)
        if offset > size - 56:
            raise fail("its zip64 end record lies outside the file")
        f.seek(offset)
        record = f.read(56)
        if not record.startswith(b"PK\x06\x06"):
            raise fail("its zip64 end record is corrupted")
        entries, cd_size = struct.unpack("<32xQQ8x", record)
    return entries, cd_size


class ZipReader:
    """A zip archive, its directory checked as a whole on opening (sizes,
    ratios, overlaps, encryption), its members read within the limits.

    `path` is a path or a readable, seekable binary file object.  Use as a
    context manager.  `label` names the format in messages ('fastgraph
    file', 'Keras .keras archive'); `name` is the file's name for messages.
    """

    label = "zip archive"

    def __init__(self, path):
        self._own = not hasattr(path, "read")
        if self._own:
            self.name = os.fspath(path)
            self._file = open(self.name, "rb")
        else:
            self.name = getattr(path, "name", None) or "<file object>"
            self._file = path
        try:
            self._open()
        except BaseException:
            self.close()
            raise

    def fail(self, problem):
        """A FileFormatError (a ValueError) naming the file and `problem`."""
        return FileFormatError(f"{self.name!r} is not a valid {self.label}: {problem}")

    def _open(self):
        f = self._file
        f.seek(0, os.SEEK_END)
        size = f.tell()
        f.seek(0)
        head = f.read(8)
        if not (head.startswith(b"PK\x03\x04") or head.startswith(b"PK\x05\x06")):
            raise FileFormatError(f"{self.name!r} is not a {self.label}: "
                                  f"{describe_content(head)}")
        entries, cd_size = _central_directory(f, size, self.fail)
        if entries > MAX_MEMBERS:
            raise self.fail(f"it has {entries} members, more than the limit of "
                            f"{MAX_MEMBERS}")
        if cd_size > MAX_CENTRAL_DIRECTORY_BYTES:
            raise self.fail(f"its zip directory is {cd_size} bytes, more than "
                            f"the limit of {MAX_CENTRAL_DIRECTORY_BYTES}")
        f.seek(0)
        try:
            self._zip = zipfile.ZipFile(f)
        except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError,
                struct.error, NotImplementedError) as err:
            raise self.fail(f"it is a truncated or corrupted zip archive "
                            f"({err})") from None
        self._check_directory(size)

    def _check_directory(self, size):
        infos = self._zip.infolist()
        if len(infos) > MAX_MEMBERS:
            raise self.fail(f"it has {len(infos)} members, more than the limit "
                            f"of {MAX_MEMBERS}")
        self._members, total = {}, 0
        for info in infos:
            name = info.filename
            if name in self._members:
                raise self.fail(f"member {name!r} appears twice")
            if info.flag_bits & 0x1:
                raise self.fail(f"member {name!r} is encrypted")
            if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
                raise self.fail(f"member {name!r} uses compression method "
                                f"{info.compress_type}; only stored and "
                                f"deflated members are read")
            if info.file_size > MAX_MEMBER_BYTES:
                raise self.fail(f"member {name!r} claims {info.file_size} bytes, "
                                f"more than the limit of {MAX_MEMBER_BYTES}")
            if (info.file_size > _RATIO_MIN_BYTES and info.file_size
                    > MAX_COMPRESSION_RATIO * max(info.compress_size, 1)):
                raise self.fail(f"member {name!r} claims a compression ratio of "
                                f"{info.file_size / max(info.compress_size, 1):.0f}:1"
                                f", more than the limit of "
                                f"{MAX_COMPRESSION_RATIO}:1 (a zip bomb?)")
            if info.compress_type == zipfile.ZIP_STORED \
                    and info.compress_size != info.file_size:
                raise self.fail(f"member {name!r} is stored but its sizes differ")
            total += info.file_size
            self._members[name] = info
        if total > MAX_TOTAL_BYTES:
            raise self.fail(f"its members hold {total} bytes uncompressed, more "
                            f"than the limit of {MAX_TOTAL_BYTES}")
        # Members must not overlap (overlapping entries are a zip bomb trick).
        end = 0
        for info in sorted(infos, key=lambda i: i.header_offset):
            if info.header_offset < end:
                raise self.fail(f"member {info.filename!r} overlaps the "
                                f"previous member")
            end = (info.header_offset + 30 + len(info.orig_filename.encode("utf-8"))
                   + info.compress_size)
        if end > size:
            raise self.fail("it is truncated (a member runs past the end)")

    # ---------------------------------------------------------- access
    def has(self, member):
        """True when the file holds `member`."""
        return member in self._members

    def names(self):
        """All member names."""
        return list(self._members)

    def size(self, member):
        """The uncompressed size in bytes of `member` (as the zip directory
        says, within the limits checked on opening)."""
        return self._info(member).file_size

    def _info(self, member):
        info = self._members.get(member)
        if info is None:
            raise self.fail(f"member {member!r} is missing")
        return info

    def _read(self, member, limit):
        info = self._info(member)
        if info.file_size > limit:
            raise self.fail(f"member {member!r} is {info.file_size} bytes, more "
                            f"than the limit of {limit}")
        try:
            with self._zip.open(info) as f:
                data = f.read(limit + 1)
        except (zipfile.BadZipFile, zlib.error, EOFError, ValueError,
                struct.error) as err:
            raise self.fail(f"member {member!r} is corrupted ({err})") from None
        if len(data) != info.file_size:
            raise self.fail(f"member {member!r} is truncated")
        return data

    def read_json(self, member):
        """The parsed JSON member, within the size and depth limits."""
        data = self._read(member, MAX_JSON_BYTES)
        try:
            return parse_json(data, f"member {member!r}")
        except ValueError as err:
            raise self.fail(str(err)) from None

    def read_bytes(self, member, limit):
        """The member's content, at most `limit` bytes (more is an error)."""
        return self._read(member, limit)

    def close(self):
        """Close the file (a file object given by the caller stays open)."""
        zf = getattr(self, "_zip", None)
        if zf is not None:
            zf.close()
        if self._own:
            self._file.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


class ArchiveReader(ZipReader):
    """An open fastgraph file, checked as a whole on opening.

    Attributes: `name` (for messages), `kind` ('model'/'weights'), `header`
    (the parsed format member).
    """

    label = "fastgraph file"

    def _open(self):
        super()._open()
        names = set(self._members)
        if FORMAT_MEMBER not in names:
            raise FileFormatError(f"{self.name!r} is not a fastgraph file: "
                                  f"{_describe_zip(names)}")
        header = self.read_json(FORMAT_MEMBER)
        if not isinstance(header, dict) or header.get("format") != FORMAT_NAME:
            raise self.fail(f"{FORMAT_MEMBER} does not say "
                            f"format={FORMAT_NAME!r}")
        version = header.get("version")
        if not isinstance(version, int) or isinstance(version, bool) or version < 1:
            raise self.fail(f"{FORMAT_MEMBER} has an invalid version {version!r}")
        if version > FORMAT_VERSION:
            raise self.fail(f"it uses format version {version}, written by a "
                            f"newer fastgraph; this one reads versions up to "
                            f"{FORMAT_VERSION}")
        if header.get("kind") not in ("model", "weights"):
            raise self.fail(f"{FORMAT_MEMBER} has an invalid kind "
                            f"{header.get('kind')!r}")
        self.header, self.kind = header, header["kind"]

    def read_array(self, member, shape, dtype, what):
        """The .npy member, after checking that its header says exactly
        `shape` and `dtype` (byte order aside), that the dtype is plain
        numeric and that the member holds exactly that many bytes; read with
        allow_pickle=False.  `what` names the array in messages."""
        info = self._info(member)
        shape, dtype = tuple(int(d) for d in shape), np.dtype(dtype)
        try:
            with self._zip.open(info) as f:
                header_shape, fortran, file_dtype = self._npy_header(f, member)
                self._check_header(member, what, header_shape, file_dtype,
                                   shape, dtype)
                nbytes = math.prod(shape) * file_dtype.itemsize
                if info.file_size != f.tell() + nbytes:
                    raise self.fail(f"{what} ({member!r}) holds "
                                    f"{info.file_size - f.tell()} data bytes, "
                                    f"expected {nbytes} for shape {shape}")
                f.seek(0)
                array = np.load(f, allow_pickle=False,
                                max_header_size=MAX_NPY_HEADER_BYTES)
        except (zipfile.BadZipFile, zlib.error, EOFError, struct.error) as err:
            raise self.fail(f"{what} ({member!r}) is corrupted ({err})") from None
        except FileFormatError:
            raise
        except ValueError as err:
            raise self.fail(f"{what} ({member!r}) is not a valid .npy array "
                            f"({err})") from None
        if array.shape != shape or array.dtype != file_dtype:
            raise self.fail(f"{what} ({member!r}) did not read as its header "
                            f"says")
        return array

    def _npy_header(self, f, member):
        try:
            version = np.lib.format.read_magic(f)
            if version == (1, 0):
                return np.lib.format.read_array_header_1_0(
                    f, max_header_size=MAX_NPY_HEADER_BYTES)
            if version == (2, 0):
                return np.lib.format.read_array_header_2_0(
                    f, max_header_size=MAX_NPY_HEADER_BYTES)
        except (ValueError, TypeError, SyntaxError, KeyError) as err:
            raise self.fail(f"member {member!r} has an invalid .npy header "
                            f"({err})") from None
        raise self.fail(f"member {member!r} uses .npy version {version}; "
                        f"versions 1.0 and 2.0 are read")

    def _check_header(self, member, what, header_shape, file_dtype, shape, dtype):
        if file_dtype.hasobject or file_dtype.kind not in _PLAIN_KINDS \
                or file_dtype.fields is not None or file_dtype.subdtype is not None:
            raise self.fail(f"{what} ({member!r}) has dtype {file_dtype.str!r}; "
                            f"only plain numeric arrays are read (never objects "
                            f"or pickles)")
        if file_dtype.newbyteorder("=") != dtype.newbyteorder("="):
            raise self.fail(f"{what} ({member!r}) has dtype {file_dtype}, "
                            f"expected {dtype}")
        if tuple(header_shape) != shape:
            raise self.fail(f"{what} ({member!r}) has shape "
                            f"{tuple(header_shape)}, expected {shape}")
