"""get_file: download a file once into the Keras cache and reuse it.

The cache is Keras's: `$KERAS_HOME` (default `~/.keras`) / `cache_subdir`,
so a file Keras already fetched is used as is.  A download goes to a
temporary file in the same folder, renamed to its final name only once it
is complete (and its hash checked), so an interrupted download never
leaves a truncated file where the next run would trust it.
"""
import hashlib
import os
import tempfile
import urllib.error
import urllib.parse
import urllib.request

from .archives import extract_archive
from .io_utils import print_msg
from .progbar import Progbar

_CHUNK = 1 << 16


def keras_home():
    """`$KERAS_HOME`, else `~/.keras`: where Keras keeps its caches."""
    return os.environ.get("KERAS_HOME") or os.path.join(os.path.expanduser("~"),
                                                        ".keras")


def _hasher(algorithm, file_hash=None):
    if algorithm == "sha256" or (algorithm == "auto" and file_hash is not None
                                 and len(file_hash) == 64):
        return hashlib.sha256()
    if algorithm in ("md5", "auto"):
        return hashlib.md5()
    raise ValueError(f"get_file: hash_algorithm must be 'md5', 'sha256' or "
                     f"'auto', got {algorithm!r}")


def _digest(fpath, hasher, chunk_size):
    with open(fpath, "rb") as f:
        for chunk in iter(lambda: f.read(chunk_size), b""):
            hasher.update(chunk)
    return hasher.hexdigest()


def hash_file(fpath, algorithm="sha256", chunk_size=_CHUNK):
    """The hex digest of a file ('sha256' or 'md5')."""
    return _digest(fpath, _hasher(algorithm), chunk_size)


def validate_file(fpath, file_hash, algorithm="auto", chunk_size=_CHUNK):
    """True if the file's hash is `file_hash` ('auto': sha256 for a 64-digit
    hash, else md5)."""
    return _digest(fpath, _hasher(algorithm, file_hash), chunk_size) == str(file_hash)


def _cache_folder(cache_dir, cache_subdir):
    base = os.path.expanduser(cache_dir) if cache_dir is not None else keras_home()
    os.makedirs(base, exist_ok=True)
    if not os.access(base, os.W_OK):
        base = os.path.join(tempfile.gettempdir(), ".keras")
    folder = os.path.join(base, cache_subdir)
    os.makedirs(folder, exist_ok=True)
    return folder


def _download(origin, fpath):
    """Fetch `origin` into a temporary file beside `fpath`, then rename it."""
    folder = os.path.dirname(fpath)
    fd, partial = tempfile.mkstemp(prefix=os.path.basename(fpath) + ".",
                                   suffix=".part", dir=folder)
    try:
        with os.fdopen(fd, "wb") as out:
            with urllib.request.urlopen(origin) as response:
                length = response.headers.get("Content-Length")
                total = int(length) if length and length.strip().isdigit() else None
                bar = Progbar(total, unit_name="byte")
                done = 0
                while True:
                    chunk = response.read(_CHUNK)
                    if not chunk:
                        break
                    out.write(chunk)
                    done += len(chunk)
                    bar.update(done, finalize=False)
                bar.update(done, finalize=True)
        if total is not None and done != total:
            raise OSError(f"the server announced {total} bytes but sent {done}")
        os.replace(partial, fpath)
    except BaseException:
        if os.path.exists(partial):
            os.remove(partial)
        raise


def get_file(fname=None, origin=None, untar=False, md5_hash=None, file_hash=None,
             cache_subdir="datasets", hash_algorithm="auto", extract=False,
             archive_format="auto", cache_dir=None):
    """The local path of `origin`, downloaded into the cache if not there.

    As tf-keras's `get_file`: the file is `<cache_dir>/<cache_subdir>/<fname>`
    (`fname` defaults to the URL's last path part, `cache_dir` to
    `$KERAS_HOME` or `~/.keras`); a cached file whose `file_hash` (md5 or
    sha256, `hash_algorithm` 'auto' tells them by length) does not match is
    downloaded again.  `extract=True` extracts a tar or zip archive
    (`archive_format`) beside it; `untar=True` extracts `<fname>.tar.gz` and
    returns the folder.  Archive members that would land outside the cache
    folder are refused.  When the download fails, the error names the URL
    and the path where the file can be put by hand.
    """
    if origin is None:
        raise ValueError('get_file: please specify the "origin" argument (URL '
                         'of the file to download).')
    if md5_hash is not None and file_hash is None:
        file_hash, hash_algorithm = md5_hash, "md5"
    _hasher(hash_algorithm, file_hash)    # reject a bad algorithm early
    datadir = _cache_folder(cache_dir, cache_subdir)
    fname = os.fspath(fname) if fname is not None else None
    if not fname:
        fname = os.path.basename(urllib.parse.urlsplit(origin).path)
        if not fname:
            raise ValueError(f"get_file: can't parse the file name from the "
                             f"origin provided: '{origin}'. Please specify "
                             f"the `fname` argument.")
    if untar:
        if fname.endswith(".tar.gz"):
            fname = fname[:-len(".tar.gz")]
        untar_fpath = os.path.join(datadir, fname)
        fpath = untar_fpath + ".tar.gz"
    else:
        fpath = os.path.join(datadir, fname)

    download = not os.path.exists(fpath)
    if not download and file_hash is not None \
            and not validate_file(fpath, file_hash, algorithm=hash_algorithm):
        print_msg(f"A local file was found, but it seems to be incomplete or "
                  f"outdated because the {hash_algorithm} file hash does not "
                  f"match the original value of {file_hash} so we will "
                  f"re-download the data.")
        download = True
    if download:
        print_msg(f"Downloading data from {origin}")
        try:
            _download(origin, fpath)
        except (OSError, ValueError) as e:    # URLError is an OSError
            if isinstance(e, urllib.error.HTTPError):
                detail = f"HTTP {e.code} {e.reason}"
            else:
                detail = str(getattr(e, "reason", None) or e)
            raise OSError(
                f"get_file: URL fetch failure on {origin}: {detail}. Without "
                f"network access, download {origin} by other means and put it "
                f"at {fpath}") from e
        if file_hash is not None and not validate_file(fpath, file_hash,
                                                       algorithm=hash_algorithm):
            os.remove(fpath)
            raise ValueError(f"get_file: incomplete or corrupted file detected "
                             f"from {origin}. The {hash_algorithm} file hash "
                             f"does not match the provided value of "
                             f"{file_hash}.")
    if untar:
        if not os.path.exists(untar_fpath):
            extract_archive(fpath, datadir, archive_format="tar")
        return untar_fpath
    if extract:
        extract_archive(fpath, datadir, archive_format)
    return fpath
