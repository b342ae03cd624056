"""The data queue's watchdog: a batch that never comes must not make training
wait forever in silence.

While the queue waits for a batch, a RuntimeWarning naming the worker and
the batch it is building goes out every `warn_after` seconds
(FASTGRAPH_DATA_WARN_AFTER, default 180), and after `timeout` seconds
(fit's `data_timeout`, FASTGRAPH_DATA_TIMEOUT; default: no limit) a
TimeoutError naming them ends the wait; the queue's owner then stops the
workers.  Waiting is done in short slices, so Ctrl-C works as always.
"""
import math
import os
import time
import warnings

from ..utils.arguments import check_seconds
from .workers import user_stacklevel

ENV_TIMEOUT = "FASTGRAPH_DATA_TIMEOUT"
ENV_WARN_AFTER = "FASTGRAPH_DATA_WARN_AFTER"
DEFAULT_WARN_AFTER = 180.0


def _from_env(variable):
    """Seconds from the environment variable `variable`, or None when unset."""
    raw = os.environ.get(variable, "").strip()
    if not raw:
        return None
    try:
        return check_seconds(variable, "its value", float(raw))
    except ValueError:
        raise ValueError(f"{variable} must be a number of seconds > 0, got "
                         f"{raw!r}") from None


class Watchdog:
    """Waits for the next message of a worker pool within the limits above.

    `timeout` and `warn_after` are seconds (> 0) or None for the
    environment's value (FASTGRAPH_DATA_TIMEOUT, FASTGRAPH_DATA_WARN_AFTER)
    or the default; `where` names the queue's user in messages."""

    def __init__(self, timeout=None, warn_after=None, where="BatchQueue"):
        self.where = where
        self.timeout = (check_seconds(where, "data_timeout", timeout)
                        if timeout is not None else _from_env(ENV_TIMEOUT))
        self.warn_after = (check_seconds(where, "warn_after", warn_after)
                           if warn_after is not None
                           else _from_env(ENV_WARN_AFTER) or DEFAULT_WARN_AFTER)

    def receive(self, pool):
        """The pool's next message; a warning every `warn_after` seconds
        without one, a TimeoutError after `timeout` seconds."""
        start = time.monotonic()
        warned = 0
        while True:
            due = self.warn_after * (warned + 1)
            if self.timeout is not None:
                due = min(due, self.timeout)
            message = pool.receive(max(0.0, start + due - time.monotonic()))
            if message is not None:
                return message
            waited = time.monotonic() - start
            if self.timeout is not None and waited >= self.timeout:
                raise TimeoutError(
                    f"{self.where}: no batch came from the data workers for "
                    f"{waited:.1f} s, the limit (data_timeout={self.timeout:g}, "
                    f"or {ENV_TIMEOUT}): {pool.stalled()}; the data workers "
                    f"are stopped")
            if waited >= self.warn_after * (warned + 1):
                warned = math.floor(waited / self.warn_after)
                warnings.warn(
                    f"{self.where}: no batch from the data workers for "
                    f"{waited:.1f} s: {pool.stalled()} (a limit: fit's "
                    f"data_timeout or {ENV_TIMEOUT}; this warning: every "
                    f"{self.warn_after:g} s, {ENV_WARN_AFTER})",
                    RuntimeWarning, stacklevel=user_stacklevel())
