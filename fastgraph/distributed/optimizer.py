"""DistributedOptimizer: an optimizer whose updates use the gradients
averaged over every rank, so that all ranks keep the same weights."""
from .. import optimizers
from ..autodiff import as_array
from . import runtime
from .exchange import GradientExchange


class _Distributed:
    """Mixed in before the wrapped optimizer's class (as Horovod does), so
    the result is still an Adam, an SGD...: same update, same config, saved
    under the same class name."""

    def gradient_listener(self, variables, batch_size):
        """The trainer's hook (fastgraph.training.step.apply_gradients): the
        `on_ready` that sends each gradient during backward, or None."""
        if self._exchange is None or not self._overlap:
            return None
        return self._exchange.begin(variables, batch_size)

    def apply_gradients(self, grads_and_vars):
        """Average the gradients over the ranks, then apply them."""
        pairs = [(g, v) for g, v in grads_and_vars if g is not None]
        if self._exchange is not None and pairs:
            grads = self._exchange.average([as_array(g) for g, _ in pairs],
                                           [v for _, v in pairs])
            pairs = list(zip(grads, [v for _, v in pairs]))
        super().apply_gradients(pairs)

    @property
    def exchange_stats(self):
        """Steps, bytes sent and seconds in MPI calls so far (None alone)."""
        return None if self._exchange is None else self._exchange.stats


def DistributedOptimizer(optimizer, compression=None, bucket_bytes=4 << 20,
                         overlap=True):
    """`optimizer` (an Optimizer or its name), averaging gradients across
    ranks before each update.

    Gradients travel packed in buckets of about `bucket_bytes` through MPI
    allreduce; with `overlap` (the default) a bucket is sent as soon as
    backward has filled it, while the rest of backward runs.
    `compression='float16'` sends float16 and adds in float16 on the wire
    (half the bytes; about three significant digits).  In a single process
    the optimizer is returned unchanged in behaviour.  Call
    `fastgraph.distributed.init()` first.
    """
    optimizer = optimizers.get(optimizer)
    if isinstance(optimizer, _Distributed):
        raise ValueError("DistributedOptimizer: the optimizer is already distributed")
    base = type(optimizer)
    cls = type(base.__name__, (_Distributed, base),
               {"__module__": base.__module__, "__qualname__": base.__qualname__})
    wrapped = cls.__new__(cls)
    wrapped.__dict__.update(optimizer.__dict__)
    comm = runtime.communicator()
    wrapped._exchange = None
    if comm is not None and comm.Get_size() > 1:
        wrapped._exchange = GradientExchange(comm, runtime.load_mpi(),
                                             compression, bucket_bytes)
    elif compression not in (None, "float16"):
        raise ValueError(f"DistributedOptimizer: compression must be None or "
                         f"'float16', got {compression!r}")
    wrapped._overlap = bool(overlap)
    return wrapped
