"""Moving batches from worker processes through POSIX shared memory.

A worker writes the large NumPy arrays of a batch into one shared block and
sends only a small message: the batch's nested structure (tuples, lists,
dicts) with each large array replaced by a `_Slot`, and the block's name and
layout.  The main process copies the arrays out and unlinks the block, so the
data cross once instead of being pickled, piped and unpickled.  Small arrays
and other objects travel pickled inside the message.

A batch larger than the free space of /dev/shm travels pickled instead.
Block names start with a per-queue prefix, so the queue can sweep away the
blocks of a worker that died between writing and sending.
"""
import os
import secrets
from multiprocessing import shared_memory

import numpy as np

# Below this size pickling costs less than creating a shared block.
THRESHOLD = 1 << 16
_ALIGN = 64
_SHM_DIR = "/dev/shm"


class _Slot:
    """Stands for the `index`-th array of the block in a packed structure."""

    __slots__ = ("index",)

    def __init__(self, index):
        self.index = index

    def __reduce__(self):
        return _Slot, (self.index,)


def new_prefix():
    """A fresh name prefix for the blocks of one queue."""
    return "fg_" + secrets.token_hex(4)


def _strip(obj, arrays):
    """`obj` with its large arrays moved to `arrays` and replaced by slots."""
    kind = type(obj)
    if kind is np.ndarray and obj.nbytes >= THRESHOLD and not obj.dtype.hasobject:
        arrays.append(obj)
        return _Slot(len(arrays) - 1)
    if kind is tuple or kind is list:
        return kind(_strip(item, arrays) for item in obj)
    if kind is dict:
        return {key: _strip(value, arrays) for key, value in obj.items()}
    return obj


def _fill(obj, arrays):
    kind = type(obj)
    if kind is _Slot:
        return arrays[obj.index]
    if kind is tuple or kind is list:
        return kind(_fill(item, arrays) for item in obj)
    if kind is dict:
        return {key: _fill(value, arrays) for key, value in obj.items()}
    return obj


class Packer:
    """Worker side: turns batches into messages, one block per batch."""

    def __init__(self, prefix):
        self.prefix = prefix
        self.count = 0

    def pack(self, batch):
        """The message for `batch`: (structure, None or (name, layout))."""
        arrays = []
        skeleton = _strip(batch, arrays)
        if not arrays:
            return skeleton, None
        layout, size = [], 0
        for a in arrays:
            size = -(-size // _ALIGN) * _ALIGN
            layout.append((a.dtype, a.shape, size))
            size += a.nbytes
        if size > _free_space():
            # Writing past a full tmpfs would kill the worker with SIGBUS.
            return batch, None
        name = f"{self.prefix}_{self.count:x}"
        self.count += 1
        block = shared_memory.SharedMemory(name=name, create=True, size=size)
        try:
            for a, (dtype, shape, offset) in zip(arrays, layout):
                np.copyto(np.ndarray(shape, dtype, buffer=block.buf,
                                     offset=offset), a)
        except BaseException:
            _release(block)
            raise
        block.close()
        return skeleton, (name, layout)


def _free_space():
    try:
        stat = os.statvfs(_SHM_DIR)
    except (OSError, AttributeError):
        return float("inf")
    return stat.f_bavail * stat.f_frsize


def unpack(message):
    """Main side: the batch of a message; its block is unlinked."""
    skeleton, block_info = message
    if block_info is None:
        return skeleton
    name, layout = block_info
    block = shared_memory.SharedMemory(name=name)
    try:
        arrays = [np.ndarray(shape, dtype, buffer=block.buf, offset=offset).copy()
                  for dtype, shape, offset in layout]
    finally:
        _release(block)
    return _fill(skeleton, arrays)


def discard(message):
    """Unlink the block of a message that will not be read."""
    block_info = message[1]
    if block_info is not None:
        _unlink(block_info[0])


def sweep(prefix):
    """Unlink every block left with this prefix (Linux lists them in
    /dev/shm; elsewhere only the blocks of messages already read are gone)."""
    try:
        names = os.listdir(_SHM_DIR)
    except OSError:
        return
    for name in names:
        if name.startswith(prefix + "_"):
            _unlink(name)


def _unlink(name):
    try:
        block = shared_memory.SharedMemory(name=name)
    except FileNotFoundError:
        return
    except (OSError, ValueError):
        # An empty block (its creator died before sizing it) cannot be
        # mapped; it was never registered with the resource tracker either.
        try:
            os.unlink(os.path.join(_SHM_DIR, name))
        except OSError:
            pass
        return
    _release(block)


def _release(block):
    try:
        block.close()
    except BufferError:
        pass
    try:
        block.unlink()
    except FileNotFoundError:
        pass
