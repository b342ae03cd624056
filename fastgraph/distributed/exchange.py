"""GradientExchange: gradients averaged across ranks, packed into a few
large contiguous buffers (buckets) and sent while backward still runs.

Buckets hold the variables in reverse order, the order backward finishes
them, up to about `bucket_bytes` each.  The tape reports each gradient as
soon as it is final (`gradients(on_ready=)`); its bytes are copied into
the bucket (cast to float16 with compression), and a full bucket starts a
non-blocking MPI allreduce at once; later reports drive MPI's progress.
`average` then waits for the buckets and returns each gradient as a view
of its bucket, divided by the number of samples: each rank adds its
gradient times its batch size (relative to the first batch it saw) and
the total of those weights rides in the bucket's last element, so a batch
smaller than the others (the end of the data) counts for what it holds.
Buffers are made once per list of variables and reused every step.
"""
import time

import numpy as np


class ExchangeStats:
    """What the exchange did: steps, bytes each rank sent into allreduce
    (its buckets' size), and seconds the caller spent in MPI calls
    (starting, progressing and waiting for the allreduces)."""

    def __init__(self):
        self.steps = 0
        self.bytes = 0
        self.seconds = 0.0

    def reset(self):
        self.__init__()


class _Bucket:
    __slots__ = ("members", "wire", "result", "wire_views", "result_views",
                 "missing", "request")

    def __init__(self, members, variables, wire_dtype):
        self.members = members
        dtype = variables[members[0]].data.dtype
        sizes = [variables[i].data.size for i in members]
        self.wire = np.zeros(sum(sizes) + 1, wire_dtype or dtype)
        self.result = self.wire if wire_dtype is None else \
            np.zeros(sum(sizes) + 1, dtype)
        self.wire_views, self.result_views = {}, {}
        offset = 0
        for i, n in zip(members, sizes):
            shape = variables[i].data.shape
            self.wire_views[i] = self.wire[offset:offset + n].reshape(shape)
            self.result_views[i] = self.result[offset:offset + n].reshape(shape)
            offset += n
        self.missing = 0
        self.request = None


class _Layout:
    """The buckets of one list of variables."""

    def __init__(self, variables, bucket_bytes, wire_dtype):
        self.count = len(variables)
        self.buckets, self.bucket_of = [], {}
        members, size, dtype = [], 0, None
        for i in reversed(range(len(variables))):
            data = variables[i].data
            nbytes = data.size * np.dtype(wire_dtype or data.dtype).itemsize
            if members and (size + nbytes > bucket_bytes or data.dtype != dtype):
                self._add(members, variables, wire_dtype)
                members, size = [], 0
            members.append(i)
            size += nbytes
            dtype = data.dtype
        if members:
            self._add(members, variables, wire_dtype)
        self.reference = None
        self.weight = 1.0

    def _add(self, members, variables, wire_dtype):
        bucket = _Bucket(members, variables, wire_dtype)
        self.buckets.append(bucket)
        for i in members:
            self.bucket_of[i] = bucket


class GradientExchange:
    """Averages gradients over the ranks of `comm` (see the module
    docstring); `compression` 'float16' halves the bytes on the wire."""

    def __init__(self, comm, mpi, compression=None, bucket_bytes=4 << 20):
        if compression not in (None, "float16"):
            raise ValueError(f"DistributedOptimizer: compression must be None or "
                             f"'float16', got {compression!r}")
        if not (isinstance(bucket_bytes, int) and bucket_bytes > 0):
            raise ValueError(f"DistributedOptimizer: bucket_bytes must be a "
                             f"positive integer, got {bucket_bytes!r}")
        self.comm, self.mpi = comm, mpi
        self.wire_dtype = np.float16 if compression else None
        self.bucket_bytes = bucket_bytes
        self.stats = ExchangeStats()
        self._layouts = {}
        self._step = None            # (variables, layout) of a started step

    def _layout(self, variables):
        key = tuple(id(v) for v in variables)
        layout = self._layouts.get(key)
        if layout is None:
            layout = self._layouts[key] = _Layout(variables, self.bucket_bytes,
                                                  self.wire_dtype)
        return layout

    def begin(self, variables, batch_size):
        """Start a step over `variables`: returns the `on_ready(i, grad)`
        for `gradients`, which fills the buckets and sends the full ones."""
        layout = self._layout(variables)
        if layout.reference is None:
            layout.reference = float(batch_size)
        layout.weight = batch_size / layout.reference
        for bucket in layout.buckets:
            bucket.missing = len(bucket.members)
        self._step = (variables, layout)
        in_flight = []

        def on_ready(i, grad):
            bucket = layout.bucket_of[i]
            self._pack(bucket, i, grad, layout.weight)
            bucket.missing -= 1
            start = time.perf_counter()
            if not bucket.missing:
                self._send(bucket, layout.weight)
                in_flight.append(bucket.request)
            elif in_flight:
                self.mpi.Request.Testall(in_flight)
            self.stats.seconds += time.perf_counter() - start
        return on_ready

    def average(self, grads, variables):
        """The gradients averaged over the ranks, in `variables` order (views
        of the buckets, valid until the next step)."""
        step, self._step = self._step, None
        if step is not None and len(step[0]) == len(variables) and all(
                a is b for a, b in zip(step[0], variables)):
            layout = step[1]
        else:               # no step began (a custom loop): pack everything now
            layout = self._layout(variables)
            layout.weight = 1.0
            for i, g in enumerate(grads):
                self._pack(layout.bucket_of[i], i, g, 1.0)
            for bucket in layout.buckets:
                bucket.missing = 0
                bucket.request = None
        start = time.perf_counter()
        for bucket in layout.buckets:
            if bucket.request is None:
                self._send(bucket, layout.weight)
        self.mpi.Request.Waitall([b.request for b in layout.buckets])
        self.stats.seconds += time.perf_counter() - start
        self.stats.steps += 1
        out = [None] * layout.count
        for bucket in layout.buckets:
            bucket.request = None
            scale = 1.0 / float(bucket.wire[-1])
            if bucket.result is bucket.wire:
                bucket.wire *= bucket.wire.dtype.type(scale)
            else:
                np.multiply(bucket.wire, bucket.result.dtype.type(scale),
                            out=bucket.result)
            for i in bucket.members:
                out[i] = bucket.result_views[i]
        return out

    def _pack(self, bucket, i, grad, weight):
        view = bucket.wire_views[i]
        if grad.shape != view.shape:
            raise ValueError(f"DistributedOptimizer: gradient {i} has shape "
                             f"{grad.shape}, expected {view.shape}")
        if weight == 1.0:
            np.copyto(view, grad, casting="unsafe")
        else:
            np.multiply(grad, weight, out=view, casting="unsafe")

    def _send(self, bucket, weight):
        bucket.wire[-1] = weight
        bucket.request = self.comm.Iallreduce(self.mpi.IN_PLACE, bucket.wire,
                                              op=self.mpi.SUM)
        self.stats.bytes += bucket.wire.nbytes
