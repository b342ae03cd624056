"""Record tf-keras 2.21 outputs of backend_control_cases.py (run once with
/work/venv-tf/bin/python tests/reference/backend_control_make_reference.py)."""
import importlib.util
import os
import pathlib

import numpy as np

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
HERE = pathlib.Path(__file__).resolve().parent


def main():
    import tensorflow as tf
    import tf_keras.backend as K
    spec = importlib.util.spec_from_file_location(
        "backend_control_cases", HERE / "backend_control_cases.py")
    cases = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(cases)
    arrays = {k: tf.constant(v) for k, v in cases.ARRAYS.items()}
    out = {}
    for name, fn in cases.CASES.items():
        for i, r in enumerate(fn(K, arrays)):
            out[f"{name}/out{i}"] = np.asarray(r)
    np.savez_compressed(HERE / "backend_control_reference.npz", **out)


if __name__ == "__main__":
    main()
