"""BaseLogger: Keras 2's epoch averages of the batch logs."""
from .base import Callback


class BaseLogger(Callback):
    """Averages the batch logs over each epoch, weighted by batch size, and
    puts the averages in the epoch logs (Keras 2 added it to every model).

    fastgraph's batch logs already hold values over the epoch so far (as
    Keras 2's stateful metrics did), so the model's own metrics, like those
    named in `stateful_metrics`, keep the last batch's value: the epoch's.
    Values other callbacks put in the batch logs are averaged.
    """

    def __init__(self, stateful_metrics=None):
        super().__init__()
        self.stateful_metrics = set(stateful_metrics or ())
        self.seen = 0
        self.totals = {}
        self._size = 0

    def on_epoch_begin(self, epoch, logs=None):
        self.seen = 0
        self.totals = {}

    def on_batch_begin(self, batch, logs=None):
        self._size = (logs or {}).get("size", 0)

    def on_batch_end(self, batch, logs=None):
        logs = logs or {}
        size = logs.get("size", self._size)
        self.seen += size * logs.get("num_steps", 1)
        stateful = self.stateful_metrics | set(self.params.get("metrics", ()))
        for k, v in logs.items():
            if k in ("batch", "size", "num_steps"):
                continue
            if k in stateful:
                self.totals[k] = v
            else:
                self.totals[k] = self.totals.get(k, 0.0) + v * size

    def on_epoch_end(self, epoch, logs=None):
        if logs is None:
            return
        stateful = self.stateful_metrics | set(self.params.get("metrics", ()))
        for k, total in self.totals.items():
            if k in stateful:
                logs[k] = total
            elif self.seen:
                logs[k] = total / self.seen
