"""What the application tests share: tf-keras's recorded numbers, a model
built without running initializers, and the seeded weights the reference
script gave tf-keras's models."""
import hashlib
import json
import pathlib
import zlib

import numpy as np

from fastgraph import applications
from fastgraph.engine import reset_uids
from fastgraph.engine.weight_scope import WeightCreationScope

REFERENCE = pathlib.Path(__file__).resolve().parents[1] / "reference"
RECORDS = json.loads((REFERENCE / "applications.json").read_text())
exec_globals = {}
exec(REFERENCE.joinpath("make_applications.py").read_text().split(
    "VARIANTS = ", 1)[1].split("# (model, kwargs")[0].join(["VARIANTS = ", ""]),
    exec_globals)
VARIANTS = exec_globals["VARIANTS"]


def build(key, **extra):
    """The application of record `key` (a model name or a variant), built
    with fresh layer names as tf-keras's after clear_session, its weights
    lazily mapped zeros (nothing is initialised or touched)."""
    name, kwargs = VARIANTS.get(key, (key, {}))
    reset_uids()
    with WeightCreationScope(1 << 40, dummy_limit=1 << 30):
        return getattr(applications, name)(weights=None, **kwargs, **extra)


def layer_rows(model):
    """(name, output shape, parameter count) of each layer."""
    rows = []
    for layer in model.layers:
        shape = layer.output_shape
        if isinstance(shape, list) and len(shape) == 1:
            shape = shape[0]
        rows.append([layer.name, list(shape) if isinstance(shape, tuple) else
                     [list(s) for s in shape], int(layer.count_params())])
    return rows


def digest(rows):
    text = "\n".join(f"{n}|{s}|{p}" for n, s, p in rows)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def record(model):
    """The numbers the reference script records for a tf-keras model."""
    trainable = int(sum(np.prod(w.shape) for w in model.trainable_weights))
    return dict(layers=len(model.layers), params=int(model.count_params()),
                trainable=trainable, output=list(model.output_shape),
                name=model.name, digest=digest(layer_rows(model)))


def seeded_weights(model):
    """Every layer's weights from a generator keyed by the layer's name (the
    reference script's function, so both sides hold the same arrays)."""
    for layer in model.layers:
        ws = layer.get_weights()
        if not ws:
            continue
        rng = np.random.default_rng(zlib.crc32(layer.name.encode()))
        new = []
        for w, var in zip(ws, layer.weights):
            fan = max(1, int(np.prod(w.shape[:-1])) if w.ndim > 1 else 1)
            if "variance" in var.name:
                a = rng.uniform(0.5, 1.5, w.shape)
            elif "count" in var.name:
                a = np.full(w.shape, 1.0)
            else:
                a = rng.uniform(-1.0, 1.0, w.shape) / np.sqrt(fan)
            new.append(a.astype(w.dtype))
        layer.set_weights(new)
