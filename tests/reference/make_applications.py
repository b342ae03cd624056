"""Records tf-keras's application models once (run with the tf-keras venv):
per model its layer count, parameter counts (total, trainable as Keras
reports them), output shape and a digest of every layer's (name, output
shape, parameter count); and, for three small models with seeded weights,
their predictions.  Writes tests/reference/applications.json and
tests/reference/applications_forward.npz.

    /work/venv-tf/bin/python tests/reference/make_applications.py [--dump DIR]

The tests import its tables and functions (tf-keras is imported only when
it runs).
"""
import hashlib
import json
import os
import sys
import zlib

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))

VARIANTS = {
    "MobileNet/alpha0.5": ("MobileNet", dict(alpha=0.5, depth_multiplier=2,
                                             input_shape=(128, 128, 3), classes=10)),
    "MobileNetV2/alpha0.35": ("MobileNetV2", dict(alpha=0.35, input_shape=(96, 96, 3))),
    "MobileNetV2/alpha1.3": ("MobileNetV2", dict(alpha=1.3, include_top=False,
                                                 pooling="max")),
    "MobileNetV3Small/minimalistic": ("MobileNetV3Small", dict(
        minimalistic=True, alpha=0.75, include_preprocessing=False)),
    "MobileNetV3Large/notop": ("MobileNetV3Large", dict(include_top=False,
                                                        pooling="avg", dropout_rate=0.0)),
    "ResNet50/notop64": ("ResNet50", dict(include_top=False, input_shape=(64, 64, 3),
                                          pooling="max")),
    "VGG16/notop32": ("VGG16", dict(include_top=False, input_shape=(32, 32, 3))),
    "VGG19/classes10": ("VGG19", dict(classes=10)),
    "InceptionV3/notop": ("InceptionV3", dict(include_top=False, input_shape=(75, 75, 3))),
    "Xception/notop": ("Xception", dict(include_top=False, pooling="avg",
                                        input_shape=(71, 71, 3))),
    "DenseNet121/notop": ("DenseNet121", dict(include_top=False, input_shape=(32, 32, 3))),
    "NASNetMobile/notop": ("NASNetMobile", dict(include_top=False, input_shape=(32, 32, 3))),
    "EfficientNetB0/notop": ("EfficientNetB0", dict(include_top=False, pooling="avg")),
    "EfficientNetV2B0/nopre": ("EfficientNetV2B0", dict(include_preprocessing=False)),
    "EfficientNetV2S/notop": ("EfficientNetV2S", dict(include_top=False,
                                                      input_shape=(64, 64, 3))),
    "ConvNeXtTiny/nopre": ("ConvNeXtTiny", dict(include_preprocessing=False,
                                                include_top=False, pooling="avg")),
    "ResNetRS50/nopre": ("ResNetRS50", dict(include_preprocessing=False,
                                            include_top=False, input_shape=(64, 64, 3))),
    "RegNetX002/notop": ("RegNetX002", dict(include_top=False, input_shape=(32, 32, 3))),
    "InceptionResNetV2/notop": ("InceptionResNetV2", dict(include_top=False,
                                                          input_shape=(75, 75, 3))),
}
# The largest models also at a small input (same layers and parameters, cheap
# shape inference): the tests build these by default, the full sizes on demand.
LARGE = ["ConvNeXtLarge", "ConvNeXtXLarge", "DenseNet201", "EfficientNetB3",
         "EfficientNetB4", "EfficientNetB5", "EfficientNetB6", "EfficientNetB7",
         "EfficientNetV2S", "EfficientNetV2M", "EfficientNetV2L", "InceptionResNetV2",
         "NASNetLarge", "RegNetX320", "RegNetY320", "ResNet152", "ResNet152V2",
         "ResNetRS270", "ResNetRS350", "ResNetRS420"]
VARIANTS.update({f"{name}/small": (name, dict(input_shape=(75, 75, 3))) for name in LARGE})
# (model, kwargs, input shape): predictions recorded with seeded weights.
FORWARD = {
    "MobileNetV3Small": (dict(input_shape=(32, 32, 3)), (2, 32, 32, 3)),
    "ResNet50": (dict(input_shape=(32, 32, 3)), (2, 32, 32, 3)),
    "EfficientNetB0": (dict(input_shape=(32, 32, 3)), (2, 32, 32, 3)),
    "ConvNeXtTiny": (dict(input_shape=(32, 32, 3)), (2, 32, 32, 3)),
}


def layer_rows(model):
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
    rows = layer_rows(model)
    trainable = int(sum(np.prod(w.shape) for w in model.trainable_weights))
    return dict(layers=len(model.layers), params=int(model.count_params()),
                trainable=trainable, output=list(model.output_shape),
                name=model.name, digest=digest(rows)), rows


def seeded_weights(model):
    """Weights of every layer from a generator keyed by the layer's name,
    so the tests rebuild the same arrays (fastgraph's tests hold the same
    function)."""
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


def main():
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import tf_keras
    from tf_keras import applications as A
    NAMES = [n for n in dir(A) if n[0].isupper()]
    dump = sys.argv[sys.argv.index("--dump") + 1] if "--dump" in sys.argv else None
    out = {}
    jobs = [(n, n, {}) for n in NAMES] + [(k, m, kw) for k, (m, kw) in VARIANTS.items()]
    only = [a for a in sys.argv[1:] if a[0].isupper()]
    for key, name, kwargs in jobs:
        if only and key not in only and key.split("/")[0] not in only:
            continue
        model = getattr(A, name)(weights=None, **kwargs)
        out[key], rows = record(model)
        print(key, out[key], flush=True)
        if dump:
            with open(os.path.join(dump, key.replace("/", "_") + ".json"), "w") as f:
                json.dump(rows, f)
        del model
        tf_keras.backend.clear_session()
    if only:
        return
    with open(os.path.join(HERE, "applications.json"), "w") as f:
        json.dump(out, f, indent=0, sort_keys=True)
    arrays = {}
    for name, (kwargs, shape) in FORWARD.items():
        model = getattr(A, name)(weights=None, **kwargs)
        seeded_weights(model)
        x = np.random.default_rng(0).uniform(0, 255, shape).astype("float32")
        arrays[name] = model.predict(x, verbose=0)
    np.savez_compressed(os.path.join(HERE, "applications_forward.npz"), **arrays)


if __name__ == "__main__":
    main()
