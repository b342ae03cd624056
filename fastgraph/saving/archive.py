"""The fastgraph file: a zip of JSON members and NumPy `.npy` arrays.

Written atomically (atomic.py) and read within limits: the zip directory
is checked as a whole on opening, and every member is read by one rule
(`ZipReader._entry`): before anything is inflated, its claimed size must
be within what its reader can use (a JSON member's budget by role, an
array's exact byte size from the rebuilt model) and array data must be
really held by the file (at most MAX_ARRAY_COMPRESSION_RATIO:1); inflating
never goes past the claimed size.  Arrays are read with `allow_pickle=False`
semantics (never objects), into the weight's own buffer where the caller
gives one.  Every problem with a file's content is a ValueError naming the
file; an unreadable path, or one that is not a regular file, an OSError.
The limits are module attributes, which a program may raise for very
large models.
"""
import json
import math
import os
import struct
import zipfile
import zlib

import numpy as np

from ..engine.display import quoted
from .atomic import atomic_write
from .files import MemberView, open_regular

FORMAT_NAME = "fastgraph"
FORMAT_VERSION = 1
FORMAT_MEMBER = "fastgraph_format.json"

MAX_MEMBERS = 100_000                  # members in one file
MAX_CENTRAL_DIRECTORY_BYTES = 64 << 20
MAX_MEMBER_BYTES = 16 << 30            # one uncompressed member
MAX_TOTAL_BYTES = 64 << 30             # all members, uncompressed
MAX_COMPRESSION_RATIO = 1100           # any member's claim (deflate: ~1032:1 at most)
MAX_ARRAY_COMPRESSION_RATIO = 100      # array data: weights, optimizer state
MAX_JSON_BYTES = 64 << 20              # one JSON member or string
MAX_SMALL_JSON_BYTES = 64 << 10        # fastgraph_format.json, Keras metadata.json
MANIFEST_BYTES_PER_MEMBER = 4 << 10    # weights.json, optimizer.json: per member of the file
MAX_JSON_VALUES = 5_000_000            # values (objects, arrays, items) in one JSON text
MAX_JSON_DEPTH = 100                   # nesting of JSON arrays and objects
MAX_NPY_HEADER_BYTES = 10_000
MAX_LAYERS = 50_000                    # layers in one model, nested ones included
MAX_NAME_CHARS = 1024                  # a class, layer, weight or member name

_RATIO_MIN_BYTES = 1 << 16   # members this small cannot hold a bomb
_CHUNK = 1 << 20             # bytes inflated at a time into an array
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
            raise ValueError(f"duplicate key {quoted(key)}")
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


def _value_count(data):
    """An upper bound of the values JSON text holds (every value but the
    first of a container follows a comma), counted without parsing it."""
    if isinstance(data, str):
        return data.count(",") + data.count("{") + data.count("[")
    return data.count(b",") + data.count(b"{") + data.count(b"[")


def parse_json(data, what, limit=None):
    """Parse JSON text or UTF-8 bytes within the size (`limit`, at most
    MAX_JSON_BYTES), value-count and depth limits; ValueError naming `what`
    otherwise.  Duplicate keys are errors.  The counts are checked before
    the parser builds anything."""
    limit = MAX_JSON_BYTES if limit is None else min(limit, MAX_JSON_BYTES)
    if len(data) > limit:
        raise ValueError(f"{what} is {len(data)} bytes, more than the limit "
                         f"of {limit}" + _hint(limit))
    values = _value_count(data)
    if values > MAX_JSON_VALUES:
        raise ValueError(f"{what} holds up to {values} values, more than the "
                         f"limit of {MAX_JSON_VALUES} (fastgraph.saving.archive."
                         f"MAX_JSON_VALUES)")
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


def _hint(limit):
    return (" (fastgraph.saving.archive.MAX_JSON_BYTES)" if limit == MAX_JSON_BYTES
            else " for this member")


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
    held = ", ".join(quoted(n, 80) for n in sorted(names)[:4]) or "nothing"
    return (f"it is a zip archive without {FORMAT_MEMBER} (it holds {held}), "
            f"not a fastgraph file")


# ------------------------------------------------------------ writing
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

    `path` is a path (a regular file) or a readable, seekable binary file
    object.  Use as a context manager.  `label` names the format in
    messages ('fastgraph file', 'Keras .keras archive'); `name` is the
    file's name for messages.
    """

    label = "zip archive"

    def __init__(self, path):
        self._own = not hasattr(path, "read")
        if self._own:
            self.name = os.fspath(path)
            self._file = open_regular(self.name)
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
            name = quoted(info.filename)
            if info.filename in self._members:
                raise self.fail(f"member {name} appears twice")
            if info.flag_bits & 0x1:
                raise self.fail(f"member {name} is encrypted")
            if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
                raise self.fail(f"member {name} uses compression method "
                                f"{info.compress_type}; only stored and "
                                f"deflated members are read")
            if info.file_size > MAX_MEMBER_BYTES:
                raise self.fail(f"member {name} claims {info.file_size} bytes, "
                                f"more than the limit of {MAX_MEMBER_BYTES}")
            self._check_ratio(info, MAX_COMPRESSION_RATIO, "")
            if info.compress_type == zipfile.ZIP_STORED \
                    and info.compress_size != info.file_size:
                raise self.fail(f"member {name} is stored but its sizes differ")
            total += info.file_size
            self._members[info.filename] = info
        if total > MAX_TOTAL_BYTES:
            raise self.fail(f"its members hold {total} bytes uncompressed, more "
                            f"than the limit of {MAX_TOTAL_BYTES}")
        # Members must not overlap (overlapping entries are a zip bomb trick).
        end = 0
        for info in sorted(infos, key=lambda i: i.header_offset):
            if info.header_offset < end:
                raise self.fail(f"member {quoted(info.filename)} overlaps the "
                                f"previous member")
            end = (info.header_offset + 30 + len(info.orig_filename.encode("utf-8"))
                   + info.compress_size)
        if end > size:
            raise self.fail("it is truncated (a member runs past the end)")

    def _check_ratio(self, info, ratio, what):
        if info.file_size > _RATIO_MIN_BYTES and \
                info.file_size > ratio * max(info.compress_size, 1):
            raise self.fail(f"member {quoted(info.filename)}{what} claims a "
                            f"compression ratio of "
                            f"{info.file_size / max(info.compress_size, 1):.0f}:1, "
                            f"more than the limit of {ratio}:1 (a zip bomb?)")

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
            raise self.fail(f"member {quoted(member)} is missing")
        return info

    def _entry(self, member, limit, ratio=None, what=""):
        """The member's directory entry once the rule every member is read
        by holds, before anything is inflated: it claims at most `limit`
        bytes (what its reader can use) and, with `ratio`, it is compressed
        at most ratio:1 (data the file really holds)."""
        info = self._info(member)
        if info.file_size > limit:
            raise self.fail(f"member {quoted(member)}{what} is {info.file_size} "
                            f"bytes, more than the limit of {limit}"
                            + (_hint(limit) if member.endswith(".json") else ""))
        if ratio is not None:
            self._check_ratio(info, ratio, what)
        return info

    def _read(self, member, limit, ratio=None):
        info = self._entry(member, limit, ratio)
        try:
            with self._zip.open(info) as f:
                data = f.read(info.file_size + 1)
        except (zipfile.BadZipFile, zlib.error, EOFError, ValueError,
                struct.error) as err:
            raise self.fail(f"member {quoted(member)} is corrupted ({err})") from None
        if len(data) != info.file_size:
            raise self.fail(f"member {quoted(member)} is truncated")
        return data

    def read_json(self, member, limit=None):
        """The parsed JSON member, within `limit` bytes (at most
        MAX_JSON_BYTES: what the member can need) and the value-count and
        depth limits."""
        limit = MAX_JSON_BYTES if limit is None else min(limit, MAX_JSON_BYTES)
        data = self._read(member, limit)
        try:
            return parse_json(data, f"member {quoted(member)}", limit)
        except ValueError as err:
            raise self.fail(str(err)) from None

    def manifest_limit(self):
        """Bytes a manifest (a JSON member listing arrays) can need: a few KiB
        per member of the file."""
        return MAX_SMALL_JSON_BYTES + MANIFEST_BYTES_PER_MEMBER * len(self._members)

    def read_bytes(self, member, limit, ratio=None):
        """The member's content, at most `limit` bytes (more is an error)
        and, with `ratio`, compressed at most ratio:1."""
        return self._read(member, limit, ratio)

    def open_stored(self, member, limit):
        """A read-only, seekable view of a stored (uncompressed) member's
        bytes in the file, or None for a deflated member; the member is held
        to `limit` bytes."""
        info = self._entry(member, limit)
        if info.compress_type != zipfile.ZIP_STORED or not self._own:
            return None
        self._file.seek(info.header_offset)
        local = self._file.read(30)
        if len(local) != 30 or not local.startswith(b"PK\x03\x04"):
            raise self.fail(f"member {quoted(member)} has a corrupted local header")
        name_len, extra_len = struct.unpack("<HH", local[26:30])
        start = info.header_offset + 30 + name_len + extra_len
        return MemberView(self._file.fileno(), start, info.file_size)

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
        header = self.read_json(FORMAT_MEMBER, MAX_SMALL_JSON_BYTES)
        if not isinstance(header, dict) or header.get("format") != FORMAT_NAME:
            raise self.fail(f"{FORMAT_MEMBER} does not say "
                            f"format={FORMAT_NAME!r}")
        version = header.get("version")
        if not isinstance(version, int) or isinstance(version, bool) or version < 1:
            raise self.fail(f"{FORMAT_MEMBER} has an invalid version {quoted(version)}")
        if version > FORMAT_VERSION:
            raise self.fail(f"it uses format version {version}, written by a "
                            f"newer fastgraph; this one reads versions up to "
                            f"{FORMAT_VERSION}")
        if header.get("kind") not in ("model", "weights"):
            raise self.fail(f"{FORMAT_MEMBER} has an invalid kind "
                            f"{quoted(header.get('kind'))}")
        self.header, self.kind = header, header["kind"]

    def read_array(self, member, shape, dtype, what, out=None):
        """The .npy member, after checking that its header says exactly
        `shape` and `dtype` (byte order aside), that the dtype is plain
        numeric and that the member holds exactly that many bytes, compressed
        at most MAX_ARRAY_COMPRESSION_RATIO:1; nothing past those bytes is
        inflated, and no object is ever built from the file.  `out` (an
        array of `shape` and `dtype`, C-contiguous: the weight's own buffer)
        is filled in place and returned; else a new array.  `what` names
        the array in messages."""
        shape, dtype = tuple(int(d) for d in shape), np.dtype(dtype)
        nbytes = math.prod(shape) * dtype.itemsize
        info = self._info(member)
        try:
            with self._zip.open(info) as f:
                header_shape, fortran, file_dtype = self._npy_header(f, member)
                self._check_header(member, what, header_shape, file_dtype,
                                   shape, dtype)
                # Only the header is inflated before this check.
                self._entry(member, nbytes + MAX_NPY_HEADER_BYTES,
                            MAX_ARRAY_COMPRESSION_RATIO, f" ({what})")
                if info.file_size != f.tell() + nbytes:
                    raise self.fail(f"{what} ({quoted(member)}) holds "
                                    f"{info.file_size - f.tell()} data bytes, "
                                    f"expected {nbytes} for shape {shape}")
                array = _fill(f, shape, file_dtype, fortran, out)
                f.read(1)           # at the end: the CRC is checked
        except (zipfile.BadZipFile, zlib.error, EOFError, struct.error) as err:
            raise self.fail(f"{what} ({quoted(member)}) is corrupted ({err})") from None
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
            raise self.fail(f"member {quoted(member)} has an invalid .npy header "
                            f"({err})") from None
        raise self.fail(f"member {quoted(member)} uses .npy version {version}; "
                        f"versions 1.0 and 2.0 are read")

    def _check_header(self, member, what, header_shape, file_dtype, shape, dtype):
        member = quoted(member)
        if file_dtype.hasobject or file_dtype.kind not in _PLAIN_KINDS \
                or file_dtype.fields is not None or file_dtype.subdtype is not None:
            raise self.fail(f"{what} ({member}) has dtype {file_dtype.str!r}; "
                            f"only plain numeric arrays are read (never objects "
                            f"or pickles)")
        if file_dtype.newbyteorder("=") != dtype.newbyteorder("="):
            raise self.fail(f"{what} ({member}) has dtype {file_dtype}, "
                            f"expected {dtype}")
        if tuple(header_shape) != shape:
            raise self.fail(f"{what} ({member}) has shape "
                            f"{tuple(header_shape)}, expected {shape}")


def _fill(f, shape, file_dtype, fortran, out):
    """The array data of `f` (positioned after the .npy header), inflated a
    chunk at a time straight into `out` when it can take the bytes as they
    are (native order, C order), else into a new array."""
    direct = (out is not None and not fortran and out.dtype == file_dtype
              and out.shape == shape and out.flags.c_contiguous and out.flags.writeable)
    array = out if direct else np.empty(shape[::-1] if fortran else shape, file_dtype)
    view = memoryview(array.reshape(-1).view(np.uint8))
    filled = 0
    while filled < len(view):
        chunk = f.read(min(_CHUNK, len(view) - filled))
        if not chunk:
            raise EOFError("the array data ends early")
        view[filled:filled + len(chunk)] = chunk
        filled += len(chunk)
    if fortran:
        array = array.T
    if direct:
        return out
    if out is not None:
        np.copyto(out, array)
        return out
    return array.astype(file_dtype.newbyteorder("="), copy=False)
