"""Write fastgraph's .h5, .keras and weights files for the check that
tf-keras and Keras 3 read them (run by hand, never imported by tests):

    python tests/reference/keras_files_write_check.py DIR
    /work/venv-tf/bin/python tests/reference/keras_files_make_reference.py check2 DIR
    /work/venv-k3/bin/python tests/reference/keras_files_make_reference.py check3 DIR

Every model of keras_files/k2_reference.npz is loaded by fastgraph from the
tf-keras fixture and saved again as `<model>.h5`, `<model>.keras` and
`<model>.weights.h5`; DIR/inputs.npz holds the inputs and fastgraph's
predictions.
"""
import os
import sys

import numpy as np

from fastgraph.saving import load_model

HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "keras_files")


def main(directory):
    os.makedirs(directory, exist_ok=True)
    ref = np.load(os.path.join(HERE, "k2_reference.npz"))
    out = {}
    for name in sorted({k.split("/")[0] for k in ref.files}):
        if name == "lambda":
            continue
        model = load_model(os.path.join(HERE, f"k2_{name}.h5"))
        xs = [ref[k] for k in sorted(ref.files) if k.startswith(f"{name}/x")]
        ys = model.predict(xs if len(xs) > 1 else xs[0], verbose=0)
        for i, x in enumerate(xs):
            out[f"{name}/x{i}"] = x
        for i, y in enumerate(ys if isinstance(ys, list) else [ys]):
            out[f"{name}/y{i}"] = y
        model.save(os.path.join(directory, f"{name}.h5"))
        model.save(os.path.join(directory, f"{name}.keras"))
        model.save_weights(os.path.join(directory, f"{name}.weights.h5"))
    np.savez(os.path.join(directory, "inputs.npz"), **out)


if __name__ == "__main__":
    main(sys.argv[1])
