"""Produce tests/reference/preprocessing_reference.npz and .json with real
tf-keras 2.x (run once):

    /work/venv-tf/bin/python tests/reference/preprocessing_make_reference.py

Not part of the test suite (tensorflow is never imported by the library or
its tests).  For each case of preprocessing_cases.py: the npz holds
`<case>/y` (numeric outputs); the json holds, per case, `dtype` (the
output's dtype name), `strings` (string outputs, decoded), `vocab`
(get_vocabulary() when the case asks) and `shape` (the symbolic output
shape of the layer called on an Input with the input's non-batch shape)."""
import json
import os
import sys

import numpy as np

os.environ["TF_USE_LEGACY_KERAS"] = "1"
import tensorflow as tf  # noqa: E402
import tf_keras as keras  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from preprocessing_cases import CASES, INPUTS  # noqa: E402


def tf_input(name):
    a = INPUTS[name]
    return tf.constant(a.tolist()) if a.dtype == object else tf.constant(a)


def decode(a):
    return np.vectorize(lambda b: b.decode("utf-8"), otypes=[object])(a).tolist()


def main():
    arrays, meta = {}, {}
    for case, (make, input_name, options) in CASES.items():
        layer = make(keras.layers)
        if "adapt" in options:
            data = INPUTS[options["adapt"]]
            layer.adapt(np.array(data.tolist()) if data.dtype == object else data)
        kwargs = {}
        if "train" in options:
            kwargs["training"] = options["train"]
        if "count_weights" in options:
            kwargs["count_weights"] = tf_input(options["count_weights"])
        if options.get("list"):
            x = [tf_input(n) for n in input_name]
        else:
            x = tf_input(input_name)
        y = layer(x, **kwargs).numpy()
        entry = {"dtype": y.dtype.name if y.dtype != object else "string"}
        if y.dtype == object:
            entry["strings"] = decode(y)
        else:
            arrays[f"{case}/y"] = y
        if options.get("vocab"):
            vocab = layer.get_vocabulary()
            entry["vocab"] = [v.decode("utf-8") if isinstance(v, bytes) else
                              (int(v) if isinstance(v, (np.integer, int)) else v)
                              for v in vocab]
        names = input_name if options.get("list") else [input_name]
        ins = [keras.Input(INPUTS[n].shape[1:],
                           dtype="string" if INPUTS[n].dtype == object
                           else INPUTS[n].dtype.name) for n in names]
        sym = layer(ins if options.get("list") else ins[0])
        entry["shape"] = [d for d in sym.shape.as_list()]
        meta[case] = entry
        print(case, entry["dtype"], y.shape)
    np.savez_compressed(os.path.join(HERE, "preprocessing_reference.npz"), **arrays)
    with open(os.path.join(HERE, "preprocessing_reference.json"), "w") as f:
        json.dump(meta, f, ensure_ascii=False, indent=0, sort_keys=True)


if __name__ == "__main__":
    main()
