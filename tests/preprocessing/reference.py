"""The tf-keras outputs recorded by tests/reference/data_tools_make_reference.py
(tf-keras 2.21) and the inputs they were recorded on."""
import importlib.util
import json
import os

import numpy as np

HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "reference")
_spec = importlib.util.spec_from_file_location(
    "data_tools_inputs", os.path.join(HERE, "data_tools_inputs.py"))
inputs = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(inputs)

with np.load(os.path.join(HERE, "data_tools_reference.npz")) as _f:
    ARRAYS = dict(_f)
with open(os.path.join(HERE, "data_tools_reference.json")) as _f:
    LISTS = json.load(_f)
