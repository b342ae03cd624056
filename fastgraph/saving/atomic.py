"""Writing a file atomically: readers see the old file or the new one, never
a part of it, and no temporary file outlives its writer.

Where the platform has them (Linux: O_TMPFILE and /proc/self/fd), the data
go to an unnamed file in the target's folder, which is linked into place
once it is complete and flushed: a writer killed before that (kill -9, a
power cut) leaves nothing, since the kernel frees an unnamed file.
Elsewhere the temporary file has a recognisable name,
`.<target>.fastgraph-tmp.<host>.<pid>.<random>`, and every save into a folder
removes the ones there whose writer (same host, that pid) is gone.
"""
import errno
import os
import re
import secrets
import socket

TEMP_MARK = ".fastgraph-tmp."
_TEMP_NAME = re.compile(re.escape(TEMP_MARK)
                        + r"(?P<host>[A-Za-z0-9-]+)\.(?P<pid>[0-9]+)\.[A-Za-z0-9_-]+$")
_PROC_FD = "/proc/self/fd"


def _host():
    return re.sub(r"[^A-Za-z0-9-]", "-", socket.gethostname())[:64] or "host"


def default_mode():
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


def _writer_gone(host, pid):
    if host != _host():
        return False           # another machine's writer: cannot tell
    if pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except OSError:            # alive, owned by another user
        return False
    return False


def sweep_leftovers(directory):
    """Remove the temporary files of writers on this host that died before
    finishing (files named by this module, whose pid is no longer alive)."""
    try:
        entries = list(os.scandir(directory))
    except OSError:
        return
    for entry in entries:
        if not entry.name.startswith(".") or TEMP_MARK not in entry.name:
            continue
        match = _TEMP_NAME.search(entry.name)
        if match and _writer_gone(match["host"], int(match["pid"])):
            try:
                os.unlink(entry.path)
            except OSError:
                pass


def _temp_name(target):
    directory, base = os.path.split(target)
    token = secrets.token_hex(6)
    return os.path.join(directory, f".{base[:100]}{TEMP_MARK}{_host()}."
                                   f"{os.getpid()}.{token}")


def _open_unnamed(directory, mode):
    """A descriptor of an unnamed file in `directory`, or None where the
    platform or the file system has none."""
    flag = getattr(os, "O_TMPFILE", None)
    if flag is None or not os.path.isdir(_PROC_FD):
        return None
    try:
        return os.open(directory, flag | os.O_RDWR | os.O_CLOEXEC, mode)
    except OSError as err:
        if err.errno in (errno.EOPNOTSUPP, errno.EISDIR, errno.EINVAL,
                         errno.ENOSYS):
            return None
        raise


def _link_into_place(fd, target):
    """Give the complete unnamed file `fd` the name `target`, atomically."""
    directory, base = os.path.split(target)
    dir_fd = os.open(directory, os.O_RDONLY | os.O_CLOEXEC)
    # A directory descriptor makes os.link call linkat(AT_SYMLINK_FOLLOW),
    # which links the file /proc/self/fd/N stands for, not the symlink.
    try:
        try:
            os.link(f"{_PROC_FD}/{fd}", base, dst_dir_fd=dir_fd, follow_symlinks=True)
            return
        except FileExistsError:
            pass
        tmp = os.path.basename(_temp_name(target))
        os.link(f"{_PROC_FD}/{fd}", tmp, dst_dir_fd=dir_fd, follow_symlinks=True)
        try:
            os.replace(tmp, base, src_dir_fd=dir_fd, dst_dir_fd=dir_fd)
        except BaseException:
            os.unlink(tmp, dir_fd=dir_fd)
            raise
    finally:
        os.close(dir_fd)


def _unlink(path):
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass


def atomic_write(path, write, overwrite=True):
    """Call `write(binary file)` on a temporary file in `path`'s folder, then
    flush it to disk and put it in place of `path`: readers see the old file
    or the new one, never a partial one.  On any error (or interrupt) nothing
    is left behind and `path` is untouched.  A writable file object is
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
    mode = (os.stat(target).st_mode & 0o7777) if exists else default_mode()
    sweep_leftovers(directory)
    try:
        fd = _open_unnamed(directory, mode)
        tmp = None
        if fd is None:
            tmp = _temp_name(target)
            fd = os.open(tmp, os.O_RDWR | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o600)
    except OSError as err:
        raise type(err)(err.errno, f"cannot create a temporary file in "
                        f"{directory!r} ({err.strerror})", name) from None
    try:
        with os.fdopen(fd, "w+b") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
            if tmp is None:
                os.fchmod(f.fileno(), mode)
                _link_into_place(f.fileno(), target)
        if tmp is not None:
            os.chmod(tmp, mode)
            os.replace(tmp, target)
    except BaseException:
        if tmp is not None:
            _unlink(tmp)
        raise
    _fsync_directory(directory)
