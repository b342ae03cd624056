"""TensorBoard: event files of the training run, written with the
`tensorboard` package's own writer and summary helpers (the optional extra
`fastgraph[tensorboard]`), in the runs and tags tf-keras writes."""
import json
import os
import time

import numpy as np

from ..optimizers.schedules import LearningRateSchedule
from .base import Callback

_EXTRA = ("TensorBoard needs the `tensorboard` package, which writes the event "
          "files: pip install fastgraph[tensorboard]")


def _tensorboard():
    """TensorBoard's writer and summary helpers (ImportError naming the extra)."""
    try:
        from tensorboard.compat.proto import event_pb2, summary_pb2
        from tensorboard.plugins.graph import keras_util
        from tensorboard.plugins.histogram import summary_v2 as histogram
        from tensorboard.plugins.scalar import summary_v2 as scalar
        from tensorboard.summary.writer.event_file_writer import EventFileWriter
        from tensorboard.util import tensor_util
    except ImportError as err:
        raise ImportError(f"{_EXTRA} ({err})") from err
    return dict(event_pb2=event_pb2, summary_pb2=summary_pb2, keras_util=keras_util,
                histogram=histogram, scalar=scalar, writer=EventFileWriter,
                tensor_util=tensor_util)


def _profile_batch(value):
    """0 (or (0, 0)): fastgraph has no profiler to start."""
    if isinstance(value, str):
        value = [int(v) for v in value.split(",")]
    if value in (0, [0], [0, 0], (0, 0)):
        return 0
    raise ValueError(f"TensorBoard: profile_batch must be 0 (fastgraph has no "
                     f"profiler; time steps with bench/ or cProfile), got {value!r}")


class TensorBoard(Callback):
    """Writes what TensorBoard shows, as tf-keras's callback does, under
    `log_dir`/train and `log_dir`/validation: the epoch logs as scalars
    `epoch_<name>` (and `epoch_learning_rate` under a schedule), with
    `update_freq` 'batch' or N the batch logs every N steps as
    `batch_<name>` at the step count, after each evaluation
    `evaluation_<name>_vs_iterations`, every `histogram_freq` epochs a
    histogram of each weight, and with `write_graph` the model (the Keras
    conceptual graph and its layers as a graph).  `write_steps_per_second`
    adds the training speed.  Needs `pip install fastgraph[tensorboard]`.
    """

    chief_only = True

    def __init__(self, log_dir="logs", histogram_freq=0, write_graph=True,
                 write_images=False, write_steps_per_second=False, update_freq="epoch",
                 profile_batch=0, embeddings_freq=0, embeddings_metadata=None):
        super().__init__()
        self._tb = _tensorboard()
        if isinstance(histogram_freq, bool) or not isinstance(histogram_freq, int) \
                or histogram_freq < 0:
            raise ValueError(f"TensorBoard: histogram_freq must be an integer >= 0, "
                             f"got {histogram_freq!r}")
        if update_freq == "batch":
            update_freq = 1
        if update_freq != "epoch" and (isinstance(update_freq, bool) or not isinstance(
                update_freq, int) or update_freq < 1):
            raise ValueError(f"TensorBoard: update_freq must be 'epoch', 'batch' or an "
                             f"integer >= 1, got {update_freq!r}")
        for name, value in (("write_images", write_images),
                            ("embeddings_freq", embeddings_freq),
                            ("embeddings_metadata", embeddings_metadata)):
            if value:
                raise ValueError(f"TensorBoard: {name} is not supported by fastgraph's "
                                 f"TensorBoard callback; leave it at its default")
        self.log_dir = os.fspath(log_dir)
        self.histogram_freq = histogram_freq
        self.write_graph = bool(write_graph)
        self.write_steps_per_second = bool(write_steps_per_second)
        self.update_freq = update_freq
        self.profile_batch = _profile_batch(profile_batch)
        self._writers = {}
        self._batch_start = self._epoch_start = 0.0
        self._epoch_first_step = 0

    # ------------------------------------------------------------ writing
    def _writer(self, run):
        if run not in self._writers:
            self._writers[run] = self._tb["writer"](os.path.join(self.log_dir, run))
        return self._writers[run]

    def _write(self, run, step, summary):
        event = self._tb["event_pb2"].Event(wall_time=time.time(), step=int(step),
                                            summary=summary)
        self._writer(run).add_event(event)

    def _scalar(self, run, tag, value, step):
        value = np.asarray(value, dtype=np.float64)
        if value.ndim:                  # several values (e.g. per threshold)
            value = value.mean()
        self._write(run, step, self._tb["scalar"].scalar_pb(tag, float(value)))

    def _step(self):
        optimizer = getattr(self.model, "optimizer", None)
        return 0 if optimizer is None else optimizer.iterations

    def _write_model(self):
        """The Keras conceptual graph (tf-keras's `keras` summary) and, as
        TensorBoard converts it, the layers as a graph."""
        to_json = getattr(self.model, "to_json", None)
        if to_json is None:
            return
        text = to_json()
        pb2 = self._tb["summary_pb2"]
        metadata = pb2.SummaryMetadata(plugin_data=pb2.SummaryMetadata.PluginData(
            plugin_name="graph_keras_model", content=b"1"))
        summary = pb2.Summary()
        summary.value.add(tag="keras", metadata=metadata,
                          tensor=self._tb["tensor_util"].make_tensor_proto(
                              np.array(text.encode(), dtype=object)))
        self._write("train", 0, summary)
        graph = self._tb["keras_util"].keras_model_to_graph_def(json.loads(text))
        event = self._tb["event_pb2"].Event(wall_time=time.time(),
                                            graph_def=graph.SerializeToString())
        self._writer("train").add_event(event)

    def _learning_rate(self):
        """The rate of a schedule (what tf-keras logs as `learning_rate`)."""
        optimizer = getattr(self.model, "optimizer", None)
        schedule = getattr(optimizer, "learning_rate", None)
        if not isinstance(schedule, LearningRateSchedule):
            return None
        return float(schedule(optimizer.iterations))

    # -------------------------------------------------------------- hooks
    def set_model(self, model):
        super().set_model(model)
        self._writers = {}
        if self.write_graph:
            self._write_model()

    def _implements_batch_hooks(self, mode):
        return mode == "train" and (self.update_freq != "epoch"
                                    or self.write_steps_per_second)

    def on_train_batch_begin(self, batch, logs=None):
        self._batch_start = time.time()

    def on_train_batch_end(self, batch, logs=None):
        step = self._step()
        if self.write_steps_per_second:
            elapsed = time.time() - self._batch_start
            if elapsed > 0:
                self._scalar("train", "batch_steps_per_second", 1.0 / elapsed, step)
        if self.update_freq != "epoch" and step % self.update_freq == 0:
            for name, value in (logs or {}).items():
                if name not in ("batch", "size", "num_steps"):
                    self._scalar("train", "batch_" + name, value, step)

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch_start = time.time()
        self._epoch_first_step = self._step()

    def on_epoch_end(self, epoch, logs=None):
        logs = dict(logs or {})
        train = {k: v for k, v in logs.items() if not k.startswith("val_")}
        rate = self._learning_rate()
        if rate is not None:
            train["learning_rate"] = rate
        if self.write_steps_per_second:
            elapsed = time.time() - self._epoch_start
            if elapsed > 0:
                train["steps_per_second"] = (self._step() - self._epoch_first_step) / elapsed
        for name, value in train.items():
            self._scalar("train", "epoch_" + name, value, epoch)
        for name, value in logs.items():
            if name.startswith("val_"):
                self._scalar("validation", "epoch_" + name[4:], value, epoch)
        if self.histogram_freq and epoch % self.histogram_freq == 0:
            self._histograms(epoch)
        for writer in self._writers.values():
            writer.flush()

    def _histograms(self, epoch):
        histogram = self._tb["histogram"]
        for layer in self.model.layers:
            for weight in layer.weights:
                tag = weight.name.replace(":", "_") + "/histogram"
                self._write("train", epoch, histogram.histogram_pb(tag, np.asarray(weight)))

    def on_test_end(self, logs=None):
        if getattr(self.model, "optimizer", None) is None:
            return
        step = self._step()
        for name, value in (logs or {}).items():
            self._scalar("validation", f"evaluation_{name}_vs_iterations", value, step)
        self._writer("validation").flush()

    def on_train_end(self, logs=None):
        for writer in self._writers.values():
            writer.close()
        self._writers = {}
