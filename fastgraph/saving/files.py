"""Opening model files: regular files only (a FIFO, a device or a socket
could block a reader forever), and a seekable view of a stored zip member's
bytes, so that a reader can use them in place without copying them."""
import errno
import os
import stat

_NOT_REGULAR = ((stat.S_ISFIFO, "a FIFO (named pipe)"), (stat.S_ISCHR, "a character device"),
                (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket"))


def _refuse_irregular(mode, name):
    if stat.S_ISDIR(mode):
        raise IsADirectoryError(errno.EISDIR, "is a directory, not a file", name)
    if not stat.S_ISREG(mode):
        kind = next((what for test, what in _NOT_REGULAR if test(mode)),
                    "not a regular file")
        raise OSError(errno.EINVAL, f"is {kind}, not a regular file; models "
                      f"are read from regular files only", name)


def open_regular(path):
    """`path` opened for binary reading, refusing anything but a regular
    file with an OSError, without blocking: reading a FIFO, a device or a
    socket could wait forever or never end."""
    name = os.fspath(path)
    _refuse_irregular(os.stat(name).st_mode, name)
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    fd = os.open(name, flags)
    try:
        _refuse_irregular(os.fstat(fd).st_mode, name)   # replaced meanwhile?
        if hasattr(os, "set_blocking"):
            os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


class MemberView:
    """A read-only, seekable binary file over `size` bytes of the open file
    descriptor `fd` from `start` (positioned reads: it never moves the
    descriptor's own offset)."""

    def __init__(self, fd, start, size):
        self._fd, self._start, self._size, self._pos = fd, start, size, 0
        self.closed = False

    def read(self, n=-1):
        left = self._size - self._pos
        n = left if n is None or n < 0 else min(n, left)
        data = os.pread(self._fd, n, self._start + self._pos) if n > 0 else b""
        self._pos += len(data)
        return data

    def readinto(self, buffer):
        view = memoryview(buffer).cast("B")
        n = min(len(view), self._size - self._pos)
        done = 0
        while done < n:
            if hasattr(os, "preadv"):       # straight into the caller's buffer
                got = os.preadv(self._fd, [view[done:n]], self._start + self._pos + done)
            else:
                data = os.pread(self._fd, n - done, self._start + self._pos + done)
                view[done:done + len(data)] = data
                got = len(data)
            if not got:
                break
            done += got
        self._pos += done
        return done

    def seek(self, offset, whence=os.SEEK_SET):
        base = {os.SEEK_SET: 0, os.SEEK_CUR: self._pos, os.SEEK_END: self._size}[whence]
        self._pos = max(0, base + offset)
        return self._pos

    def tell(self):
        return self._pos

    def seekable(self):
        return True

    def readable(self):
        return True

    def writable(self):
        return False

    def flush(self):
        pass

    def close(self):
        self.closed = True
