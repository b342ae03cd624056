"""Write tests/reference/tensorboard_reference.json: the event files tf-keras
2.21's TensorBoard callback writes for a small fit (run once with the
reference venv, never imported by tests):

    /work/venv-tf/bin/python tests/reference/tensorboard_make_reference.py

A Dense model (layers "hidden", "out") fitted for 3 epochs of 4 batches
with validation data, TensorBoard(histogram_freq=2, update_freq=2,
write_graph=True), its optimizer's learning rate an ExponentialDecay.  For
each run directory ("train", "validation"): the sorted [tag, step, plugin]
of every summary value, and whether an op graph was written.
"""
import json
import os
import tempfile

import numpy as np
import tensorflow as tf
import tf_keras as keras

rng = np.random.default_rng(5)
x = rng.normal(size=(64, 4)).astype(np.float32)
y = (x[:, :1] > 0).astype(np.float32)
inp = keras.Input((4,))
hidden = keras.layers.Dense(3, activation="relu", name="hidden")(inp)
model = keras.Model(inp, keras.layers.Dense(1, activation="sigmoid", name="out")(hidden))
schedule = keras.optimizers.schedules.ExponentialDecay(0.1, 4, 0.5)
model.compile(keras.optimizers.legacy.SGD(schedule), "binary_crossentropy",
              metrics=["accuracy"])
out = {}
with tempfile.TemporaryDirectory() as log_dir:
    board = keras.callbacks.TensorBoard(log_dir, histogram_freq=2, update_freq=2,
                                        write_graph=True)
    model.fit(x, y, batch_size=16, epochs=3, verbose=0, validation_data=(x, y),
              callbacks=[board])
    for run in sorted(os.listdir(log_dir)):
        values, graph = [], False
        for name in sorted(os.listdir(os.path.join(log_dir, run))):
            path = os.path.join(log_dir, run, name)
            for event in tf.compat.v1.train.summary_iterator(path):
                graph = graph or event.HasField("graph_def")
                for value in event.summary.value:
                    values.append([value.tag, int(event.step),
                                   value.metadata.plugin_data.plugin_name])
        out[run] = {"values": sorted(values), "graph": graph}
with open(os.path.join(os.path.dirname(__file__), "tensorboard_reference.json"), "w") as f:
    json.dump(out, f, indent=1)
