"""The worker pools behind BatchQueue: threads, or processes.

Both take tasks `(pos, index)` and answer each with one message
`(kind, pos, payload)`: kind 'ok' (payload: the batch), 'err' (payload: the
exception to raise in the caller) or 'end' (a plain generator is exhausted).
`index` is a Sequence index, or None for "the generator's next batch".

Threads share one task queue; a plain generator is advanced under a lock and
its batches are numbered under that lock, so they come out in generator
order.  Processes each get their own task and result pipes: the main process
assigns tasks (so it knows which batch each worker is building), waits on the
result pipes and the process sentinels together (a dead worker is noticed at
once), and large arrays travel through shared memory (see `shm`).
"""
import itertools
import multiprocessing
import os
import pickle
import queue
import signal
import sys
import threading
import time
import traceback
import warnings
import weakref
from collections import deque
from multiprocessing import connection
from multiprocessing.reduction import ForkingPickler

from . import shm

_PACKAGE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
_GRACE = 1.0     # seconds a worker gets to finish its batch at shutdown
_POLL = 1.0      # seconds between liveness checks while waiting for a batch


class WorkerTraceback(Exception):
    """The traceback of an exception raised in a worker process (attached as
    `__cause__` of the exception re-raised in the caller)."""

    def __str__(self):
        return self.args[0]


def user_stacklevel():
    """The stacklevel of the first caller outside fastgraph (for warnings)."""
    frame, level = sys._getframe(1), 1
    while frame is not None and frame.f_code.co_filename.startswith(_PACKAGE_DIR):
        frame, level = frame.f_back, level + 1
    return level


def _produce(source, index):
    """Run one task: ('ok', batch), ('end', None) or ('err', exception)."""
    try:
        batch = next(source) if index is None else source[index]
    except StopIteration:
        if index is None:
            return "end", None
        return "err", RuntimeError(f"the Sequence raised StopIteration for "
                                   f"index {index}")
    except BaseException as exc:   # SystemExit too: reported, not obeyed
        return "err", exc
    return "ok", batch


# ------------------------------------------------------------------ threads
def _thread_main(source, tasks, results, stop, lock, counter, busy):
    try:
        from .. import _threads
        _threads.sync_thread()      # OpenMP thread counts are per thread
    except ImportError:
        pass
    while not stop.is_set():
        task = tasks.get()
        if task is None or stop.is_set():
            return
        pos, index = task
        name = threading.current_thread().name
        if index is None:
            with lock:
                pos = next(counter)
                busy[name] = (pos, None, time.monotonic())
                kind, payload = _produce(source, None)
        else:
            busy[name] = (pos, index, time.monotonic())
            kind, payload = _produce(source, index)
        busy.pop(name, None)
        results.put((kind, pos, payload))


def _stop_threads(threads, tasks, stop):
    stop.set()
    for _ in threads:
        tasks.put(None)
    deadline = time.monotonic() + 5 * _GRACE
    for t in threads:
        t.join(max(0.0, deadline - time.monotonic()))
    busy = [t.name for t in threads if t.is_alive()]
    if busy:
        warnings.warn(f"fastgraph data worker thread(s) {busy} are still "
                      f"inside the generator or Sequence; they stop when that "
                      f"call returns", RuntimeWarning,
                      stacklevel=user_stacklevel())


class ThreadWorkers:
    """`n` daemon threads reading `source` (a Sequence or an iterator)."""

    def __init__(self, source, n, first_pos=0):
        self._tasks = queue.Queue()
        self._results = queue.Queue()
        stop = threading.Event()
        self._busy = {}     # thread name -> (position, index, since when)
        args = (source, self._tasks, self._results, stop, threading.Lock(),
                itertools.count(first_pos), self._busy)
        self._threads = [threading.Thread(target=_thread_main, args=args,
                                          name=f"fastgraph-data-thread-{w}",
                                          daemon=True) for w in range(n)]
        for t in self._threads:
            t.start()
        self._finalizer = weakref.finalize(self, _stop_threads, self._threads,
                                           self._tasks, stop)

    def submit(self, pos, index):
        """Queue task `(pos, index)`."""
        self._tasks.put((pos, index))

    def receive(self, wait=None):
        """The next message from any worker, or None after `wait` seconds
        (None: no limit) without one."""
        end = None if wait is None else time.monotonic() + wait
        while True:
            left = _POLL if end is None else min(_POLL, end - time.monotonic())
            try:
                return self._results.get(timeout=max(left, 0.0))
            except queue.Empty:
                dead = [t.name for t in self._threads if not t.is_alive()]
                if dead:
                    raise RuntimeError(f"fastgraph data worker thread(s) "
                                       f"{dead} stopped unexpectedly")
                if end is not None and time.monotonic() >= end:
                    return None

    def stalled(self):
        """Which worker has been building which batch the longest."""
        busy = sorted(list(self._busy.items()), key=lambda item: item[1][2])
        if not busy:
            return "no worker thread is inside the generator or Sequence"
        name, (pos, index, since) = busy[0]
        what = (f"batch index {index}" if index is not None
                else f"batch {pos} of the generator")
        return (f"worker thread {name!r} has been building {what} for "
                f"{time.monotonic() - since:.0f} s")

    def close(self):
        """Stop the threads (each finishes the batch it is building)."""
        self._finalizer()


# ---------------------------------------------------------------- processes
def _remote_error(exc):
    """An exception as it can cross a pipe: pickled if possible, and always
    its type's name, message and formatted traceback."""
    try:
        blob = pickle.dumps(exc)
    except Exception:
        blob = None
    text = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
    return blob, type(exc).__module__, type(exc).__qualname__, str(exc), text


def _rebuild_error(payload, where):
    blob, module, qualname, message, text = payload
    exc = None
    if blob is not None:
        try:
            exc = pickle.loads(blob)
        except Exception:
            exc = None
    if not isinstance(exc, BaseException):
        cls = _locate(module, qualname)
        if cls is None:
            exc = RuntimeError(f"{module}.{qualname}: {message}")
        else:
            exc = cls.__new__(cls)
            exc.args = (message,)
    exc.__cause__ = WorkerTraceback(f"\n\nRaised {where}:\n\n{text}")
    return exc


def _locate(module, qualname):
    import importlib
    try:
        obj = importlib.import_module(module)
        for part in qualname.split("."):
            obj = getattr(obj, part)
    except (ImportError, AttributeError):
        return None
    return obj if isinstance(obj, type) and issubclass(obj, BaseException) else None


def _single_threaded_kernels():
    """Worker processes run kernels and BLAS on one thread: the workers are
    the parallelism, and a forked child that inherited its parent's OpenMP
    pool would hang in its first parallel region."""
    from .. import _threads
    try:
        _threads.set_num_threads(1)
    except ImportError:     # kernels not built: nothing to configure
        pass


def process_main(wid, source, tasks, results, stop, prefix, inherited):
    """Body of worker process `wid`: answer tasks until told to stop.
    `inherited` are the main process's pipe ends a forked child holds: they
    are closed, so that each pipe reports EOF once the main process is gone."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)    # the main process handles ^C
    signal.signal(signal.SIGTERM, signal.SIG_DFL)   # terminate() must end us
    for conn in inherited:
        conn.close()
    _single_threaded_kernels()
    packer = shm.Packer(f"{prefix}_{wid:x}")
    while True:
        try:
            task = tasks.recv()
        except (EOFError, OSError):
            return
        if task is None or stop.value:
            return
        pos, index = task
        kind, payload = _produce(source, index)
        try:
            results.send_bytes(_encode(packer, kind, pos, payload))
        except OSError:     # the main process closed the pipe: shutting down
            return


def _encode(packer, kind, pos, payload):
    if kind == "err":
        return ForkingPickler.dumps(("err", pos, _remote_error(payload)))
    if kind == "end":
        return ForkingPickler.dumps(("end", pos, None))
    message = None
    try:
        message = packer.pack(payload)
        return ForkingPickler.dumps(("ok", pos, message))
    except Exception as exc:
        if message is not None:
            shm.discard(message)
        error = TypeError(f"the batch could not be sent to the main process: "
                          f"{type(exc).__name__}: {exc}")
        return ForkingPickler.dumps(("err", pos, _remote_error(error)))


def _stop_processes(procs, task_conns, result_conns, stop, prefix):
    stop.value = 1
    for conn in task_conns:
        try:
            conn.send(None)
        except OSError:
            pass
    deadline = time.monotonic() + _GRACE
    for p in procs:
        p.join(max(0.0, deadline - time.monotonic()))
    for p in procs:
        if p.exitcode is None:
            p.terminate()
    for p in procs:
        p.join(_GRACE)
        if p.exitcode is None:
            p.kill()
            p.join()
    for p, conn in zip(procs, result_conns):
        # A worker that exited normally sent whole messages only.
        while p.exitcode == 0 and conn.poll():
            try:
                kind, _, payload = conn.recv()
            except (EOFError, OSError):
                break
            if kind == "ok":
                shm.discard(payload)
    for conn in itertools.chain(task_conns, result_conns):
        conn.close()
    for p in procs:
        p.close()
    shm.sweep(prefix)


class ProcessWorkers:
    """`n` daemon processes reading their own copy of `source`."""

    def __init__(self, source, n, start_method):
        ctx = multiprocessing.get_context(start_method)
        if start_method == "fork":
            # Forked workers must share our resource tracker: one of their
            # own would unlink unread blocks when the worker exits.
            from multiprocessing import resource_tracker
            resource_tracker.ensure_running()
        # A lock-free flag: a worker killed while holding the lock of an
        # Event would block the shutdown.
        stop = ctx.RawValue("b", 0)
        prefix = shm.new_prefix()
        self._procs, self._tasks, self._results = [], [], []
        self._pending = [deque() for _ in range(n)]
        self._since = [0.0] * n     # when each worker began its current task
        self._answered = [0] * n
        self._method = start_method
        self._finalizer = weakref.finalize(self, _stop_processes, self._procs,
                                           self._tasks, self._results, stop,
                                           prefix)
        try:
            for w in range(n):
                self._start(ctx, w, source, stop, prefix)
        except BaseException:
            self._finalizer()
            raise
        self._owner = {}
        for w, p in enumerate(self._procs):
            self._owner[self._results[w]] = w
            self._owner[p.sentinel] = w

    def _start(self, ctx, w, source, stop, prefix):
        task_r, task_w = ctx.Pipe(duplex=False)
        result_r, result_w = ctx.Pipe(duplex=False)
        self._tasks.append(task_w)
        self._results.append(result_r)
        inherited = self._tasks + self._results if self._method == "fork" else []
        p = ctx.Process(target=process_main, name=f"fastgraph-data-{w}",
                        args=(w, source, task_r, result_w, stop, prefix,
                              inherited),
                        daemon=True)
        try:
            p.start()
        except Exception as exc:
            raise TypeError(
                f"BatchQueue: the data ({type(source).__name__}) could not be "
                f"sent to a '{ctx.get_start_method()}' worker process: {exc}. "
                f"Define the Sequence at module level with picklable "
                f"attributes, or use threads (use_multiprocessing=False)"
            ) from exc
        finally:
            task_r.close()
            result_w.close()
        self._procs.append(p)

    def submit(self, pos, index):
        """Send task `(pos, index)` to the least busy worker."""
        w = min(range(len(self._procs)), key=lambda i: len(self._pending[i]))
        if not self._pending[w]:
            self._since[w] = time.monotonic()
        self._pending[w].append((pos, index))
        try:
            self._tasks[w].send((pos, index))
        except OSError:
            raise self._died(w) from None

    def receive(self, wait=None):
        """The next message from any worker, or None after `wait` seconds
        (None: no limit) without one; RuntimeError if a worker died."""
        end = None if wait is None else time.monotonic() + wait
        while True:
            left = _POLL if end is None else min(_POLL, end - time.monotonic())
            ready = connection.wait(list(self._owner), timeout=max(left, 0.0))
            for obj in ready:
                w = self._owner[obj]
                if obj is not self._results[w]:
                    continue
                try:
                    kind, pos, payload = obj.recv()
                except (EOFError, OSError):
                    raise self._died(w) from None
                task = self._pending[w].popleft()
                self._since[w] = time.monotonic()
                self._answered[w] += 1
                if kind == "ok":
                    return kind, pos, shm.unpack(payload)
                if kind == "err":
                    return kind, pos, _rebuild_error(
                        payload, self._where(w, task))
                return kind, pos, payload
            for w, p in enumerate(self._procs):
                # A worker that died right after answering: its answers first.
                if p.exitcode is not None and not self._results[w].poll():
                    raise self._died(w)
            if end is not None and time.monotonic() >= end:
                return None

    def stalled(self):
        """Which worker has been building which batch the longest."""
        busy = [w for w in range(len(self._procs)) if self._pending[w]]
        if not busy:
            return "no worker process has a batch to build"
        w = min(busy, key=lambda i: self._since[i])
        return (f"{self._where(w, self._pending[w][0])[3:]} for "
                f"{time.monotonic() - self._since[w]:.0f} s")

    def _where(self, w, task):
        p = self._procs[w]
        what = ("a batch of its copy of the generator" if task[1] is None
                else f"batch index {task[1]}")
        return f"in data worker process '{p.name}' (pid {p.pid}) producing {what}"

    def _died(self, w):
        p = self._procs[w]
        p.join(_GRACE)
        code = p.exitcode
        pending = self._pending[w]
        doing = ("while idle" if not pending else
                 f"while producing batch index {pending[0][1]}"
                 if pending[0][1] is not None else
                 "while producing a batch of its copy of the generator")
        if code is not None and code < 0:
            try:
                name = signal.Signals(-code).name
            except ValueError:
                name = f"signal {-code}"
            why = (f"died with exit code {code} (killed by {name}) {doing}; it "
                   f"was killed (e.g. by the out-of-memory killer) or crashed "
                   f"in native code")
        else:
            why = (f"exited unexpectedly with exit code {code} {doing}; its "
                   f"error, if any, was printed to stderr")
            if self._method != "fork" and not self._answered[w]:
                why += (f". A '{self._method}' worker imports the data's "
                        f"class by name: define it in an importable module, "
                        f"not in an interactive __main__")
        return RuntimeError(f"fastgraph data worker process '{p.name}' (pid "
                            f"{p.pid}) {why}")

    def close(self):
        """Stop the processes and free every shared block."""
        self._finalizer()
