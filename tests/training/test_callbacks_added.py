"""TensorBoard (read back with TensorBoard's own event reader, against what
tf-keras 2.21 writes: tests/reference/tensorboard_reference.json, from
tests/reference/tensorboard_make_reference.py), BackupAndRestore (a run
killed mid-epoch and restarted), RemoteMonitor (against an HTTP server on
127.0.0.1) and BaseLogger."""
import http.server
import json
import os
import subprocess
import sys
import textwrap
import threading

import numpy as np
import pytest

from fastgraph import callbacks, layers, models, optimizers
from fastgraph.optimizers import schedules

REFERENCE = os.path.join(os.path.dirname(__file__), os.pardir, "reference",
                         "tensorboard_reference.json")


def _data():
    rng = np.random.default_rng(5)
    x = rng.normal(size=(64, 4)).astype(np.float32)
    return x, (x[:, :1] > 0).astype(np.float32)


def _model():
    inp = layers.Input((4,))
    hidden = layers.Dense(3, activation="relu", name="hidden")(inp)
    model = models.Model(inp, layers.Dense(1, activation="sigmoid", name="out")(hidden))
    model.compile(optimizers.SGD(schedules.ExponentialDecay(0.1, 4, 0.5)),
                  "binary_crossentropy", metrics=["accuracy"])
    return model


def _events(log_dir):
    """{run: [(tag, step, plugin, value)]} and the runs with a graph, read with
    TensorBoard's own event file loader."""
    from tensorboard.backend.event_processing.event_file_loader import EventFileLoader
    from tensorboard.util import tensor_util
    runs, graphs = {}, set()
    for run in sorted(os.listdir(log_dir)):
        values = runs.setdefault(run, [])
        for name in sorted(os.listdir(os.path.join(log_dir, run))):
            for event in EventFileLoader(os.path.join(log_dir, run, name)).Load():
                if event.HasField("graph_def"):
                    graphs.add(run)
                for value in event.summary.value:
                    plugin = value.metadata.plugin_data.plugin_name
                    if value.tag == "__run_graph__":    # the loader's form of a graph
                        graphs.add(run)
                        continue
                    array = tensor_util.make_ndarray(value.tensor)
                    values.append((value.tag, int(event.step), plugin, array))
    return runs, graphs


def test_tensorboard_writes_what_tf_keras_writes(tmp_path):
    pytest.importorskip("tensorboard")
    x, y = _data()
    model = _model()
    board = callbacks.TensorBoard(tmp_path, histogram_freq=2, write_graph=True)
    history = model.fit(x, y, batch_size=16, epochs=3, verbose=0, validation_data=(x, y),
                        callbacks=[board])
    runs, graphs = _events(tmp_path)
    with open(REFERENCE) as f:
        reference = json.load(f)
    for run in ("train", "validation"):
        assert sorted([tag, step, plugin] for tag, step, plugin, _ in runs[run]) == \
            reference[run]["values"]
    assert graphs == {"train"}      # tf-keras 2.21 writes its op graph from a trace
    scalars = {(run, tag, step): value for run in runs
               for tag, step, plugin, value in runs[run] if plugin == "scalars"}
    for epoch in range(3):
        assert scalars["train", "epoch_loss", epoch] == pytest.approx(
            history.history["loss"][epoch], rel=1e-6)
        assert scalars["validation", "epoch_accuracy", epoch] == pytest.approx(
            history.history["val_accuracy"][epoch], rel=1e-6)
        assert scalars["train", "epoch_learning_rate", epoch] == pytest.approx(
            0.1 * 0.5 ** (4 * (epoch + 1) / 4), rel=1e-6)
    keras_model = [v for tag, _, plugin, v in runs["train"] if plugin == "graph_keras_model"]
    assert json.loads(keras_model[0].item())["config"]["layers"][1]["name"] == "hidden"
    histogram = [v for tag, step, _, v in runs["train"]
                 if tag == "hidden/kernel_0/histogram" and step == 2][0]
    assert histogram[:, 2].sum() == 12      # every element of the 4x3 kernel


def test_tensorboard_batch_scalars_and_reader(tmp_path):
    pytest.importorskip("tensorboard")
    from tensorboard.backend.event_processing import plugin_event_accumulator
    from tensorboard.util import tensor_util
    x, y = _data()
    model = _model()
    board = callbacks.TensorBoard(tmp_path, update_freq=2, write_graph=False,
                                  write_steps_per_second=True)
    model.fit(x, y, batch_size=16, epochs=3, verbose=0, callbacks=[board])
    accumulator = plugin_event_accumulator.EventAccumulator(str(tmp_path / "train"))
    accumulator.Reload()
    tags = accumulator.Tags()["tensors"]
    for tag in ("batch_loss", "batch_accuracy", "epoch_loss", "epoch_steps_per_second",
                "batch_steps_per_second"):
        assert tag in tags
    steps = [e.step for e in accumulator.Tensors("batch_loss")]
    assert steps == [2, 4, 6, 8, 10, 12]
    losses = [float(tensor_util.make_ndarray(e.tensor_proto))
              for e in accumulator.Tensors("batch_loss")]
    assert all(np.isfinite(losses))
    with pytest.raises(ValueError, match="profile_batch"):
        callbacks.TensorBoard(tmp_path, profile_batch=(2, 4))
    with pytest.raises(ValueError, match="update_freq"):
        callbacks.TensorBoard(tmp_path, update_freq=0)
    assert callbacks.TensorBoard.chief_only


def test_tensorboard_without_the_package_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "tensorboard", None)
    monkeypatch.setitem(sys.modules, "tensorboard.compat", None)
    monkeypatch.setitem(sys.modules, "tensorboard.compat.proto", None)
    with pytest.raises(ImportError, match=r"fastgraph\[tensorboard\]"):
        callbacks.TensorBoard("logs")


# ---------------------------------------------------------- BackupAndRestore

_SCRIPT = textwrap.dedent("""
    import json, os, sys
    import numpy as np
    from fastgraph import callbacks, layers, models, utils

    backup, out, kill = sys.argv[1], sys.argv[2], sys.argv[3] == "kill"
    utils.set_random_seed(0)
    rng = np.random.default_rng(1)
    x = rng.normal(size=(96, 6)).astype(np.float32)
    y = (x[:, :2].sum(axis=1, keepdims=True) > 0).astype(np.float32)
    inp = layers.Input((6,))
    h = layers.Dropout(0.3)(layers.Dense(8, activation="relu")(inp))
    model = models.Model(inp, layers.Dense(1, activation="sigmoid")(h))
    model.compile("adam", "binary_crossentropy", metrics=["AUC"])
    seen = {"epochs": [], "weights": {}}

    class Watch(callbacks.Callback):
        def on_train_begin(self, logs=None):
            seen["start"] = [w.tolist() for w in model.get_weights()]
            seen["iterations"] = model.optimizer.iterations

        def on_epoch_begin(self, epoch, logs=None):
            seen["epochs"].append(epoch)

        def on_epoch_end(self, epoch, logs=None):
            seen["weights"][epoch] = [w.tolist() for w in model.get_weights()]

        def on_train_batch_end(self, batch, logs=None):
            if kill and seen["epochs"][-1] == 3 and batch == 2:
                os._exit(3)      # killed in the middle of epoch 3

    stages = [callbacks.BackupAndRestore(backup)] if backup != "-" else []
    model.fit(x, y, epochs=6, batch_size=16, verbose=0, callbacks=stages + [Watch()])
    seen["final"] = [w.tolist() for w in model.get_weights()]
    seen["final_iterations"] = model.optimizer.iterations
    with open(out, "w") as f:
        json.dump(seen, f)
""")


def _run(tmp_path, backup, out, mode):
    script = tmp_path / "train.py"
    script.write_text(_SCRIPT)
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(
        [os.path.dirname(os.path.dirname(models.__file__))]
        + [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]))
    return subprocess.run([sys.executable, str(script), backup, str(out), mode],
                          env=env, timeout=300, capture_output=True, text=True)


def test_backup_and_restore_resumes_a_killed_run(tmp_path):
    backup = tmp_path / "backup"
    killed = _run(tmp_path, str(backup), tmp_path / "killed.json", "kill")
    assert killed.returncode == 3, killed.stderr
    assert (backup / "backup.npz").exists()
    resumed = _run(tmp_path, str(backup), tmp_path / "resumed.json", "run")
    assert resumed.returncode == 0, resumed.stderr
    plain = _run(tmp_path, "-", tmp_path / "plain.json", "run")
    assert plain.returncode == 0, plain.stderr
    resumed = json.loads((tmp_path / "resumed.json").read_text())
    plain = json.loads((tmp_path / "plain.json").read_text())
    assert resumed["epochs"] == [3, 4, 5]          # from the epoch after the backup
    assert resumed["iterations"] == 3 * 6          # 3 epochs of 6 batches restored
    assert resumed["start"] == plain["weights"]["2"]
    assert resumed["final"] == plain["final"]      # the same run, bit for bit
    assert resumed["final_iterations"] == plain["final_iterations"] == 36
    assert not backup.exists()                     # deleted after a finished run


def test_backup_and_restore_arguments():
    with pytest.raises(ValueError, match="save_freq"):
        callbacks.BackupAndRestore("dir", save_freq=10)
    with pytest.raises(ValueError, match="backup_dir"):
        callbacks.BackupAndRestore("")


# ------------------------------------------------------------ RemoteMonitor

class _Collector(http.server.BaseHTTPRequestHandler):
    received = []

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.received.append((self.path, self.headers["Content-Type"], body))
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args):
        pass


def test_remote_monitor_posts_the_logs(tmp_path):
    from urllib.parse import parse_qs
    server = http.server.HTTPServer(("127.0.0.1", 0), _Collector)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        _Collector.received = []
        root = f"http://127.0.0.1:{server.server_address[1]}"
        x, y = _data()
        model = _model()
        history = model.fit(x, y, epochs=2, batch_size=32, verbose=0, callbacks=[
            callbacks.RemoteMonitor(root, send_as_json=True),
            callbacks.RemoteMonitor(root, path="/form/", field="payload")])
    finally:
        server.shutdown()
        server.server_close()
    as_json = [json.loads(body) for path, kind, body in _Collector.received
               if kind == "application/json"]
    forms = [json.loads(parse_qs(body.decode())["payload"][0])
             for path, kind, body in _Collector.received if path == "/form/"]
    assert len(as_json) == len(forms) == 2
    for epoch, (sent, form) in enumerate(zip(as_json, forms)):
        assert sent == form
        assert sent["epoch"] == epoch
        assert sent["loss"] == pytest.approx(history.history["loss"][epoch])
        assert sent["accuracy"] == pytest.approx(history.history["accuracy"][epoch])
    assert callbacks.RemoteMonitor.chief_only
    with pytest.warns(RuntimeWarning, match="could not reach"):
        callbacks.RemoteMonitor("http://127.0.0.1:9", timeout=2).on_epoch_end(0, {})


def test_base_logger():
    x, y = _data()
    model = _model()

    class AddValue(callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            logs["extra"] = float(batch)

    logger = callbacks.BaseLogger()
    history = model.fit(x, y, epochs=1, batch_size=16, verbose=0,
                        callbacks=[AddValue(), logger])
    assert history.history["extra"] == [1.5]     # mean of 0, 1, 2, 3
    plain = _model()
    plain.set_weights(model.get_weights())
    assert set(history.history) == {"loss", "accuracy", "extra"}


# ------------------------------------------------ Sequential's Keras 2 leftovers

def test_sequential_predict_classes_and_proba():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(10, 4)).astype(np.float32)
    multi = models.Sequential([layers.Dense(3, activation="softmax", input_shape=(4,))])
    with pytest.warns(DeprecationWarning, match=r"np.argmax\(model.predict\(x\), axis=-1\)"):
        classes = multi.predict_classes(x)
    np.testing.assert_array_equal(classes, multi.predict(x).argmax(axis=-1))
    binary = models.Sequential([layers.Dense(1, activation="sigmoid", input_shape=(4,))])
    with pytest.warns(DeprecationWarning, match="astype"):
        classes = binary.predict_classes(x)
    assert classes.dtype == np.int32 and classes.shape == (10, 1)
    np.testing.assert_array_equal(classes, (binary.predict(x) > 0.5).astype("int32"))
    with pytest.warns(DeprecationWarning, match=r"use model.predict\(x\)"):
        np.testing.assert_array_equal(binary.predict_proba(x), binary.predict(x))
    linear = models.Sequential([layers.Dense(2, input_shape=(4,))])
    with pytest.warns(RuntimeWarning, match="outside"), pytest.warns(DeprecationWarning):
        linear.predict_proba(x * 100)
