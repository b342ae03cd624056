"""Every preprocessing layer against tf-keras: outputs, dtypes, learned
vocabularies and symbolic output shapes on the cases of
tests/reference/preprocessing_cases.py, recorded once with tf-keras 2.21 by
tests/reference/preprocessing_make_reference.py."""
import importlib.util
import json
import os

import numpy as np
import pytest

from fastgraph import layers as L
from fastgraph.engine.layer import reset_uids

HERE = os.path.join(os.path.dirname(__file__), "..", "..", "reference")
_spec = importlib.util.spec_from_file_location(
    "preprocessing_cases", os.path.join(HERE, "preprocessing_cases.py"))
cases = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(cases)
REF = np.load(os.path.join(HERE, "preprocessing_reference.npz"))
with open(os.path.join(HERE, "preprocessing_reference.json"), encoding="utf-8") as f:
    META = json.load(f)
# Resampling sums in a different order than TensorFlow: float32 round-off only.
ATOL = {"resizing": 2e-3, "random": 2e-3, "center_crop": 2e-3, "normalization": 2e-5}


def _call(name):
    make, input_name, options = cases.CASES[name]
    reset_uids()
    layer = make(L)
    if "adapt" in options:
        layer.adapt(cases.INPUTS[options["adapt"]])
    kwargs = {}
    if "train" in options:
        kwargs["training"] = options["train"]
    if "count_weights" in options:
        kwargs["count_weights"] = cases.INPUTS[options["count_weights"]]
    if options.get("list"):
        x = [cases.INPUTS[n] for n in input_name]
    else:
        x = cases.INPUTS[input_name]
    return layer, layer(x, **kwargs)


@pytest.mark.parametrize("name", sorted(cases.CASES))
def test_output_matches_tf_keras(name):
    layer, y = _call(name)
    meta = META[name]
    y = y.data
    if meta["dtype"] == "string":
        assert y.dtype == object
        assert y.tolist() == meta["strings"]
    else:
        want = REF[f"{name}/y"]
        assert str(y.dtype) == meta["dtype"]
        assert y.shape == want.shape
        atol = next((v for k, v in ATOL.items() if name.startswith(k)), 1e-6)
        if want.dtype.kind == "f":
            np.testing.assert_allclose(y, want, rtol=1e-5, atol=atol)
        else:
            np.testing.assert_array_equal(y, want)
    if "vocab" in meta:
        assert layer.get_vocabulary() == meta["vocab"]


@pytest.mark.parametrize("name", sorted(cases.CASES))
def test_symbolic_shape_matches_tf_keras(name):
    make, input_name, options = cases.CASES[name]
    layer = make(L)
    if "adapt" in options:
        layer.adapt(cases.INPUTS[options["adapt"]])
    names = input_name if options.get("list") else [input_name]
    ins = [L.Input(cases.INPUTS[n].shape[1:],
                   dtype="string" if cases.INPUTS[n].dtype == object
                   else str(cases.INPUTS[n].dtype)) for n in names]
    out = layer(ins if options.get("list") else ins[0])
    assert list(out.shape) == META[name]["shape"]
    assert out.dtype == META[name]["dtype"]
